"""Tables to CSV and XLSX: formula-like text neutralised, numbers kept, Arabic intact."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime

import pytest
from openpyxl import load_workbook

from mowakaba.export import Table, neutralise, to_csv, to_xlsx

ATTACKS = ['=HYPERLINK("http://evil.example","x")', "+1", "@SUM(A1:A2)", "-2+3",
           "\t=1+1", "\r=1+1", "   =cmd|' /C calc'!A0"]  # fmt: skip


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ('=HYPERLINK("x")', '\'=HYPERLINK("x")'),
        ("+1", "'+1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("-2+3", "'-2+3"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("  =1", "'  =1"),  # after leading spaces too
        ("Amina El Idrissi", "Amina El Idrissi"),
        ("أمينة", "أمينة"),
        ("a=b", "a=b"),  # only the first character counts
        ("", ""),
        (-2, -2),  # a plain negative number stays a number
        (-2.5, -2.5),
        (0, 0),
        (None, None),
        (True, True),
        (date(2026, 1, 2), date(2026, 1, 2)),
    ],
)
def test_neutralise_prefixes_formula_like_text_only(value, expected):
    assert neutralise(value) == expected


def table(rows, rtl=False):
    return Table(title="Jeunes / liste", headers=["الرمز", "Nom", "Montant"], rows=rows, rtl=rtl)


def test_csv_starts_with_a_bom_uses_crlf_and_keeps_arabic():
    data = to_csv(table([["Y-1", "أمينة الإدريسي", 3], ["Y-2", "Karim", -4]]))
    assert data.startswith(b"\xef\xbb\xbf")
    text = data.decode("utf-8-sig")
    assert text.split("\r\n")[:3] == ["الرمز,Nom,Montant", "Y-1,أمينة الإدريسي,3", "Y-2,Karim,-4"]
    assert text.endswith("\r\n")


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        (date(2026, 11, 30), "2026-11-30"),
        (datetime(2026, 11, 30, 9, 5), "2026-11-30 09:05"),
        (True, "TRUE"),
        (None, ""),
        (1.5, "1.5"),
    ],
)
def test_csv_writes_dates_in_iso_and_plain_values(value, cell):
    rows = list(csv.reader(io.StringIO(to_csv(table([[value, "", ""]])).decode("utf-8-sig"))))
    assert rows[1][0] == cell


def test_csv_neutralises_every_attack():
    rows = [[attack, attack, -7] for attack in ATTACKS]
    text = to_csv(table(rows)).decode("utf-8-sig")
    read = list(csv.reader(io.StringIO(text, newline="")))[1:]
    for attack, row in zip(ATTACKS, read, strict=True):
        assert row[0] == row[1] == "'" + attack
        assert row[2] == "-7"


def open_xlsx(data: bytes):
    return load_workbook(io.BytesIO(data)).active


def test_xlsx_writes_attacks_as_string_cells_never_formulas():
    sheet = open_xlsx(to_xlsx(table([[attack, attack, -7] for attack in ATTACKS])))
    for row_no, attack in enumerate(ATTACKS, start=2):
        cell = sheet.cell(row=row_no, column=1)
        assert cell.data_type == "s", attack
        assert (
            cell.value.lstrip() == attack.lstrip()
        )  # the text, shown as text (XML reads \r as \n)
        assert cell.quotePrefix
        number = sheet.cell(row=row_no, column=3)
        assert (number.data_type, number.value) == ("n", -7)


def test_xlsx_has_a_bold_frozen_header_real_dates_and_widths():
    rows = [["Y-1", date(2010, 5, 17), 3], ["Y-2", datetime(2026, 1, 2, 8, 30, tzinfo=UTC), None]]
    sheet = open_xlsx(to_xlsx(table(rows)))
    assert [c.value for c in sheet[1]] == ["الرمز", "Nom", "Montant"]
    assert all(c.font.bold for c in sheet[1])
    assert sheet.freeze_panes == "A2"
    assert sheet.cell(row=2, column=2).is_date
    assert sheet.cell(row=2, column=2).value.date() == date(2010, 5, 17)
    assert sheet.cell(row=3, column=2).value == datetime(2026, 1, 2, 8, 30)  # wall time
    assert sheet.column_dimensions["B"].width >= 10
    assert sheet.title == "Jeunes   liste"  # "/" is not allowed in a sheet's name
    assert not sheet.sheet_view.rightToLeft


def test_xlsx_reads_right_to_left_in_arabic_and_keeps_arabic():
    sheet = open_xlsx(to_xlsx(table([["Y-1", "أمينة", 1]], rtl=True)))
    assert sheet.sheet_view.rightToLeft
    assert sheet.cell(row=2, column=2).value == "أمينة"


def test_xlsx_drops_control_characters_xml_cannot_hold():
    sheet = open_xlsx(to_xlsx(table([["a\x00b\x1fc", "", ""]])))
    assert sheet.cell(row=2, column=1).value == "abc"
