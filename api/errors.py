"""HTTP status codes live here: each core error's code maps to one. Errors are
`{"error": {"code": "...", "message": "..."}}`."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from mowakaba.errors import MowakabaError, Throttled

STATUS = {
    "unauthenticated": 401,
    "not_allowed": 403,
    "not_assignee": 403,
    "wrong_password": 403,
    "password_change_required": 403,
    "not_found": 404,
    "conflict": 409,
    "already_closed": 409,
    "throttled": 429,
    "unavailable": 503,
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
        return JSONResponse(
            error_body("invalid_request", f"{where}: {first.get('msg')}".strip(": ")),
            status_code=422,
        )

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        codes = {
            401: "unauthenticated", 403: "forbidden", 404: "not_found",
            405: "method_not_allowed", 409: "conflict", 413: "too_large",
        }  # fmt: skip
        code = codes.get(exc.status_code, "http_error")
        message = NOT_FOUND_MESSAGE if exc.status_code == 404 else str(exc.detail)
        return JSONResponse(
            error_body(code, message), status_code=exc.status_code, headers=exc.headers
        )

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
    async def unexpected(_request: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error", exc_info=exc)
        return JSONResponse(error_body("internal", "an unexpected error occurred"), 500)
