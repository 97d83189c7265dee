"""Young people: list, register, read, change, timeline, schedule, flow runs, extension."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlmodel import select

from api.deps import GuardedRoute, SessionDep, audit, audit_shown, require
from api.export_tables import youths_table
from api.exporting import (
    EXPORT_RESPONSES,
    MAX_ROWS,
    FormatQuery,
    Words,
    check_total,
    export_response,
)
from api.policy import youth_scope
from api.routes.common import (
    IdempotencyKey,
    IdPath,
    IdQuery,
    PageNo,
    PageSize,
    SearchQuery,
    idempotent,
    page_of,
    scoped_history,
    scoped_youth,
)
from api.schemas import (
    EventOut,
    ExtensionIn,
    ExtensionOut,
    FlowRunOut,
    Page,
    ScheduleRow,
    YouthOut,
    YouthPatch,
)
from flows import launch
from mowakaba.clock import now
from mowakaba.enums import Role, Stage
from mowakaba.errors import NotFound
from mowakaba.models import User, Youth
from mowakaba.schemas import ExtensionRequest, YouthRegistration
from mowakaba.services import calendars as calendar_service
from mowakaba.services import timeline as timeline_service
from mowakaba.services import users as user_service
from mowakaba.services import youths as youth_service

router = APIRouter(tags=["youths"], route_class=GuardedRoute)


def youth_out(youth: Youth) -> YouthOut:
    return YouthOut.model_validate(youth, from_attributes=True)


@router.get("/youths", response_model=Page[YouthOut], responses=EXPORT_RESPONSES)
def list_youths(
    session: SessionDep,
    request: Request,
    user: Annotated[User, Depends(require("youths.list"))],
    stage: Stage | None = None,
    institution_id: IdQuery = None,
    q: SearchQuery = None,
    page: PageNo = 1,
    page_size: PageSize = 50,
    format: FormatQuery = None,
) -> dict | Response:
    """The youths the caller may see; `q` forgives Arabic spelling variants; `format`: all
    of them as a spreadsheet (docs/api.md "Exports")."""
    limit, offset = (MAX_ROWS, 0) if format else (page_size, (page - 1) * page_size)
    rows, total = youth_service.search_youths(
        session,
        base=youth_scope(session, user).filter(select(Youth)),
        stage=stage,
        institution_id=institution_id,
        q=q,
        limit=limit,
        offset=offset,
    )
    if format:
        check_total(total)
        today = now().date()
        table = youths_table(rows, Words.of(user), today=today)
        return export_response(request, user, table, name="youths.list", fmt=format,
                               day=today, youth_ids=(y.id for y in rows))  # fmt: skip
    audit_shown(request, user, action="youths.list", youth_ids=(y.id for y in rows))
    return page_of([youth_out(y) for y in rows], total, page, page_size)


@router.post("/youths", response_model=YouthOut, status_code=201)
def register_youth(
    body: YouthRegistration,
    session: SessionDep,
    request: Request,
    user: Annotated[User, Depends(require("youths.create"))],
    idempotency_key: IdempotencyKey = None,
):  # type: ignore[no-untyped-def]
    """Register a young person (coordinators in their institutions, admins); their pathway
    run starts after the commit."""
    if user.role == Role.coordinator and body.institution_id not in user_service.institution_ids_of(
        session,
        user.pk,
    ):
        raise NotFound(f"institution {body.institution_id} not found")
    created: list[int] = []

    def create() -> YouthOut:
        youth, _ = youth_service.register_youth(session, data=body, actor=user)
        created.append(youth.pk)
        return youth_out(youth)

    response = idempotent(
        session, request=request, user=user, key=idempotency_key, body=body, create=create
    )
    session.commit()
    for youth_id in created:
        audit(
            request,
            user,
            action="youths.create",
            object_type="youth",
            object_id=youth_id,
            youth_id=youth_id,
        )
        launch.start_pathway_after_commit(youth_id, f"registered-{youth_id}")
    return response


@router.get("/youths/{youth_id}", response_model=YouthOut)
def read_youth(
    youth_id: IdPath, session: SessionDep, request: Request,
    user: Annotated[User, Depends(require("youths.read"))],
) -> YouthOut:  # fmt: skip
    """A youth's record."""
    return youth_out(scoped_youth(session, request, user, youth_id, "youths.read"))


