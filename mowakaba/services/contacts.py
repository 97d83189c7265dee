"""The youth's contact details, kept current and dated because follow-up after exit
(+1 … +36 months) depends on reaching them.

A slot (a kind and a position: two phones, two trusted persons) has at most one current
row. A new value adds a row and keeps the old one as not current (the history); the same
value sent again only confirms it (its `confirmed_date` moves). Nothing is deleted.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import Session, col, select

from mowakaba.casework_schemas import ContactsIn
from mowakaba.clock import now
from mowakaba.enums import ContactKind, EventKind
from mowakaba.errors import ImplausibleDates, InvalidInput
from mowakaba.models import Contact, User, Youth
from mowakaba.services.timeline import record_event


@dataclass(frozen=True)
class Slot:
    """One detail of the form: its field (prefix), kind and position."""

    field: str
    kind: ContactKind
    position: int = 1

    @property
    def trusted(self) -> bool:
        return self.kind == ContactKind.trusted_person

    def value_field(self) -> str:
        return f"{self.field}_phone" if self.trusted else self.field


SLOTS = (
    Slot("phone", ContactKind.phone),
    Slot("phone_2", ContactKind.phone, 2),
    Slot("messaging", ContactKind.messaging),
    Slot("email", ContactKind.email),
    Slot("address", ContactKind.address),
    Slot("trusted_1", ContactKind.trusted_person),
    Slot("trusted_2", ContactKind.trusted_person, 2),
)
ORDER = {(s.kind, s.position): n for n, s in enumerate(SLOTS)}


def current_contacts(session: Session, *, youth_id: int) -> list[Contact]:
    """The youth's current details, in the form's order."""
    rows = session.exec(
        select(Contact).where(Contact.youth_id == youth_id, col(Contact.is_current).is_(True))
    ).all()
    return sorted(rows, key=lambda c: (ORDER.get((c.kind, c.position), 99), -(c.id or 0)))


def contact_history(session: Session, *, youth_id: int) -> list[Contact]:
    """Every detail the youth ever had, newest first (current and replaced)."""
    return list(
        session.exec(
            select(Contact).where(Contact.youth_id == youth_id).order_by(col(Contact.id).desc())
        )
    )


def confirmed_on(contact: Contact) -> date:
    """The day a detail was last known to work (the day it was recorded, if never confirmed)."""
    return contact.confirmed_date or contact.updated_at.date()


def _slot_of(current: list[Contact], slot: Slot) -> Contact | None:
    return next((c for c in current if (c.kind, c.position) == (slot.kind, slot.position)), None)


def update_contacts(
    session: Session, *, youth: Youth, data: ContactsIn, actor: User, today: date,
    at: datetime | None = None,
) -> list[str]:  # fmt: skip
    """Replace, clear or confirm the details sent; return the fields of the slots whose
    value changed (the timeline says which, never the values)."""
    confirmed = data.confirmed_date or today
    if confirmed > today:
        raise ImplausibleDates(f"contact details confirmed {confirmed}, after today ({today})")
    sent = data.model_fields_set
    current = current_contacts(session, youth_id=youth.pk)
    moment = at or now()
    changed: list[str] = []
    touched = False
    for slot in SLOTS:
        fields = ((f"{slot.field}_name", f"{slot.field}_relation", f"{slot.field}_phone")
                  if slot.trusted else (slot.field,))  # fmt: skip
        if not sent & set(fields):
            continue
        old = _slot_of(current, slot)
        value = _sent_or(data, sent, slot.value_field(), old.value if old else "")
        name = _sent_or(data, sent, f"{slot.field}_name", (old.name or "") if old else "")
        relation = _sent_or(data, sent, f"{slot.field}_relation",
                            (old.relation or "") if old else "")  # fmt: skip
        if slot.trusted and not value and (name or relation):
            raise InvalidInput(f"{slot.field}_phone: a trusted person needs a phone number")
        if slot.trusted and value and not name:
            raise InvalidInput(f"{slot.field}_name: a trusted person's phone needs their name")
        same = old is not None and (old.value, old.name or "", old.relation or "") == (
            value, name if slot.trusted else "", relation if slot.trusted else "")  # fmt: skip
        touched = touched or old is not None or bool(value)
        if same and old is not None:
            old.confirmed_date, old.recorded_by_id = max(confirmed, confirmed_on(old)), actor.id
            session.add(old)
            continue
        if old is None and not value:
            continue  # nothing there, nothing sent
        if old is not None:
            old.is_current = False
            session.add(old)
        if value:
            session.add(Contact(
                youth_id=youth.pk, kind=slot.kind, position=slot.position, value=value,
                name=name or None if slot.trusted else None,
                relation=relation or None if slot.trusted else None,
                is_current=True, confirmed_date=confirmed, recorded_by_id=actor.id,
                updated_at=moment,
            ))  # fmt: skip
        changed.append(slot.field)
    session.flush()
    if not touched:
        return changed
    record_event(session, youth, EventKind.contacts_updated, on=today, actor_id=actor.id,
                 data={"changed": changed, "confirmed_date": confirmed.isoformat()})  # fmt: skip
    return changed


def _sent_or(data: ContactsIn, sent: set[str], field: str, default: str) -> str:
    """The value sent for a field (None counts as ""), or what is there."""
    if field not in sent:
        return default
    return getattr(data, field) or ""
