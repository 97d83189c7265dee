"""Every string of the pages is translated in ar, fr and en: none missing, none fuzzy."""

from __future__ import annotations

import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from mowakaba import i18n
from mowakaba.enums import Language
from mowakaba.settings import REPO_ROOT

POT = i18n.LOCALE_DIR / "messages.pot"


def msgids(catalog) -> set[str]:  # type: ignore[no-untyped-def]
    return {m.id if isinstance(m.id, str) else m.id[0] for m in catalog if m.id}


@pytest.fixture(scope="module")
def extracted(tmp_path_factory):  # type: ignore[no-untyped-def]
    """The strings the code holds today, extracted as docs/pages.md says."""
    out = tmp_path_factory.mktemp("pot") / "messages.pot"
    subprocess.run(
        [str(Path(sys.executable).parent / "pybabel"), "-q", "extract", "-F", "babel.cfg",
         "-o", str(out), "--no-location", "--sort-output", "."],
        cwd=REPO_ROOT, check=True,
    )  # fmt: skip
    with out.open("rb") as f:
        return read_po(f)


def test_the_template_holds_every_string_of_the_code(extracted):
    with POT.open("rb") as f:
        assert msgids(read_po(f)) == msgids(extracted), "run the pybabel extract of docs/pages.md"


@pytest.mark.parametrize("language", list(Language), ids=str)
def test_a_catalog_translates_every_string_and_nothing_fuzzy(language, extracted):
    with i18n.catalog_path(language).open("rb") as f:
        catalog = read_po(f, locale=i18n.LOCALES[language])
    assert not catalog.fuzzy, "the catalog's header is marked fuzzy"
    assert msgids(extracted) - msgids(catalog) == set(), "run pybabel update"
    problems = []
    for message in catalog:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        forms = catalog.num_plurals if message.pluralizable else 1
        if message.fuzzy or not all(strings) or len(strings) != forms:
            problems.append(message.id)
    assert problems == []
    assert [m.id for m in catalog.obsolete.values()] == []


def test_arabic_dates_and_numbers_use_western_digits_and_moroccan_months():
    assert i18n.format_date(date(2026, 12, 29), Language.ar, "long") == "29 دجنبر 2026"
    assert i18n.format_number(1234, Language.ar) == "1.234"
    assert i18n.format_date(date(2026, 12, 29), Language.fr, "long") == "29 décembre 2026"


def test_languages_are_read_from_codes_and_accept_language():
    assert i18n.parse_language("fr-MA") == Language.fr and i18n.parse_language("de") is None
    assert i18n.from_accept_language("de;q=1, ar;q=0.5, en;q=0.8") == Language.en
    assert i18n.direction(Language.ar) == "rtl" and i18n.direction(Language.fr) == "ltr"
