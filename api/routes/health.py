"""Health: is the database answering, is the Prefect server answering. No authentication."""

from __future__ import annotations

import logging
import os

import httpx
import sqlalchemy as sa
from fastapi import APIRouter
from fastapi.responses import JSONResponse

from mowakaba import migrate
from mowakaba.db import get_engine
from mowakaba.settings import get_settings

router = APIRouter(tags=["health"])
log = logging.getLogger("mowakaba.api")


def database_status() -> dict[str, object]:
    """Return whether the app database answers and is migrated."""
    try:
        engine = get_engine()
        with engine.connect() as connection:
            connection.execute(sa.text("SELECT 1"))
        return {"ok": migrate.is_current(engine), "dialect": engine.dialect.name}
    except Exception as exc:
        return {"ok": False, "error": type(exc).__name__}


def prefect_status() -> dict[str, object]:
    """Return whether the Prefect API answers (with the embedded basic auth if set)."""
    settings = get_settings()
    url = (
        settings.prefect_api_url
        or os.environ.get("PREFECT_API_URL")
        or settings.effective_prefect_api_url
    )
    auth_string = os.environ.get("PREFECT_API_AUTH_STRING")
    auth = tuple(auth_string.split(":", 1)) if auth_string and ":" in auth_string else None
    try:
        response = httpx.get(f"{url.rstrip('/')}/health", auth=auth, timeout=2.0)  # type: ignore[arg-type]
        return {"ok": response.status_code == 200, "url": url}
    except httpx.HTTPError as exc:
        return {"ok": False, "url": url, "error": type(exc).__name__}


@router.get("/healthz")
def healthz() -> JSONResponse:
    """Report each part: 200 while the app can serve (the database answers), even with
    Prefect down ("degraded": runs wait for the sweep); 503 only when it cannot serve.

    Anyone may ask, so the answer says only what is up: the details of a failure (URLs,
    error names) go to the log, for operators.
    """
    database, prefect = database_status(), prefect_status()
    for part, status in (("database", database), ("prefect", prefect)):
        if not status["ok"]:
            log.warning("healthz: %s not ok: %s", part, status)
    serving = bool(database["ok"])
    status = "ok" if serving and prefect["ok"] else "degraded" if serving else "down"
    body = {
        "status": status,
        "database": {"ok": bool(database["ok"])},
        "prefect": {"ok": bool(prefect["ok"])},
        # Lets `mowakaba up` tell the web app it started from another one on the same port.
        "instance": get_settings().instance,
    }
    return JSONResponse(body, status_code=200 if serving else 503)
