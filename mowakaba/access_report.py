"""The subject-access export as a PDF, in the young person's language.

Every record class of mowakaba/services/subject_access.py, one table per record, printed
like the toolkit's documents (mowakaba/printing.py, `templates/documents/subject_access.html`):
section titles, the main fields' names and the closed lists' values translated
(mowakaba/access_labels.py, the case's label tables), dates and times in the youth's
institution's zone, staff by name. Sensitive case notes carry their sensitivity.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import Enum
from typing import Any

from markupsafe import Markup

from mowakaba import case_labels, i18n, labels, list_labels
from mowakaba.access_labels import FIELD_LABELS, SECTION_LABELS
from mowakaba.clock import local_date
from mowakaba.enums import Language
from mowakaba.printing import TEMPLATES, Printed, environment, read_style
from mowakaba.services.subject_access import USER_FIELDS, SubjectAccess

STYLES = (TEMPLATES / "letters" / "letter.css", TEMPLATES / "documents" / "document.css")
# Every record is the youth's (said once, at the top); the rest is the machinery's
# bookkeeping, not the person's data (the JSON archive keeps it all the same).
HIDDEN = {
    "youth_id", "needs_reconciliation", "reconciliation_flagged_at", "next_trigger_date",
    "attempts", "next_attempt_at", "settled_at", "flow_run_id", "pathway_event_id", "sha256",
    "cycle", "escalation_level", "reminder_days", "escalation_working_days",
    "history_until_event_id", "institution_id", "updated_at",
}  # fmt: skip


def value_labels() -> dict[tuple[str, str], str]:
    """Each closed list's value → its words, keyed by (enumeration, value): two lists may
    share a value ("other") and mean different things."""
    found: dict[tuple[str, str], str] = {}
    for module in (case_labels, list_labels, labels):
        for name in dir(module):
            table = getattr(module, name)
            if name.endswith(("_LABELS", "_KINDS")) and isinstance(table, dict):
                for key, words in table.items():
                    if isinstance(key, Enum) and isinstance(words, str):
                        found[(type(key).__name__, str(key.value))] = words
    return found


class Writer:
    """Writes a record's values for a reader of one language."""

    def __init__(self, language: Language, time_zone: str, people: dict[int, str]) -> None:
        self.language = language
        self.time_zone = time_zone
        self.people = people
        self.gettext = i18n.translations(language).gettext
        self.values = value_labels()

    def label(self, key: str) -> str:
        return self.gettext(FIELD_LABELS[key]) if key in FIELD_LABELS else key

    def value(self, key: str, value: Any) -> str:
        if value is None or value == "" or value == [] or value == {}:
            return "—"
        if key in USER_FIELDS and isinstance(value, int):
            return self.people.get(value, f"#{value}")
        if isinstance(value, bool):
            return self.gettext("Yes") if value else self.gettext("No")
        if isinstance(value, Enum):
            words = self.values.get((type(value).__name__, str(value.value)))
            return self.gettext(words) if words else str(value.value)
        if isinstance(value, datetime):
            return i18n.format_datetime(value, self.language, self.time_zone)
        if isinstance(value, date):
            return i18n.format_date(value, self.language)
        if isinstance(value, list):
            return ", ".join(self.value(key, v) for v in value)
        if isinstance(value, dict):
            return "; ".join(f"{k}: {self.value(k, v)}" for k, v in value.items())
        return str(value)

    def record(self, record: dict[str, Any]) -> list[tuple[str, str]]:
        return [(self.label(k), self.value(k, v)) for k, v in record.items() if k not in HIDDEN]


# A class whose records all have the same few fields prints as one table, a row per record
# (the timeline's hundred events, the assessments' axes): shorter, and far quicker to lay
# out than a table per record.
COMPACT_FIELDS = 9


def section(key: str, records: list[list[tuple[str, str]]]) -> dict[str, Any]:
    """A section of the export: its records, and their column labels when compact."""
    labels = [label for label, _ in records[0]] if records else []
    compact = (
        len(records) > 1
        and len(labels) <= COMPACT_FIELDS
        and all([label for label, _ in record] == labels for record in records)
    )
    return {"key": key, "title": SECTION_LABELS[key], "records": records,
            "columns": labels if compact else None}  # fmt: skip


def render_subject_access(
    access: SubjectAccess, *, institution_name: str, region: str, time_zone: str,
    language: Language | None = None,
) -> Printed:  # fmt: skip
    """The export as a printed page (HTML, and its PDF), in the youth's language."""
    youth = access.youth
    chosen = language or youth.language
    people = {p["id"]: p["name"] for p in access.records.get("people", [])}
    writer = Writer(chosen, time_zone, people)
    sections = [
        section(key, [writer.record(r) for r in rows]) for key, rows in access.records.items()
    ]
    first, second = (
        (youth.first_name_ar, youth.last_name_ar) if chosen == Language.ar
        else (youth.first_name, youth.last_name)
    )  # fmt: skip
    name = " ".join(p for p in (first, second) if p) or " ".join(
        p for p in (youth.first_name, youth.last_name, youth.first_name_ar, youth.last_name_ar) if p
    )
    css = read_style(*STYLES)
    html = environment().get_template("documents/subject_access.html").render(
        **i18n.gettext_functions(chosen),
        language=chosen.value, direction=i18n.direction(chosen),
        style=Markup(css),  # the files are ours, not user input
        institution=institution_name, region=region,
        today=i18n.format_date(local_date(access.generated_at, time_zone), chosen, "long"),
        youth={"id": youth.id, "code": youth.code, "name": name},
        sections=sections, counts=access.counts(),
        files=len(access.files),
    )  # fmt: skip
    return Printed(
        html=html, filename=f"subject-access-{youth.code}-{chosen.value}.pdf", language=chosen,
        css=css, base_url=TEMPLATES / "documents",
    )  # fmt: skip
