"""HTTP status codes live here: each core error's code maps to one. Errors are
`{"error": {"code": "...", "message": "..."}}`."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import iter_route_contexts
from sqlalchemy.exc import OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from mowakaba.errors import MowakabaError, Throttled

STATUS = {
    "unauthenticated": 401,
    "not_allowed": 403,
    "not_assignee": 403,
    "not_receiver": 403,
    "not_sender": 403,
    "wrong_password": 403,
    "password_change_required": 403,
    "not_found": 404,
    "conflict": 409,
    "already_closed": 409,
    "invalid_referral_transition": 409,
    "consent_required": 409,
    "not_a_runaway": 409,
    "nothing_to_decide": 409,
    "on_legal_hold": 409,
    "not_yet_closed": 409,
    "throttled": 429,
    "document_too_large": 413,
    "unavailable": 503,
    # The server cannot read its own encrypted data: an operator's matter, not the user's.
    "encryption_key": 500,
}
NOT_FOUND_MESSAGE = "not found"
log = logging.getLogger("mowakaba.api")


def error_body(code: str, message: str) -> dict[str, dict[str, str]]:
    return {"error": {"code": code, "message": message}}


def not_found() -> JSONResponse:
    """The one answer for a missing id and a record outside the caller's scope."""
    return JSONResponse(error_body("not_found", NOT_FOUND_MESSAGE), status_code=404)


def install(app: FastAPI) -> None:
    """Answer every error in the same shape."""

    @app.exception_handler(MowakabaError)
    async def core_error(_request: Request, exc: MowakabaError) -> JSONResponse:
        status = STATUS.get(exc.code, 422)
        if status == 404:
            return not_found()  # never tell a stranger's record from a missing one
        headers = {"Retry-After": str(exc.retry_after)} if isinstance(exc, Throttled) else None
        if status == 401:
            headers = {"WWW-Authenticate": "Bearer"}
        return JSONResponse(error_body(exc.code, exc.message), status_code=status, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0] if exc.errors() else {"loc": (), "msg": "invalid request"}
        where = ".".join(str(p) for p in first.get("loc", ()) if p != "body")
        message = f"{where}: {first.get('msg')}".strip(": ")
        if first.get("type") == "json_invalid":
            message = f"the body is not valid JSON (at character {where})"
        return JSONResponse(
            error_body("invalid_request", message),
            status_code=422,
        )

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        codes = {
            400: "invalid_request", 401: "unauthenticated", 403: "forbidden", 404: "not_found",
            405: "method_not_allowed", 409: "conflict", 413: "too_large",
        }  # fmt: skip
        code = codes.get(exc.status_code, "http_error")
        message = NOT_FOUND_MESSAGE if exc.status_code == 404 else str(exc.detail)
        headers = exc.headers
        if exc.status_code == 405:
            headers = {**(headers or {}), "Allow": ", ".join(allowed_methods(request))}
        return JSONResponse(error_body(code, message), status_code=exc.status_code, headers=headers)

    @app.exception_handler(OperationalError)
    async def database_busy(_request: Request, exc: OperationalError) -> JSONResponse:
        # A locked or unreachable database: nothing was saved, the client may try again.
        log.warning("database unavailable: %s", str(exc.orig)[:200])
        return JSONResponse(
            error_body("unavailable", "the database is busy or unreachable: try again"),
            status_code=503,
            headers={"Retry-After": "5"},
        )

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        # The last resort: api.main.LimitsAndRequestId answers an unexpected error first.
        log.exception("unexpected error", exc_info=exc)
        body = error_body("internal", "an unexpected error occurred")
        body["error"]["request_id"] = getattr(request.state, "request_id", None) or ""
        return JSONResponse(body, 500)


def allowed_methods(request: Request) -> list[str]:
    """Every method some route of the app accepts on this path (Starlette's 405 names only
    the first route's when several routes share a path)."""
    methods: set[str] = set()
    for route in iter_route_contexts(request.app.router.routes):  # into included routers
        match, _ = route.matches({**request.scope, "method": "\0"})  # any method: a partial
        if match != Match.NONE:
            methods |= getattr(route, "methods", None) or set()
    return sorted(methods)
