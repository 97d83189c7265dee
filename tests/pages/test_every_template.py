"""Every page template rendered in every language with sample data: the app is driven
through its pages (GETs as a user allowed to see them, the POSTs that answer with a page
of their own, the error pages), the templates loaded meanwhile (includes, imports and
extends too) are recorded, and each language must have rendered every .html file under
templates/pages/. The environment is strict (StrictUndefined): a gap in a template's
context is an error, answered 500, which fails the test. The notification templates are
covered by tests/notify/test_render.py."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import col, select

from api.main import create_app
from api.templating import LANGUAGE_COOKIE, environment
from flows import launch
from mowakaba.casework_schemas import NoteCorrectionIn, NoteIn
from mowakaba.db import session_scope
from mowakaba.enums import ExitKind, Language, PrivacyRequestKind, WorkItemStatus
from mowakaba.errors import Unavailable
from mowakaba.incident_schemas import IncidentReport
from mowakaba.models import Institution, Transfer, User, WorkItem, Youth
from mowakaba.schemas import ExtensionRequest, ReferralIn
from mowakaba.services import case_notes as note_service
from mowakaba.services import incidents as incident_service
from mowakaba.services import reconciliation as reconciliation_service
from mowakaba.services import referrals as referral_service
from mowakaba.services import youths as youth_service
from mowakaba.services.privacy import requests as privacy_requests
from mowakaba.settings import REPO_ROOT
from tests.api.test_prefect_down import dead_prefect  # noqa: F401  (a fixture)
from tests.factories import at, give_consent, make_partner, make_service, make_youth
from tests.pages.conftest import sign_in
from tests.pages.dashboard_world import build_dashboard_world
from tests.pages.referral_world import add_referrals
from tests.pages.test_admin import partner_of
from tests.pages.world import PASSWORD, PageWorld, csrf_of

PAGES = REPO_ROOT / "templates" / "pages"
# A template no request can render in a language, with the reason. None today.
EXCEPTIONS: dict[str, str] = {}
TODAY = date.today()


def page_templates() -> set[str]:
    """Every page template, named as the environment names it ("pages/…")."""
    return {f"pages/{p.relative_to(PAGES).as_posix()}" for p in PAGES.rglob("*.html")}


@pytest.fixture
def loaded(monkeypatch) -> set[str]:  # type: ignore[no-untyped-def]
    """The names of the templates the environment loads from now on (cached or not)."""
    seen: set[str] = set()
    load = environment._load_template

    def recording(name: Any, globals: Any) -> Any:
        seen.add(name)
        return load(name, globals)

    monkeypatch.setattr(environment, "_load_template", recording)
    return seen


@pytest.fixture
def sample_runs(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Prefect as the pages see it, without a server (a dead one costs a youth's file
    seconds). The monitor: an admin's window has runs in every state and problems (one of
    a youth, one of no youth); anyone else's call finds Prefect down (the page still shows
    who waits for reconciliation). A youth's file: the runs of a youth of even id, those
    of the others unreadable."""

    def youth_runs(labels: launch.RunLabels, **_: Any) -> list[dict[str, Any]]:
        if labels.youth_id % 2:
            raise Unavailable("Prefect does not answer")
        started = datetime.now(UTC) - timedelta(days=1)
        return [
            {"id": "run-a", "name": f"pathway-{labels.code}", "state": "Completed",
             "tags": [f"youth:{labels.youth_id}"], "started": started,
             "ended": started + timedelta(seconds=4)},
            {"id": "run-b", "name": f"pathway-{labels.code}", "state": "Failed",
             "tags": [], "started": started - timedelta(days=2), "ended": None},
            {"id": "run-c", "name": f"pathway-{labels.code}", "state": None,
             "tags": [], "started": None, "ended": None},
        ]  # fmt: skip

    def recent_runs(*, institution_ids: Any, **_: Any) -> launch.RunsOverview:
        if institution_ids is not None:
            raise Unavailable("Prefect does not answer")
        with session_scope(write=False) as s:
            youth = s.exec(select(Youth).order_by(col(Youth.id))).first()
            assert youth is not None
            youth_id, code = youth.pk, youth.code
        when = datetime.now(UTC) - timedelta(hours=3)
        return launch.RunsOverview(
            counts={"completed": 12, "failed": 1, "crashed": 1, "late": 1, "scheduled": 4},
            problems=[
                launch.RunSeen(id="run-1", name=f"pathway-{code}", flow="pathway",
                               state="failed", youth_id=youth_id, at=when,
                               error="ValueError: boom"),
                launch.RunSeen(id="run-2", name="sweep-1", flow="sweep", state="crashed",
                               youth_id=None, at=when, error=None),
                launch.RunSeen(id="run-3", name=f"pathway-{code}", flow="pathway",
                               state="late", youth_id=youth_id, at=None, error=None),
            ],
        )  # fmt: skip

    monkeypatch.setattr(launch, "recent_runs", recent_runs)
    monkeypatch.setattr(launch, "youth_runs", youth_runs)


