"""The home page."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from api.routes.health import database_status, prefect_status
from api.templating import language_context, request_language, templates

router = APIRouter(include_in_schema=False)


@router.get("/", response_class=HTMLResponse)
def home(request: Request) -> HTMLResponse:
    """What Mowakaba is, and whether its parts are up."""
    return templates.TemplateResponse(
        request,
        "pages/home.html",
        {
            **language_context(request_language(request)),
            "database": database_status(),
            "prefect": prefect_status(),
        },
    )
