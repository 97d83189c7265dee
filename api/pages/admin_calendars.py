"""Admin: holiday calendars. The national default or one institution's, a year at a time;
adding, moving (moon sighting) and removing a day off.

A correction of the national default reaches the institutions' calendars that still
follow it (services/calendars.py); an institution's own corrections are left alone.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import Depends, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session

from api.deps import SessionDep, audit
from api.pages.admin_forms import REQUIRED, FormErrors, attempt
from api.pages.common import N_, page_guard, page_router, render
from mowakaba.calendar import FIXED_HOLIDAYS, RELIGIOUS_HOLIDAYS
from mowakaba.clock import local_date, now
from mowakaba.db import session_scope
from mowakaba.enums import HolidayKind
from mowakaba.errors import NotFound
from mowakaba.models import User
from mowakaba.services import calendars as calendar_service
from mowakaba.services import institutions as institution_service
from mowakaba.settings import get_settings

router = page_router()
NATIONAL = "national"
Field = Annotated[str, Form(max_length=1000)]

KIND_LABELS = {
    HolidayKind.fixed: N_("Fixed date"),
    HolidayKind.religious: N_("Religious (lunar calendar)"),
    HolidayKind.local: N_("Local"),
}
# The national default's names, stored in English, shown translated.
HOLIDAY_NAMES = (
    N_("New Year's Day"), N_("Proclamation of Independence"), N_("Amazigh New Year"),
    N_("Labour Day"), N_("Throne Day"), N_("Oued Ed-Dahab Day"),
    N_("Revolution of the King and the People"), N_("Youth Day"), N_("Green March"),
    N_("Independence Day"), N_("Eid al-Fitr"), N_("Eid al-Fitr (2nd day)"), N_("Eid al-Adha"),
    N_("Eid al-Adha (2nd day)"), N_("Islamic New Year"), N_("Prophet's Birthday"),
    N_("Prophet's Birthday (2nd day)"),
)  # fmt: skip
assert set(HOLIDAY_NAMES) == {n for *_, n in FIXED_HOLIDAYS + RELIGIOUS_HOLIDAYS}
TAKEN = N_("There is a holiday on this day already.")
SAME_DAY = N_("Choose another day.")
OTHER_YEAR = N_("A holiday moves within its year.")
OUT_OF_RANGE = N_("Choose a date between 1990 and 2076.")
GONE = N_("This holiday is not in the calendar any more.")
DONE = {
    "added": N_("The holiday was added."),
    "moved": N_("The holiday was moved."),
    "removed": N_("The holiday was removed: the day is a working day again."),
}


def parse_calendar(session: Session, value: str) -> tuple[str, int | None]:
    """The calendar a form names: the national default, or an institution (404 if none)."""
    if value.isdigit() and 0 < int(value) < 2**31:
        institution = institution_service.get_institution(session, int(value))
        return str(institution.id), institution.id
    return NATIONAL, None


def parse_year(value: str) -> int:
    """A year of the calendars' range; this year (Casablanca) when none is given."""
    if value.isdigit() and calendar_service.MIN_YEAR <= int(value) <= calendar_service.MAX_YEAR:
        return int(value)
    return local_date(now(), get_settings().default_time_zone).year


def show(
    request: Request,
    session: Session,
    *,
    calendar: str,
    year: int,
    errors: FormErrors | None = None,
    form: dict[str, str] | None = None,
    done: str = "",
    followed: int | None = None,
    status: int = 200,
) -> Response:
    chosen, institution_id = parse_calendar(session, calendar)
    if calendar_service.year_seeded(session, institution_id=institution_id, year=year):
        holidays = calendar_service.read_holidays(session, institution_id=institution_id, year=year)
    else:  # first look at this year: computed and stored once (a reading request cannot)
        with session_scope() as writing:
            if institution_id is None:
                holidays = calendar_service.list_national_holidays(writing, year=year)
            else:
                holidays = calendar_service.list_holidays(
                    writing, institution_id=institution_id, year=year
                )
    return render(
        request, "pages/admin/calendars.html",
        {"calendar": chosen, "year": year, "holidays": holidays,
         "institutions": institution_service.list_institutions(session),
         "kinds": list(KIND_LABELS.items()), "kind_labels": KIND_LABELS,
         "known_names": HOLIDAY_NAMES, "errors": errors or {},
         "form": form or {"date": "", "name": "", "kind": HolidayKind.local.value},
         "done": DONE.get(done), "followed": followed,
         "years": (calendar_service.MIN_YEAR, calendar_service.MAX_YEAR),
         "here": f"/admin/calendars?calendar={chosen}&year={year}"},
        session=session, status=status,
    )  # fmt: skip


@router.get("/admin/calendars")
def calendars(
    session: SessionDep,
    request: Request,
    admin: Annotated[User, Depends(page_guard("calendars.list"))],
    calendar: Annotated[str, Query(max_length=20)] = NATIONAL,
    year: Annotated[str, Query(max_length=10)] = "",
    done: Annotated[str, Query(max_length=20)] = "",
    followed: Annotated[int | None, Query(ge=0, le=100_000)] = None,
) -> Response:
    """A year of a calendar: its days off, and the forms to correct it."""
    return show(request, session, calendar=calendar, year=parse_year(year), done=done,
                followed=followed)  # fmt: skip