def sample_world(language: Language) -> PageWorld:
    """The dashboard's world (every role, escalations, a plan to approve, a youth leaving
    care), plus an extension asked for, a youth after care (a follow-up checkpoint), a
    youth waiting for reconciliation; every account speaking `language`."""
    world = build_dashboard_world()
    with session_scope() as s:
        home = s.get(Institution, world.ids["institution"])
        med1 = s.get(User, world.ids["med1"])
        leaving = s.get(Youth, world.ids["leaving"])
        assert home is not None and med1 is not None and leaving is not None
        assert leaving.date_of_birth is not None
        born = leaving.date_of_birth
        youth_service.request_extension(
            s, youth_id=leaving.pk, actor=med1, as_of=at(TODAY),
            request=ExtensionRequest(until=born.replace(year=born.year + 19),
                                     reason="Finit sa formation OFPPT en juin"),
        )  # fmt: skip
        left = make_youth(s, home, med1, first_name="Khadija", last_name="Bennani",
                          first_name_ar="خديجة", last_name_ar="بناني",
                          date_of_birth=TODAY - timedelta(days=365 * 18 + 150),
                          exit_date=TODAY - timedelta(days=120), exit_kind=ExitKind.planned,
                          as_of=at(TODAY))  # fmt: skip
        reconciliation_service.reconcile_youth(s, left.pk)
        reconciliation_service.flag_for_reconciliation(s, youth_ids=[world.ids["soon"]])
        # A partner with a service and an overdue referral of a youth of institution B
        # (the supervisors' dashboards show it).
        late, med_b = s.get(Youth, world.ids["in_b"]), s.get(User, world.ids["med_b"])
        assert late is not None and med_b is not None
        anapec = make_partner(s, name="ANAPEC Casablanca", name_ar="أنابيك الدار البيضاء",
                              kind="public_body", regions=["Casablanca-Settat"])  # fmt: skip
        service = make_service(s, anapec, name="Atelier de recherche d'emploi",
                               eligibility=[{"kind": "age", "min": 16, "max": 25},
                                            {"kind": "document", "has": "national_id_card"}],
                               capacity_per_month=10, checklist_item="income_or_training")  # fmt: skip
        open_service = make_service(s, anapec, name="Accueil", axis="life_skills")
        give_consent(s, late, med_b, partner=anapec)
        referral_service.create_referral(
            s, youth=late, actor=med_b, at=at(TODAY - timedelta(days=30), 10),
            data=ReferralIn(service_id=open_service.pk, need="Un premier emploi", send=True),
        )  # fmt: skip
        for user in s.exec(select(User)):
            user.language = language
        world.ids.update(left=left.pk, directory_partner=anapec.pk, service=service.pk)
    return world


def add_note(youth_id: int, author_id: int) -> int:
    """A sensitive note on a youth, corrected once (two versions)."""
    with session_scope() as s:
        youth, author = s.get(Youth, youth_id), s.get(User, author_id)
        assert youth is not None and author is not None
        note = note_service.write_note(
            s, youth=youth, actor=author, today=TODAY,
            data=NoteIn(kind="visit", with_whom=["youth"], contact_date=TODAY,
                        text="Visite au foyer", sensitivity="family"),
        )  # fmt: skip
        note_service.correct_note(s, youth=youth, note_id=note.pk, actor=author, today=TODAY,
                                  data=NoteCorrectionIn(reason="précision", text="Visite"))  # fmt: skip
        return note.pk


