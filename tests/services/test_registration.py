"""Registering young people: validated, recorded, brought up to date at once."""

from datetime import date

import pytest
from sqlmodel import select

from mowakaba.enums import EventKind, Role, Stage, WorkItemKind
from mowakaba.errors import (
    ExtensionRequired,
    ImplausibleDates,
    InvalidMediator,
    InvalidName,
    NotFound,
)
from mowakaba.models import PathwayEvent, WorkItem
from mowakaba.services import youths as youth_service
from tests.factories import at, make_institution, make_user, make_youth, registration

TODAY = date(2026, 11, 29)


@pytest.fixture
def home(session):
    institution = make_institution(session)
    return institution, make_user(session, Role.mediator, [institution])


def kinds(session, youth):
    return sorted(
        i.kind.value for i in session.exec(select(WorkItem).where(WorkItem.youth_id == youth.id))
    )


def test_registration_records_an_event_and_starts_the_pathway(session, home):
    youth = make_youth(session, *home, as_of=at(TODAY))
    assert youth.code.startswith("Y-") and "Amine" not in youth.code
    assert youth.stage == Stage.intake and youth.registered_date == TODAY
    events = session.exec(select(PathwayEvent.kind).where(PathwayEvent.youth_id == youth.id)).all()
    assert events[:3] == [
        EventKind.registered,
        EventKind.stage_entered,
        EventKind.work_item_created,
    ]


@pytest.mark.parametrize(
    ("born", "extra", "stage", "expected"),
    [
        (date(2013, 6, 1), {}, Stage.enrolled, []),
        (date(2012, 11, 29), {}, Stage.intake, ["intake_assessment"]),
        (date(2009, 5, 20), {}, Stage.exit_preparation,
         sorted(["intake_assessment", "integration_plan", "exit_readiness_assessment", "record_exit"]
                + ["exit_checklist_item"] * 7)),
        (date(2007, 9, 1), {"planned_exit_date": date(2027, 6, 30)}, Stage.exit_preparation, None),
        (date(2007, 9, 1), {"exit_date": date(2026, 6, 30)}, Stage.follow_up, ["follow_up_checkpoint"] * 4),
    ],
)  # fmt: skip
def test_registration_at_every_age(session, home, born, extra, stage, expected):
    youth = make_youth(session, *home, date_of_birth=born, as_of=at(TODAY), **extra)
    assert youth.stage == stage
    if expected is not None:
        assert kinds(session, youth) == expected


def test_a_presumed_birth_date_is_kept_and_used(session, home):
    youth = make_youth(
        session, *home, date_of_birth=date(2012, 1, 1), date_of_birth_presumed=True, as_of=at(TODAY)
    )
    assert youth.date_of_birth_presumed and youth.stage == Stage.intake


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        ({"date_of_birth": date(2027, 1, 1)}, ImplausibleDates),
        ({"admission_date": date(2027, 1, 1)}, ImplausibleDates),
        ({"date_of_birth": date(2007, 9, 1)}, ExtensionRequired),
        ({"first_name": "", "last_name": "", "first_name_ar": "", "last_name_ar": ""}, InvalidName),
        ({"first_name": "أمين"}, InvalidName),
        ({"last_name_ar": "Benali"}, InvalidName),
        ({"institution_id": 99999}, NotFound),
    ],
)
def test_bad_registrations_are_refused_and_add_nothing(session, home, changes, error):
    institution, mediator = home
    with pytest.raises(error):
        youth_service.register_youth(
            session, data=registration(institution, mediator, **changes), as_of=at(TODAY)
        )
    assert youth_service.search_youths(session)[1] == 0


def test_the_mediator_must_belong_to_the_institution(session, home):
    institution, _ = home
    elsewhere = make_user(session, Role.mediator, [make_institution(session)])
    coordinator = make_user(session, Role.coordinator, [institution])
    for wrong in (elsewhere, coordinator):
        with pytest.raises(InvalidMediator):
            youth_service.register_youth(
                session, data=registration(institution, wrong), as_of=at(TODAY)
            )


def test_without_a_mediator_the_work_goes_to_the_coordinators(session, home):
    institution, _ = home
    youth = make_youth(session, institution, None, as_of=at(TODAY))
    item = session.exec(select(WorkItem).where(WorkItem.youth_id == youth.id)).one()
    assert item.kind == WorkItemKind.intake_assessment and item.assignee_pool is not None


def test_search_forgives_arabic_spelling_variants_and_latin_accents(session, home):
    make_youth(session, *home, first_name="Hélène", last_name="Idrissi", first_name_ar="فاطِمَة",
               last_name_ar="الزَّهْراء", as_of=at(TODAY))  # fmt: skip
    make_youth(session, *home, first_name="Omar", last_name="Alaoui", first_name_ar="عمر",
               last_name_ar="العلوي", as_of=at(TODAY))  # fmt: skip
    for query in ("فاطمه", "فاطمة", "الزهراء", "helene", "HÉLÈNE idrissi"):
        found, total = youth_service.search_youths(session, q=query)
        assert total == 1 and found[0].first_name == "Hélène", query
    assert youth_service.search_youths(session, q="100%")[1] == 0
