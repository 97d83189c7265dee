"""Institutions: the care homes, each in a region, with its time zone and calendar."""

from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from mowakaba.errors import Conflict, InvalidInput, NotFound
from mowakaba.models import Institution
from mowakaba.settings import get_settings
from mowakaba.text import UnsafeText, clean_text


def create_institution(
    session: Session, *, name: str, region: str, time_zone: str | None = None
) -> Institution:
    """Create an institution (time zone: the programme default)."""
    try:  # the API's models cleaned them already; the CLI's arguments come here raw
        name, region = clean_text(name).strip(), clean_text(region).strip()
    except UnsafeText as exc:
        raise InvalidInput(f"an institution's name or region {exc}") from None
    if not name or not region:
        raise InvalidInput("an institution needs a name and a region")
    tz = time_zone or get_settings().default_time_zone
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise InvalidInput(f"unknown time zone {tz!r}") from exc
    # Names are told apart without case ("Dar Al Atfal" and "DAR AL ATFAL" are one home);
    # the table holds few rows. The unique constraint catches an exact twin raced in.
    folded = name.casefold()
    if any(n.casefold() == folded for n in session.exec(select(Institution.name))):
        raise Conflict(f"an institution named {name!r} exists already")
    institution = Institution(name=name, region=region, time_zone=tz)
    try:
        with session.begin_nested():
            session.add(institution)
    except IntegrityError:
        raise Conflict(f"an institution named {name!r} exists already") from None
    return institution


def get_institution(session: Session, institution_id: int) -> Institution:
    """Return an institution or raise NotFound."""
    institution = session.get(Institution, institution_id)
    if institution is None:
        raise NotFound(f"institution {institution_id} not found")
    return institution


def list_institutions(session: Session) -> list[Institution]:
    """Return every institution, by name."""
    return list(session.exec(select(Institution).order_by(Institution.name)))
