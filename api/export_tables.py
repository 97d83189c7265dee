"""The tables of the exported lists: the columns each list shows, in the reader's words.

Shared by the JSON routes and the pages (`api/exporting.py` writes and audits the file).
Each builder takes the rows the list's own query returned, in its scope, and puts every
label into the reader's language; it never adds a field the list does not show.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.responses import Response
from sqlmodel import Session, col, select

from api.exporting import ExportFormat, Words, export_response
from mowakaba.case_labels import AXIS_LABELS, CHECKLIST_STATUS_LABELS, STAGE_LABELS
from mowakaba.clock import now
from mowakaba.enums import Axis, Language, ReferralStatus
from mowakaba.export import Table, Value
from mowakaba.labels import INCIDENT_KINDS, N_, WORK_ITEM_KINDS
from mowakaba.list_labels import (
    ESCALATION_REASON_LABELS,
    INCIDENT_STATUS_LABELS,
    PARTNER_KIND_LABELS,
    REFERRAL_STATUS_LABELS,
    ROLE_LABELS,
    TRANSFER_STATUS_LABELS,
)
from mowakaba.models import (
    Escalation,
    Incident,
    Institution,
    Partner,
    PartnerService,
    Referral,
    Transfer,
    User,
    WorkItem,
    Youth,
)
from mowakaba.services import calendars as calendar_service
from mowakaba.services import partners as partner_service
from mowakaba.services import referrals as referral_service
from mowakaba.services import users as user_service
from mowakaba.settings import get_settings


def age_on(born: date, today: date) -> int:
    """Full years from a date of birth to a day."""
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def local_time(at: datetime | None) -> datetime | None:
    """An instant as the pages show it: the wall time of the programme's time zone."""
    if at is None:
        return None
    return at.astimezone(ZoneInfo(get_settings().default_time_zone))


def in_script(latin: str, arabic: str, words: Words) -> str:
    """A name in the reader's script, when it has one in it."""
    return arabic if words.language == Language.ar and arabic else latin


def full_name(youth: Youth | None) -> str | None:
    return f"{youth.first_name} {youth.last_name}" if youth else None


def table(words: Words, title: str, headers: Iterable[str], rows: list[list[Value]]) -> Table:
    """A table with its title and headers in the reader's words, right to left in Arabic."""
    return Table(
        title=words(title),
        headers=[words(h) for h in headers],
        rows=rows,
        rtl=words.language == Language.ar,
    )


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


def by_id(session: Session, model: Any, ids: Iterable[int]) -> dict[int, Any]:
    """Rows of a table by id, in one query."""
    wanted = sorted(set(ids))
    return {r.pk: r for r in session.exec(select(model).where(col(model.id).in_(wanted)))}


def referral_rows(
    session: Session, rows: Sequence[Referral], words: Words, *, today: date
) -> list[dict[str, Any]]:
    """The staff's referral list as its page shows it: each referral with its youth, the
    service and partner names in the reader's script, and whether its answer is overdue."""
    youths = by_id(session, Youth, (r.youth_id for r in rows))
    services = by_id(session, PartnerService, (r.service_id for r in rows))
    partners = by_id(session, Partner, (r.partner_id for r in rows))
    out = []
    for r in rows:
        service, partner = services.get(r.service_id), partners.get(r.partner_id)
        out.append({
            "referral": r, "youth": youths.get(r.youth_id),
            "service": in_script(service.name, service.name_ar, words) if service else None,
            "partner": in_script(partner.name, partner.name_ar, words) if partner else None,
            "overdue": r.status == ReferralStatus.sent and bool(r.response_due_date)
            and today > r.response_due_date,  # type: ignore[operator]
        })  # fmt: skip
    return out


def partner_views(session: Session, rows: Sequence[Referral]) -> list[dict[str, Any]]:
    """A partner's referrals, minimised as it sees them (`partner_view`, on the day of the
    referring institution)."""
    at = now()
    return [
        referral_service.partner_view(session, r, day=calendar_service.local_day(
            session, institution_id=r.institution_id, at=at).today)
        for r in rows
    ]  # fmt: skip


def referrals_table(rows: Sequence[Mapping[str, Any]], words: Words) -> Table:
    """The staff's referral list: each row a `referral`, its `youth`, the `service` and
    `partner` names (in the reader's script) and whether its answer is `overdue`."""
    headers = [N_("Code"), N_("Name"), N_("Service"), N_("Partner"), N_("Status"),
               N_("Sent"), N_("Answer due"), N_("Answer overdue"), N_("Escalated")]  # fmt: skip
    body: list[list[Value]] = []
    for row in rows:
        r: Referral = row["referral"]
        youth: Youth | None = row["youth"]
        body.append([
            youth.code if youth else None, full_name(youth), row["service"], row["partner"],
            words(REFERRAL_STATUS_LABELS[r.status]), r.sent_date, r.response_due_date,
            yes_no(words, bool(row["overdue"])),
            yes_no(words, bool(r.escalated_at or r.delivery_escalated_at)),
        ])  # fmt: skip
    return table(words, N_("Referrals"), headers, body)


