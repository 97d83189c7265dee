"""Case notes: versions instead of edits, sensitivity by role, a call per sensitive read;
contact details: replaced values kept, confirmed dates, malformed ones refused."""

from __future__ import annotations

from datetime import date

import pytest
from pydantic import ValidationError
from sqlmodel import select

from mowakaba.casework_schemas import ContactsIn, NoteCorrectionIn, NoteIn
from mowakaba.enums import EventKind, Role
from mowakaba.errors import ImplausibleDates, InvalidInput, NotAllowed, NotFound
from mowakaba.models import CaseNote, CaseNoteVersion, Contact, PathwayEvent
from mowakaba.services import case_notes as note_service
from mowakaba.services import contacts as contact_service
from tests.factories import at, make_user, make_world

TODAY = date(2026, 11, 30)


@pytest.fixture
def w(session):
    world = make_world(session, as_of=at(date(2026, 9, 1)))
    world["supervisor"] = make_user(session, Role.supervisor)
    return world


def note(session, w, *, sensitivity="none", text="Visite au foyer", author="mediator"):
    return note_service.write_note(
        session, youth=w["youth"], actor=w[author], today=TODAY,
        data=NoteIn(kind="visit", with_whom=["youth", "family"], contact_date=TODAY,
                    text=text, sensitivity=sensitivity),
    )  # fmt: skip


def listed(session, w, viewer):
    reads: list[int] = []
    views, total = note_service.list_notes(
        session,
        youth_id=w["youth"].id,
        viewer=viewer,
        on_sensitive_read=lambda n: reads.append(n.id),
    )
    return views, reads


def test_a_correction_is_a_new_version_and_the_first_is_kept(session, w):
    first = note(session, w, text="Appel au frère: pas de réponse")
    corrected = note_service.correct_note(
        session, youth=w["youth"], note_id=first.id, actor=w["coordinator"], today=TODAY,
        data=NoteCorrectionIn(reason="wrong person named", text="Appel à la sœur: pas de réponse"),
    )  # fmt: skip
    assert corrected.id == first.id and corrected.number == 1 and corrected.current_version == 2
    rows = session.exec(select(CaseNoteVersion).where(CaseNoteVersion.note_id == first.id)).all()
    assert sorted((v.version, v.text) for v in rows) == [
        (1, "Appel au frère: pas de réponse"),
        (2, "Appel à la sœur: pas de réponse"),
    ]
    view, versions = note_service.note_history(
        session, youth_id=w["youth"].id, note_id=first.id, viewer=w["mediator"],
        on_sensitive_read=lambda n: None,
    )  # fmt: skip
    assert view.current.text == "Appel à la sœur: pas de réponse" and view.versions == 2
    assert [v.version for v in versions] == [2, 1]
    assert versions[0].reason == "wrong person named"
    assert versions[0].written_by_id == w["coordinator"].id and versions[1].reason is None
    views, _ = listed(session, w, w["mediator"])
    assert [v.current.version for v in views] == [2]  # the current version by default
    kinds = [e.kind for e in session.exec(select(PathwayEvent).where(
        PathwayEvent.youth_id == w["youth"].id))]  # fmt: skip
    assert EventKind.case_note_written in kinds and EventKind.case_note_corrected in kinds


def test_notes_are_numbered_per_youth(session, w):
    assert [note(session, w).number for _ in range(3)] == [1, 2, 3]


def test_a_correction_that_changes_nothing_or_a_note_of_another_youth_is_refused(session, w):
    first = note(session, w)
    with pytest.raises(InvalidInput):
        note_service.correct_note(session, youth=w["youth"], note_id=first.id, actor=w["mediator"],
                                  today=TODAY, data=NoteCorrectionIn(reason="typo"))  # fmt: skip
    with pytest.raises(NotFound):
        note_service.correct_note(session, youth=w["youth"], note_id=999_999,
                                  actor=w["mediator"], today=TODAY,
                                  data=NoteCorrectionIn(reason="x", text="y"))  # fmt: skip


def test_only_the_mediator_and_the_institutions_coordinators_write(session, w):
    for who in ("other_mediator", "other_coordinator", "supervisor"):
        with pytest.raises(NotAllowed):
            note(session, w, author=who)
    assert note(session, w, author="coordinator").author_id == w["coordinator"].id


def test_a_contact_dated_after_today_is_refused(session, w):
    with pytest.raises(ImplausibleDates):
        note_service.write_note(
            session, youth=w["youth"], actor=w["mediator"], today=TODAY,
            data=NoteIn(kind="call", with_whom=["youth"], contact_date=date(2026, 12, 1), text="x"),
        )  # fmt: skip


def test_a_supervisor_sees_that_a_sensitive_note_exists_but_not_its_text(session, w):
    sensitive = note(session, w, sensitivity="health", text="Suivi psychiatrique")
    plain = note(session, w, text="Inscription à l'OFPPT")
    views, reads = listed(session, w, w["supervisor"])
    by_id = {v.note.id: v.current for v in views}
    hidden = by_id[sensitive.id]
    assert hidden.hidden and hidden.text is None and hidden.with_whom is None
    assert (hidden.kind.value, hidden.sensitivity.value, hidden.contact_date) == (
        "visit",
        "health",
        TODAY,
    )
    assert views[0].note.author_id == w["mediator"].id
    assert by_id[plain.id].text == "Inscription à l'OFPPT"  # not sensitive: read
    assert reads == []  # nothing sensitive was shown
    _, versions = note_service.note_history(
        session, youth_id=w["youth"].id, note_id=sensitive.id, viewer=w["supervisor"],
        on_sensitive_read=reads.append,
    )  # fmt: skip
    assert versions[0].text is None and reads == []


