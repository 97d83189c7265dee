"""The pages' world, plus work of every kind for the forms: a plan to approve, milestones
to check, a youth about to leave care (checklist, exit, extension), and one after the
exit (a follow-up checkpoint). Used by the form page tests and the browser tests."""

from __future__ import annotations

from datetime import date, timedelta

from sqlmodel import col, select

from mowakaba import document_rules
from mowakaba.db import session_scope
from mowakaba.enums import ExitKind, WorkItemKind, WorkItemStatus
from mowakaba.incident_schemas import IncidentReport
from mowakaba.models import Institution, User, WorkItem
from mowakaba.schemas import ExtensionRequest
from mowakaba.services import completions as completion_service
from mowakaba.services import incidents as incident_service
from mowakaba.services import reconciliation as reconciliation_service
from mowakaba.services import youths as youth_service
from mowakaba.services.work_items import create_work_item
from tests.documents_files import store_document
from tests.factories import assessment, at, make_youth, plan
from tests.pages.world import PageWorld, build_world


def complete(session, item_id: int, user_id: int, payload: dict) -> None:  # type: ignore[no-untyped-def]
    """Complete an item, then do what the youth's pathway run would."""
    user = session.get(User, user_id)
    done = completion_service.complete_work_item(
        session, work_item_id=item_id, actor=user, payload=payload
    )
    reconciliation_service.reconcile_youth(session, done.youth_id)


def open_item(session, youth_id: int, kind: WorkItemKind) -> WorkItem:  # type: ignore[no-untyped-def]
    return session.exec(
        select(WorkItem)
        .where(WorkItem.youth_id == youth_id, WorkItem.kind == kind,
               WorkItem.status == WorkItemStatus.open)
        .order_by(col(WorkItem.id))
    ).first()  # fmt: skip


def build_form_world() -> PageWorld:
    """`world.ids[<kind>]`: an open item of each kind, med1's or the coordinators'."""
    world = build_world()
    today = date.today()
    with session_scope() as s:
        med1, institution = s.get(User, world.ids["med1"]), world.ids["institution"]
        home = s.get(Institution, institution)
        # Planned: intake done (health 2), a plan submitted: the coordinators approve it.
        planned = make_youth(s, home, med1, first_name="Yassine", last_name="Amrani",
                             first_name_ar="ياسين", last_name_ar="العمراني", as_of=at(today))  # fmt: skip
        intake = open_item(s, planned.pk, WorkItemKind.intake_assessment)
        complete(s, intake.pk, med1.pk, assessment(3, health=2))
        plan_item = open_item(s, planned.pk, WorkItemKind.integration_plan)
        # Active: a second youth whose plan is approved: its milestones are checked.
        active = make_youth(s, home, med1, first_name="Imane", last_name="Chraibi",
                            first_name_ar="إيمان", last_name_ar="الشرايبي", as_of=at(today))  # fmt: skip
        complete(s, open_item(s, active.pk, WorkItemKind.intake_assessment).pk, med1.pk,
                 assessment(3, employment=1))  # fmt: skip
        complete(s, open_item(s, active.pk, WorkItemKind.integration_plan).pk, med1.pk,
                 plan(("employment", today + timedelta(days=60)),
                      ("housing", today + timedelta(days=90))))  # fmt: skip
        approval = open_item(s, active.pk, WorkItemKind.plan_approval)
        complete(s, approval.pk, world.ids["coord"], {"decision": "approve"})
        world.ids["milestone_check"] = open_item(s, active.pk, WorkItemKind.milestone_check).pk
        # Yassine's plan, submitted: the approval is the coordinators'.
        complete(s, plan_item.pk, med1.pk,
                 {"milestones": [{"axis": "health", "title": "Bilan de santé au centre",
                                  "owner": "Le jeune", "due_date": str(today + timedelta(days=45))}]})  # fmt: skip
        world.ids["plan_approval"] = open_item(s, planned.pk, WorkItemKind.plan_approval).pk
        # Leaving soon: 17½, in exit preparation; an extension asked for.
        born = today - timedelta(days=365 * 17 + 200)
        leaving = make_youth(s, home, med1, first_name="Hamza", last_name="Ouazzani",
                             first_name_ar="حمزة", last_name_ar="الوزاني", date_of_birth=born,
                             as_of=at(today))  # fmt: skip
        youth_service.request_extension(
            s, youth_id=leaving.pk, actor=med1, as_of=at(today),
            request=ExtensionRequest(until=born.replace(year=born.year + 19),
                                     reason="Finit sa formation OFPPT en juin"),
        )  # fmt: skip
        for kind in (
            WorkItemKind.exit_readiness_assessment,
            WorkItemKind.exit_checklist_item,
            WorkItemKind.record_exit,
            WorkItemKind.exit_extension_decision,
        ):
            world.ids[kind.value] = open_item(s, leaving.pk, kind).pk  # fmt: skip
        # Left care four months ago: the first checkpoint (+1 month) is open.
        left = make_youth(s, home, med1, first_name="Khadija", last_name="Bennani",
                          first_name_ar="خديجة", last_name_ar="بناني",
                          date_of_birth=today - timedelta(days=365 * 18 + 150),
                          exit_date=today - timedelta(days=120), exit_kind=ExitKind.planned,
                          as_of=at(today))  # fmt: skip
        reconciliation_service.reconcile_youth(s, left.pk)
        world.ids["follow_up_checkpoint"] = open_item(
            s, left.pk, WorkItemKind.follow_up_checkpoint
        ).pk
        # Her residence card expires in a month: its renewal is open.
        card = store_document(s, left, med1, kind="other", name="carte.pdf",
                              expiry_date=str(today + timedelta(days=30)))  # fmt: skip
        assert card.expiry_date is not None
        spec = document_rules.renewal_item(card.pk, card.expiry_date, today)
        create_work_item(s, youth=left, spec=spec, on=today)
        world.ids["document_renewal"] = open_item(s, left.pk, WorkItemKind.document_renewal).pk
        # Salma's intake is done (health 2, housing 1): her plan is to write. Amine's is open.
        soon = world.ids["soon"]
        complete(s, open_item(s, soon, WorkItemKind.intake_assessment).pk, med1.pk,
                 assessment(3, health=2, housing=1))  # fmt: skip
        world.ids["integration_plan"] = open_item(s, soon, WorkItemKind.integration_plan).pk
        world.ids["intake_assessment"] = open_item(
            s, world.ids["late"], WorkItemKind.intake_assessment
        ).pk
        # A runaway of Yassine's, a week ago and not back: the coordinators respond, decide.
        runaway = incident_service.record_incident(
            s, youth_id=planned.pk, actor=med1,
            report=IncidentReport(kind="runaway", description="Parti la nuit",
                                  occurred_at=at(today - timedelta(days=8))),
        )  # fmt: skip
        incident_service.runaway_batch(s, at=at(today), today_of=lambda _: today, after_id=0,
                                       limit=100)  # fmt: skip
        decision = incident_service.decision_item(s, runaway)
        assert decision is not None and runaway.work_item_id is not None
        world.ids.update(incident_response=runaway.work_item_id, runaway_decision=decision.pk,
                         runaway=runaway.pk)  # fmt: skip
        world.ids.update(planned=planned.pk, active=active.pk, leaving=leaving.pk, left=left.pk)
    return world