def partner_referrals_table(views: Sequence[Mapping[str, Any]], words: Words) -> Table:
    """A partner's open referrals, minimised as its list shows them (`partner_view`): the
    youth's first name and age, the service, the need, the status and its date — never the
    case file, never a field the sender did not share."""
    headers = [N_("First name"), N_("Age"), N_("Service"), N_("Need"), N_("Status"),
               N_("Answer due"), N_("Delivery due")]  # fmt: skip
    return table(
        words,
        N_("Our referrals"),
        headers,
        [
            [
                in_script(v["first_name"], v["first_name_ar"] or "", words),
                v["age"],
                in_script(v["service"], v["service_ar"] or "", words),
                v["need"],
                words(REFERRAL_STATUS_LABELS[ReferralStatus(v["status"])]),
                v["response_due_date"],
                v["delivery_due_date"],
            ]  # fmt: skip
            for v in views
        ],
    )


def escalations_table(
    rows: Sequence[Escalation],
    items: Mapping[int, WorkItem],
    youths: Mapping[int, Youth],
    words: Words,
) -> Table:
    """Escalations: the youth (code only, and only a youth the caller may see), the work
    item's kind and due date, the level, the reason, when raised and acknowledged."""
    headers = [N_("Code"), N_("Work item"), N_("Due date"), N_("Level"), N_("Reason"),
               N_("Raised"), N_("Acknowledged")]  # fmt: skip
    body: list[list[Value]] = []
    for e in rows:
        item = items.get(e.work_item_id)
        youth = youths.get(item.youth_id) if item else None
        body.append([
            youth.code if youth else None,
            words(WORK_ITEM_KINDS[item.kind]) if item else None,
            item.due_date if item else None, e.level,
            words(ESCALATION_REASON_LABELS[e.reason]),
            local_time(e.raised_at), local_time(e.acknowledged_at),
        ])  # fmt: skip
    return table(words, N_("Escalations"), headers, body)


def caseloads_table(rows: Sequence[Any], words: Words) -> Table:
    """Caseloads (`api.moving.CaseloadOut`): institution, mediator, open files, open and
    overdue work; the line without a mediator is the coordinators' pool."""
    headers = [N_("Institution"), N_("Mediator"), N_("Young people"), N_("Open work"),
               N_("Overdue")]  # fmt: skip
    return table(
        words,
        N_("Caseloads"),
        headers,
        [
            [
                r.institution,
                r.mediator if r.mediator_id else words(N_("No mediator (the coordinators' pool)")),
                r.youths,
                r.open_items,
                r.overdue_items,
            ]  # fmt: skip
            for r in rows
        ],
    )


def incidents_table(
    rows: Sequence[Incident], youths: Mapping[int, Youth], words: Words, *, descriptions: bool
) -> Table:
    """Incidents: the youth's code, kind, serious, status, when, back on; the description
    only for the roles that read it (`descriptions`)."""
    headers = [N_("Code"), N_("Type"), N_("Serious"), N_("Status"), N_("Happened on"),
               N_("Back on")]  # fmt: skip
    if descriptions:
        headers.append(N_("Description"))
    body: list[list[Value]] = []
    for i in rows:
        youth = youths.get(i.youth_id)
        row: list[Value] = [
            youth.code if youth else None, words(INCIDENT_KINDS[i.kind]),
            yes_no(words, i.serious), words(INCIDENT_STATUS_LABELS[i.status]),
            local_time(i.occurred_at), i.returned_date,
        ]  # fmt: skip
        if descriptions:
            row.append(i.description)
        body.append(row)
    return table(words, N_("Incidents"), headers, body)


def transfers_table(
    rows: Sequence[Transfer], youths: Mapping[int, Youth], names: Mapping[int, str], words: Words
) -> Table:
    """Transfers: the youth (code, name), from, to, asked on, status."""
    headers = [N_("Code"), N_("Name"), N_("From"), N_("To"), N_("Asked"), N_("Status")]
    body: list[list[Value]] = []
    for t in rows:
        youth = youths.get(t.youth_id)
        body.append([
            youth.code if youth else None, full_name(youth),
            names.get(t.from_institution_id), names.get(t.to_institution_id),
            local_time(t.requested_at), words(TRANSFER_STATUS_LABELS[t.status]),
        ])  # fmt: skip
    return table(words, N_("Transfers"), headers, body)


