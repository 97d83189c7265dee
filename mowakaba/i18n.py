"""Languages of the pages: Babel catalogs (ar, fr, en) compiled in memory, dates and numbers.

The catalogs are `mowakaba/locale/<lang>/LC_MESSAGES/messages.po`, compiled when first
used (no .mo file to keep in step); `docs/pages.md` gives the pybabel commands.
"""

from __future__ import annotations

import io
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_date as babel_format_date
from babel.dates import format_datetime as babel_format_datetime
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal
from babel.support import NullTranslations, Translations
from jinja2 import pass_context
from jinja2.runtime import Context
from markupsafe import Markup

from mowakaba.enums import Language

LOCALE_DIR = Path(__file__).parent / "locale"
DOMAIN = "messages"
DEFAULT = Language.fr
# Babel locales: Morocco's Arabic writes Western digits and Moroccan month names (دجنبر).
LOCALES = {Language.ar: "ar_MA", Language.fr: "fr_MA", Language.en: "en"}
RIGHT_TO_LEFT = frozenset({Language.ar})


def catalog_path(language: Language) -> Path:
    return LOCALE_DIR / language.value / "LC_MESSAGES" / f"{DOMAIN}.po"


@lru_cache
def translations(language: Language) -> NullTranslations:
    """Return a language's translations, compiled from its .po file (fuzzy entries left out)."""
    path = catalog_path(language)
    if not path.exists():
        return NullTranslations()
    with path.open("rb") as po:
        catalog = read_po(po, locale=LOCALES[language], domain=DOMAIN)
    compiled = io.BytesIO()
    write_mo(compiled, catalog, use_fuzzy=False)
    compiled.seek(0)
    return Translations(fp=compiled, domain=DOMAIN)


def parse_language(value: str | None) -> Language | None:
    """A language from a code such as `ar`, `fr-MA` or `en_GB` (None when not ours)."""
    if not value:
        return None
    code = value.strip().replace("_", "-").split("-")[0].lower()
    return Language(code) if code in Language.__members__ else None


def from_accept_language(header: str | None) -> Language | None:
    """The first of our languages in an Accept-Language header, by its q weights."""
    if not header:
        return None
    weighted = []
    for position, part in enumerate(header.split(",")):
        code, _, params = part.strip().partition(";")
        weight = 1.0
        if params.strip().startswith("q="):
            try:
                weight = float(params.strip()[2:])
            except ValueError:
                weight = 0.0
        weighted.append((-weight, position, code))
    for _weight, _position, code in sorted(weighted):
        language = parse_language(code)
        if language is not None:
            return language
    return None


def direction(language: Language) -> str:
    """`rtl` for Arabic, `ltr` otherwise (the `dir` of the page)."""
    return "rtl" if language in RIGHT_TO_LEFT else "ltr"


def format_date(day: date, language: Language, form: str = "medium") -> str:
    """A date written for a language's readers (Babel; Western digits in Arabic too)."""
    if language == Language.ar and form == "medium":
        form = "long"  # ar_MA's medium form is all digits (29/12/2026); the month reads better
    return babel_format_date(day, form, locale=LOCALES[language])


def format_number(number: int | float, language: Language) -> str:
    """A number written for a language's readers."""
    return format_decimal(number, locale=LOCALES[language])


def format_datetime(at: datetime, language: Language, time_zone: str = "Africa/Casablanca") -> str:
    """An instant written for a language's readers, in local time (Morocco's by default)."""
    return babel_format_datetime(at, "short", tzinfo=ZoneInfo(time_zone), locale=LOCALES[language])


def gettext_functions(language: Language) -> dict[str, Any]:
    """`_`, `gettext` and `ngettext` in a language, for a Jinja2 template's context (the
    pages' and the letters'), with Jinja's new-style semantics: autoescaped, `%(name)s`
    placeholders filled from keyword arguments."""
    catalog = translations(language)

    @pass_context
    def gettext(context: Context, string: str, **variables: Any) -> str:
        text = catalog.gettext(string)
        if context.eval_ctx.autoescape:
            text = Markup(text)
        return text % variables

    @pass_context
    def ngettext(context: Context, singular: str, plural: str, num: int, **variables: Any) -> str:
        variables.setdefault("num", num)
        text = catalog.ngettext(singular, plural, num)
        if context.eval_ctx.autoescape:
            text = Markup(text)
        return text % variables

    return {"_": gettext, "gettext": gettext, "ngettext": ngettext}
