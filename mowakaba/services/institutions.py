"""Institutions: the care homes, each in a region, with its time zone and calendar."""

from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlmodel import Session, select

from mowakaba.errors import InvalidInput, NotFound
from mowakaba.models import Institution
from mowakaba.settings import get_settings


def create_institution(
    session: Session, *, name: str, region: str, time_zone: str | None = None
) -> Institution:
    """Create an institution (time zone: the programme default)."""
    name, region = name.strip(), region.strip()
    if not name or not region:
        raise InvalidInput("an institution needs a name and a region")
    tz = time_zone or get_settings().default_time_zone
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise InvalidInput(f"unknown time zone {tz!r}") from exc
    if session.exec(select(Institution).where(Institution.name == name)).first() is not None:
        raise InvalidInput(f"an institution named {name!r} exists already")
    institution = Institution(name=name, region=region, time_zone=tz)
    session.add(institution)
    session.flush()
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