def items_of(institution_id: int) -> list[tuple[int, WorkItemStatus, int | None]]:
    """Every work item of an institution: id, status, assignee."""
    with session_scope(write=False) as s:
        rows = s.exec(
            select(WorkItem.id, WorkItem.status, WorkItem.assignee_id)
            .where(WorkItem.institution_id == institution_id)
            .order_by(col(WorkItem.id))
        ).all()
    return [(int(i), status, assignee) for i, status, assignee in rows]


def youths_of(institution_id: int) -> list[int]:
    with session_scope(write=False) as s:
        ids = s.exec(select(Youth.id).where(Youth.institution_id == institution_id)).all()
    return [int(i) for i in ids]


class Visitor:
    """A browser of one user (or of nobody), which checks every answer's status."""

    def __init__(self, username: str | None, language: Language) -> None:
        self.client = TestClient(create_app(), base_url="http://testserver")
        self.client.__enter__()
        self.client.cookies.set(LANGUAGE_COOKIE, language.value)
        self.language = language
        if username is not None:
            assert sign_in(self.client, username, PASSWORD).status_code == 303, username
        self.who = username or "anonymous"
        self.page = "/"

    def get(self, path: str, status: int = 200) -> str:
        response = self.client.get(path, follow_redirects=False)
        assert response.status_code == status, (self.who, path, response.text[-2000:])
        assert f'lang="{self.language.value}"' in response.text, (self.who, path)
        if status == 200:
            self.page = path
        return response.text

    def post(self, path: str, data: dict[str, Any], status: int, form: str) -> str:
        """Post a form with the CSRF token of the page it sits on."""
        token = csrf_of(self.get(form))
        response = self.client.post(path, data={"csrf_token": token, **data},
                                    follow_redirects=False)  # fmt: skip
        assert response.status_code == status, (self.who, path, response.text[-2000:])
        assert f'lang="{self.language.value}"' in response.text, (self.who, path)
        return response.text

    def close(self) -> None:
        self.client.__exit__(None, None, None)


@pytest.fixture
def visitors(language: Language) -> Iterator[Any]:
    opened: list[Visitor] = []

    def open_for(username: str | None) -> Visitor:
        visitor = Visitor(username, language)
        opened.append(visitor)
        return visitor

    yield open_for
    for visitor in opened:
        visitor.close()