def test_every_read_of_a_sensitive_text_is_reported_once_per_note(session, w):
    sensitive = note(session, w, sensitivity="justice", text="Convocation au tribunal")
    note(session, w, text="Rien de sensible")
    for viewer in ("mediator", "coordinator"):
        views, reads = listed(session, w, w[viewer])
        assert reads == [sensitive.id]
        assert any(v.current.text == "Convocation au tribunal" for v in views)
    reads = []
    note_service.note_history(session, youth_id=w["youth"].id, note_id=sensitive.id,
                              viewer=w["mediator"], on_sensitive_read=lambda n: reads.append(n.id))  # fmt: skip
    assert reads == [sensitive.id]


def test_a_note_made_sensitive_by_a_correction_hides_every_version(session, w):
    first = note(session, w, text="Visite: la famille parle d'une plainte")
    note_service.correct_note(
        session, youth=w["youth"], note_id=first.id, actor=w["mediator"], today=TODAY,
        data=NoteCorrectionIn(reason="justice matter", sensitivity="justice"),
    )  # fmt: skip
    _, versions = note_service.note_history(
        session, youth_id=w["youth"].id, note_id=first.id, viewer=w["supervisor"],
        on_sensitive_read=lambda n: None,
    )  # fmt: skip
    # The earlier text tells what made it sensitive: the note's strictest sensitivity rules.
    assert [(v.version, v.hidden) for v in versions] == [(2, True), (1, True)]
    # The reason may tell what the text says.
    assert versions[1].text is None and versions[0].reason is None


def test_the_note_text_column_is_marked_sensitive():
    assert CaseNoteVersion.__table__.c.text.info.get("sensitive") is True  # type: ignore[attr-defined]
    assert CaseNote.__table__.c.number.info.get("sensitive") is None  # type: ignore[attr-defined]


# ---------------------------------------------------------------- contact details


def update(session, w, **fields):
    return contact_service.update_contacts(
        session, youth=w["youth"], actor=w["mediator"], today=TODAY, data=ContactsIn(**fields)
    )


def test_replacing_a_phone_keeps_the_old_one_as_not_current(session, w):
    assert update(session, w, phone="0612 34 56 78", email="amine@example.ma",
                  confirmed_date="2026-09-01") == ["phone", "email"]  # fmt: skip
    assert update(session, w, phone="0700 11 22 33") == ["phone"]
    current = contact_service.current_contacts(session, youth_id=w["youth"].id)
    assert [(c.kind.value, c.value) for c in current] == [
        ("phone", "0700 11 22 33"),
        ("email", "amine@example.ma"),
    ]
    assert current[0].confirmed_date == TODAY and current[1].confirmed_date == date(2026, 9, 1)
    history = contact_service.contact_history(session, youth_id=w["youth"].id)
    old = [c for c in history if not c.is_current]
    assert [(c.value, c.recorded_by_id) for c in old] == [("0612 34 56 78", w["mediator"].id)]


def test_sending_the_same_value_confirms_it_and_an_empty_one_clears_it(session, w):
    update(session, w, phone="0612345678", confirmed_date="2026-06-01")
    assert update(session, w, phone="0612345678", confirmed_date="2026-11-02") == []
    (phone,) = contact_service.current_contacts(session, youth_id=w["youth"].id)
    assert phone.confirmed_date == date(2026, 11, 2)
    assert update(session, w, phone="") == ["phone"]
    assert contact_service.current_contacts(session, youth_id=w["youth"].id) == []
    assert len(session.exec(select(Contact).where(Contact.youth_id == w["youth"].id)).all()) == 1


def test_two_trusted_persons_with_name_relation_and_phone(session, w):
    update(session, w, trusted_1_name="Fatima Zahra", trusted_1_relation="tante",
           trusted_1_phone="+212 661 00 00 01", trusted_2_name="M. Karim",
           trusted_2_relation="éducateur", trusted_2_phone="0522 00 00 02")  # fmt: skip
    current = contact_service.current_contacts(session, youth_id=w["youth"].id)
    assert [(c.position, c.name, c.relation) for c in current] == [
        (1, "Fatima Zahra", "tante"),
        (2, "M. Karim", "éducateur"),
    ]
    assert update(session, w, trusted_1_relation="marraine") == ["trusted_1"]
    update(session, w, trusted_2_name="", trusted_2_relation="", trusted_2_phone="")  # cleared
    with pytest.raises(InvalidInput, match="trusted_2_name"):
        update(session, w, trusted_2_phone="0522000003")  # no name kept, none sent


@pytest.mark.parametrize("field,value", [
    ("phone", "12"), ("phone", "06-12-ab-56-78"), ("phone", "+212 6123 45678 9012 345"),
    ("messaging", "whatsapp"), ("email", "amine@"), ("email", "amine.example.ma"),
    ("trusted_1_phone", "0"),
])  # fmt: skip
def test_malformed_phones_and_emails_are_refused_naming_the_field(field, value):
    with pytest.raises(ValidationError) as info:
        ContactsIn(**{field: value})
    assert info.value.errors()[0]["loc"] == (field,)


def test_details_confirmed_after_today_are_refused(session, w):
    with pytest.raises(ImplausibleDates):
        update(session, w, phone="0612345678", confirmed_date="2026-12-01")
