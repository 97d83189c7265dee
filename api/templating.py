"""The pages' Jinja2 environment: strict, autoescaping, every string through gettext.

The environment is shared; a page's language is not: `gettext_functions` gives the
`_`/`gettext`/`ngettext` of one language, passed in the template's context (context
names shadow the environment's null translations), with Jinja's new-style semantics
(autoescaped, `%(name)s` placeholders filled from keyword arguments).
"""

from __future__ import annotations

from typing import Any

import jinja2
from fastapi import Request
from fastapi.templating import Jinja2Templates

from mowakaba import i18n
from mowakaba.enums import Language
from mowakaba.i18n import gettext_functions
from mowakaba.settings import REPO_ROOT

__all__ = ["environment", "gettext_functions", "language_context", "request_language"]

environment = jinja2.Environment(
    loader=jinja2.FileSystemLoader(str(REPO_ROOT / "templates")),
    undefined=jinja2.StrictUndefined,
    autoescape=True,
    extensions=["jinja2.ext.i18n"],
)
environment.install_null_translations(newstyle=True)  # type: ignore[attr-defined]
templates = Jinja2Templates(env=environment)
LANGUAGE_COOKIE = "mowakaba_language"


def request_language(request: Request) -> Language:
    """The language of a page: the signed-in user's, else the cookie's, else the browser's."""
    chosen = getattr(request.state, "language", None)
    if chosen is not None:
        return chosen
    return (
        i18n.parse_language(request.cookies.get(LANGUAGE_COOKIE))
        or i18n.from_accept_language(request.headers.get("accept-language"))
        or i18n.DEFAULT
    )


def language_context(language: Language) -> dict[str, Any]:
    """What every translated template needs: gettext in the language, `lang` and `dir`."""
    return {**gettext_functions(language), "language": language.value,
            "direction": i18n.direction(language)}  # fmt: skip
