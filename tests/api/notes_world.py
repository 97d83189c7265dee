"""A note (sensitive) on y1, m1's youth, for the tests that need one to name."""

from __future__ import annotations

from datetime import date

from mowakaba.casework_schemas import NoteIn
from mowakaba.db import session_scope
from mowakaba.models import User, Youth
from mowakaba.services import case_notes as note_service
from tests.api.conftest import World


def add_note(w: World) -> World:
    """y1 gets a health note by m1 (`w.ids["note"]`)."""
    with session_scope() as s:
        youth, m1 = s.get(Youth, w.ids["y1"]), s.get(User, w.ids["m1"])
        assert youth is not None and m1 is not None
        note = note_service.write_note(
            s, youth=youth, actor=m1, today=date.today(),
            data=NoteIn(kind="call", with_whom=["youth"], contact_date=date.today(),
                        text="Rendez-vous au centre de santé", sensitivity="health"),
        )  # fmt: skip
        w.ids["note"] = note.pk
    return w
