"""The tables of the exported lists: the columns each list shows, in the reader's words.

Shared by the JSON routes and the pages (`api/exporting.py` writes and audits the file).
Each builder takes the rows the list's own query returned, in its scope, and puts every
label into the reader's language; it never adds a field the list does not show.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date

from api.exporting import Words
from mowakaba.case_labels import CHECKLIST_STATUS_LABELS, STAGE_LABELS
from mowakaba.enums import Language
from mowakaba.export import Table, Value
from mowakaba.labels import N_, WORK_ITEM_KINDS
from mowakaba.models import WorkItem, Youth


def age_on(born: date, today: date) -> int:
    """Full years from a date of birth to a day."""
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def yes_no(words: Words, value: bool) -> str:
    return words(N_("Yes")) if value else words(N_("No"))


def youths_table(rows: Sequence[Youth], words: Words, *, today: date) -> Table:
    """The youths list: code, names in both scripts, stage, age, planned exit, exit, in touch."""
    headers = [N_("Code"), N_("Name"), N_("Name in Arabic"), N_("Stage"), N_("Age"),
               N_("Planned exit"), N_("Left care"), N_("Not in touch")]  # fmt: skip
    return Table(
        title=words(N_("Young people")),
        headers=[words(h) for h in headers],
        rows=[
            [
                y.code,
                f"{y.first_name} {y.last_name}",
                f"{y.first_name_ar} {y.last_name_ar}".strip(),
                words(STAGE_LABELS[y.stage]),
                age_on(y.date_of_birth, today),
                y.planned_exit_date,
                y.exit_date,
                yes_no(words, y.not_in_touch),
            ]  # fmt: skip
            for y in rows
        ],
        rtl=words.language == Language.ar,
    )


def work_table(items: Sequence[WorkItem], youths: Mapping[int, Youth], words: Words) -> Table:
    """A work list: the youth (code, name: only a youth the list names), the kind, the due
    date and the status of each item."""
    headers = [N_("Code"), N_("Name"), N_("Work item"), N_("Due date"), N_("Status")]
    rows: list[list[Value]] = []
    for item in items:
        youth = youths.get(item.youth_id)
        rows.append([
            youth.code if youth else None,
            f"{youth.first_name} {youth.last_name}" if youth else None,
            words(WORK_ITEM_KINDS[item.kind]), item.due_date,
            words(CHECKLIST_STATUS_LABELS[item.status]),
        ])  # fmt: skip
    return Table(
        title=words(N_("My work")),
        headers=[words(h) for h in headers],
        rows=rows,
        rtl=words.language == Language.ar,
    )
