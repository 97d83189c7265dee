"""The demo's seeding: its progress reaches the last day, its accounts share one password,
its youths have case files."""

from collections import Counter
from datetime import date

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, func, select

from api.main import create_app
from mowakaba.db import session_scope
from mowakaba.enums import (
    NotificationKind,
    ReferralStatus,
    Sensitivity,
    TransferStatus,
    WorkItemKind,
    WorkItemStatus,
)
from mowakaba.models import (
    CaseNote,
    CaseNoteVersion,
    Contact,
    Document,
    Incident,
    Notification,
    Partner,
    PartnerService,
    PathwayEvent,
    Referral,
    Transfer,
    User,
    WorkItem,
    Youth,
)
from mowakaba.services import users as user_service
from mowakaba.services.documents import storage
from mowakaba.sim.demo import DEMO_PASSWORD, seed_demo
from mowakaba.sim.demo_casework import seed_casework


def test_seeding_reports_progress_up_to_the_last_day_and_every_account_signs_in(committed):
    """One seeding (16 youths: enough for a referral in every state) checked for all."""
    calls: list[tuple[int, int]] = []

    summary = seed_demo(date(2026, 11, 30), youths=16, progress=lambda *call: calls.append(call))

    assert sum(summary.youths_by_stage.values()) == 16
    done = [d for d, _ in calls]
    assert done == sorted(done)
    assert calls[-1][0] == calls[-1][1] > 0
    with Session(committed) as session:
        users = session.exec(select(User)).all()
    assert len(users) == len(summary.accounts) == 10  # with the two partner accounts
    assert all(user_service.verify_password(u.password_hash, DEMO_PASSWORD) for u in users)
    the_partners_and_referrals_are_there_in_every_state(committed, summary)
    the_case_files_are_there(committed, summary)
    the_indicator_trends_draw_on_first_start(committed, summary)


def the_indicator_trends_draw_on_first_start(committed, summary) -> None:  # type: ignore[no-untyped-def]
    from mowakaba.models import IndicatorSnapshot
    from mowakaba.sim.demo import SNAPSHOT_WEEKS

    with Session(committed) as session:
        days = set(session.exec(select(IndicatorSnapshot.snapshot_date)).all())
        rows = session.exec(select(func.count()).select_from(IndicatorSnapshot)).one()
    assert len(days) == SNAPSHOT_WEEKS + 1 and max(days) == date(2026, 11, 30)
    assert rows == summary.snapshots > 0


def the_partners_and_referrals_are_there_in_every_state(committed, summary) -> None:  # type: ignore[no-untyped-def]
    with Session(committed) as session:
        partners = session.exec(select(Partner)).all()
        axes = {s.axis for s in session.exec(select(PartnerService))}
        referrals = session.exec(select(Referral)).all()
        kinds = Counter(n.kind for n in session.exec(select(Notification)))
        events = Counter(e.kind.value for e in session.exec(select(PathwayEvent)))
        accounts = {u.username for u in session.exec(select(User)) if u.partner_id}
    assert len(partners) >= 15 and len(axes) == 8 and all(p.name_ar for p in partners)
    assert accounts == {"partner.anapec", "partner.ofppt"}
    assert set(summary.referrals_by_status) == {s.value for s in ReferralStatus}
    assert any(r.escalated_at and r.status == ReferralStatus.sent for r in referrals)
    assert any(r.rerouted_from_id for r in referrals) and any(r.milestone_id for r in referrals)
    for kind in (NotificationKind.referral_answered, NotificationKind.referral_overdue,
                 NotificationKind.referral_expired, NotificationKind.referral_received):  # fmt: skip
        assert kinds[kind] > 0, kind
    assert events["referral_sent"] > 10 and events["referral_completed"] >= 2
    assert events["consent_given"] > 10


def test_an_interrupted_seeding_is_seen_and_its_partial_demo_emptied(committed):
    from mowakaba.models import Institution
    from mowakaba.sim import demo

    def interrupted(done: int, total: int) -> None:
        if done > 30:
            raise KeyboardInterrupt  # Ctrl-C a month into the history

    with pytest.raises(KeyboardInterrupt):
        demo.seed_demo(date(2026, 11, 30), youths=4, progress=interrupted)
    assert demo.was_interrupted() and demo.is_seeded()  # a partial demo is in the database
    orphan = storage.store_chunks([b"%PDF-1.4 a partial demo's file"]).finish()
    demo.reset_partial_demo()
    assert not demo.was_interrupted() and not demo.is_seeded()
    assert not orphan.path.exists()  # its rows are gone: so are its files
    with session_scope() as session:
        assert session.exec(select(Institution)).all() == []
    demo.seed_demo(date(2026, 11, 30), youths=4)
    assert demo.is_seeded() and not demo.was_interrupted()


def the_case_files_are_there(committed, summary) -> None:  # type: ignore[no-untyped-def]
    """Notes (a sensitive one, a corrected one), contacts, a document whose file is on disk
    and served, the runaway's decision asked for, a transfer waiting; seeding again adds
    nothing."""
    with Session(committed) as session:
        notes = session.exec(select(CaseNote)).all()
        versions = session.exec(select(CaseNoteVersion)).all()
        contacts = session.exec(select(Contact)).all()
        documents = session.exec(select(Document)).all()
        incidents = session.exec(select(Incident)).all()
        items = session.exec(select(WorkItem).where(WorkItem.status == WorkItemStatus.open)).all()
        transfers = session.exec(select(Transfer)).all()
        staff = [u for u in session.exec(select(User)) if u.role.value in ("coordinator",
                                                                             "mediator")]  # fmt: skip
        youth = session.get(Youth, documents[0].youth_id)
        assert youth is not None
        mediator = session.get(User, youth.mediator_id)
        assert mediator is not None
    assert len(notes) >= 20 and summary.casework["notes"] == len(notes)
    assert {v.sensitivity for v in versions} > {Sensitivity.none}
    assert any(n.current_version == 2 for n in notes)
    assert any(c.kind.value == "trusted_person" for c in contacts)
    assert {i.kind.value for i in incidents} == {"runaway", "hospitalisation"}
    kinds = {i.kind for i in items}
    assert WorkItemKind.runaway_decision in kinds and WorkItemKind.document_renewal in kinds
    assert [t.status for t in transfers] == [TransferStatus.requested]
    assert all(u.phone for u in staff)
    # The file is under the data directory's documents/, and served to the youth's mediator.
    document = documents[0]
    path = storage.path_of(document.stored_name)
    assert path.is_file() and path.stat().st_mode & 0o777 == 0o600
    client = TestClient(create_app())
    token = client.post("/api/v1/auth/token",
                        data={"username": mediator.username, "password": DEMO_PASSWORD})  # fmt: skip
    answer = client.get(
        f"/api/v1/youths/{youth.id}/documents/{document.id}/file",
        headers={"Authorization": f"Bearer {token.json()['access_token']}"},
    )
    assert answer.status_code == 200 and answer.content == storage.read_bytes(document.stored_name)
    assert answer.content not in path.read_bytes()  # encrypted at rest
    with session_scope() as session:
        assert not seed_casework(session, today=date(2026, 11, 30))
    with Session(committed) as session:
        assert len(session.exec(select(CaseNote)).all()) == len(notes)