def back(calendar: str, year: int, done: str, followed: int | None) -> RedirectResponse:
    extra = f"&followed={followed}" if followed is not None else ""
    target = f"/admin/calendars?calendar={calendar}&year={year}&done={done}{extra}"
    return RedirectResponse(target, status_code=303)


def in_range(errors: FormErrors, name: str, day: date | None) -> None:
    if day is not None and not calendar_service.MIN_YEAR <= day.year <= calendar_service.MAX_YEAR:
        errors[name] = OUT_OF_RANGE


def record(request: Request, admin: User, calendar: str, day: date) -> None:
    audit(request, admin, action="calendars.manage", object_type="calendar",
          object_id=f"{calendar}/{day.isoformat()}")  # fmt: skip


@router.post("/admin/calendars/add")
def add_holiday(
    session: SessionDep,
    request: Request,
    admin: Annotated[User, Depends(page_guard("calendars.manage"))],
    calendar: Field = NATIONAL,
    year: Field = "",
    day: Annotated[str, Form(alias="date", max_length=100)] = "",
    name: Field = "",
    kind: Field = "",
) -> Response:
    """Add a day off (to the national default: also to the institutions that follow it)."""
    chosen, institution_id = parse_calendar(session, calendar)
    shown = parse_year(year)
    errors = FormErrors()
    when = errors.day("date", day)
    in_range(errors, "date", when)
    form = {"date": day, "name": errors.text("name", name, max_length=100), "kind": kind}
    if kind not in HolidayKind.__members__:
        errors["kind"] = REQUIRED
    if errors or when is None:
        return show(request, session, calendar=chosen, year=shown, errors=errors, form=form,
                    status=422)  # fmt: skip
    holiday_kind = HolidayKind(kind)
    if institution_id is None:
        followed, error = attempt(session, lambda: calendar_service.add_national_holiday(
            session, day=when, name=form["name"], kind=holiday_kind))  # fmt: skip
    else:
        _, error = attempt(session, lambda: calendar_service.add_holiday(
            session, institution_id=institution_id, day=when, name=form["name"],
            kind=holiday_kind))  # fmt: skip
        followed = None
    if error is not None:
        errors["date"] = TAKEN
        return show(request, session, calendar=chosen, year=shown, errors=errors, form=form,
                    status=422)  # fmt: skip
    record(request, admin, chosen, when)
    return back(chosen, when.year, "added", followed)


@router.post("/admin/calendars/move")
def move_holiday(
    session: SessionDep,
    request: Request,
    admin: Annotated[User, Depends(page_guard("calendars.manage"))],
    calendar: Field = NATIONAL,
    day: Field = "",
    to: Field = "",
) -> Response:
    """Move a day off to another day of its year (a religious holiday's moon sighting)."""
    chosen, institution_id = parse_calendar(session, calendar)
    errors = FormErrors()
    source = date.fromisoformat(day) if _iso(day) else None
    if source is None:
        raise NotFound(f"no holiday on {day!r}")  # the form names a row: not typed
    field = f"move-{source.isoformat()}"
    target = errors.day(field, to)
    if target is not None and target == source:
        errors[field] = SAME_DAY
    elif target is not None and target.year != source.year:
        errors[field] = OTHER_YEAR
    if errors or target is None:
        return show(request, session, calendar=chosen, year=source.year, errors=errors,
                    form=None, status=422)  # fmt: skip
    if institution_id is None:
        followed, error = attempt(session, lambda: calendar_service.move_national_holiday(
            session, day=source, to=target))  # fmt: skip
    else:
        _, error = attempt(session, lambda: calendar_service.move_holiday(
            session, institution_id=institution_id, day=source, to=target))  # fmt: skip
        followed = None
    if error is not None:
        errors[field] = GONE if isinstance(error, NotFound) else TAKEN
        return show(request, session, calendar=chosen, year=source.year, errors=errors,
                    status=422)  # fmt: skip
    record(request, admin, chosen, source)
    return back(chosen, source.year, "moved", followed)


@router.post("/admin/calendars/remove")
def remove_holiday(
    session: SessionDep,
    request: Request,
    admin: Annotated[User, Depends(page_guard("calendars.manage"))],
    calendar: Field = NATIONAL,
    day: Field = "",
) -> Response:
    """Make a day off a working day again."""
    chosen, institution_id = parse_calendar(session, calendar)
    source = date.fromisoformat(day) if _iso(day) else None
    if source is None:
        raise NotFound(f"no holiday on {day!r}")
    if institution_id is None:
        followed, error = attempt(session, lambda: calendar_service.remove_national_holiday(
            session, day=source))  # fmt: skip
    else:
        _, error = attempt(session, lambda: calendar_service.remove_holiday(
            session, institution_id=institution_id, day=source))  # fmt: skip
        followed = None
    if error is not None:
        errors = FormErrors({f"move-{source.isoformat()}": GONE})
        return show(request, session, calendar=chosen, year=source.year, errors=errors,
                    status=422)  # fmt: skip
    record(request, admin, chosen, source)
    return back(chosen, source.year, "removed", followed)


def _iso(value: str) -> bool:
    try:
        day = date.fromisoformat(value)
    except ValueError:
        return False
    return calendar_service.MIN_YEAR <= day.year <= calendar_service.MAX_YEAR
