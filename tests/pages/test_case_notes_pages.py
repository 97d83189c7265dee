"""The case file on the pages: a note written and corrected from the file (versions
shown), a supervisor who sees a sensitive note exists but not its text, the audit of each
sensitive read, contact details updated with their history and clear errors, and the
last known details on a follow-up checkpoint; in three languages, without JavaScript."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlmodel import col, func, select

from mowakaba.db import session_scope
from mowakaba.enums import Language, Role
from mowakaba.models import CaseNote, CaseNoteVersion, Contact
from tests.factories import make_user
from tests.pages.conftest import sign_in
from tests.pages.form_world import build_form_world
from tests.pages.test_forms import client_of
from tests.pages.test_referral_pages import post, text_of
from tests.pages.test_session import audit_mark, audit_since
from tests.pages.test_youths import speak
from tests.pages.world import PageWorld

TODAY = date.today()
NOTE = {"kind": "call", "with_whom": ["youth", "family"], "contact_date": str(TODAY),
        "text": "Appel: la tante confirme un rendez-vous à l'hôpital", "sensitivity": "health"}  # fmt: skip


@pytest.fixture
def world(committed) -> PageWorld:  # type: ignore[no-untyped-def]
    world = build_form_world()
    with session_scope() as s:
        world.ids["super"] = make_user(s, Role.supervisor, region="Casablanca-Settat",
                                       username="super").pk  # fmt: skip
    return world


def counts() -> tuple[int, int, int]:
    with session_scope(write=False) as s:
        return (s.exec(select(func.count()).select_from(CaseNote)).one(),
                s.exec(select(func.count()).select_from(CaseNoteVersion)).one(),
                s.exec(select(func.count()).select_from(Contact)).one())  # fmt: skip


def latest_note() -> int:
    with session_scope(write=False) as s:
        return s.exec(select(CaseNote.id).order_by(col(CaseNote.id).desc())).first()  # type: ignore[return-value]


def test_a_mediator_writes_a_note_from_the_file_and_corrects_it(world, browser_client):
    speak("med1", Language.en)
    sign_in(browser_client, "med1")
    youth = world.ids["late"]
    file = browser_client.get(f"/youths/{youth}")
    assert 'id="notes"' in file.text and "No note yet." in file.text
    written = post(browser_client, f"/youths/{youth}/notes", NOTE, page=f"/youths/{youth}")
    assert written.status_code == 303 and written.headers["location"].endswith("?done=note#notes")
    page = text_of(browser_client.get(f"/youths/{youth}?done=note").text)
    assert "The note was saved." in page and "la tante confirme" in page and "Health" in page
    assert "Case note written" in page  # the timeline
    note = latest_note()
    corrected = post(browser_client, f"/youths/{youth}/notes/{note}/versions",
                     {**NOTE, "text": "Appel: la tante confirme le rendez-vous de lundi",
                      "reason": "the day was missing"}, page=f"/youths/{youth}/notes/{note}")  # fmt: skip
    assert corrected.status_code == 303
    shown = text_of(browser_client.get(corrected.headers["location"]).text)
    assert "2 versions" in shown and "the day was missing" in shown
    assert "rendez-vous de lundi" in shown and "un rendez-vous à l'hôpital" in shown  # both kept
    assert counts()[:2] == (1, 2)


def test_a_wrong_note_comes_back_with_its_errors_and_nothing_is_saved(world, browser_client):
    speak("med1", Language.en)
    sign_in(browser_client, "med1")
    youth = world.ids["late"]
    before = counts()
    wrong = post(browser_client, f"/youths/{youth}/notes",
                 {"kind": "", "contact_date": str(TODAY + timedelta(days=2)), "text": ""},
                 page=f"/youths/{youth}/notes/new")  # fmt: skip
    assert wrong.status_code == 422
    assert "Choose at least one person" in wrong.text and "Fill in this field." in wrong.text
    future = post(browser_client, f"/youths/{youth}/notes",
                  {**NOTE, "contact_date": str(TODAY + timedelta(days=2))},
                  page=f"/youths/{youth}/notes/new")  # fmt: skip
    assert future.status_code == 422 and "cannot be dated after today" in future.text
    assert counts() == before
    post(browser_client, f"/youths/{youth}/notes", NOTE, page=f"/youths/{youth}")
    note = latest_note()
    same = post(browser_client, f"/youths/{youth}/notes/{note}/versions",
                {**NOTE, "reason": "nothing"}, page=f"/youths/{youth}/notes/{note}")  # fmt: skip
    assert same.status_code == 422 and "changes nothing" in same.text


def test_a_supervisor_sees_that_a_sensitive_note_exists_and_each_reading_is_audited(
    world, browser_client
):
    youth = world.ids["late"]
    speak("med1", Language.en)
    sign_in(browser_client, "med1")
    post(browser_client, f"/youths/{youth}/notes", NOTE, page=f"/youths/{youth}")
    note = latest_note()
    before = audit_mark()
    assert "la tante confirme" in browser_client.get(f"/youths/{youth}").text
    assert "la tante confirme" in browser_client.get(f"/youths/{youth}/notes/{note}").text
    rows = audit_since(before, "notes.read_sensitive")
    assert [(r.object_type, r.object_id, r.youth_id) for r in rows] == [
        ("case_note", str(note), youth)
    ] * 2
    speak("super", Language.en)
    supervisor = client_of("super")
    before = audit_mark()
    file = supervisor.get(f"/youths/{youth}")
    one = supervisor.get(f"/youths/{youth}/notes/{note}")
    assert file.status_code == one.status_code == 200
    for html in (file.text, one.text):
        assert "la tante confirme" not in html and "kept from your role" in html
        assert "Health" in html and "Nadia Alaoui" in html
    assert 'action="/youths/' + str(youth) + '/notes"' not in file.text  # no form
    assert audit_since(before, "notes.read_sensitive") == []
    assert supervisor.get(f"/youths/{youth}/notes/new").status_code == 403


def test_a_partner_reads_no_note_and_a_colleague_gets_404(world, browser_client):
    youth = world.ids["late"]
    sign_in(browser_client, "med2")
    assert browser_client.get(f"/youths/{youth}/notes/new").status_code == 404
    assert browser_client.get(f"/youths/{youth}/contacts").status_code == 404
    assert client_of("partner").get(f"/youths/{youth}/contacts").status_code == 403


def test_contact_details_are_updated_with_their_history_and_dated(world, browser_client):
    speak("med1", Language.en)
    sign_in(browser_client, "med1")
    youth = world.ids["late"]
    page = f"/youths/{youth}/contacts"
    first = post(browser_client, page, {"phone": "0612 34 56 78", "email": "amine@example.ma",
                                        "trusted_1_name": "Fatima", "trusted_1_relation": "aunt",
                                        "trusted_1_phone": "0661 00 00 01",
                                        "confirmed_date": str(TODAY - timedelta(days=95))})  # fmt: skip
    assert first.status_code == 303, first.text
    file = text_of(browser_client.get(f"/youths/{youth}").text)
    assert (
        "0612 34 56 78" in file and "confirmed 3 months ago" in file and "Fatima ( aunt )" in file
    )
    bad = post(
        browser_client, page, {"phone": "06 12", "email": "amine@", "trusted_2_phone": "0522000002"}
    )
    assert bad.status_code == 422
    assert "8 to 15 digits" in bad.text and "name@example.ma" in bad.text
    assert "A trusted person needs a name" in bad.text
    again = post(browser_client, page, {"phone": "0700 11 22 33", "email": "amine@example.ma",
                                        "trusted_1_name": "Fatima", "trusted_1_relation": "aunt",
                                        "trusted_1_phone": "0661 00 00 01",
                                        "confirmed_date": str(TODAY)})  # fmt: skip
    assert again.status_code == 303
    history = text_of(browser_client.get(page).text)
    current, replaced = history.split("Replaced details")
    assert "0700 11 22 33" in current and "confirmed today" in current
    assert "0612 34 56 78" in replaced and "0612 34 56 78" not in current


def test_a_checkpoint_shows_the_last_known_details_open_and_after_no_contact(world, browser_client):
    speak("med1", Language.en)
    sign_in(browser_client, "med1")
    left, item = world.ids["left"], world.ids["follow_up_checkpoint"]
    post(browser_client, f"/youths/{left}/contacts",
         {"phone": "0612 34 56 78", "trusted_1_name": "Said", "trusted_1_relation": "brother",
          "trusted_1_phone": "0661 00 00 09"})  # fmt: skip
    open_ = text_of(browser_client.get(f"/work/{item}").text)
    assert "Last known contact details" in open_ and "0612 34 56 78" in open_ and "Said" in open_
    done = post(browser_client, f"/work/{item}", {"contact": "false", "notes": "No answer"})
    assert done.status_code == 303
    after = text_of(browser_client.get(f"/work/{item}").text)
    assert "Last known contact details" in after and "0661 00 00 09" in after


@pytest.mark.parametrize("language,words", [
    (Language.fr, ("Notes de suivi", "Coordonnées", "Corriger cette note", "Coordonnées remplacées",
                   "Rédiger une note")),
    (Language.ar, ("ملاحظات الملف", "معلومات الاتصال", "تصحيح هذه الملاحظة", "المعلومات المستبدَلة",
                   "تحرير ملاحظة")),
])  # fmt: skip
def test_the_pages_speak_french_and_arabic(world, browser_client, language, words):
    speak("med1", language)
    sign_in(browser_client, "med1")
    youth = world.ids["late"]
    post(browser_client, f"/youths/{youth}/notes", NOTE, page=f"/youths/{youth}")
    file, note, contacts, new = (
        browser_client.get(path).text
        for path in (f"/youths/{youth}", f"/youths/{youth}/notes/{latest_note()}",
                     f"/youths/{youth}/contacts", f"/youths/{youth}/notes/new")
    )  # fmt: skip
    assert words[0] in file and words[1] in file and words[2] in note
    assert words[3] in contacts and words[4] in new
    for html in (file, note, contacts, new):
        assert "Save the note" not in html and "Contact details" not in html
