"""Security headers on every response; `no-store` on the API's data (minors' records)."""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# Only this origin's scripts, styles and images; never framed; no plugins, no <base>.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'; "
    "object-src 'none'"
)
ALWAYS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
}
API = "/api/v1"
# Under /api/v1 and cacheable: no youth's data in them.
CACHEABLE = ("/api/v1/healthz", "/api/v1/openapi.json", "/api/v1/docs")


def may_be_stored(path: str) -> bool:
    """Tell whether a response may be kept by a browser or a proxy."""
    if not (path == API or path.startswith(f"{API}/")):
        return True
    return any(path == p or path.startswith(f"{p}/") for p in CACHEABLE)


class SecurityHeaders:
    """Add the security headers to every response (a route may set its own CSP first)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        no_store = not may_be_stored(scope["path"])

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in ALWAYS.items():
                    headers[name] = value
                headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
                if no_store:
                    headers["Cache-Control"] = "no-store"
            await send(message)

        await self.app(scope, receive, send_with_headers)
