"""The password policy, table-driven (issue 10, defect 6)."""

from __future__ import annotations

import pytest

from mowakaba.errors import WeakPassword
from mowakaba.services import passwords


@pytest.mark.parametrize(
    ("password", "why"),
    [
        ("password", "at least 12"),
        ("short-one", "at least 12"),
        ("x" * 257, "at most 256"),
        ("qwertyuiop123", "too common"),  # in the shipped list as it is
        ("Password2024!", "too common"),  # a common word with digits and punctuation
        ("  dragon123456  ", "too common"),
        ("123456789012", "letters"),
        ("aaaaaaaaaaaa", "too few"),
        ("Mediator.Karim", "user name"),
        ("my-mediator.karim-pass", "user name"),
    ],
)
def test_weak_passwords_are_refused_with_the_reason(password, why):
    with pytest.raises(WeakPassword, match=why):
        passwords.check_password(password, username="mediator.karim")


@pytest.mark.parametrize(
    "password", ["correct horse battery", "kasbah sunrise 42", "mowakaba-demo", "Tz8#qLp2vR!m"]
)
def test_good_passwords_pass(password):
    passwords.check_password(password, username="mediator.karim")


def test_the_common_list_is_shipped_lower_case_and_large():
    common = passwords.common_passwords()
    assert len(common) >= 10_000 and "password" in common and "123456" in common
    assert all(p == p.lower() for p in common)


def test_generated_passwords_follow_the_policy():
    for _ in range(50):
        passwords.check_password(passwords.generate_password(), username="someone")
