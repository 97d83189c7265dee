"""A youth's documents through HTTP: multipart upload streamed and checked, the scoped and
audited download, retirement, and the refusals that change nothing."""

from __future__ import annotations

from datetime import date, timedelta
from unittest import mock

import pytest
from sqlmodel import select

from mowakaba.db import session_scope
from mowakaba.enums import WorkItemKind, WorkItemStatus
from mowakaba.models import AuditEvent, Document, Institution, User, WorkItem, Youth
from mowakaba.settings import get_settings
from tests.documents_files import FAKE_PDF, image_bytes, pdf_bytes, store_document
from tests.factories import at, make_youth


def files_now() -> set[str]:
    folder = get_settings().documents_dir
    return {p.name for p in folder.iterdir()} if folder.is_dir() else set()


def send(w, who, youth="y1", data=b"", *, name="cnie.pdf", declared="application/pdf", **fields):
    form = {"kind": "national_id_card", "issued_date": "2024-01-10"} | fields
    return w.post(who, f"/youths/{w.ids[youth]}/documents",
                  files={"file": (name, data, declared)}, data=form)  # fmt: skip


def count_documents() -> int:
    with session_scope() as s:
        return len(s.exec(select(Document)).all())


def test_a_mediator_uploads_lists_reads_and_downloads_a_document(world):
    w = world
    response = send(w, "m1", data=pdf_bytes(), name="../../etc/passwd\u202e.pdf",
                    expiry_date="2031-01-01")  # fmt: skip
    assert response.status_code == 201, response.text
    doc = response.json()
    assert doc["original_name"] == "passwd.pdf" and doc["content_type"] == "application/pdf"
    assert doc["size"] == len(pdf_bytes()) and doc["status"] == "current"
    listed = w.get("m1", f"/youths/{w.ids['y1']}/documents").json()
    assert [d["id"] for d in listed] == [doc["id"]]
    assert w.get("supervisor", f"/youths/{w.ids['y1']}/documents/{doc['id']}").status_code == 200
    file = w.get("m1", f"/youths/{w.ids['y1']}/documents/{doc['id']}/file")
    assert file.status_code == 200 and file.content == pdf_bytes()
    assert file.headers["content-type"] == "application/pdf"
    assert file.headers["content-disposition"].startswith('attachment; filename="passwd.pdf"')
    assert file.headers["x-content-type-options"] == "nosniff"
    assert "no-store" in file.headers["cache-control"]
    with session_scope() as s:
        downloads = s.exec(
            select(AuditEvent).where(AuditEvent.action == "documents.download",
                                     AuditEvent.request_id == file.headers["x-request-id"])
        ).all()  # fmt: skip
        stored = s.get(Document, doc["id"])
        assert stored is not None and "passwd" not in stored.stored_name
    assert len(downloads) == 1 and downloads[0].youth_id == w.ids["y1"]
    assert downloads[0].object_type == "document" and downloads[0].object_id == str(doc["id"])
    assert downloads[0].actor_id == w.ids["m1"]


@pytest.mark.parametrize(
    ("data", "declared", "name"),
    [
        (FAKE_PDF, "application/pdf", "cnie.pdf"),
        (image_bytes("PNG"), "application/pdf", "cnie.pdf"),
        (b"#!/bin/sh\nrm -rf /\n", "application/pdf", "cnie.pdf"),
        (b"", "application/pdf", "cnie.pdf"),
    ],
)
def test_a_file_that_is_not_what_it_claims_is_refused_and_leaves_nothing(world, data, declared,
                                                                         name):  # fmt: skip
    before = files_now()
    response = send(world, "m1", data=data, declared=declared, name=name)
    assert response.status_code == 422, response.text
    assert "file" in response.json()["error"]["message"]
    assert count_documents() == 0 and files_now() == before


def test_the_size_limit_answers_413_and_leaves_nothing(world, monkeypatch):
    before = files_now()
    monkeypatch.setattr(get_settings(), "document_max_bytes", 100_000)
    big = pdf_bytes() + b"%" * 200_000
    response = send(world, "m1", data=big)
    assert response.status_code == 413, response.text
    assert response.json()["error"]["code"] == "document_too_large"
    # A chunked body (no Content-Length) is counted as it arrives.
    chunks = (b"x" * 65536 for _ in range(10))
    headers = {**world.as_("m1"), "Content-Type": "multipart/form-data; boundary=zzz"}
    response = world.client.post(f"/api/v1/youths/{world.ids['y1']}/documents",
                                 content=chunks, headers=headers)  # fmt: skip
    assert response.status_code in (413, 422), response.text
    assert count_documents() == 0 and files_now() == before


def test_bad_fields_are_refused_naming_the_field(world):
    before = files_now()
    for fields, field in (
        ({"kind": "passport"}, "kind"),
        ({"issued_date": "2024-02-30"}, "issued_date"),
        ({"expiry_date": "2020-01-01"}, "expiry_date"),
        ({"plan_id": "7"}, "plan_id"),
    ):
        response = send(world, "m1", data=pdf_bytes(), **fields)
        assert response.status_code == 422, response.text
        assert field in response.json()["error"]["message"], (field, response.text)
    assert world.post("m1", f"/youths/{world.ids['y1']}/documents",
                      json={"kind": "other"}).status_code == 422  # fmt: skip
    assert count_documents() == 0 and files_now() == before