def partners_table(
    rows: Sequence[Partner], axes: Mapping[int, Iterable[Axis]], services: Mapping[int, int],
    words: Words,
) -> Table:  # fmt: skip
    """The partner directory: names in both scripts, kind, regions, services, axes served,
    phone, state (the contacts the directory shows, nothing else)."""
    headers = [N_("Name"), N_("Name in Arabic"), N_("Kind"), N_("Regions"),
               N_("Services"), N_("Axes served"), N_("Phone"), N_("State")]  # fmt: skip
    return table(
        words,
        N_("Partners"),
        headers,
        [
            [
                p.name,
                p.name_ar,
                words(PARTNER_KIND_LABELS[p.kind]),
                ", ".join(p.regions) if p.regions else words(N_("Whole country")),
                services.get(p.pk, 0),
                ", ".join(words(AXIS_LABELS[a]) for a in axes.get(p.pk, ())),
                p.phone,
                words(N_("Active")) if p.is_active else words(N_("Deactivated")),
            ]  # fmt: skip
            for p in rows
        ],
    )


def users_table(
    rows: Sequence[User], institutions: Mapping[int, Sequence[str]],
    states: Mapping[int, Sequence[str]], words: Words,
) -> Table:  # fmt: skip
    """The accounts: user name, name, role, region, institutions, state. Never a password
    hash, a token or a credential: only these columns are read from an account."""
    headers = [N_("User name"), N_("Name"), N_("Role"), N_("Region"), N_("Institutions"),
               N_("State")]  # fmt: skip
    return table(
        words,
        N_("Users"),
        headers,
        [
            [
                u.username,
                u.display_name,
                words(ROLE_LABELS[u.role]),
                u.region or None,
                ", ".join(institutions.get(u.pk, ())),
                ", ".join(words(s) for s in states.get(u.pk, ())) or words(N_("Active")),
            ]  # fmt: skip
            for u in rows
        ],
    )


# ---------------------------------------------------------------- the lists' files
# What a route and its page share: the lookups behind a table, then the audited file.


def incidents_export(
    session: Session, request: Request, user: User, rows: Sequence[Incident], fmt: ExportFormat,
    *, descriptions: bool,
) -> Response:  # fmt: skip
    """The incidents as a file: the description only for the roles that read it."""
    youths = by_id(session, Youth, (i.youth_id for i in rows))
    table = incidents_table(rows, youths, Words.of(user), descriptions=descriptions)
    return export_response(request, user, table, name="incidents.list", fmt=fmt,
                           day=now().date(), youth_ids=youths)  # fmt: skip


def transfers_export(
    session: Session, request: Request, user: User, rows: Sequence[Transfer], fmt: ExportFormat
) -> Response:
    """The transfers as a file, with their youths and institutions' names."""
    youths = by_id(session, Youth, (t.youth_id for t in rows))
    names = {i.pk: i.name for i in session.exec(select(Institution))}
    table = transfers_table(rows, youths, names, Words.of(user))
    return export_response(request, user, table, name="transfers.list", fmt=fmt,
                           day=now().date(), youth_ids=youths)  # fmt: skip


def partners_export(
    session: Session, request: Request, user: User, rows: Sequence[Partner], fmt: ExportFormat,
    *, name: str = "partners.list",
) -> Response:  # fmt: skip
    """The directory as a file, with each partner's active services and their axes."""
    baskets = partner_service.services_of(
        session, partner_ids=[p.pk for p in rows], active_only=True
    )
    order = list(Axis)
    axes = {p.pk: sorted({s.axis for s in baskets[p.pk]}, key=order.index) for p in rows}
    table = partners_table(rows, axes, {p.pk: len(baskets[p.pk]) for p in rows}, Words.of(user))
    return export_response(request, user, table, name=name, fmt=fmt, day=now().date())


def account_states(user: User) -> list[str]:
    """What to know about an account beyond being active (untranslated labels)."""
    found = []
    if not user.is_active:
        found.append(N_("Disabled"))
    if user.locked_until is not None and user.locked_until > now():
        found.append(N_("Locked after failed sign-ins"))
    if user.must_change_password:
        found.append(N_("Must change their password"))
    return found


def users_export(
    session: Session, request: Request, admin: User, rows: Sequence[User], fmt: ExportFormat
) -> Response:
    """The accounts as a file (never a password hash, a token or a secret)."""
    names = {i.pk: i.name for i in session.exec(select(Institution))}
    links = user_service.institution_ids_by_user(session, [u.pk for u in rows])
    institutions = {u.pk: [names[i] for i in links[u.pk]] for u in rows}
    table = users_table(rows, institutions, {u.pk: account_states(u) for u in rows},
                        Words.of(admin))  # fmt: skip
    return export_response(request, admin, table, name="users.list", fmt=fmt, day=now().date())
