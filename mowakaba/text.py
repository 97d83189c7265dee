"""Text helpers: name search that forgives Arabic spelling variants and Latin accents."""

from __future__ import annotations

import re
import unicodedata

# Harakat, shadda, sukun, superscript alef, and the tatweel that stretches words.
_ARABIC_MARKS = re.compile("[\u064b-\u0652\u0670\u0640]")
_ARABIC_FOLD = str.maketrans(
    {
        "أ": "ا",
        "إ": "ا",
        "آ": "ا",
        "ٱ": "ا",
        "ة": "ه",
        "ى": "ي",
    }
)
ARABIC_LETTERS = re.compile("[\u0600-\u06ff]")
LATIN_LETTERS = re.compile("[A-Za-zÀ-ÿ]")


def normalise(text: str) -> str:
    """Fold a name for search: Arabic variants (أ/إ/ا, ة/ه, ى/ي, diacritics), case, accents."""
    text = _ARABIC_MARKS.sub("", text).translate(_ARABIC_FOLD)
    decomposed = unicodedata.normalize("NFKD", text)
    # Drop Latin combining accents but keep Arabic letters whole (hamza forms were folded above).
    stripped = "".join(
        ch for ch in decomposed if not (unicodedata.combining(ch) and ord(ch) < 0x0600)
    )
    stripped = unicodedata.normalize("NFKC", stripped)
    return " ".join(stripped.casefold().split())


def is_arabic(text: str) -> bool:
    """Tell whether a name is written in Arabic script (and not in Latin)."""
    return bool(ARABIC_LETTERS.search(text)) and not LATIN_LETTERS.search(text)


def is_latin(text: str) -> bool:
    """Tell whether a name is written in Latin script (and not in Arabic)."""
    return bool(LATIN_LETTERS.search(text)) and not ARABIC_LETTERS.search(text)


# ---------------------------------------------------------------- what input text may hold

ZWNJ, ZWJ = "\u200c", "\u200d"  # Arabic and Persian shaping needs them: kept everywhere
# Direction marks (LRM, RLM, ALM): harmless in a note that mixes Arabic and French, refused
# in a name, where nothing needs them and they only make two names look alike.
DIRECTION_MARKS = frozenset("\u200e\u200f\u061c")
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
LINE_BREAKS = frozenset("\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029")


class UnsafeText(ValueError):
    """Text holding a character that has no place in a name or a note."""


def clean_text(text: str, *, multiline: bool = False) -> str:
    """Return text in NFC, or raise UnsafeText naming the first character refused.

    Refused everywhere: control characters (Unicode Cc), invisible format characters
    (Cf: zero-width space, BOM, bidirectional overrides and isolates...) except ZWNJ and
    ZWJ, surrogates, private-use characters and noncharacters. Multi-line free text
    (`multiline`) also keeps line feeds (CR LF and CR become LF), tabs and the direction
    marks LRM, RLM and ALM; a name or a short text keeps none of them.
    """
    if multiline:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = unicodedata.normalize("NFC", text)
    for ch in text:
        problem = refused(ch, multiline=multiline)
        if problem:
            raise UnsafeText(f"contains {problem} (U+{ord(ch):04X})")
    return text


def refused(ch: str, *, multiline: bool = False) -> str | None:
    """Say why one character is refused (None: it is allowed)."""
    if multiline and ch in "\n\t":
        return None
    category = unicodedata.category(ch)
    if ch in LINE_BREAKS:
        return "a line break"
    if category == "Cc":
        return "a control character"
    if ch in BIDI_CONTROLS:
        return "a bidirectional control character"
    if ch in DIRECTION_MARKS:
        return None if multiline else "a direction mark"
    if category == "Cf" and ch not in (ZWNJ, ZWJ):
        return "an invisible format character"
    if category == "Cs":
        return "a surrogate"
    if category == "Co":
        return "a private-use character"
    if _noncharacter(ord(ch)):
        return "a noncharacter"
    return None


def _noncharacter(code: int) -> bool:
    return 0xFDD0 <= code <= 0xFDEF or (code & 0xFFFE) == 0xFFFE
