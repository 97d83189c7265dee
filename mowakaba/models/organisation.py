"""Organisation and people: institutions, their calendars, users and their institutions."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from mowakaba.db import enum_type
from mowakaba.enums import (
    HolidayKind,
    Language,
    Role,
)
from mowakaba.models.columns import Keyed, fk, utc_field


class Institution(Keyed, SQLModel, table=True):
    __tablename__ = "institution"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200, unique=True)
    region: str = Field(max_length=100, index=True)
    time_zone: str = Field(default="Africa/Casablanca", max_length=64)
    created_at: datetime = utc_field(default_now=True)


class Holiday(Keyed, SQLModel, table=True):
    """A day off in an institution's calendar (seeded from the national default, editable)."""

    __tablename__ = "holiday"
    __table_args__ = (sa.UniqueConstraint("institution_id", "holiday_date"),)

    id: int | None = Field(default=None, primary_key=True)
    institution_id: int = fk("institution.id", ondelete="CASCADE")
    holiday_date: date
    name: str = Field(max_length=100)
    kind: HolidayKind = Field(sa_type=enum_type(HolidayKind))


class CalendarYear(SQLModel, table=True):
    """A year of an institution's calendar that has been seeded, so corrections stick."""

    __tablename__ = "calendar_year"

    institution_id: int = Field(foreign_key="institution.id", primary_key=True, ondelete="CASCADE")
    year: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    seeded_at: datetime = utc_field(default_now=True)


class NationalHoliday(Keyed, SQLModel, table=True):
    """A day off of the national default calendar: computed per year, then corrected by an
    admin; institutions' years are seeded from it."""

    __tablename__ = "national_holiday"

    id: int | None = Field(default=None, primary_key=True)
    holiday_date: date = Field(unique=True)
    name: str = Field(max_length=100)
    kind: HolidayKind = Field(sa_type=enum_type(HolidayKind))


class NationalCalendarYear(SQLModel, table=True):
    """A year of the national default that has been computed, so corrections stick."""

    __tablename__ = "national_calendar_year"

    year: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    seeded_at: datetime = utc_field(default_now=True)


class User(Keyed, SQLModel, table=True):
    """A person who signs in: admin, supervisor, coordinator, mediator or partner."""

    __tablename__ = "user_account"  # "user" is reserved in PostgreSQL

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=64, unique=True)
    password_hash: str = Field(max_length=255)
    role: Role = Field(sa_type=enum_type(Role), index=True)
    display_name: str = Field(default="", max_length=200)
    region: str | None = Field(default=None, max_length=100)
    language: Language = Field(default=Language.fr, sa_type=enum_type(Language))
    email: str | None = Field(default=None, max_length=254)
    # Urgent incidents also go by SMS to users with a phone (services/incidents.py).
    phone: str | None = Field(default=None, max_length=32)
    partner_id: int | None = fk("partner.id", nullable=True)  # a partner user's organisation
    is_active: bool = True
    # Bumped when the role, institutions, password or state change: tokens issued before die.
    credentials_version: int = 1
    # Set by an admin's password reset: the user must choose a new one before anything else.
    must_change_password: bool = Field(
        default=False, sa_column_kwargs={"server_default": sa.false()}
    )
    # Many failed sign-ins from all clients lock the account until then (services/auth.py).
    locked_until: datetime | None = utc_field(nullable=True)
    created_at: datetime = utc_field(default_now=True)
    updated_at: datetime = utc_field(default_now=True)


class UserInstitution(SQLModel, table=True):
    __tablename__ = "user_institution"

    user_id: int = Field(foreign_key="user_account.id", primary_key=True, ondelete="CASCADE")
    institution_id: int = Field(
        foreign_key="institution.id", primary_key=True, index=True, ondelete="CASCADE"
    )