@router.patch("/youths/{youth_id}", response_model=YouthOut)
def update_youth(
    youth_id: IdPath, body: YouthPatch, session: SessionDep, request: Request,
    user: Annotated[User, Depends(require("youths.update"))],
) -> YouthOut:  # fmt: skip
    """Change allow-listed fields only (names, schooling, mediator)."""
    scoped_youth(session, request, user, youth_id, "youths.update")
    changes = body.model_dump(exclude_unset=True)
    return youth_out(
        youth_service.update_youth(session, youth_id=youth_id, actor=user, changes=changes)
    )


@router.get("/youths/{youth_id}/timeline", response_model=Page[EventOut])
def timeline(
    youth_id: IdPath, session: SessionDep, request: Request,
    user: Annotated[User, Depends(require("youths.timeline"))],
    page: PageNo = 1, page_size: PageSize = 50,
) -> dict:  # fmt: skip
    """The youth's pathway events, newest first (for an institution the youth was
    transferred out of: up to the transfer only)."""
    until = scoped_history(session, request, user, youth_id, "youths.timeline")
    rows, total = timeline_service.page_events(
        session,
        youth_id=youth_id,
        limit=page_size,
        offset=(page - 1) * page_size,
        until_event_id=until,
    )
    return page_of(
        [EventOut.model_validate(r, from_attributes=True) for r in rows], total, page, page_size
    )


@router.get("/youths/{youth_id}/schedule", response_model=list[ScheduleRow])
def schedule(
    youth_id: IdPath, session: SessionDep, request: Request,
    user: Annotated[User, Depends(require("youths.schedule"))],
) -> list[ScheduleRow]:  # fmt: skip
    """The nominal schedule from today: what is coming if every item is done on time."""
    youth = scoped_youth(session, request, user, youth_id, "youths.schedule")
    today = calendar_service.local_day(session, institution_id=youth.institution_id, at=now()).today
    entries = youth_service.nominal_schedule_of(session, youth=youth)
    return [ScheduleRow(**e.to_json()) for e in entries if e.date >= today]  # type: ignore[arg-type]


@router.get("/youths/{youth_id}/flow-runs", response_model=list[FlowRunOut])
def flow_runs(
    youth_id: IdPath, session: SessionDep, request: Request,
    user: Annotated[User, Depends(require("youths.flow_runs"))],
) -> list[FlowRunOut]:  # fmt: skip
    """The youth's flow runs, read from the Prefect API by the youth's tag."""
    youth = scoped_youth(session, request, user, youth_id, "youths.flow_runs")
    labels = launch.RunLabels.of(youth)
    session.commit()  # no transaction stays open across a call to Prefect
    return [FlowRunOut(**run) for run in launch.youth_runs(labels)]


@router.post("/youths/{youth_id}/exit-extension", response_model=ExtensionOut, status_code=201)
def request_extension(
    youth_id: IdPath, body: ExtensionIn, session: SessionDep, request: Request,
    user: Annotated[User, Depends(require("youths.exit_extension"))],
    idempotency_key: IdempotencyKey = None,
):  # type: ignore[no-untyped-def]  # fmt: skip
    """Ask to stay in care past the planned exit (the youth's mediator); coordinators decide."""
    scoped_youth(session, request, user, youth_id, "youths.exit_extension")

    def create() -> ExtensionOut:
        extension = youth_service.request_extension(
            session, youth_id=youth_id, actor=user,
            request=ExtensionRequest(until=body.until, reason=body.reason),
        )  # fmt: skip
        return ExtensionOut(
            id=extension.pk, youth_id=youth_id, number=extension.number,
            requested_until=extension.requested_until, status=extension.status.value,
            work_item_id=extension.work_item_id,
        )  # fmt: skip

    return idempotent(
        session, request=request, user=user, key=idempotency_key, body=body, create=create
    )
