"""Helpers shared by the routes: paging, idempotency, scoped loading."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import Header, Path, Query, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from pydantic import AfterValidator, BeforeValidator
from pydantic_core import PydanticCustomError
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from api.deps import audit
from api.policy import former_history, youth_scope
from mowakaba.enums import AuditOutcome
from mowakaba.errors import Conflict, NotFound
from mowakaba.models import IdempotencyRecord, User, Youth
from mowakaba.schemas import IsoDate, OneLine

MAX_ID = 2**31 - 1  # ids are 32-bit on every database; larger ones cannot exist
IN_PROGRESS = 0  # the status of a claimed Idempotency-Key whose request has not answered yet
IdPath = Annotated[int, Path(ge=1, le=MAX_ID)]
IdQuery = Annotated[int | None, Query(ge=1, le=MAX_ID)]
PageNo = Annotated[int, Query(ge=1, le=100_000)]
PageSize = Annotated[int, Query(ge=1, le=100)]
IdempotencyKey = Annotated[str | None, Header(alias="Idempotency-Key", max_length=200)]
DateQuery = Annotated[IsoDate | None, Query()]
SearchQuery = Annotated[str | None, Query(max_length=200), OneLine]
ISO_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}([T ].*)?")


def _iso_datetime(value: object) -> object:
    if isinstance(value, str) and ISO_DATETIME.fullmatch(value):
        return value
    raise PydanticCustomError("datetime_format", "instants are ISO strings: YYYY-MM-DDTHH:MM[:SS]")


def _aware(value: datetime | None) -> datetime | None:
    return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value


# An instant is an ISO string (a bare number, read as seconds since 1970, is refused);
# one without an offset is UTC.
DateTimeQuery = Annotated[datetime | None, BeforeValidator(_iso_datetime), AfterValidator(_aware)]


def page_of(items: list[Any], total: int, page: int, page_size: int) -> dict[str, Any]:
    return {"items": items, "total": total, "page": page, "page_size": page_size}


def scoped_youth(
    session: Session, request: Request, user: User, youth_id: int, action: str
) -> Youth:
    """Load a youth the caller may see, auditing the access; otherwise 404 (audited too)."""
    youth = session.get(Youth, youth_id)
    if youth is None or not youth_scope(session, user).sees(youth):
        audit(request, user, action=action, object_type="youth", object_id=youth_id,
              youth_id=youth_id if youth else None, outcome=AuditOutcome.not_found)  # fmt: skip
        raise NotFound(f"youth {youth_id} not found")
    audit(request, user, action=action, object_type="youth", object_id=youth_id, youth_id=youth_id)
    return youth


def scoped_history(
    session: Session, request: Request, user: User, youth_id: int, action: str
) -> int | None:
    """Like `scoped_youth` for a youth's timeline, which an institution the youth was
    transferred out of still reads up to the transfer: the last event id it reads, or
    None for a youth in the caller's scope (the whole timeline); otherwise 404."""
    youth = session.get(Youth, youth_id)
    if youth is not None and not youth_scope(session, user).sees(youth):
        until = former_history(session, user, youth)
        if until is not None:
            audit(request, user, action=action, object_type="youth", object_id=youth_id,
                  youth_id=youth_id)  # fmt: skip
            return until
    scoped_youth(session, request, user, youth_id, action)
    return None


def idempotent(
    session: Session,
    *,
    user: User,
    key: str | None,
    body: Any,
    create: Callable[[], Any],
    status_code: int = 201,
    request: Request | None = None,
    on_replay: Callable[[Any], None] | None = None,
) -> JSONResponse:
    """Create once per Idempotency-Key: the same key and body (on the same route) replay the
    first answer; the same key with another body or route is a conflict. `on_replay` is
    called with a replayed answer (an answer that shows sensitive text audits it again).

    The key is claimed before `create` runs, in the same transaction: a `create` that
    commits part-way (a referral is saved before its flow run is started) commits the
    claim with it, so a retry arriving meanwhile is refused as in progress, never run
    twice; a `create` that fails rolls the claim back with everything else.
    """
    where = f"{request.method} {request.url.path}" if request is not None else ""
    digest = hashlib.sha256(
        json.dumps([where, jsonable_encoder(body)], sort_keys=True).encode()
    ).hexdigest()
    record = None
    if key is not None:
        earlier = session.exec(
            select(IdempotencyRecord).where(
                IdempotencyRecord.user_id == user.id, IdempotencyRecord.key == key
            )
        ).first()
        if earlier is not None:
            if earlier.request_hash != digest:
                raise Conflict(f"Idempotency-Key {key!r} was used with another request")
            if earlier.status_code == IN_PROGRESS:
                raise Conflict(f"Idempotency-Key {key!r}: the first request is still running")
            if on_replay is not None:
                on_replay(earlier.response)
            return JSONResponse(earlier.response, status_code=earlier.status_code)
        record = IdempotencyRecord(
            user_id=user.pk, key=key, request_hash=digest, status_code=IN_PROGRESS, response={}
        )
        try:
            with session.begin_nested():
                session.add(record)
        except IntegrityError:
            raise Conflict(f"Idempotency-Key {key!r} is being used by another request") from None
    result = jsonable_encoder(create())
    if record is not None:
        record.status_code, record.response = status_code, result
        session.add(record)
    return JSONResponse(result, status_code=status_code)
