"""What every printed page shares: the Jinja2 environment of `templates/`, the print CSS,
and a rendered page that makes its PDF with WeasyPrint when first asked for.

Referral letters (mowakaba/letters.py) and the toolkit's documents (mowakaba/documents.py)
are printed alike: HTML with one inline style (A4, @page, the Noto fonts, right to left in
Arabic), its CSP hash, and a PDF whose Arabic Pango shapes (fonts-noto-core).
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path

import jinja2

from mowakaba.enums import Language
from mowakaba.settings import REPO_ROOT

TEMPLATES = REPO_ROOT / "templates"


@lru_cache
def environment() -> jinja2.Environment:
    """The printed pages' Jinja2 environment: strict, autoescaping, gettext from the context."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        undefined=jinja2.StrictUndefined,
        autoescape=True,
        extensions=["jinja2.ext.i18n"],
    )
    env.install_null_translations(newstyle=True)  # type: ignore[attr-defined]
    return env


@lru_cache
def read_style(*paths: Path) -> str:
    """The CSS of a printed page: these files of ours, one after the other."""
    return "\n".join(path.read_text(encoding="utf-8") for path in paths)


def style_hash(css: str) -> str:
    """The CSP source of an inline style (`'sha256-…'`)."""
    digest = hashlib.sha256(css.encode("utf-8")).digest()
    return f"'sha256-{base64.b64encode(digest).decode('ascii')}'"


@dataclass(frozen=True)
class Printed:
    """A rendered page to print: its HTML, its PDF (made when first asked for), a file name."""

    html: str
    filename: str
    language: Language
    css: str
    base_url: Path = TEMPLATES

    @cached_property
    def pdf(self) -> bytes:
        from weasyprint import HTML  # slow to import: only when a PDF is wanted

        document = HTML(string=self.html, base_url=str(self.base_url))
        return bytes(document.write_pdf())

    @property
    def style_hash(self) -> str:
        """The CSP source of the page's inline style (`'sha256-…'`)."""
        return style_hash(self.css)