@pytest.mark.usefixtures("committed", "dead_prefect", "sample_runs")
@pytest.mark.parametrize("language", list(Language), ids=str)
def test_every_page_template_renders_in_the_language(loaded, visitors, language):
    world = sample_world(language)
    ids, a = world.ids, world.ids["institution"]

    # Nobody signed in: home, the sign-in form and its wrong-password answer.
    anonymous = visitors(None)
    anonymous.get("/")
    anonymous.post("/sign-in", {"username": "med1", "password": "nope"}, 401, "/sign-in")

    # A mediator: their work, their youths and items, a form sent wrong, errors.
    med1 = visitors("med1")
    for path in ("/work", "/work?kind=bogus&youth=abc", "/inbox", "/youths",
                 f"/youths?stage=intake&q={world.codes['late']}"):  # fmt: skip
        med1.get(path)
    for youth_id in (ids["late"], ids["soon"], ids["leaving"], ids["left"]):
        med1.get(f"/youths/{youth_id}")
    for item_id, _, assignee in items_of(a):
        if assignee == ids["med1"]:
            med1.get(f"/work/{item_id}")
    med1.post(f"/work/{ids['late_intake']}", {}, 422, f"/work/{ids['late_intake']}")
    med1.get("/work?page=0", 422)
    med1.get("/password")  # changing one's password, and the form sent wrong
    med1.post("/password", {"current_password": PASSWORD, "new_password": "olive tree by the sea",
                            "confirmation": "another"}, 422, "/password")  # fmt: skip
    med1.get("/youths/999999", 404)
    # The case file: a note's page (with its versions), the note and contact forms sent wrong.
    note = add_note(ids["late"], ids["med1"])
    for path in (f"/youths/{ids['late']}/notes/{note}", f"/youths/{ids['late']}/notes/new",
                 f"/youths/{ids['late']}/contacts"):  # fmt: skip
        med1.get(path)
    med1.post(f"/youths/{ids['late']}/notes", {"kind": "call", "text": ""}, 422,
              f"/youths/{ids['late']}/notes/new")  # fmt: skip
    med1.post(f"/youths/{ids['late']}/contacts", {"phone": "12", "email": "x@"}, 422,
              f"/youths/{ids['late']}/contacts")  # fmt: skip
    med1.get(f"/youths/{ids['other']}", 404)  # a colleague's youth: not theirs

    # A partner: what they may not see.
    partner = visitors("partner")
    partner.get("/inbox")
    partner.get("/work", 403)

    # A coordinator: the dashboard, every item and youth of the home, the monitor (with
    # Prefect down), a new date refused.
    coord = visitors("coord")
    for path in ("/dashboard", "/dashboard?done=rescheduled", "/work", "/youths", "/runs",
                 f"/runs?rerun=flagged&youth={ids['late']}", "/indicators"):  # fmt: skip
        coord.get(path)
    coord.get("/indicators?from=2026-02-30", 422)  # its filters' errors
    for youth_id in youths_of(a):
        coord.get(f"/youths/{youth_id}")
    # Privacy: an access request's page, the access log (with rows, empty, a bad period).
    coord.get(f"/youths/{ids['late']}/access-request")
    for query in ("", "?outcome=refused", "?since=2000-01-01&until=2000-01-02"):
        coord.get(f"/youths/{ids['late']}/access-log{query}")
    coord.get(f"/youths/{ids['late']}/access-log?since=2026-02-30", 422)
    for item_id, _, _ in items_of(a):
        coord.get(f"/work/{item_id}")
    past = (TODAY - timedelta(days=1)).isoformat()
    coord.post(f"/work/{ids['late_intake']}/reschedule", {"due_date": past, "reason": ""},
               422, "/dashboard")  # fmt: skip

    # Referrals: finding services and referring, a consent, the lists, a referral's page
    # for its sender and for its partner.
    add_referrals(world)
    with session_scope() as s:
        for user in s.exec(select(User).where(col(User.username).in_(["anapec", "bayti"]))):
            user.language = language
    soon = ids["soon"]
    med1 = visitors("med1")
    for path in (f"/youths/{soon}/refer", f"/youths/{soon}/refer?axis=employment",
                 f"/youths/{soon}/refer?milestone_id={ids['milestone']}&service_id={ids['job']}",
                 f"/youths/{soon}/consents/new?partner_id={ids['anapec_partner']}",
                 f"/youths/{soon}", "/referrals", f"/referrals/{ids['closed_referral']}"):  # fmt: skip
        med1.get(path)
    med1.post(f"/youths/{soon}/consents", {"covers": "", "given_date": "x"}, 422,
              f"/youths/{soon}/consents/new")  # fmt: skip
    # The youth's agreement to their plan (approved, not yet agreed), and a wrong one.
    med1.post(f"/youths/{soon}/plans/1/agreement", {"agreement_method": "in_person"}, 422,
              f"/youths/{soon}/plans/1/agreement")  # fmt: skip
    med1.post(f"/youths/{soon}/refer", {"service_id": ids["job"], "need": "Work", "send": "1"},
              409, f"/youths/{soon}/refer?service_id={ids['job']}")  # fmt: skip
    coord.get(f"/referrals/{ids['bayti_referral']}")
    coord.get("/referrals?status=sent&overdue=1")
    bayti = visitors("bayti")
    bayti.get("/referrals")
    bayti.get(f"/referrals/{ids['bayti_referral']}")

    # Incidents: a form sent wrong from the file, a runaway not back for a week
    # (its decision asked for), the list, the file's panel, a wrong day of return.
    late = ids["late"]
    med1.post(f"/youths/{late}/incidents", {"kind": "", "occurred_date": "x",
              "description": ""}, 422, f"/youths/{late}")  # fmt: skip
    with session_scope() as s:
        runaway = incident_service.record_incident(
            s, youth_id=late, actor=s.get(User, ids["med1"]),
            report=IncidentReport(kind="runaway", description="Parti la nuit",
                                  occurred_at=datetime.now(UTC) - timedelta(days=8)),
        )  # fmt: skip
        incident_service.runaway_batch(s, at=datetime.now(UTC), today_of=lambda _: TODAY,
                                       after_id=0, limit=100)  # fmt: skip
        decision = incident_service.decision_item(s, runaway)
        assert decision is not None
        runaway_id, decision_id = runaway.pk, decision.pk
    for path in ("/incidents", "/incidents?show=all&done=closed", f"/youths/{late}?done=sms",
                 f"/work/{decision_id}"):  # fmt: skip
        coord.get(path)
    coord.post(f"/incidents/{runaway_id}/returned", {"returned_date": "1999-01-01"}, 422,
               "/incidents")  # fmt: skip
    med1.get(f"/youths/{late}?done=incident")

    # A register imported: upload, mapping, report (errors), refused whole, valid rows only.
    register = (REPO_ROOT / "docs" / "sample-register.csv").read_bytes()
    sent = coord.client.post(
        "/youths/import", files={"file": ("registre.csv", register, "text/csv")},
        data={"csrf_token": csrf_of(coord.get("/youths/import")),
              "institution_id": str(ids["institution"])},
        follow_redirects=False,
    )  # fmt: skip
    assert sent.status_code == 303, sent.text[-2000:]
    step = sent.headers["location"]
    selects = re.findall(r'name="map">(.*?)</select>', coord.get(step), re.S)
    mapping = [(re.findall(r'value="(\w*)" selected', c) or [""])[0] for c in selects]
    coord.post(f"{step}/report", {"map": mapping}, 200, step)
    coord.post(f"{step}/report", {"map": ["sex"] * len(mapping)}, 422, step)
    coord.post(step, {"map": mapping, "rows": "all"}, 409, step)
    coord.post(step, {"map": mapping, "rows": "valid"}, 200, step)

    # Supervisors: the region's and the nation's dashboards.
    for username in ("super", "nation"):
        supervisor = visitors(username)
        supervisor.get("/incidents")
        supervisor.get("/dashboard")
        supervisor.get("/runs")
        supervisor.get("/youths")

    # Privacy: a youth's retention page, a hold and a request sent wrong; a request recorded.
    privacy = f"/youths/{late}/privacy"
    coord.get(privacy)
    coord.post(f"{privacy}/hold", {"reason": ""}, 422, privacy)
    coord.post(f"{privacy}/requests", {"kind": "objection", "reason": "scans"}, 422, privacy)
    with session_scope() as s:
        asked = privacy_requests.record_request(
            s, youth=s.get(Youth, late), actor=s.get(User, ids["coord"]),
            kind=PrivacyRequestKind.objection, classes=["documents"], reason="scans",
        ).pk  # fmt: skip
    coord.get(f"{privacy}?done=requested")

    # The admin: every admin page, forms sent wrong, a password reset's answer, the
    # monitor with Prefect's runs.
    admin = visitors("admin")
    for path in ("/admin", "/admin/users", "/admin/users/new", f"/admin/users/{ids['med1']}",
                 f"/admin/users/{ids['super']}", "/admin/institutions", "/admin/calendars",
                 f"/admin/calendars?calendar={a}&year={TODAY.year}", "/admin/timings",
                 "/runs", "/inbox", "/admin/privacy-requests"):  # fmt: skip
        admin.get(path)
    admin.post(f"/admin/privacy-requests/{asked}/reject", {"note": ""}, 422,
               "/admin/privacy-requests")  # fmt: skip
    admin.post("/admin/institutions", {"name": "", "region": "Oriental"}, 422,
               "/admin/institutions")  # fmt: skip
    admin.post("/admin/users", {"username": "Bad Name!", "role": "mediator", "password": "x",
                                "language": "ar", "institution_ids": [str(a)]},
               422, "/admin/users/new")  # fmt: skip
    admin.post("/admin/users", {"username": f"generated-{language.value}", "role": "partner",
                                "partner_id": str(partner_of(ids["partner"])),
                                "language": "ar", "password": ""},
               200, "/admin/users/new")  # a generated password's answer  # fmt: skip
    admin.post(f"/admin/users/{ids['med1']}/details", {"email": "nope", "language": "ar"}, 422,
               f"/admin/users/{ids['med1']}")  # fmt: skip
    admin.post(f"/admin/users/{ids['med2']}/reset-password", {}, 200,
               f"/admin/users/{ids['med2']}")  # fmt: skip
    admin.get("/admin/users/999999", 404)

    # The partner directory: read by a mediator, kept by a coordinator (forms sent wrong).
    for path in (
        "/partners",
        "/partners?axis=employment&q=anapec",
        f"/partners/{ids['directory_partner']}",
    ):
        med1.get(path)
    med1.get("/partners?axis=bogus", 422)
    for path in ("/partners", "/partners/new", f"/partners/{ids['directory_partner']}",
                 f"/partners/{ids['directory_partner']}/services/new", f"/services/{ids['service']}"):  # fmt: skip
        coord.get(path)
    coord.post("/partners", {"name": "", "kind": "association", "letter_language": "fr"}, 422,
               "/partners/new")  # fmt: skip
    coord.post(f"/partners/{ids['directory_partner']}", {"name": "", "kind": "public_body",
                                              "letter_language": "ar"}, 422,
               f"/partners/{ids['directory_partner']}")  # fmt: skip
    coord.post(f"/partners/{ids['directory_partner']}/services", {"axis": "employment", "name": "Atelier",
                                                       "response_days": "5", "delivery_days": "30",
                                                       "age_min": "30", "age_max": "20"},
               422, f"/partners/{ids['directory_partner']}/services/new")  # fmt: skip

    # Caseloads and transfers: the page, a caseload to move (sent wrong), a transfer asked
    # (wrong, then right), the receiving side's list and decision, the sender's history.
    coord.get("/caseloads")
    coord.get(f"/caseloads/{ids['med2']}")
    coord.post(f"/caseloads/{ids['med2']}/reassign", {"target": ""}, 422,
               f"/caseloads/{ids['med2']}")  # fmt: skip
    planned = ids["planned"]
    coord.get(f"/youths/{planned}/transfer")
    asked = coord.client.post(f"/youths/{planned}/transfer", follow_redirects=False, data={
        "csrf_token": csrf_of(coord.get(f"/youths/{planned}/transfer")),
        "to_institution_id": str(ids["b"]), "reason": "Famille à Mohammedia"})  # fmt: skip
    assert asked.status_code == 303, asked.text
    coord.get(f"/youths/{planned}")  # the transfer waiting, on the file
    with session_scope(write=False) as s:
        transfer_id = s.exec(select(Transfer.id)).one()
    coord_b = visitors("coord_b")
    coord_b.get("/transfers")
    coord_b.post(f"/transfers/{transfer_id}/decide", {"decision": "refuse", "reason": ""}, 422,
                 "/transfers")  # fmt: skip
    accepted = coord_b.client.post(f"/transfers/{transfer_id}/decide", follow_redirects=False,
                                   data={"csrf_token": csrf_of(coord_b.get("/transfers")),
                                         "decision": "accept", "mediator_id": str(ids["med_b"])})  # fmt: skip
    assert accepted.status_code == 303, accepted.text
    coord.get(f"/transfers/{transfer_id}")  # the history up to the transfer
    coord.get("/transfers")

    rendered = {name for name in loaded if name.startswith("pages/")}
    expected = page_templates() - set(EXCEPTIONS)
    assert expected - rendered == set(), "templates no request rendered"
    assert rendered - page_templates() == set()
