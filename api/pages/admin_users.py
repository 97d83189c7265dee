"""Admin: accounts. The list with each one's state, creating one (with a password typed
or generated), and one account's page: its details (name, email, language), its role and
institutions, disabling and enabling it, resetting its password.

The changes go through the services the admin API calls (api/routes/users.py) and are
audited under the same actions; every one kills the account's sessions.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated

from fastapi import Depends, Form, Path, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session

from api.deps import SessionDep, audit
from api.export_tables import users_export
from api.exporting import MAX_ROWS, FormatQuery, check_total
from api.pages.admin_forms import REQUIRED, FormErrors, attempt
from api.pages.common import LANGUAGE_NAMES, N_, page_guard, page_router, render
from mowakaba.casework_schemas import is_phone
from mowakaba.clock import now
from mowakaba.enums import Language, Role
from mowakaba.errors import NotFound, WeakPassword
from mowakaba.list_labels import ROLE_LABELS as LIST_ROLE_LABELS
from mowakaba.models import User
from mowakaba.services import institutions as institution_service
from mowakaba.services import partners as partner_service
from mowakaba.services import passwords as password_policy
from mowakaba.services import users as user_service

router = page_router()
PAGE_SIZE = 50
UserId = Annotated[int, Path(ge=1, le=2**31 - 1)]
Field = Annotated[str, Form(max_length=1000)]
Ids = Annotated[list[str], Form(max_length=200)]

ROLE_LABELS = LIST_ROLE_LABELS
BAD_USERNAME = N_("2 to 63 characters: lower-case letters, digits, “.”, “_” or “-”.")
TAKEN = N_("This user name is taken.")
BAD_EMAIL = N_("Enter an email address, e.g. name@example.ma.")
BAD_PHONE = N_("Enter a phone number of 8 to 15 digits, e.g. 0612 34 56 78 or +212 612 34 56 78.")
WEAK = N_(
    "This password is too weak: at least 12 characters, not the user name, not a common password."
)
NEEDS_INSTITUTION = N_("A coordinator or a mediator works in at least one institution.")
NO_INSTITUTION = N_("This role is not attached to institutions: untick them.")
REGION_ONLY = N_("Only a supervisor has a region.")
NEEDS_PARTNER = N_("A partner account belongs to one partner: choose it.")
PARTNER_ONLY = N_("Only a partner account belongs to a partner: choose none.")
UNKNOWN = N_("Choose from the list.")
LAST_ADMIN = N_("This is the last active administrator: keep the role and the account.")
NOT_YOURSELF = N_("You cannot disable your own account.")
DONE = {
    "created": N_("The account was created."),
    "updated": N_("The role and institutions were changed; the account's sessions ended."),
    "details": N_("The details were changed; the account's sessions ended."),
    "disabled": N_("The account was disabled; its sessions ended."),
    "enabled": N_("The account was enabled and unlocked."),
}


def states(user: User) -> list[tuple[str, str]]:
    """What to know about an account: (class, label) for each of its states."""
    found = []
    if not user.is_active:
        found.append(("disabled", N_("Disabled")))
    if user.locked_until is not None and user.locked_until > now():
        found.append(("locked", N_("Locked after failed sign-ins")))
    if user.must_change_password:
        found.append(("password", N_("Must change their password")))
    return found


def attachment(
    session: Session,
    errors: FormErrors,
    role_value: str,
    institution_values: Sequence[str],
    region: str,
    partner_value: str = "",
) -> tuple[Role | None, list[int], int | None]:
    """Check a role with its institutions, region and partner, each error next to its
    field."""
    role = Role(role_value) if role_value in Role.__members__ else None
    if role is None:
        errors["role"] = REQUIRED if not role_value else UNKNOWN
    known = {i.pk for i in institution_service.list_institutions(session)}
    ids = sorted({int(v) for v in institution_values if v.isdigit() and int(v) in known})
    if len(ids) != len(set(institution_values)):
        errors["institution_ids"] = UNKNOWN
    elif role in (Role.coordinator, Role.mediator) and not ids:
        errors["institution_ids"] = NEEDS_INSTITUTION
    elif role in (Role.admin, Role.supervisor, Role.partner) and ids:
        errors["institution_ids"] = NO_INSTITUTION
    if region and role is not None and role != Role.supervisor:
        errors["region"] = REGION_ONLY
    partners = {p.pk for p in partner_service.page_partners(session, limit=100_000)[0]}
    partner_id = int(partner_value) if partner_value.isdigit() else None
    if partner_value and partner_id not in partners:
        errors["partner_id"], partner_id = UNKNOWN, None
    elif role == Role.partner and partner_id is None:
        errors["partner_id"] = NEEDS_PARTNER
    elif role is not None and role != Role.partner and partner_id is not None:
        errors["partner_id"] = PARTNER_ONLY
    return role, ids, partner_id


def choices(session: Session) -> dict[str, object]:
    """What the forms offer: the roles, the languages, the institutions, the partners."""
    partners, _ = partner_service.page_partners(session, limit=100_000)
    return {"roles": list(ROLE_LABELS.items()), "languages": LANGUAGE_NAMES,
            "institutions": institution_service.list_institutions(session),
            "partners": [(str(p.id), p.name) for p in partners]}  # fmt: skip


@router.get("/admin/users")
def users(
    session: SessionDep,
    request: Request,
    admin: Annotated[User, Depends(page_guard("users.list"))],
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    format: FormatQuery = None,
) -> Response:
    """Every account by user name, with its role, institutions and state (`format`: all of
    them as a file, never a password hash or a secret)."""
    if format:
        everyone, total = user_service.page_users(session, limit=MAX_ROWS)
        check_total(total)
        return users_export(session, request, admin, everyone, format)
    rows, total = user_service.page_users(session, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
    names = {i.pk: i.name for i in institution_service.list_institutions(session)}
    links = user_service.institution_ids_by_user(session, [u.pk for u in rows])
    accounts = [
        {"user": u, "role": ROLE_LABELS[u.role], "states": states(u),
         "institutions": [names[i] for i in links[u.pk]]}
        for u in rows
    ]  # fmt: skip
    return render(
        request, "pages/admin/users.html",
        {"accounts": accounts, "total": total, "page": page,
         "pages": max(1, -(-total // PAGE_SIZE))},
        session=session,
    )  # fmt: skip


def new_user_form(
    request: Request, session: Session, form: dict[str, object], errors: FormErrors | None = None
) -> Response:
    return render(
        request, "pages/admin/user_new.html",
        {"form": form, "errors": errors or {}, "here": "/admin/users/new", **choices(session)},
        session=session, status=422 if errors else 200,
    )  # fmt: skip


@router.get("/admin/users/new")
def new_user(
    session: SessionDep,
    request: Request,
    admin: Annotated[User, Depends(page_guard("users.create"))],
) -> Response:
    """The form to create an account."""
    form = {"username": "", "display_name": "", "email": "", "phone": "",
            "language": Language.fr.value,
            "role": "", "institution_ids": [], "region": "", "partner_id": ""}  # fmt: skip
    return new_user_form(request, session, form)


@router.post("/admin/users")
def create_user(
    session: SessionDep,
    request: Request,
    admin: Annotated[User, Depends(page_guard("users.create"))],
    username: Field = "",
    display_name: Field = "",
    email: Field = "",
    phone: Field = "",
    language: Field = "",
    role: Field = "",
    institution_ids: Ids = [],  # noqa: B006 (FastAPI copies defaults)
    region: Field = "",
    partner_id: Field = "",
    password: Field = "",
) -> Response:
    """Create an account (the password policy applies), then show it."""
    errors = FormErrors()
    form: dict[str, object] = {
        "username": errors.text("username", username, max_length=63).lower(),
        "display_name": errors.text("display_name", display_name, max_length=200, required=False),
        "email": errors.text("email", email, max_length=254, required=False),
        "phone": errors.text("phone", phone, max_length=32, required=False),
        "language": language if language in Language.__members__ else Language.fr.value,
        "role": role, "institution_ids": institution_ids,
        "region": errors.text("region", region, max_length=100, required=False),
        "partner_id": partner_id,
    }  # fmt: skip
    name = str(form["username"])
    if "username" not in errors:
        if not user_service.USERNAME.match(name):
            errors["username"] = BAD_USERNAME
        else:
            try:
                user_service.get_user_by_name(session, name)
                errors["username"] = TAKEN
            except NotFound:
                pass  # free
    if form["email"] and not user_service.EMAIL.match(str(form["email"])):
        errors["email"] = BAD_EMAIL
    if form["phone"] and not is_phone(str(form["phone"])):
        errors["phone"] = BAD_PHONE
    chosen, ids, partner = attachment(
        session, errors, role, institution_ids, str(form["region"]), partner_id
    )
    # No password typed: one is generated (as a reset does), shown once, changed at sign-in.
    generated = not password
    if generated:
        password = password_policy.generate_password()
    try:
        password_policy.check_password(password, username=name)
    except WeakPassword:
        errors["password"] = WEAK
    if errors or chosen is None:
        return new_user_form(request, session, form, errors)
    created, error = attempt(session, lambda: user_service.create_user(
        session, username=name, password=password, role=chosen, institution_ids=ids,
        region=str(form["region"]) or None, email=str(form["email"]) or None,
        phone=str(form["phone"]) or None,
        language=Language(str(form["language"])), display_name=str(form["display_name"]),
        must_change_password=generated, partner_id=partner,
    ))  # fmt: skip
    if created is None:  # raced by another admin: the checks above passed a moment ago
        errors["username"] = TAKEN
        return new_user_form(request, session, form, errors)
    audit(request, admin, action="users.create", object_type="user", object_id=created.id)
    if generated:
        return temporary_password_page(request, session, created, password, created_now=True)
    return RedirectResponse(f"/admin/users/{created.id}?done=created", status_code=303)


def temporary_password_page(
    request: Request, session: Session, account: User, password: str, *, created_now: bool
) -> Response:
    """The answer that shows a temporary password, this once (never again)."""
    return render(
        request, "pages/admin/password_reset.html",
        {"account": account, "temporary_password": password, "created_now": created_now,
         "here": f"/admin/users/{account.id}"},  # the language switcher goes back to the account
        session=session,
    )  # fmt: skip


def show_user(
    request: Request,
    session: Session,
    user_id: int,
    *,
    form: dict[str, object] | None = None,
    details: dict[str, object] | None = None,
    errors: FormErrors | None = None,
    done: str = "",
    status: int = 200,
) -> Response:
    account = user_service.get_user(session, user_id)
    ids = user_service.institution_ids_of(session, account.pk)
    form = form or {"role": account.role.value, "institution_ids": [str(i) for i in ids],
                    "region": account.region or "",
                    "partner_id": str(account.partner_id or "")}  # fmt: skip
    details = details or {"display_name": account.display_name, "email": account.email or "",
                          "phone": account.phone or "",
                          "language": account.language.value}  # fmt: skip
    options = choices(session)
    names = {i.pk: i.name for i in institution_service.list_institutions(session)}
    belongs = (
        partner_service.get_partner(session, account.partner_id) if account.partner_id else None
    )
    return render(
        request, "pages/admin/user.html",
        {"account": account, "role": ROLE_LABELS[account.role], "states": states(account),
         "partner": belongs,
         "institution_names": [names[i] for i in ids], "form": form, "details": details,
         "errors": errors or {},
         "done": DONE.get(done), "here": f"/admin/users/{user_id}", **options},
        session=session, status=status,
    )  # fmt: skip


@router.get("/admin/users/{user_id}")
def user_page(
    user_id: UserId,
    session: SessionDep,
    request: Request,
    admin: Annotated[User, Depends(page_guard("users.read"))],
    done: Annotated[str, Query(max_length=20)] = "",
) -> Response:
    """One account: who, its state, and what an admin can change."""
    return show_user(request, session, user_id, done=done)


@router.post("/admin/users/{user_id}/role")
def change_role(
    user_id: UserId,
    session: SessionDep,
    request: Request,
    admin: Annotated[User, Depends(page_guard("users.update"))],
    role: Field = "",
    institution_ids: Ids = [],  # noqa: B006 (FastAPI copies defaults)
    region: Field = "",
    partner_id: Field = "",
) -> Response:
    """Give an account another role, institutions, region or partner (its sessions end)."""
    user_service.get_user(session, user_id)  # a missing account: the 404 page
    errors = FormErrors()
    region = errors.text("region", region, max_length=100, required=False)
    form: dict[str, object] = {"role": role, "institution_ids": institution_ids, "region": region,
                               "partner_id": partner_id}  # fmt: skip
    chosen, ids, partner = attachment(session, errors, role, institution_ids, region, partner_id)
    if errors or chosen is None:
        return show_user(request, session, user_id, form=form, errors=errors, status=422)
    changes: dict[str, object] = {"role": chosen, "institution_ids": ids, "region": region or None,
                                  "partner_id": partner}  # fmt: skip
    _, error = attempt(
        session, lambda: user_service.update_user(session, user_id=user_id, changes=changes)
    )
    if error is not None:
        errors["role"] = LAST_ADMIN
        return show_user(request, session, user_id, form=form, errors=errors, status=409)
    audit(request, admin, action="users.update", object_type="user", object_id=user_id)
    return RedirectResponse(f"/admin/users/{user_id}?done=updated", status_code=303)


@router.post("/admin/users/{user_id}/details")
def change_details(
    user_id: UserId,
    session: SessionDep,
    request: Request,
    admin: Annotated[User, Depends(page_guard("users.update"))],
    display_name: Field = "",
    email: Field = "",
    phone: Field = "",
    language: Field = "",
) -> Response:
    """Change an account's name, email, phone or language: the API's PATCH (the same service
    call, the same audit action); its sessions end."""
    user_service.get_user(session, user_id)  # a missing account: the 404 page
    errors = FormErrors()
    details: dict[str, object] = {
        "display_name": errors.text("display_name", display_name, max_length=200, required=False),
        "email": errors.text("email", email, max_length=254, required=False),
        "phone": errors.text("phone", phone, max_length=32, required=False),
        "language": language,
    }
    if "phone" not in errors and details["phone"] and not is_phone(str(details["phone"])):
        errors["phone"] = BAD_PHONE
    if (
        "email" not in errors
        and details["email"]
        and not user_service.EMAIL.match(str(details["email"]))
    ):
        errors["email"] = BAD_EMAIL
    if language not in Language.__members__:
        errors["language"] = REQUIRED if not language else UNKNOWN
    if errors:
        return show_user(request, session, user_id, details=details, errors=errors, status=422)
    changes: dict[str, object] = {"display_name": details["display_name"],
                                  "email": str(details["email"]) or None,
                                  "phone": str(details["phone"]) or None,
                                  "language": Language(language)}  # fmt: skip
    _, error = attempt(
        session, lambda: user_service.update_user(session, user_id=user_id, changes=changes)
    )
    if error is not None:  # the service refused what the checks above let through
        errors["email"] = BAD_EMAIL
        return show_user(request, session, user_id, details=details, errors=errors, status=422)
    audit(request, admin, action="users.update", object_type="user", object_id=user_id)
    return RedirectResponse(f"/admin/users/{user_id}?done=details", status_code=303)


def set_active(
    request: Request, session: Session, admin: User, user_id: int, *, active: bool
) -> Response:
    _, error = attempt(session, lambda: user_service.set_active(
        session, user_id=user_id, active=active, actor=admin
    ))  # fmt: skip
    if isinstance(error, NotFound):
        raise error
    if error is not None:
        errors = FormErrors(active=NOT_YOURSELF if user_id == admin.id else LAST_ADMIN)
        return show_user(request, session, user_id, errors=errors, status=409)
    action = "users.enable" if active else "users.disable"
    audit(request, admin, action=action, object_type="user", object_id=user_id)
    done = "enabled" if active else "disabled"
    return RedirectResponse(f"/admin/users/{user_id}?done={done}", status_code=303)


@router.post("/admin/users/{user_id}/disable")
def disable_user(
    user_id: UserId,
    session: SessionDep,
    request: Request,
    admin: Annotated[User, Depends(page_guard("users.disable"))],
) -> Response:
    """Close an account: it can no longer sign in (not yourself, not the last admin)."""
    return set_active(request, session, admin, user_id, active=False)


@router.post("/admin/users/{user_id}/enable")
def enable_user(
    user_id: UserId,
    session: SessionDep,
    request: Request,
    admin: Annotated[User, Depends(page_guard("users.enable"))],
) -> Response:
    """Reopen an account, and lift a lock after failed sign-ins."""
    return set_active(request, session, admin, user_id, active=True)


@router.post("/admin/users/{user_id}/reset-password")
def reset_password(
    user_id: UserId,
    session: SessionDep,
    request: Request,
    admin: Annotated[User, Depends(page_guard("users.reset_password"))],
) -> Response:
    """Give an account a temporary password, shown on this answer only (never again)."""
    password = user_service.reset_password(session, user_id=user_id)
    audit(request, admin, action="users.reset_password", object_type="user", object_id=user_id)
    account = user_service.get_user(session, user_id)
    return temporary_password_page(request, session, account, password, created_now=False)
