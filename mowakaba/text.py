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
