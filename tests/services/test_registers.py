"""Importing an institution's register: read, mapped, every row checked, one transaction."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlmodel import func, select

from mowakaba.enums import Role, Sex, Stage
from mowakaba.errors import RegisterHasErrors, RegisterMapping, RegisterUnreadable
from mowakaba.models import Youth
from mowakaba.services import registers
from mowakaba.services.registers import fields
from tests.factories import at, make_institution, make_user, make_youth

TODAY = date(2026, 11, 30)
SAMPLE = Path(__file__).parents[2] / "docs" / "sample-register.csv"
HEADER = "Nom;Prénom;Date de naissance;Sexe;Date d'admission;Niveau scolaire;Formation"
CLEAN = [
    "Benali;Amine;15/03/2012;M;01/09/2019;Collège;Aucune",
    "Tazi;Salma;22/07/2010;F;03/03/2020;Lycée;Qualification",
]


def csv(*lines: str, encoding: str = "utf-8") -> bytes:
    return "\n".join(lines).encode(encoding)


def youths(session) -> int:
    return session.exec(select(func.count()).select_from(Youth)).one()


def run(session, institution, data: bytes, name: str = "r.csv", **kw):
    table = registers.read_register(data, filename=name)
    mapping = registers.suggest_mapping(table.headers)
    return registers.run_register(
        session, table=table, mapping=mapping, institution_id=institution.pk,
        as_of=at(TODAY), **kw,
    )  # fmt: skip


@pytest.fixture
def institution(session):
    return make_institution(session)


def test_the_sample_registers_errors_are_all_reported_with_row_and_column(session, institution):
    report = run(session, institution, SAMPLE.read_bytes())
    found = sorted((e.row, e.column) for e in report.errors)
    assert found == [
        (4, "Date de naissance"),  # 31/02/2011
        (5, "Sexe"),  # empty
        (6, "Niveau scolaire"),  # "Formation coranique"
        (8, "Prénom"),  # the same youth as row 2
        (14, "Date d'admission"),  # admitted before birth: the registration's own rule
    ]
    assert report.count("valid") == 8 and youths(session) == 0  # a check changes nothing
    assert next(e for e in report.errors if e.row == 8).params == {"row": 2}


def test_the_sample_imports_whole_only_when_clean(session, institution):
    with pytest.raises(RegisterHasErrors):
        run(session, institution, SAMPLE.read_bytes(), import_rows=True)
    session.rollback()
    assert youths(session) == 0


def test_valid_rows_only_import_and_a_second_import_creates_nothing(session, institution):
    report = run(session, institution, SAMPLE.read_bytes(), import_rows=True, valid_only=True)
    assert len(report.imported) == 8 and youths(session) == 8
    again = run(session, institution, SAMPLE.read_bytes(), import_rows=True, valid_only=True)
    assert (
        again.imported == [] and again.count("registered") == 9 and youths(session) == 8
    )  # row 8 too
    # The Arabic-Indic dates of row 7 were read as dates.
    khadija = session.exec(select(Youth).where(Youth.first_name == "Khadija")).one()
    assert khadija.date_of_birth == date(2011, 4, 17) and khadija.admission_date == date(
        2023, 1, 12
    )


def test_a_clean_file_imports_and_starts_pathways(session, institution):
    report = run(session, institution, csv(HEADER, *CLEAN), import_rows=True)
    assert report.clean and len(report.imported) == 2
    amine = session.get(Youth, report.imported[0])
    assert amine.sex == Sex.male and amine.date_of_birth == date(2012, 3, 15)
    assert amine.stage == Stage.intake  # reconciled at once, as a single registration is


def test_a_youth_already_registered_is_skipped_not_duplicated(session, institution):
    mediator = make_user(session, Role.mediator, [institution])
    make_youth(session, institution, mediator, as_of=at(TODAY))  # Amine Benali, 15/03/2012
    before = youths(session)
    report = run(session, institution, csv(HEADER, *CLEAN), import_rows=True)
    assert report.count("registered") == 1 and len(report.imported) == 1
    assert youths(session) == before + 1


def test_windows_1256_and_tab_delimiters_are_read(session, institution):
    header = "النسب\tالاسم\tتاريخ الازدياد\tالجنس\tتاريخ الإيداع\tالمستوى الدراسي\tالتكوين المهني"
    row = "بنعلي\tأمين\t15/03/2012\tذكر\t01/09/2019\tإعدادي\tبدون"
    table = registers.read_register(csv(header, row, encoding="cp1256"), filename="r.csv")
    assert table.encoding == "cp1256" and table.delimiter == "\t"
    report = run(session, institution, csv(header, row, encoding="cp1256"))
    assert report.clean and report.count("valid") == 1


def test_latin_1_is_read(session, institution):
    report = run(session, institution, csv(HEADER, *CLEAN, encoding="latin-1"))
    assert report.clean and report.count("valid") == 2


def xlsx(rows, merge: str | None = None) -> bytes:
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    if merge:
        sheet.merge_cells(merge)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_xlsx_with_date_cells_imports(session, institution):
    data = xlsx([HEADER.split(";"), ["Benali", "Amine", date(2012, 3, 15), "M",
                 date(2019, 9, 1), "Collège", "Aucune"]])  # fmt: skip
    report = run(session, institution, data, name="r.xlsx", import_rows=True)
    assert report.clean and len(report.imported) == 1


def test_merged_cells_are_an_error_of_the_rows_they_cover(session, institution):
    rows = [HEADER.split(";"), *[line.split(";") for line in CLEAN]]
    rows[2][5] = None
    report = run(session, institution, xlsx(rows, merge="F2:F3"), name="r.xlsx")
    assert sorted((e.row, e.column) for e in report.errors) == [
        (2, "Niveau scolaire"), (3, "Niveau scolaire")
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("data", "name", "reason"),
    [
        (b"", "r.csv", "empty"),
        (b"x" * (6 * 1024 * 1024), "r.csv", "too_large"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "r.csv", "xls"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "r.xls", "xls"),
        (b"PK\x03\x04garbage", "r.xlsx", "format"),
        (b"a;b\n", "r.csv", "no_rows"),
        (b"hello", "r.pdf", "format"),
        ("Nom;Prénom".encode("utf-16"), "r.csv", "encoding"),
    ],
)
def test_unreadable_files_are_refused_with_a_reason(data, name, reason):
    with pytest.raises(RegisterUnreadable) as refused:
        registers.read_register(data, filename=name)
    assert refused.value.reason == reason


def test_a_formula_is_a_row_error(session, institution):
    report = run(session, institution, csv(HEADER, "=HYPERLINK(\"x\");Amine;15/03/2012;M;"
                                           "01/09/2019;Collège;Aucune"))  # fmt: skip
    assert [(e.row, e.column) for e in report.errors] == [(2, "Nom")]


def test_a_mapping_without_a_needed_field_is_refused(session, institution):
    table = registers.read_register(csv(HEADER, *CLEAN), filename="r.csv")
    with pytest.raises(RegisterMapping):
        registers.check_mapping(table, [None] * len(table.headers))
    with pytest.raises(RegisterMapping):
        registers.check_mapping(table, ["last_name"] * len(table.headers))


@pytest.mark.parametrize(
    ("text", "expected"),
    [("14/03/2008", date(2008, 3, 14)), ("4-3-2008", date(2008, 3, 4)),
     ("2008-03-14", date(2008, 3, 14)), ("١٤/٠٣/٢٠٠٨", date(2008, 3, 14)),
     ("۱۴/۰۳/۲۰۰۸", date(2008, 3, 14)), ("2008-03-14 00:00:00", date(2008, 3, 14))],
)  # fmt: skip
def test_dates_are_read_in_every_way_a_register_writes_them(text, expected):
    assert fields.parse_date(text) == expected


@pytest.mark.parametrize("text", ["31/02/2011", "14/03/08", "mars 2008", "2008"])
def test_a_date_that_is_not_one_is_refused(text):
    with pytest.raises(fields.BadValue):
        fields.parse_date(text)


def test_headers_in_three_languages_suggest_their_fields():
    assert registers.suggest_mapping(
        ["Date de naissance", "تاريخ الازدياد", "DOB", "SEXE", "الجنس", "N° dossier"]
    ) == ["date_of_birth", None, None, "sex", None, None]  # one column per field
    assert registers.suggest_mapping(["تاريخ الازدياد", "Gender", "Prénom (arabe)"]) == [
        "date_of_birth", "sex", "first_name_ar"
    ]  # fmt: skip


def test_a_merged_header_is_refused_and_blank_rows_keep_excel_numbers(session, institution):
    rows = [["Registre 2026"], HEADER.split(";"), *[line.split(";") for line in CLEAN]]
    with pytest.raises(RegisterUnreadable) as refused:
        registers.read_register(xlsx(rows, merge="A2:B2"), filename="r.xlsx")
    assert refused.value.reason == "merged_header"
    spaced = [rows[1], [], rows[2], [], rows[3]]
    table = registers.read_register(xlsx(spaced), filename="r.xlsx")
    assert [row.number for row in table.rows] == [3, 5]
