"""The CNDP declaration's generated part: the processing as the data model holds it.

`render()` reads `SQLModel.metadata` (every table, classified into a data category by
`TABLES`; the columns whose `info` says `sensitive`, mowakaba/models/columns.py), the
allow-list of `mowakaba/disclosure.py` (who sees which personal field) and the retention
settings, and writes Markdown. `splice()` puts it between two marker comments of
docs/privacy.md; `mowakaba privacy declaration --write` does both, and
tests/test_privacy_declaration.py fails when the file is stale or a table has no category.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy import MetaData, Table

from mowakaba import disclosure
from mowakaba.enums import RecordClass, Role

BEGIN = "<!-- BEGIN GENERATED: mowakaba privacy declaration --write -->"
END = "<!-- END GENERATED -->"


class Category(StrEnum):
    identity = "identity"
    contact = "contact"
    family = "family / guardianship"
    health = "health / sensitive"
    justice = "justice and incidents"
    education = "education / training"
    pathway = "pathway & work"
    referrals = "referrals & sharing"
    documents = "documents"
    security = "audit & security"
    system = "system"


@dataclass(frozen=True)
class Kept:
    """A table's category, and the record class whose retention applies to it (None: kept
    while it is in use: accounts, institutions, calendars, the partner directory)."""

    category: Category
    record_class: RecordClass | None = None


C, R = Category, RecordClass
# Every table of the data model. A new table fails tests/test_privacy_declaration.py until
# it is classified here (and docs/privacy.md regenerated).
TABLES: dict[str, Kept] = {
    "youth": Kept(C.identity, R.case_file),
    "contact": Kept(C.contact, R.case_file),
    "guardianship": Kept(C.family, R.case_file),
    "consent": Kept(C.referrals, R.case_file),
    "case_note": Kept(C.health, R.sensitive_notes),
    "case_note_version": Kept(C.health, R.sensitive_notes),
    "incident": Kept(C.justice, R.case_file),
    "assessment": Kept(C.pathway, R.case_file),
    "assessment_axis": Kept(C.pathway, R.case_file),
    "plan": Kept(C.pathway, R.case_file),
    "milestone": Kept(C.pathway, R.case_file),
    "work_item": Kept(C.pathway, R.case_file),
    "escalation": Kept(C.pathway, R.case_file),
    "exit_extension": Kept(C.pathway, R.case_file),
    "follow_up": Kept(C.pathway, R.case_file),
    "pathway_event": Kept(C.pathway, R.case_file),
    "transfer": Kept(C.pathway, R.case_file),
    "referral": Kept(C.referrals, R.case_file),
    "referral_transition": Kept(C.referrals, R.case_file),
    "partner": Kept(C.referrals),
    "partner_service": Kept(C.referrals),
    "document": Kept(C.documents, R.documents),
    "audit_event": Kept(C.security, R.audit_trail),
    "user_account": Kept(C.security),
    "user_institution": Kept(C.security),
    "auth_token": Kept(C.security),
    "login_failure": Kept(C.security),
    "idempotency_record": Kept(C.system),
    "notification": Kept(C.system, R.notifications),
    "delivery_attempt": Kept(C.system, R.notifications),
    "sms_message": Kept(C.system, R.notifications),
    "sms_attempt": Kept(C.system, R.notifications),
    "institution": Kept(C.system),
    "holiday": Kept(C.system),
    "calendar_year": Kept(C.system),
    "national_holiday": Kept(C.system),
    "national_calendar_year": Kept(C.system),
    "indicator_snapshot": Kept(C.system),
    # Kept as the proof of what was held, asked and purged (ids, dates, reasons; no content).
    "legal_hold": Kept(C.security),
    "privacy_request": Kept(C.security),
    "retention_purge": Kept(C.security),
}
# Columns of a table whose data belong to another category than the table's.
COLUMNS: dict[str, Category] = {
    "youth.education_level": C.education,
    "youth.vocational_level": C.education,
    "youth.notes": C.health,
    "follow_up.health_coverage": C.health,
    "follow_up.well_being": C.health,
    "assessment.notes": C.health,
    "assessment_axis.needs": C.health,
    "incident.description": C.health,
    "referral.shared": C.referrals,
}

# record class → (the setting that holds its period, its unit, what starts the clock).
RETENTION: dict[RecordClass, tuple[str, str, str]] = {
    R.case_file: ("case_file_years", "years", "the file's closure"),
    R.sensitive_notes: ("sensitive_notes_years", "years", "the file's closure"),
    R.documents: ("documents_years", "years", "the file's closure"),
    R.audit_trail: ("audit_trail_years", "years", "the event"),
    R.notifications: ("notifications_months", "months", "the message's creation"),
    R.run_history: ("run_history_months", "months", "the flow run (Prefect's database)"),
}
NOT_SET = "not set: kept"


def unclassified(metadata: MetaData) -> list[str]:
    """The tables of the data model that `TABLES` does not classify."""
    return sorted(set(metadata.tables) - set(TABLES))


def retention_period(settings: Any, record_class: RecordClass) -> str:
    """How long a record class is kept, from `settings.retention` (NOT_SET without it)."""
    name, unit, _ = RETENTION[record_class]
    value = getattr(getattr(settings, "retention", None), name, None)
    return NOT_SET if value is None else f"{value} {unit}"


def sensitive_columns(table: Table) -> list[str]:
    return [c.name for c in table.columns if c.info.get("sensitive")]


def _row(cells: Iterable[object]) -> str:
    return "| " + " | ".join(str(c) for c in cells) + " |"


def _code(names: Iterable[str]) -> str:
    return ", ".join(f"`{n}`" for n in names) or "—"


def render(metadata: MetaData, settings: Any) -> str:
    """The declaration's generated part, in Markdown."""
    missing = unclassified(metadata)
    if missing:
        raise ValueError(f"tables without a data category: {', '.join(missing)}")
    tables = {name: metadata.tables[name] for name in sorted(metadata.tables)}
    out = [BEGIN, "", "_Generated from the data model by `mowakaba privacy declaration "
           "--write`: do not edit by hand._", ""]  # fmt: skip
    out += ["### Categories of data", "",
            _row(["category", "tables", "columns of other tables", "sensitive columns"]),
            _row(["---"] * 4)]  # fmt: skip
    for category in Category:
        names = [n for n in tables if TABLES[n].category == category]
        extra = [c for c, cat in COLUMNS.items() if cat == category]
        marked = [f"{n}.{c}" for n in names for c in sensitive_columns(tables[n])]
        out.append(_row([category.value, _code(names), _code(extra), _code(marked)]))
    out += ["", "### Tables, their retention and sensitive columns", "",
            "Columns marked sensitive (`mowakaba/models/columns.py::sensitive`) hold "
            "health, family and personal details: who reads them is in the recipients "
            "table below.", "",
            _row(["table", "category", "record class", "kept for", "sensitive columns"]),
            _row(["---"] * 5)]  # fmt: skip
    for name, table in tables.items():
        kept = TABLES[name]
        record = kept.record_class
        out.append(_row([
            f"`{name}`", kept.category.value, record.value if record else "—",
            retention_period(settings, record) if record else "while in use",
            _code(sensitive_columns(table)),
        ]))  # fmt: skip
    out += ["", "### Retention by record class", "",
            _row(["record class", "kept for", "counted from", "setting"]),
            _row(["---"] * 4)]  # fmt: skip
    for record in RecordClass:
        setting, _, start = RETENTION[record]
        out.append(_row([record.value, retention_period(settings, record), start,
                         f"`MOWAKABA_RETENTION__{setting.upper()}`"]))  # fmt: skip
    roles = list(Role)
    out += ["", "### Recipients: who sees which personal field", "",
            "From the allow-list `mowakaba/disclosure.py::ALLOWED`, which "
            "`tests/privacy/test_minimisation.py` checks against every page and API answer. "
            "✓: reads it for the youths in their scope; *consent*: only what a referral "
            "shares under a valid consent; —: never.", "",
            _row(["field", "stored in", *(r.value for r in roles)]),
            _row(["---"] * (2 + len(roles)))]  # fmt: skip
    marks = {disclosure.Access.read: "✓", disclosure.Access.consent: "*consent*"}
    for field in disclosure.FIELDS:
        seen = disclosure.recipients(field.key)
        cells = [marks[seen[r]] if r in seen else "—" for r in roles]
        out.append(_row([field.label, f"`{field.table}.{field.column}`", *cells]))
    out += ["", END]
    return "\n".join(out) + "\n"


def splice(document: str, generated: str) -> str:
    """The document with its generated part replaced (the markers must be there once)."""
    if document.count(BEGIN) != 1 or document.count(END) != 1:
        raise ValueError("the document needs one BEGIN and one END marker of the declaration")
    head, rest = document.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    return head + generated.rstrip("\n") + tail
