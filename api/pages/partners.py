"""The partner directory: the organisations of the actors map and their baskets of services.

Admins, coordinators, supervisors and mediators read it (`/partners`, filtered by axis,
region and words of the name, which forgive Arabic spelling variants as the service
does); admins and coordinators add and change partners and services
("partners.manage"). A service's eligibility is edited with plain fields (ages, sex,
levels, stages, regions, documents) that build its condition list, checked by
`mowakaba.eligibility.parse_conditions`. Nothing is deleted (referrals name partners and
services): a partner or a service is deactivated. A form that fails is shown again with
each error next to its field, and nothing is saved.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Form, Path, Query, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError
from sqlmodel import Session

from api.deps import SessionDep, audit
from api.export_tables import partners_export
from api.exporting import MAX_ROWS, FormatQuery, check_total
from api.pages.admin_forms import REQUIRED, TOO_LONG, UNSAFE, FormErrors, attempt
from api.pages.admin_users import BAD_EMAIL, UNKNOWN
from api.pages.common import N_, page_guard, page_router, pages_of, render
from api.pages.partner_labels import AXIS_LABELS, CHECKLIST_LABELS, KIND_LABELS
from api.pages.partner_labels import describe_conditions as describe
from api.pages.youth_labels import EDUCATION_LABELS, STAGE_LABELS, VOCATIONAL_LABELS
from api.pages.youths import check_search
from api.policy import allowed
from api.templating import request_language
from mowakaba import eligibility as rules
from mowakaba.enums import Axis, ChecklistItem, Language, PartnerKind, Sex, Stage
from mowakaba.errors import Conflict, InvalidInput, NotFound
from mowakaba.models import Partner, PartnerService, User
from mowakaba.schemas import PartnerIn, PartnerPatch, ServiceIn, ServicePatch
from mowakaba.services import institutions as institution_service
from mowakaba.services import partners as partner_service
from mowakaba.services import users as user_service
from mowakaba.text import UnsafeText, clean_text

router = page_router()
PAGE_SIZE = 25
Id = Annotated[int, Path(ge=1, le=2**31 - 1)]
Field = Annotated[str, Form(max_length=2000)]
Many = Annotated[list[str], Form(max_length=50)]
Reader = Annotated[User, Depends(page_guard("partners.pages"))]
Manager = Annotated[User, Depends(page_guard("partners.manage"))]

PARTNER_TAKEN = N_("A partner has this name already.")
SERVICE_TAKEN = N_("This partner has a service with this name already.")
NUMBER = N_("Enter a whole number within the limits given.")
AGE_ORDER = N_("The highest age is below the lowest.")
LEVEL_ORDER = N_("The highest level is below the lowest.")
CONDITION = N_("This condition cannot be used: check it.")
INVALID = N_("This value cannot be used here.")
CHOOSE_AXIS = N_("Choose an axis from the list.")
DONE = {
    "created": N_("The partner was added to the directory."),
    "updated": N_("The partner's details were saved."),
    "deactivated": N_("The partner was deactivated: no new referral can be sent to it."),
    "activated": N_("The partner is active again."),
    "service_added": N_("The service was added to the basket."),
    "service_updated": N_("The service was saved."),
    "service_deactivated": N_("The service was deactivated: no new referral can be sent to it."),
    "service_activated": N_("The service is offered again."),
}
LANGUAGE_LABELS = {Language.ar: N_("Arabic"), Language.fr: N_("French"),
                   Language.en: N_("English")}  # fmt: skip
SEX_CHOICES = {Sex.female: N_("Young women only"), Sex.male: N_("Young men only")}


def region_choices(session: Session, *also: list[str]) -> list[tuple[str, str]]:
    """The regions as the forms offer them: (value, label)."""
    return [(r, r) for r in regions_known(session, *also)]


def regions_known(session: Session, *also: list[str]) -> list[str]:
    """The regions one can choose: those of the institutions and of the partners."""
    found = {i.region for i in institution_service.list_institutions(session) if i.region}
    rows, _ = partner_service.page_partners(session, limit=10_000)
    for partner in rows:
        found.update(partner.regions)
    for extra in also:
        found.update(extra)
    return sorted(found)


def manager(user: User) -> bool:
    return allowed("partners.manage", user)


# ---------------------------------------------------------------- the directory


@router.get("/partners")
def directory(
    session: SessionDep,
    request: Request,
    user: Reader,
    q: Annotated[str, Query(max_length=2000)] = "",
    axis: Annotated[str, Query(max_length=40)] = "",
    region: Annotated[str, Query(max_length=200)] = "",
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    format: FormatQuery = None,
) -> Response:
    """The partners by name, with the axes they serve; filtered by name, axis, region
    (`format`: all of them as a file)."""
    words, search_error = check_search(q)
    chosen = Axis(axis) if axis in Axis.__members__ else None
    regions = regions_known(session)
    errors = {"q": search_error, "axis": CHOOSE_AXIS if axis and chosen is None else None,
              "region": UNKNOWN if region and region not in regions else None}  # fmt: skip
    rows: list[Partner] = []
    total = 0
    if not any(errors.values()):
        limit, offset = (MAX_ROWS, 0) if format else (PAGE_SIZE, (page - 1) * PAGE_SIZE)
        rows, total = partner_service.page_partners(
            session, q=words or None, axis=chosen, region=region or None,
            active_only=not manager(user), limit=limit, offset=offset,
        )  # fmt: skip
        if format:
            check_total(total)
            return partners_export(session, request, user, rows, format, name="partners.pages")
    baskets = partner_service.services_of(
        session, partner_ids=[p.pk for p in rows], active_only=True
    )
    return render(
        request, "pages/partners/directory.html",
        {"rows": [{"partner": p, "axes": sorted({s.axis for s in baskets[p.pk]},
                                                key=list(Axis).index),
                   "services": len(baskets[p.pk])} for p in rows],
         "total": total, "page": page, "pages": pages_of(total, PAGE_SIZE),
         "q": q, "axis": axis, "region": region, "axes": list(AXIS_LABELS.items()),
         "regions": [(r, r) for r in regions], "errors": errors, "axis_labels": AXIS_LABELS,
         "kind_labels": KIND_LABELS, "manager": manager(user),
         "export_query": {k: v for k, v in (("q", words), ("axis", axis), ("region", region))
                          if v}},
        session=session, status=422 if any(errors.values()) else 200,
    )  # fmt: skip


# ---------------------------------------------------------------- a partner


def partner_form(partner: Partner | None = None) -> dict[str, Any]:
    """The partner form's values: a partner's, or a new one's."""
    if partner is None:
        return {"name": "", "name_ar": "", "kind": "", "regions": [], "phone": "", "email": "",
                "address": "", "contact_person": "", "letter_language": Language.fr.value,
                "languages": []}  # fmt: skip
    languages = partner.languages or [Language.fr.value]
    return {"name": partner.name, "name_ar": partner.name_ar, "kind": partner.kind.value,
            "regions": list(partner.regions), "phone": partner.phone, "email": partner.email,
            "address": partner.address, "contact_person": partner.contact_person,
            "letter_language": languages[0], "languages": languages[1:]}  # fmt: skip


