"""The password policy: long enough, not common, not the user name (issue 10, defect 6)."""

from __future__ import annotations

import secrets
import string
from functools import lru_cache
from pathlib import Path

from mowakaba.errors import WeakPassword

MIN_LENGTH = 12
# Argon2 hashes anything, but a megabyte password is a denial of service, not a secret.
MAX_LENGTH = 256
COMMON = Path(__file__).resolve().parent.parent / "data" / "common-passwords.txt"
# Stripped from both ends before the list is looked up: "password2024!" is "password".
DECORATION = string.digits + string.punctuation + " "


@lru_cache
def common_passwords() -> frozenset[str]:
    """The shipped list of common passwords (lower-case)."""
    lines = COMMON.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip() for line in lines if line.strip() and not line.startswith("#"))


def check_password(password: str, *, username: str) -> None:
    """Raise WeakPassword unless a password follows the policy."""
    if len(password) < MIN_LENGTH:
        raise WeakPassword(f"the password needs at least {MIN_LENGTH} characters")
    if len(password) > MAX_LENGTH:
        raise WeakPassword(f"the password has at most {MAX_LENGTH} characters")
    lowered = password.lower()
    name = username.strip().lower()
    if name and (lowered == name or (len(name) >= 3 and name in lowered)):
        raise WeakPassword("the password must not contain the user name")
    if len(set(lowered)) < 4:
        raise WeakPassword("the password repeats too few characters")
    squeezed = "".join(lowered.split())
    if not squeezed.strip(DECORATION):
        raise WeakPassword("the password needs letters, not only digits and punctuation")
    candidates = {lowered, squeezed, squeezed.strip(DECORATION), squeezed.rstrip(DECORATION)}
    candidates.add(squeezed.lstrip(DECORATION))
    if candidates & common_passwords():
        raise WeakPassword("the password is too common: choose another")


def generate_password() -> str:
    """A random temporary password that follows the policy (20 URL-safe characters)."""
    while True:
        password = secrets.token_urlsafe(15)
        if len(set(password.lower())) >= 4:
            return password
