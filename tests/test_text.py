"""What a name or a note may hold: NFC, Arabic shaping kept, invisible controls refused."""

from __future__ import annotations

import unicodedata

import pytest

from mowakaba.text import UnsafeText, clean_text


@pytest.mark.parametrize(
    "name",
    ["محمد", "فاطمة الزهراء", "می\u200cخواهم", "Amine", "Zoé", "Hélène-Françoise", "O'Brien",
     "عبد\u200dالله"],
)  # fmt: skip
def test_ordinary_arabic_persian_and_latin_names_pass_unchanged(name):
    assert clean_text(name) == name


def test_a_name_typed_decomposed_is_stored_composed():
    decomposed = unicodedata.normalize("NFD", "Zoé Hélène")
    assert decomposed != "Zoé Hélène"
    assert clean_text(decomposed) == "Zoé Hélène"


def test_free_text_keeps_line_feeds_tabs_and_direction_marks_and_folds_carriage_returns():
    assert clean_text("un\r\ndeux\rtrois\tquatre", multiline=True) == "un\ndeux\ntrois\tquatre"
    assert clean_text("rendez-vous \u200fمع\u200f الأسرة", multiline=True)


@pytest.mark.parametrize(
    "char, why",
    [
        ("\x00", "a control character (U+0000)"),
        ("\x1b", "a control character (U+001B)"),
        ("\x7f", "a control character (U+007F)"),
        ("\x9b", "a control character (U+009B)"),
        ("\n", "a line break (U+000A)"),
        ("\r", "a line break (U+000D)"),
        ("\t", "a control character (U+0009)"),
        ("\u2028", "a line break (U+2028)"),
        ("\u202e", "a bidirectional control character (U+202E)"),
        ("\u202a", "a bidirectional control character (U+202A)"),
        ("\u2066", "a bidirectional control character (U+2066)"),
        ("\u2069", "a bidirectional control character (U+2069)"),
        ("\u200e", "a direction mark (U+200E)"),
        ("\u200f", "a direction mark (U+200F)"),
        ("\u200b", "an invisible format character (U+200B)"),
        ("\ufeff", "an invisible format character (U+FEFF)"),
        ("\u2060", "an invisible format character (U+2060)"),
        ("\u00ad", "an invisible format character (U+00AD)"),
        ("\ud800", "a surrogate (U+D800)"),
        ("\ue000", "a private-use character (U+E000)"),
        ("\ufffe", "a noncharacter (U+FFFE)"),
        ("\ufdd0", "a noncharacter (U+FDD0)"),
    ],
)
def test_a_name_with_an_invisible_or_control_character_is_refused_naming_it(char, why):
    with pytest.raises(UnsafeText) as refused:
        clean_text(f"Ami{char}ne")
    assert str(refused.value) == f"contains {why}"


@pytest.mark.parametrize("char", ["\x00", "\x1b", "\u202e", "\u200b", "\ufeff", "\u2066"])
def test_free_text_refuses_controls_and_bidi_overrides_too(char):
    with pytest.raises(UnsafeText):
        clean_text(f"une note{char}", multiline=True)