def test_out_of_scope_documents_answer_404_like_a_missing_id(world):
    w = world
    doc = send(w, "m2", youth="y2", data=pdf_bytes()).json()["id"]
    y2 = w.ids["y2"]
    missing = w.get("m1", f"/youths/{y2}/documents/999999/file")
    for who in ("m1", "coord_b"):
        for path in (
            f"/youths/{y2}/documents/{doc}/file",
            f"/youths/{y2}/documents/{doc}",
            f"/youths/{y2}/documents",
            f"/youths/{w.ids['y1']}/documents/{doc}/file",
        ):
            response = w.get(who, path)
            assert response.status_code == 404, (who, path)
            assert response.json()["error"]["code"] == missing.json()["error"]["code"]
        assert send(w, who, youth="y2", data=pdf_bytes()).status_code == 404
        retire = w.post(who, f"/youths/{y2}/documents/{doc}/retire",
                        json={"status": "withdrawn", "reason": "x"})  # fmt: skip
        assert retire.status_code == 404
    # The supervisor sees that it exists, but does not open it.
    assert w.get("supervisor", f"/youths/{y2}/documents/{doc}/file").status_code == 403
    assert count_documents() == 1


def test_nothing_is_left_when_the_commit_fails(world):
    before = files_now()
    world.as_("m1")  # signed in first
    with mock.patch("sqlmodel.Session.commit", side_effect=RuntimeError("disk full")):
        try:
            response = send(world, "m1", data=pdf_bytes())
        except RuntimeError:
            pass  # the test client may raise what the app raised
        else:
            assert response.status_code == 500
    assert count_documents() == 0 and files_now() == before


def test_a_youth_reassigned_while_its_file_arrives_is_not_given_the_document(world):
    from mowakaba.services.documents import content

    before = files_now()
    world.as_("m1")  # signed in first
    check = content.check_content

    def slow_check(*args, **kwargs):  # type: ignore[no-untyped-def]
        with session_scope() as s:  # the coordinator moves the youth meanwhile
            youth = s.get(Youth, world.ids["y1"])
            youth.mediator_id = world.ids["m2"]
            s.add(youth)
        return check(*args, **kwargs)

    with mock.patch.object(content, "check_content", slow_check):
        response = send(world, "m1", data=pdf_bytes())
    assert response.status_code == 404, response.text
    assert count_documents() == 0 and files_now() == before


def test_retiring_keeps_the_row_and_the_file(world):
    w = world
    doc = send(w, "m1", data=pdf_bytes()).json()["id"]
    path = f"/youths/{w.ids['y1']}/documents/{doc}"
    retired = w.post("m1", f"{path}/retire", json={"status": "withdrawn", "reason": "blurred"})
    assert retired.status_code == 200 and retired.json()["status"] == "withdrawn"
    again = w.post("m1", f"{path}/retire", json={"status": "withdrawn", "reason": "blurred"})
    assert again.status_code == 409
    assert w.get("m1", f"{path}/file").status_code == 200


def test_an_uploaded_id_card_meets_the_exit_checklist_item(world):
    w = world
    with session_scope() as s:
        youth, m1 = s.get(Youth, w.ids["y1"]), s.get(User, w.ids["m1"])
        assert youth is not None and m1 is not None
        seventeen = date.today() - timedelta(days=365 * 17 + 30)
        older = make_youth(s, s.get(Institution, youth.institution_id), m1, first_name="Karim",
                           date_of_birth=seventeen, as_of=at(date.today()))  # fmt: skip
        w.ids["y4"] = older.pk
    response = send(w, "m1", youth="y4", data=image_bytes("JPEG"), declared="image/jpeg",
                    name="cnie.jpg", expiry_date=str(date.today() + timedelta(days=3650)))  # fmt: skip
    assert response.status_code == 201, response.text
    with session_scope() as s:
        item = s.exec(
            select(WorkItem).where(WorkItem.youth_id == w.ids["y4"],
                                   WorkItem.kind == WorkItemKind.exit_checklist_item,
                                   WorkItem.subject == "national_id_card")
        ).one()  # fmt: skip
        assert item.status == WorkItemStatus.done
        assert item.payload["document_id"] == response.json()["id"]


def test_a_stored_document_of_another_youth_is_not_reachable_by_swapping_ids(world):
    w = world
    with session_scope() as s:
        y1, m1 = s.get(Youth, w.ids["y1"]), s.get(User, w.ids["m1"])
        doc = store_document(s, y1, m1, kind="other").pk
    # m2's youth y2 in the same institution: the document is y1's, not y2's.
    assert w.get("m2", f"/youths/{w.ids['y2']}/documents/{doc}/file").status_code == 404


def test_an_upload_retried_with_its_idempotency_key_is_saved_once(world):
    w = world
    before = files_now()
    headers = {"Idempotency-Key": "upload-cnie-1"}

    def again(data):  # type: ignore[no-untyped-def]
        return w.post("m1", f"/youths/{w.ids['y1']}/documents", headers=headers,
                      files={"file": ("cnie.pdf", data, "application/pdf")},
                      data={"kind": "national_id_card", "issued_date": "2024-01-10"})  # fmt: skip

    first, second = again(pdf_bytes()), again(pdf_bytes())
    assert first.status_code == second.status_code == 201 and first.json() == second.json()
    assert count_documents() == 1 and len(files_now() - before) == 1
    assert again(image_bytes("PNG")).status_code == 409  # the same key, another file
    assert count_documents() == 1 and len(files_now() - before) == 1
