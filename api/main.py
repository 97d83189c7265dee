"""The web app: a thin FastAPI over the core (pages and the JSON API under /api/v1)."""

from __future__ import annotations

from fastapi import FastAPI

from api.routes import health, home


def create_app() -> FastAPI:
    """Build the application (uvicorn runs it with --factory)."""
    app = FastAPI(
        title="Mowakaba",
        description="Accompanying young people who leave residential care.",
        openapi_url="/api/v1/openapi.json",
        docs_url="/api/v1/docs",
        redoc_url=None,
    )
    app.include_router(health.router, prefix="/api/v1")
    app.include_router(home.router)
    return app
