"""The pages' Jinja2 environment: strict, autoescaping, every string through gettext."""

from __future__ import annotations

import jinja2
from fastapi.templating import Jinja2Templates

from mowakaba.settings import REPO_ROOT

environment = jinja2.Environment(
    loader=jinja2.FileSystemLoader(str(REPO_ROOT / "templates")),
    undefined=jinja2.StrictUndefined,
    autoescape=True,
    extensions=["jinja2.ext.i18n"],
)
environment.install_null_translations(newstyle=True)  # type: ignore[attr-defined]
templates = Jinja2Templates(env=environment)