def read_partner(
    session: Session, errors: FormErrors, raw: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The form as typed (to show again) and the values for PartnerIn / PartnerPatch."""
    form = {
        "name": errors.text("name", raw["name"], max_length=200),
        "name_ar": errors.text("name_ar", raw["name_ar"], max_length=200, required=False),
        "kind": raw["kind"],
        "regions": list(dict.fromkeys(raw["regions"])),
        "phone": errors.text("phone", raw["phone"], max_length=50, required=False),
        "email": errors.text("email", raw["email"], max_length=254, required=False),
        "address": errors.text("address", raw["address"], max_length=300, required=False),
        "contact_person": errors.text("contact_person", raw["contact_person"], max_length=200,
                                      required=False),
        "letter_language": raw["letter_language"],
        "languages": list(dict.fromkeys(raw["languages"])),
    }  # fmt: skip
    if raw["kind"] not in PartnerKind.__members__:
        errors["kind"] = REQUIRED if not raw["kind"] else UNKNOWN
    if form["email"] and "email" not in errors and not user_service.EMAIL.match(form["email"]):
        errors["email"] = BAD_EMAIL
    known = regions_known(session)
    if any(r not in known for r in form["regions"]):
        errors["regions"] = UNKNOWN
    if form["letter_language"] not in Language.__members__:
        errors["letter_language"] = REQUIRED if not form["letter_language"] else UNKNOWN
    if any(v not in Language.__members__ for v in form["languages"]):
        errors["languages"] = UNKNOWN
    languages = [form["letter_language"]] + [
        v for v in form["languages"] if v != form["letter_language"]
    ]
    values = {k: form[k] for k in ("name", "name_ar", "kind", "regions", "phone", "email",
                                   "address", "contact_person")}  # fmt: skip
    values["languages"] = languages
    return form, values


def schema_errors(errors: FormErrors, exc: ValidationError, known: set[str]) -> None:
    """What a schema refused that the checks above let through, next to its field."""
    for error in exc.errors():
        name = str(error["loc"][0]) if error["loc"] else ""
        errors.setdefault(name if name in known else "name", INVALID)


def show_partner_form(
    request: Request,
    session: Session,
    *,
    form: dict[str, Any],
    errors: FormErrors | None = None,
    partner: Partner | None = None,
    status: int = 200,
) -> Response:
    """The new-partner page, or a partner's page with its form showing what was typed."""
    context = {
        "form": form, "errors": errors or {},
        "kinds": list(KIND_LABELS.items()), "language_choices": list(LANGUAGE_LABELS.items()),
        "regions": region_choices(session, form["regions"]),
    }  # fmt: skip
    if partner is None:
        return render(request, "pages/partners/new.html", {**context, "here": "/partners/new"},
                      session=session, status=422 if errors else status)  # fmt: skip
    return partner_page(request, session, partner, context=context, status=status)


def partner_page(
    request: Request,
    session: Session,
    partner: Partner,
    *,
    context: dict[str, Any] | None = None,
    done: str = "",
    status: int = 200,
) -> Response:
    """A partner: its details, its basket of services, and (managers) the forms."""
    user: User = request.state.user
    can_manage = manager(user)
    language = request_language(request)
    basket = partner_service.services_of(
        session, partner_ids=[partner.pk], active_only=not can_manage
    )[partner.pk]
    if context is None and can_manage:
        form = partner_form(partner)
        context = {"form": form, "errors": {}, "kinds": list(KIND_LABELS.items()),
                   "language_choices": list(LANGUAGE_LABELS.items()),
                   "regions": region_choices(session, form["regions"])}  # fmt: skip
    return render(
        request, "pages/partners/partner.html",
        {**(context or {"errors": {}}), "partner": partner, "manager": can_manage,
         "services": [{"service": s, "conditions": describe(s.eligibility, language)}
                      for s in basket],
         "kind_labels": KIND_LABELS, "axis_labels": AXIS_LABELS,
         "checklist_labels": CHECKLIST_LABELS, "language_labels": LANGUAGE_LABELS,
         "done": DONE.get(done), "here": f"/partners/{partner.id}"},
        session=session, status=status,
    )  # fmt: skip


def posted_partner(
    name: Field = "",
    name_ar: Field = "",
    kind: Field = "",
    regions: Many = [],  # noqa: B006 (FastAPI copies defaults)
    phone: Field = "",
    email: Field = "",
    address: Field = "",
    contact_person: Field = "",
    letter_language: Field = "",
    languages: Many = [],  # noqa: B006
) -> dict[str, Any]:
    """The partner form's fields, as posted."""
    return {"name": name, "name_ar": name_ar, "kind": kind, "regions": regions, "phone": phone,
            "email": email, "address": address, "contact_person": contact_person,
            "letter_language": letter_language, "languages": languages}  # fmt: skip


PartnerPosted = Annotated[dict[str, Any], Depends(posted_partner)]


@router.get("/partners/new")
def new_partner(session: SessionDep, request: Request, user: Manager) -> Response:
    """The form to add a partner to the directory."""
    return show_partner_form(request, session, form=partner_form())


@router.post("/partners")
def create_partner(
    session: SessionDep, request: Request, user: Manager, posted: PartnerPosted
) -> Response:
    """Add a partner (a twin name is refused), then show it."""
    errors = FormErrors()
    form, values = read_partner(session, errors, posted)
    data = None
    if not errors:
        try:
            data = PartnerIn(**values)
        except ValidationError as exc:
            schema_errors(errors, exc, set(values))
    if data is None:
        return show_partner_form(request, session, form=form, errors=errors)
    created, error = attempt(session, lambda: partner_service.create_partner(session, data=data))
    if created is None:
        errors["name"] = PARTNER_TAKEN if isinstance(error, Conflict) else INVALID
        return show_partner_form(request, session, form=form, errors=errors)
    audit(request, user, action="partners.manage", object_type="partner", object_id=created.id)
    return RedirectResponse(f"/partners/{created.id}?done=created", status_code=303)


@router.get("/partners/{partner_id}")
def partner(
    partner_id: Id,
    session: SessionDep,
    request: Request,
    user: Reader,
    done: Annotated[str, Query(max_length=30)] = "",
) -> Response:
    """A partner and its basket (inactive ones for the managers only)."""
    found = partner_service.get_partner(session, partner_id)
    if not found.is_active and not manager(user):
        raise NotFound(f"partner {partner_id} not found")
    return partner_page(request, session, found, done=done)


@router.post("/partners/{partner_id}")
def update_partner(
    partner_id: Id, session: SessionDep, request: Request, user: Manager, posted: PartnerPosted
) -> Response:
    """Change a partner's details."""
    found = partner_service.get_partner(session, partner_id)
    errors = FormErrors()
    form, values = read_partner(session, errors, posted)
    data = None
    if not errors:
        try:
            data = PartnerPatch(**values)
        except ValidationError as exc:
            schema_errors(errors, exc, set(values))
    if data is None:
        return show_partner_form(request, session, form=form, errors=errors, partner=found,
                                 status=422)  # fmt: skip
    changed, error = attempt(
        session, lambda: partner_service.update_partner(session, partner_id=partner_id, data=data)
    )
    if changed is None:
        session.refresh(found)
        errors["name"] = PARTNER_TAKEN if isinstance(error, Conflict) else INVALID
        return show_partner_form(request, session, form=form, errors=errors, partner=found,
                                 status=409 if isinstance(error, Conflict) else 422)  # fmt: skip
    audit(request, user, action="partners.manage", object_type="partner", object_id=partner_id)
    return RedirectResponse(f"/partners/{partner_id}?done=updated", status_code=303)


@router.post("/partners/{partner_id}/active")
def set_partner_active(
    partner_id: Id, session: SessionDep, request: Request, user: Manager, active: Field = ""
) -> Response:
    """Deactivate a partner (never deleted: referrals name it), or activate it again."""
    partner_service.get_partner(session, partner_id)
    if active not in ("yes", "no"):
        raise InvalidInput("active is yes or no")
    partner_service.update_partner(
        session, partner_id=partner_id, data=PartnerPatch(is_active=active == "yes")
    )
    audit(request, user, action="partners.manage", object_type="partner", object_id=partner_id)
    done = "activated" if active == "yes" else "deactivated"
    return RedirectResponse(f"/partners/{partner_id}?done={done}", status_code=303)


# ---------------------------------------------------------------- a service

# The eligibility editor's fields, and the condition each one builds.
CONDITION_FIELDS = {"age": "age_max", "sex": "sex", "education_level": "education_min",
                    "vocational_level": "vocational_min", "stage": "stages", "region": "regions",
                    "document": "documents"}  # fmt: skip


def service_form(service: PartnerService | None = None) -> dict[str, Any]:
    """The service form's values: a service's (its conditions spread over the editor's
    fields), or a new one's."""
    form: dict[str, Any] = {
        "axis": "", "name": "", "name_ar": "", "description": "", "capacity_per_month": "",
        "response_days": "5", "delivery_days": "30", "checklist_item": "",
        "age_min": "", "age_max": "", "sex": "", "education_min": "", "education_max": "",
        "vocational_min": "", "vocational_max": "", "stages": [], "regions": [],
        "documents": [],
    }  # fmt: skip
    if service is None:
        return form
    form.update(
        axis=service.axis.value, name=service.name, name_ar=service.name_ar,
        description=service.description,
        capacity_per_month=str(service.capacity_per_month or ""),
        response_days=str(service.response_days), delivery_days=str(service.delivery_days),
        checklist_item=service.checklist_item.value if service.checklist_item else "",
    )  # fmt: skip
    try:
        conditions = rules.parse_conditions(service.eligibility)
    except InvalidInput:
        conditions = []
    for c in conditions:
        if isinstance(c, rules.AgeCondition):
            form.update(age_min=str(c.min if c.min is not None else ""),
                        age_max=str(c.max if c.max is not None else ""))  # fmt: skip
        elif isinstance(c, rules.SexCondition):
            form["sex"] = c.is_.value
        elif isinstance(c, rules.EducationCondition | rules.VocationalCondition):
            prefix = "education" if isinstance(c, rules.EducationCondition) else "vocational"
            form[f"{prefix}_min"] = c.min.value if c.min else ""
            form[f"{prefix}_max"] = c.max.value if c.max else ""
        elif isinstance(c, rules.StageCondition):
            form["stages"] = [s.value for s in c.in_]
        elif isinstance(c, rules.RegionCondition):
            form["regions"] = list(c.in_)
        elif isinstance(c, rules.DocumentCondition):
            form["documents"].append(c.has.value)
    return form


def whole_number(
    errors: FormErrors, name: str, value: str, low: int, high: int, *, required: bool = True
) -> int | None:
    """A whole number from a field, within bounds; an error recorded when it is not one."""
    value = value.strip()
    if not value:
        if required:
            errors[name] = REQUIRED
        return None
    if not value.isascii() or not value.isdigit() or not low <= int(value) <= high:
        errors[name] = NUMBER
        return None
    return int(value)


def one_of(errors: FormErrors, name: str, value: str, choices: Any) -> str | None:
    """A value chosen from a list (empty: none chosen)."""
    if not value:
        return None
    if value not in {c.value if hasattr(c, "value") else c for c in choices}:
        errors[name] = UNKNOWN
        return None
    return value


def read_service(
    session: Session, errors: FormErrors, raw: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The form as typed and the values for ServiceIn / ServicePatch; the eligibility
    editor's fields become the condition list, checked by `parse_conditions` (each
    condition refused is marked on the field that built it)."""
    form = dict(raw)
    form["name"] = errors.text("name", raw["name"], max_length=200)
    form["name_ar"] = errors.text("name_ar", raw["name_ar"], max_length=200, required=False)
    try:
        form["description"] = clean_text(raw["description"], multiline=True).strip()
        if len(form["description"]) > 2000:
            errors["description"] = TOO_LONG
    except UnsafeText:
        errors["description"] = UNSAFE
    if raw["axis"] not in Axis.__members__:
        errors["axis"] = REQUIRED if not raw["axis"] else UNKNOWN
    capacity = whole_number(errors, "capacity_per_month", raw["capacity_per_month"], 1, 100_000,
                            required=False)  # fmt: skip
    response = whole_number(errors, "response_days", raw["response_days"], 1, 60)
    delivery = whole_number(errors, "delivery_days", raw["delivery_days"], 1, 730)
    checklist = one_of(errors, "checklist_item", raw["checklist_item"], ChecklistItem)

    # The eligibility editor → conditions, each with the field it is shown on.
    built: list[tuple[str, dict[str, Any]]] = []
    age_min = whole_number(errors, "age_min", raw["age_min"], 0, 99, required=False)
    age_max = whole_number(errors, "age_max", raw["age_max"], 0, 99, required=False)
    if age_min is not None or age_max is not None:
        age = {"kind": "age", **({"min": age_min} if age_min is not None else {}),
               **({"max": age_max} if age_max is not None else {})}  # fmt: skip
        built.append(("age_max", age))
    if sex := one_of(errors, "sex", raw["sex"], Sex):
        built.append(("sex", {"kind": "sex", "is": sex}))
    for prefix, kind, levels in (
        ("education", "education_level", rules.EDUCATION_ORDER),
        ("vocational", "vocational_level", rules.VOCATIONAL_ORDER),
    ):
        low = one_of(errors, f"{prefix}_min", raw[f"{prefix}_min"], levels)
        high = one_of(errors, f"{prefix}_max", raw[f"{prefix}_max"], levels)
        if low and high and levels.index(low) > levels.index(high):  # type: ignore[arg-type]
            errors[f"{prefix}_max"] = LEVEL_ORDER
        elif low or high:
            built.append((f"{prefix}_max" if high else f"{prefix}_min",
                          {"kind": kind, **({"min": low} if low else {}),
                           **({"max": high} if high else {})}))  # fmt: skip
    stages = list(dict.fromkeys(raw["stages"]))
    if any(s not in Stage.__members__ for s in stages):
        errors["stages"] = UNKNOWN
    elif stages:
        built.append(("stages", {"kind": "stage", "in": stages}))
    regions = list(dict.fromkeys(raw["regions"]))
    known = regions_known(session)
    if any(r not in known for r in regions):
        errors["regions"] = UNKNOWN
    elif regions:
        built.append(("regions", {"kind": "region", "in": regions}))
    documents = list(dict.fromkeys(raw["documents"]))
    if any(d not in {x.value for x in rules.DOCUMENTS} for d in documents):
        errors["documents"] = UNKNOWN
    else:
        built.extend(("documents", {"kind": "document", "has": d}) for d in documents)
    for field, condition in built:
        try:
            rules.parse_conditions([condition])
        except InvalidInput:
            errors.setdefault(field, AGE_ORDER if field == "age_max" else (
                LEVEL_ORDER if field.endswith("_max") else CONDITION))  # fmt: skip
    conditions = [c for _, c in built]
    if not errors:
        try:
            conditions = rules.dump_conditions(rules.parse_conditions(conditions))
        except InvalidInput:
            errors["documents"] = CONDITION
    form["stages"], form["regions"], form["documents"] = stages, regions, documents
    values = {
        "axis": raw["axis"], "name": form["name"], "name_ar": form["name_ar"],
        "description": form["description"], "eligibility": conditions,
        "capacity_per_month": capacity, "response_days": response, "delivery_days": delivery,
        "checklist_item": checklist,
    }  # fmt: skip
    return form, values


def posted_service(
    axis: Field = "",
    name: Field = "",
    name_ar: Field = "",
    description: Annotated[str, Form(max_length=4000)] = "",
    capacity_per_month: Field = "",
    response_days: Field = "",
    delivery_days: Field = "",
    checklist_item: Field = "",
    age_min: Field = "",
    age_max: Field = "",
    sex: Field = "",
    education_min: Field = "",
    education_max: Field = "",
    vocational_min: Field = "",
    vocational_max: Field = "",
    stages: Many = [],  # noqa: B006 (FastAPI copies defaults)
    regions: Many = [],  # noqa: B006
    documents: Many = [],  # noqa: B006
) -> dict[str, Any]:
    """The service form's fields, as posted."""
    return dict(locals())


ServicePosted = Annotated[dict[str, Any], Depends(posted_service)]


def show_service_form(
    request: Request,
    session: Session,
    partner: Partner,
    *,
    form: dict[str, Any],
    errors: FormErrors | None = None,
    service: PartnerService | None = None,
    done: str = "",
    status: int = 200,
) -> Response:
    """The form of a new service of a partner, or of one of its services."""
    here = f"/services/{service.id}" if service else f"/partners/{partner.id}/services/new"
    return render(
        request, "pages/partners/service.html",
        {"partner": partner, "service": service, "form": form, "errors": errors or {},
         "axes": list(AXIS_LABELS.items()), "checklist": list(CHECKLIST_LABELS.items()),
         "sexes": list(SEX_CHOICES.items()),
         "education": list(EDUCATION_LABELS.items()),
         "vocational": list(VOCATIONAL_LABELS.items()), "stages": list(STAGE_LABELS.items()),
         "regions": region_choices(session, form["regions"]),
         "documents": [(d, CHECKLIST_LABELS[d]) for d in rules.DOCUMENTS],
         "conditions": describe(service.eligibility, request_language(request))
         if service else [],
         "done": DONE.get(done), "here": here},
        session=session, status=422 if errors and status == 200 else status,
    )  # fmt: skip


@router.get("/partners/{partner_id}/services/new")
def new_service(partner_id: Id, session: SessionDep, request: Request, user: Manager) -> Response:
    """The form to add a service to a partner's basket."""
    found = partner_service.get_partner(session, partner_id)
    return show_service_form(request, session, found, form=service_form())


@router.post("/partners/{partner_id}/services")
def add_service(
    partner_id: Id, session: SessionDep, request: Request, user: Manager, posted: ServicePosted
) -> Response:
    """Add a service to a partner's basket, then show the partner."""
    found = partner_service.get_partner(session, partner_id)
    errors = FormErrors()
    form, values = read_service(session, errors, posted)
    data = None
    if not errors:
        try:
            data = ServiceIn(**values)
        except ValidationError as exc:
            schema_errors(errors, exc, set(values))
    if data is None:
        return show_service_form(request, session, found, form=form, errors=errors)
    added, error = attempt(
        session, lambda: partner_service.add_service(session, partner_id=partner_id, data=data)
    )
    if added is None:
        errors["name"] = SERVICE_TAKEN if isinstance(error, Conflict) else INVALID
        return show_service_form(request, session, found, form=form, errors=errors,
                                 status=409 if isinstance(error, Conflict) else 422)  # fmt: skip
    audit(request, user, action="partners.manage", object_type="partner_service",
          object_id=added.id)  # fmt: skip
    return RedirectResponse(f"/partners/{partner_id}?done=service_added#services",
                            status_code=303)  # fmt: skip


@router.get("/services/{service_id}")
def service(
    service_id: Id,
    session: SessionDep,
    request: Request,
    user: Manager,
    done: Annotated[str, Query(max_length=30)] = "",
) -> Response:
    """A service's form, with its conditions in words."""
    found = partner_service.get_service(session, service_id)
    owner = partner_service.get_partner(session, found.partner_id)
    return show_service_form(request, session, owner, form=service_form(found), service=found,
                             done=done)  # fmt: skip


@router.post("/services/{service_id}")
def update_service(
    service_id: Id, session: SessionDep, request: Request, user: Manager, posted: ServicePosted
) -> Response:
    """Change a service (its conditions apply to referrals created afterwards)."""
    found = partner_service.get_service(session, service_id)
    owner = partner_service.get_partner(session, found.partner_id)
    errors = FormErrors()
    form, values = read_service(session, errors, posted)
    data = None
    if not errors:
        try:
            data = ServicePatch(**values)
        except ValidationError as exc:
            schema_errors(errors, exc, set(values))
    if data is None:
        return show_service_form(request, session, owner, form=form, errors=errors,
                                 service=found, status=200)  # fmt: skip
    changed, error = attempt(
        session, lambda: partner_service.update_service(session, service_id=service_id, data=data)
    )
    if changed is None:
        session.refresh(found)
        errors["name"] = SERVICE_TAKEN if isinstance(error, Conflict) else INVALID
        return show_service_form(request, session, owner, form=form, errors=errors,
                                 service=found,
                                 status=409 if isinstance(error, Conflict) else 422)  # fmt: skip
    audit(request, user, action="partners.manage", object_type="partner_service",
          object_id=service_id)  # fmt: skip
    return RedirectResponse(f"/services/{service_id}?done=service_updated", status_code=303)


@router.post("/services/{service_id}/active")
def set_service_active(
    service_id: Id, session: SessionDep, request: Request, user: Manager, active: Field = ""
) -> Response:
    """Deactivate a service (never deleted: referrals name it), or offer it again."""
    partner_service.get_service(session, service_id)
    if active not in ("yes", "no"):
        raise InvalidInput("active is yes or no")
    partner_service.update_service(
        session, service_id=service_id, data=ServicePatch(is_active=active == "yes")
    )
    audit(request, user, action="partners.manage", object_type="partner_service",
          object_id=service_id)  # fmt: skip
    done = "service_activated" if active == "yes" else "service_deactivated"
    return RedirectResponse(f"/services/{service_id}?done={done}", status_code=303)
