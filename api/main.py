"""The web app: a thin FastAPI over the core (pages and the JSON API under /api/v1)."""

from __future__ import annotations

import re
import uuid
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api import errors, pages
from api.headers import SecurityHeaders
from api.routes import auth, docs, health, home, inbox, institutions, work_items, youths
from api.schemas import ERRORS

MAX_BODY = 1024 * 1024  # 1 MiB
STATIC = Path(__file__).parent / "static"


class LimitsAndRequestId:
    """Refuse bodies over 1 MiB (413) and give every request the server's own id (X-Request-ID)."""

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
        if length is not None and length.isdigit() and int(length) > MAX_BODY:
            await _too_large(send, request_id)
            return
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > MAX_BODY:
                raise _BodyTooLarge
            return message

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", []).append((b"x-request-id", request_id.encode()))
            await send(message)

        try:
            await self.app(scope, limited_receive, send_with_id)
        except _BodyTooLarge:
            await _too_large(send, request_id)


CLIENT_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")


def client_request_id(raw: bytes) -> str | None:
    """A client's X-Request-ID, kept beside ours when it is a plain token (else dropped)."""
    text = raw.decode("ascii", errors="replace")
    return text if CLIENT_REQUEST_ID.fullmatch(text) else None


class _BodyTooLarge(Exception):
    pass


async def _too_large(send: Send, request_id: str) -> None:
    body = b'{"error":{"code":"too_large","message":"request bodies are limited to 1 MiB"}}'
    headers = [(b"content-type", b"application/json"), (b"x-request-id", request_id.encode())]
    await send({"type": "http.response.start", "status": 413, "headers": headers})
    await send({"type": "http.response.body", "body": body})


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
    ):  # fmt: skip
        app.include_router(router, prefix="/api/v1", responses=ERRORS)
    app.include_router(home.router)
    app.include_router(pages.router)
    app.include_router(docs.router)
    app.mount(docs.ASSETS_URL, StaticFiles(directory=docs.ASSETS_DIRECTORY), name="swagger-ui")
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.add_middleware(LimitsAndRequestId)
    app.add_middleware(SecurityHeaders)  # outermost: on every answer, a 413 included
    return app
