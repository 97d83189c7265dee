"""Admin: the care institutions, listed and added (a duplicate name is refused)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session

from api.deps import SessionDep, audit
from api.pages.admin_forms import FormErrors, attempt
from api.pages.common import N_, page_guard, page_router, render
from mowakaba.errors import Conflict
from mowakaba.models import Institution, User
from mowakaba.services import calendars as calendar_service
from mowakaba.services import institutions as institution_service
from mowakaba.settings import get_settings

router = page_router()
TAKEN = N_("An institution has this name already.")
UNKNOWN_ZONE = N_("Unknown time zone: use a name such as Africa/Casablanca.")
Field = Annotated[str, Form(max_length=1000)]


def show(
    request: Request,
    session: Session,
    *,
    form: dict[str, str] | None = None,
    errors: FormErrors | None = None,
    added: int | None = None,
) -> Response:
    institutions = institution_service.list_institutions(session)
    form = form or {"name": "", "region": "", "time_zone": get_settings().default_time_zone}
    return render(
        request,
        "pages/admin/institutions.html",
        {"institutions": institutions, "form": form, "errors": errors or {},
         "added": next((i for i in institutions if i.id == added), None),
         "here": "/admin/institutions"},
        session=session, status=422 if errors else 200,
    )  # fmt: skip


@router.get("/admin/institutions")
def institutions(
    session: SessionDep,
    request: Request,
    user: Annotated[User, Depends(page_guard("admin.index"))],
    added: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
) -> Response:
    """Every institution, by name, and the form to add one."""
    return show(request, session, added=added)


@router.post("/admin/institutions")
def add_institution(
    session: SessionDep,
    request: Request,
    admin: Annotated[User, Depends(page_guard("institutions.create"))],
    name: Field = "",
    region: Field = "",
    time_zone: Field = "",
) -> Response:
    """Add an institution; its calendar is seeded for this year and the next."""
    errors = FormErrors()
    form = {
        "name": errors.text("name", name, max_length=200),
        "region": errors.text("region", region, max_length=100),
        "time_zone": errors.text("time_zone", time_zone, max_length=64, required=False),
    }
    if errors:
        return show(request, session, form=form, errors=errors)

    def create() -> Institution:
        institution = institution_service.create_institution(
            session, name=form["name"], region=form["region"], time_zone=form["time_zone"] or None
        )
        calendar_service.seed_current_years(session, institution_id=institution.pk)
        return institution

    institution, error = attempt(session, create)
    if institution is None:
        errors["name" if isinstance(error, Conflict) else "time_zone"] = (
            TAKEN if isinstance(error, Conflict) else UNKNOWN_ZONE
        )
        return show(request, session, form=form, errors=errors)
    audit(request, admin, action="institutions.create", object_type="institution",
          object_id=institution.id)  # fmt: skip
    return RedirectResponse(f"/admin/institutions?added={institution.id}", status_code=303)
