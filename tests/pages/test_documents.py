"""The documents section of the youth file: list, upload (CSRF checked before the file is
read), download, retire, in three languages; and the checklist form's document choice."""

from __future__ import annotations

from datetime import date, timedelta

from sqlmodel import select

from mowakaba.db import session_scope
from mowakaba.enums import Language, WorkItemKind, WorkItemStatus
from mowakaba.models import Document, Institution, User, WorkItem
from mowakaba.settings import get_settings
from tests.documents_files import FAKE_PDF, image_bytes, pdf_bytes
from tests.factories import at, make_youth
from tests.pages.conftest import sign_in
from tests.pages.test_youths import speak
from tests.pages.world import csrf_of


def files_now() -> set[str]:
    folder = get_settings().documents_dir
    return {p.name for p in folder.iterdir()} if folder.is_dir() else set()


def upload(client, youth_id, data, *, token=None, name="cnie.pdf", declared="application/pdf",
           **fields):  # fmt: skip
    page = client.get(f"/youths/{youth_id}")
    form = {"csrf_token": token if token is not None else csrf_of(page.text),
            "kind": "national_id_card", "issued_date": "2024-01-10"} | fields  # fmt: skip
    return client.post(f"/youths/{youth_id}/documents", data=form,
                       files={"file": (name, data, declared)}, follow_redirects=False)  # fmt: skip


def test_a_mediator_uploads_downloads_and_retires_a_document(world, browser_client):
    client, youth = browser_client, world.ids["soon"]
    sign_in(client, "med1")
    page = client.get(f"/youths/{youth}")
    assert 'id="documents"' in page.text and 'enctype="multipart/form-data"' in page.text
    response = upload(client, youth, pdf_bytes(), name="بطاقة.pdf",
                      expiry_date=str(date.today() + timedelta(days=20)))  # fmt: skip
    assert response.status_code == 303
    assert response.headers["location"] == f"/youths/{youth}?doc=uploaded#documents"
    page = client.get(response.headers["location"])
    assert 'id="document-notice"' in page.text and "بطاقة.pdf" in page.text
    assert 'class="alert"' in page.text  # expires within 60 days
    with session_scope() as s:
        doc = s.exec(select(Document).where(Document.youth_id == youth)).one()
    file = client.get(f"/youths/{youth}/documents/{doc.id}/file")
    assert file.status_code == 200 and file.content == pdf_bytes()
    assert file.headers["content-disposition"].startswith("attachment;")
    assert file.headers["x-content-type-options"] == "nosniff"
    token = csrf_of(page.text)
    retired = client.post(f"/youths/{youth}/documents/{doc.id}/retire",
                          data={"csrf_token": token, "status": "withdrawn", "reason": "blurred"},
                          follow_redirects=False)  # fmt: skip
    assert retired.status_code == 303 and "doc=retired" in retired.headers["location"]
    with session_scope() as s:
        assert s.get(Document, doc.id).status == "withdrawn"  # type: ignore[union-attr]


def test_a_fake_pdf_comes_back_with_the_reason_and_nothing_is_kept(world, browser_client):
    client, youth = browser_client, world.ids["soon"]
    sign_in(client, "med1")
    before = files_now()
    response = upload(client, youth, FAKE_PDF)
    assert response.status_code == 303 and "doc=document_refused" in response.headers["location"]
    page = client.get(response.headers["location"])
    assert 'id="document-problem"' in page.text
    png_as_pdf = upload(client, youth, image_bytes("PNG"), name="id.pdf")
    assert "doc=document_refused" in png_as_pdf.headers["location"]
    with session_scope() as s:
        assert s.exec(select(Document)).all() == []
    assert files_now() == before


def test_an_upload_without_its_csrf_token_is_refused_before_the_file_is_kept(world,
                                                                             browser_client):  # fmt: skip
    client, youth = browser_client, world.ids["soon"]
    sign_in(client, "med1")
    before = files_now()
    response = upload(client, youth, pdf_bytes(), token="forged")
    assert response.status_code == 403
    with session_scope() as s:
        assert s.exec(select(Document)).all() == []
    assert files_now() == before


def test_another_caseload_cannot_upload_or_download(world, browser_client):
    client = browser_client
    sign_in(client, "med2")
    other_page = client.get(f"/youths/{world.ids['other']}")
    token = csrf_of(other_page.text)
    response = upload(client, world.ids["soon"], pdf_bytes(), token=token)
    assert response.status_code == 404
    assert client.get(f"/youths/{world.ids['soon']}/documents/1/file").status_code == 404


def test_the_checklist_form_offers_the_uploaded_card(world, browser_client):
    client = browser_client
    today = date.today()
    with session_scope() as s:
        med1 = s.get(User, world.ids["med1"])
        institution = s.get(Institution, world.ids["institution"])
        older = make_youth(s, institution, med1, first_name="Karim", first_name_ar="كريم",
                           date_of_birth=today - timedelta(days=365 * 17 + 30), as_of=at(today))  # fmt: skip
        youth_id = older.pk
    sign_in(client, "med1")
    response = upload(client, youth_id, image_bytes("JPEG"), declared="image/jpeg",
                      name="cnie.jpg", kind="birth_certificate")  # fmt: skip
    assert response.status_code == 303, response.text
    with session_scope() as s:
        item = s.exec(
            select(WorkItem).where(WorkItem.youth_id == youth_id,
                                   WorkItem.kind == WorkItemKind.exit_checklist_item,
                                   WorkItem.subject == "birth_certificate")
        ).one()  # fmt: skip
        doc = s.exec(select(Document).where(Document.youth_id == youth_id)).one()
        assert item.status == WorkItemStatus.done and item.payload["document_id"] == doc.id
        id_item = s.exec(
            select(WorkItem).where(WorkItem.youth_id == youth_id,
                                   WorkItem.subject == "national_id_card")
        ).one()  # fmt: skip
    done_page = client.get(f"/work/{item.id}")
    assert "cnie.jpg" in done_page.text  # which document met it
    # The ID-card item's form offers no birth certificate.
    assert 'name="document_id"' not in client.get(f"/work/{id_item.id}").text
    upload(client, youth_id, pdf_bytes(), name="cin.pdf")  # an ID card, not expired
    with session_scope() as s:
        assert s.get(WorkItem, id_item.id).status == WorkItemStatus.done  # type: ignore[union-attr]


def test_the_documents_section_speaks_three_languages(world, browser_client):
    client, youth = browser_client, world.ids["soon"]
    sign_in(client, "med1")
    upload(client, youth, pdf_bytes())
    for language, words in ((Language.ar, "الوثائق"), (Language.fr, "Carte nationale"),
                            (Language.en, "National ID card")):  # fmt: skip
        speak("med1", language)
        page = client.get(f"/youths/{youth}")
        assert page.status_code == 200 and words in page.text, language
