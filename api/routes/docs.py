"""The API's docs: Swagger UI served from the app itself (nothing fetched from a CDN)."""

from __future__ import annotations

import secrets

from fastapi import APIRouter
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from swagger_ui_bundle import swagger_ui_path

from api.headers import CONTENT_SECURITY_POLICY

ASSETS_URL = "/api/v1/docs/assets"
ASSETS_DIRECTORY = str(swagger_ui_path)

router = APIRouter(include_in_schema=False)


@router.get("/api/v1/docs")
def docs() -> HTMLResponse:
    """Swagger UI; its one inline script runs by a nonce made for this response."""
    nonce = secrets.token_urlsafe(16)
    page = get_swagger_ui_html(
        openapi_url="/api/v1/openapi.json",
        title="Mowakaba API",
        swagger_js_url=f"{ASSETS_URL}/swagger-ui-bundle.js",
        swagger_css_url=f"{ASSETS_URL}/swagger-ui.css",
        swagger_favicon_url=f"{ASSETS_URL}/favicon-32x32.png",
        swagger_ui_parameters={"validatorUrl": None},  # the default asks validator.swagger.io
    )
    html = bytes(page.body).decode().replace("<script>", f'<script nonce="{nonce}">')
    # Swagger UI's stylesheet draws its icons from data: URIs.
    policy = f"{CONTENT_SECURITY_POLICY}; script-src 'self' 'nonce-{nonce}'; img-src 'self' data:"
    return HTMLResponse(html, headers={"Content-Security-Policy": policy})
