"""A youth's documents: checked by content, stored under random names, never deleted; they
meet the exit checklist and ask for their renewal before they expire."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlmodel import select

from mowakaba import document_rules
from mowakaba.casework_schemas import DocumentRetirement
from mowakaba.enums import (
    DocumentKind,
    DocumentStatus,
    EventKind,
    Role,
    Stage,
    WorkItemKind,
    WorkItemStatus,
)
from mowakaba.errors import AlreadyClosed, DocumentRefused, DocumentTooLarge, InvalidPayload
from mowakaba.models import Document, PathwayEvent, WorkItem
from mowakaba.services import documents as document_service
from mowakaba.services import reconciliation as reconciliation_service
from mowakaba.services import sweep as sweep_service
from mowakaba.services.completions import complete_work_item
from mowakaba.services.documents import content, storage
from mowakaba.settings import get_settings
from tests.documents_files import FAKE_PDF, image_bytes, pdf_bytes, store_document
from tests.factories import at, item_of, make_institution, make_user, make_youth

TODAY = date(2026, 11, 29)


@pytest.fixture
def w(session):
    institution = make_institution(session)
    mediator = make_user(session, Role.mediator, [institution])
    return {"institution": institution, "mediator": mediator}


def upload(session, youth, actor, data: bytes, *, when=TODAY, **kw):
    return store_document(session, youth, actor, data, when=at(when), **kw)


def stored_files() -> set[str]:
    folder = get_settings().documents_dir
    return {p.name for p in folder.iterdir()} if folder.is_dir() else set()


@pytest.mark.parametrize(
    ("data", "declared", "expected"),
    [
        (pdf_bytes(), "application/pdf", "application/pdf"),
        (pdf_bytes(), None, "application/pdf"),
        (image_bytes("PNG"), "image/png", "image/png"),
        (image_bytes("JPEG"), "image/jpeg", "image/jpeg"),
    ],
)
def test_pdf_jpeg_and_png_are_recognised_by_content(data, declared, expected):
    part = storage.store_chunks([data])
    try:
        assert content.check_content(part.part, head=part.head, declared=declared) == expected
    finally:
        part.abort()


@pytest.mark.parametrize(
    ("data", "declared"),
    [
        (FAKE_PDF, "application/pdf"),  # a PDF header, then garbage
        (image_bytes("PNG"), "application/pdf"),  # a PNG named .pdf, declared a PDF
        (pdf_bytes(), "image/png"),  # a real PDF declared an image
        (image_bytes("PNG")[:60], "image/png"),  # a truncated PNG
        (b"GIF89a" + b"\x00" * 100, "image/gif"),  # not one of ours
        (b"MZ\x90\x00 an executable", "application/pdf"),
        (b"<html><script>alert(1)</script>", "text/html"),
    ],
)
def test_a_file_that_is_not_what_it_claims_is_refused(data, declared):
    part = storage.store_chunks([data])
    try:
        with pytest.raises(DocumentRefused):
            content.check_content(part.part, head=part.head, declared=declared)
    finally:
        part.abort()


def png_of(mode: str, size: tuple[int, int], noise: bool = False) -> bytes:
    import io

    from PIL import Image

    image = Image.effect_noise(size, 64).convert(mode) if noise else Image.new(mode, size)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


@pytest.mark.parametrize(
    ("data", "why"),
    [
        (png_of("1", (6000, 6000)), "pixels"),  # 36 Mpx: refused before it is decoded
        (png_of("RGB", (4000, 3000)), "times its size"),  # 36 MB unpacked from ~40 kB
    ],
)
def test_a_png_decompression_bomb_is_refused_before_it_is_decoded(data, why):
    part = storage.store_chunks([data])
    try:
        with pytest.raises(DocumentRefused, match=why):
            content.check_content(part.part, head=part.head, declared="image/png")
    finally:
        part.abort()


def test_a_scanned_page_sized_png_is_accepted():
    data = png_of("L", (2480, 3508), noise=True)  # an A4 page at 300 dpi
    part = storage.store_chunks([data])
    try:
        assert content.check_content(part.part, head=part.head, declared=None) == "image/png"
    finally:
        part.abort()


def test_content_checks_run_two_at_a_time(monkeypatch):
    import threading

    running, most = 0, 0
    lock = threading.Lock()
    original = content._parse_pdf

    def slow(path):  # type: ignore[no-untyped-def]
        nonlocal running, most
        with lock:
            running += 1
            most = max(most, running)
        threading.Event().wait(0.2)
        with lock:
            running -= 1
        original(path)

    part = storage.store_chunks([pdf_bytes()])
    monkeypatch.setattr(content, "_parse_pdf", slow)
    try:
        threads = [threading.Thread(target=content.check_content, args=(part.part,),
                                    kwargs={"head": part.head, "declared": None})
                   for _ in range(5)]  # fmt: skip
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        part.abort()
    assert most == 2


def test_the_size_limit_is_enforced_while_writing_and_leaves_nothing():
    before = stored_files()
    chunks = (b"%PDF-" + b"x" * 1023 for _ in range(10_000_000))  # ~10 GB, never made whole
    with pytest.raises(DocumentTooLarge):
        storage.store_chunks(chunks, max_bytes=64 * 1024)
    assert stored_files() == before


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("../../etc/passwd", "passwd"),
        ("..\\..\\windows\\system32\\x.pdf", "x.pdf"),
        ("carte\x00.pdf", "carte.pdf"),
        ("cnie\u202egpj.pdf", "cniegpj.pdf"),
        ("", "document"),
        ("..", "document"),
        ("بطاقة التعريف.pdf", "بطاقة التعريف.pdf"),
    ],
)
def test_a_file_name_is_cleaned_for_display_only(raw, shown):
    assert content.clean_name(raw) == shown


def test_the_file_is_written_under_the_data_dir_with_a_random_name(session, w):
    youth = make_youth(session, w["institution"], w["mediator"], as_of=at(TODAY))
    document = upload(session, youth, w["mediator"], pdf_bytes(), name="../../../etc/passwd")
    path = storage.path_of(document.stored_name)
    assert path.parent == get_settings().home / "documents"
    # Encrypted at rest: the file on disk is not the upload, the service reads it back whole.
    assert path.is_file() and pdf_bytes() not in path.read_bytes()
    assert storage.read_bytes(document.stored_name) == pdf_bytes()
    assert len(document.stored_name) == 32 and "passwd" not in document.stored_name
    assert document.original_name == "passwd" and document.content_type == "application/pdf"
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    assert not list(path.parent.glob("*.part"))
    event = session.exec(
        select(PathwayEvent).where(PathwayEvent.kind == EventKind.document_uploaded)
    ).one()
    assert event.data["document_id"] == document.id


def test_a_new_id_card_replaces_the_old_one_and_nothing_is_deleted(session, w):
    youth = make_youth(session, w["institution"], w["mediator"], as_of=at(TODAY))
    old = upload(session, youth, w["mediator"], image_bytes("JPEG"), expiry_date="2027-01-10")
    certificate = upload(session, youth, w["mediator"], pdf_bytes(), kind="school_certificate")
    new = upload(session, youth, w["mediator"], pdf_bytes(), expiry_date="2036-01-10")
    assert old.status == DocumentStatus.replaced and old.replaced_by_id == new.id
    assert certificate.status == DocumentStatus.current and new.status == DocumentStatus.current
    assert storage.path_of(old.stored_name).is_file()  # kept
    rows = document_service.list_documents(session, youth_id=youth.pk)
    assert [d.id for d in rows] == [new.id, certificate.id, old.id]


def test_retiring_twice_is_refused(session, w):
    youth = make_youth(session, w["institution"], w["mediator"], as_of=at(TODAY))
    document = upload(session, youth, w["mediator"], pdf_bytes())
    data = DocumentRetirement(status="withdrawn", reason="wrong person's card")
    document_service.retire_document(session, youth=youth, document_id=document.pk, data=data,
                                     actor=w["mediator"])  # fmt: skip
    assert document.status == DocumentStatus.withdrawn
    with pytest.raises(AlreadyClosed):
        document_service.retire_document(session, youth=youth, document_id=document.pk,
                                         data=data, actor=w["mediator"])  # fmt: skip


# ---------------------------------------------------------------- the exit checklist


def test_an_id_card_upload_meets_the_open_checklist_item(session, w):
    youth = make_youth(session, w["institution"], w["mediator"], date_of_birth=date(2009, 5, 20),
                       as_of=at(TODAY))  # fmt: skip
    assert youth.stage == Stage.exit_preparation
    coordinator = make_user(session, Role.coordinator, [w["institution"]])
    card = upload(session, youth, coordinator, pdf_bytes(), expiry_date="2031-05-01")
    item = item_of(session, youth, WorkItemKind.exit_checklist_item, "national_id_card")
    assert item.status == WorkItemStatus.done
    assert item.payload["document_id"] == card.id and item.completed_by_id == coordinator.id
    done = session.exec(
        select(PathwayEvent).where(
            PathwayEvent.kind == EventKind.work_item_completed, PathwayEvent.work_item_id == item.id
        )
    ).one()
    assert done.data["document_id"] == card.id
    for other in ("birth_certificate", "health_coverage", "bank_account"):
        assert item_of(session, youth, WorkItemKind.exit_checklist_item, other).status == "open"


def test_an_expired_card_meets_nothing(session, w):
    youth = make_youth(session, w["institution"], w["mediator"], date_of_birth=date(2009, 5, 20),
                       as_of=at(TODAY))  # fmt: skip
    upload(session, youth, w["mediator"], pdf_bytes(), issued_date="2015-01-01",
           expiry_date="2025-01-01")  # fmt: skip
    item = item_of(session, youth, WorkItemKind.exit_checklist_item, "national_id_card")
    assert item.status == WorkItemStatus.open


def test_a_document_uploaded_before_meets_the_checklist_item_created_later(session, w):
    youth = make_youth(session, w["institution"], w["mediator"], date_of_birth=date(2009, 12, 15),
                       as_of=at(TODAY))  # fmt: skip
    assert youth.stage == Stage.intake
    card = upload(session, youth, w["mediator"], pdf_bytes(), kind="health_coverage_card")
    reconciliation_service.reconcile_youth(session, youth.pk, at(date(2026, 12, 16)))
    assert youth.stage == Stage.exit_preparation
    item = item_of(session, youth, WorkItemKind.exit_checklist_item, "health_coverage")
    assert item.status == WorkItemStatus.done and item.payload["document_id"] == card.id
    assert item_of(session, youth, WorkItemKind.exit_checklist_item, "national_id_card").status \
        == WorkItemStatus.open  # fmt: skip


def test_the_checklist_form_refuses_a_document_that_does_not_meet_the_item(session, w):
    youth = make_youth(session, w["institution"], w["mediator"], date_of_birth=date(2009, 5, 20),
                       as_of=at(TODAY))  # fmt: skip
    certificate = upload(session, youth, w["mediator"], pdf_bytes(), kind="birth_certificate")
    item = item_of(session, youth, WorkItemKind.exit_checklist_item, "national_id_card")
    with pytest.raises(InvalidPayload, match="document_id"):
        complete_work_item(session, work_item_id=item.pk, actor=w["mediator"],
                           payload={"outcome": "done", "document_id": certificate.id})  # fmt: skip
    assert item.status == WorkItemStatus.open


# ---------------------------------------------------------------- renewals


def renewals(session, youth):
    return session.exec(
        select(WorkItem).where(
            WorkItem.youth_id == youth.id, WorkItem.kind == WorkItemKind.document_renewal
        )
    ).all()


def test_an_expiring_card_creates_one_renewal_item_for_the_mediator(session, w):
    youth = make_youth(session, w["institution"], w["mediator"], as_of=at(TODAY))
    expiry = TODAY + timedelta(days=90)
    card = upload(session, youth, w["mediator"], pdf_bytes(), expiry_date=str(expiry))
    sweep_service.sweep(session, at(TODAY))
    assert renewals(session, youth) == []  # 90 days ahead: not yet
    day = expiry - timedelta(days=60)
    first = sweep_service.sweep(session, at(day))
    second = sweep_service.sweep(session, at(day + timedelta(days=1)))
    assert first.document_renewals == 1 and second.document_renewals == 0
    (item,) = renewals(session, youth)
    assert item.subject == f"d{card.id}" and item.assignee_id == w["mediator"].id
    assert item.due_date == expiry and item.status == WorkItemStatus.open


def test_the_renewal_is_cancelled_when_a_newer_card_replaces_the_old_one(session, w):
    youth = make_youth(session, w["institution"], w["mediator"], as_of=at(TODAY))
    upload(session, youth, w["mediator"], pdf_bytes(), expiry_date=str(TODAY + timedelta(days=30)))
    sweep_service.sweep(session, at(TODAY))
    (item,) = renewals(session, youth)
    upload(session, youth, w["mediator"], pdf_bytes(), issued_date=str(TODAY),
           expiry_date="2036-11-01")  # fmt: skip
    assert item.status == WorkItemStatus.cancelled
    sweep_service.sweep(session, at(TODAY + timedelta(days=1)))
    assert len(renewals(session, youth)) == 1  # the new card expires in ten years


def test_a_renewal_item_is_completed_with_its_form(session, w):
    youth = make_youth(session, w["institution"], w["mediator"], as_of=at(TODAY))
    upload(session, youth, w["mediator"], pdf_bytes(), expiry_date=str(TODAY + timedelta(days=10)))
    sweep_service.sweep(session, at(TODAY))
    (item,) = renewals(session, youth)
    with pytest.raises(InvalidPayload):
        complete_work_item(session, work_item_id=item.pk, actor=w["mediator"],
                           payload={"outcome": "not_needed"})  # fmt: skip
    complete_work_item(session, work_item_id=item.pk, actor=w["mediator"],
                       payload={"outcome": "renewal_requested", "note": "at the town hall"})  # fmt: skip
    assert item.status == WorkItemStatus.done


@pytest.mark.parametrize(
    ("expiry", "today", "valid"),
    [(None, TODAY, True), (TODAY, TODAY, True), (TODAY - timedelta(days=1), TODAY, False)],
)
def test_a_document_counts_until_its_expiry_day(expiry, today, valid):
    assert document_rules.is_valid(
        status=DocumentStatus.current, expiry_date=expiry, today=today
    ) is valid  # fmt: skip
    assert not document_rules.is_valid(
        status=DocumentStatus.replaced, expiry_date=expiry, today=today
    )


def test_documents_are_rows_of_their_own(session, w):
    youth = make_youth(session, w["institution"], w["mediator"], as_of=at(TODAY))
    upload(session, youth, w["mediator"], image_bytes("PNG"), kind="other", name="photo.png")
    assert session.exec(select(Document).where(Document.youth_id == youth.id)).one().kind == (
        DocumentKind.other
    )


def test_parts_left_by_a_dead_upload_are_cleared_when_old():
    import os
    import time

    fresh = storage.store_chunks([b"%PDF-1.7 half a file"])
    old = storage.store_chunks([b"%PDF-1.7 another half"])
    hours_ago = time.time() - 7200
    os.utime(old.part, (hours_ago, hours_ago))
    assert storage.remove_parts() == 1
    assert fresh.part.exists() and not old.part.exists()
    fresh.abort()
