"""The web app: a thin FastAPI over the core (pages and the JSON API under /api/v1)."""

from __future__ import annotations

import asyncio
import json
import logging
import re
import uuid
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api import errors, pages
from api.headers import SecurityHeaders
from api.routes import (
    auth,
    caseloads,
    docs,
    documents,
    health,
    home,
    inbox,
    incidents,
    indicators,
    institutions,
    notes,
    partners,
    plans,
    privacy,
    referrals,
    transfers,
    users,
    work_items,
    youths,
)
from api.schemas import ERRORS

MAX_BODY = 1024 * 1024  # 1 MiB
STATIC = Path(__file__).parent / "static"
log = logging.getLogger("mowakaba.api")


# Requests served at once by one web process; the others wait on the event loop, holding
# neither a thread nor a database connection. Sync routes and dependencies run on AnyIO's
# 40 threads, each dependency a thread call of its own, and a request holds its database
# connection between them: with more requests in flight than that, 50 held connections
# waited for a thread while every thread waited for a connection (500s after the pool's
# 30 s, `mowakaba bench api` at 200 requests/s). Below both the threads and the pool.
IN_FLIGHT = 24


class InFlightLimit:
    """Admit at most IN_FLIGHT requests into the app at once; queue the rest (in order)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.slots: asyncio.Semaphore | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if self.slots is None:  # made on the serving event loop
            self.slots = asyncio.Semaphore(IN_FLIGHT)
        async with self.slots:
            await self.app(scope, receive, send)


class LimitsAndRequestId:
    """Refuse bodies over 1 MiB (413), give every request the server's own id (X-Request-ID),
    and answer an unexpected error as JSON carrying that id (500)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        request_id = uuid.uuid4().hex  # always the server's own: a client's id is not trusted
        state = scope.setdefault("state", {})
        state["request_id"] = request_id
        state["client_request_id"] = client_request_id(headers.get(b"x-request-id", b""))
        length = headers.get(b"content-length")
        if scope.get("method") == "POST" and STREAMED_UPLOADS.fullmatch(scope.get("path", "")):
            # A document upload streams to storage under its own limit (api/uploads.py).
            await self._streamed(scope, receive, send, request_id)
            return
        limit = MAX_BODY
        if scope.get("method") == "POST":
            limit = LARGER_BODIES.get(scope.get("path", ""), MAX_BODY)
        if length is not None and length.isdigit() and int(length) > limit:
            await _too_large(send, request_id)
            return
        # The body is read here, up to the limit, before the app sees it: a chunked body
        # (no Content-Length) over the limit is a 413 too, never a parsing error.
        body, more = bytearray(), True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client went away
            body += message.get("body", b"")
            more = message.get("more_body", False)
            if len(body) > limit:
                await _too_large(send, request_id)
                return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": bytes(body), "more_body": False}
            return await receive()  # later: the disconnect a streaming answer listens for

        started = False

        async def send_with_id(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                message.setdefault("headers", []).append((b"x-request-id", request_id.encode()))
            await send(message)

        try:
            await self.app(scope, replay, send_with_id)
        except Exception:
            # Answered here, inside the security headers and with the request id: Starlette's
            # own last resort sits outside every middleware and answers in plain text.
            log.exception("unexpected error (request %s)", request_id)
            if started:
                raise
            await send_with_id(_json_start(500))
            await send_with_id(_json_body("internal", "an unexpected error occurred", request_id))

    async def _streamed(self, scope: Scope, receive: Receive, send: Send, request_id: str) -> None:
        started = False

        async def send_with_id(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                message.setdefault("headers", []).append((b"x-request-id", request_id.encode()))
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception:
            log.exception("unexpected error (request %s)", request_id)
            if started:
                raise
            await send_with_id(_json_start(500))
            await send_with_id(_json_body("internal", "an unexpected error occurred", request_id))


# Uploads of documents (the API's and the page's): streamed, limited by document_max_bytes.
STREAMED_UPLOADS = re.compile(r"(/api/v1)?/youths/[0-9]{1,10}/documents")
# A register to import (the page's upload, docs/imports.md): read whole up to this, so
# that a file past the register's own limit (5 MB) gets the page's "too large", not a 413.
LARGER_BODIES = {"/youths/import": 11 * 1024 * 1024}
CLIENT_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")


def client_request_id(raw: bytes) -> str | None:
    """A client's X-Request-ID, kept beside ours when it is a plain token (else dropped)."""
    text = raw.decode("ascii", errors="replace")
    return text if CLIENT_REQUEST_ID.fullmatch(text) else None


def _json_start(status: int) -> Message:
    return {
        "type": "http.response.start",
        "status": status,
        "headers": [(b"content-type", b"application/json")],
    }


def _json_body(code: str, message: str, request_id: str) -> Message:
    error = {"code": code, "message": message, "request_id": request_id}
    return {"type": "http.response.body", "body": json.dumps({"error": error}).encode()}


async def _too_large(send: Send, request_id: str) -> None:
    start = _json_start(413)
    start["headers"].append((b"x-request-id", request_id.encode()))
    await send(start)
    await send(_json_body("too_large", "request bodies are limited to 1 MiB", request_id))


def create_app() -> FastAPI:
    """Build the application (uvicorn runs it with --factory)."""
    app = FastAPI(
        title="Mowakaba",
        description="Accompanying young people who leave residential care.",
        version="1",
        openapi_url="/api/v1/openapi.json",
        docs_url=None,  # api/routes/docs.py: Swagger UI from the app, not a CDN
        redoc_url=None,
    )
    errors.install(app)
    pages.install(app)
    app.include_router(health.router, prefix="/api/v1")
    for router in (
        auth.router, institutions.router, youths.router, work_items.router, inbox.router,
        users.router, partners.router, referrals.router, notes.router, plans.router,
        incidents.router, caseloads.router, transfers.router, documents.router,
        indicators.router, privacy.router,
    ):  # fmt: skip
        app.include_router(router, prefix="/api/v1", responses=ERRORS)
    app.include_router(home.router)
    app.include_router(pages.router)
    app.include_router(docs.router)
    app.mount(docs.ASSETS_URL, StaticFiles(directory=docs.ASSETS_DIRECTORY), name="swagger-ui")
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.add_middleware(LimitsAndRequestId)
    app.add_middleware(InFlightLimit)
    app.add_middleware(SecurityHeaders)  # outermost: on every answer, a 413 included
    return app
