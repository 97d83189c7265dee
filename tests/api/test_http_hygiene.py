"""Every answer carries the security headers; minors' data is never cached; the docs fetch
nothing from the network; the anonymous health check names no internal address."""

from __future__ import annotations

import re

import pytest

from api.headers import CONTENT_SECURITY_POLICY

SECURITY = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
}


def assert_secure(response, *, csp: str | None = CONTENT_SECURITY_POLICY) -> None:
    for name, value in SECURITY.items():
        assert response.headers.get(name) == value, (response.url, name)
    policy = response.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in policy and "object-src 'none'" in policy
    if csp is not None:
        assert policy == csp


@pytest.mark.parametrize(
    "who, path, status",
    [
        ("coord_a", "/youths", 200),
        ("m1", "/work-items", 200),
        ("coord_a", "/youths/999999", 404),
        (None, "/youths", 401),
        ("partner", "/youths", 403),
    ],
)
def test_data_routes_and_their_errors_carry_the_headers_and_no_store(world, who, path, status):
    response = world.get(who, path)
    assert response.status_code == status, response.text
    assert_secure(response)
    assert response.headers["cache-control"] == "no-store"


def test_a_validation_error_and_an_unknown_route_carry_the_headers(world):
    response = world.post("coord_a", "/youths", json={"first_name": 3})
    assert response.status_code == 422
    assert_secure(response)
    assert response.headers["cache-control"] == "no-store"
    missing = world.client.get("/api/v1/no-such-route")
    assert missing.status_code == 404
    assert_secure(missing)
    assert missing.headers["cache-control"] == "no-store"


def test_an_oversized_body_is_refused_with_the_headers(world):
    response = world.post("coord_a", "/youths", content=b"x" * (1024 * 1024 + 1))
    assert response.status_code == 413
    assert_secure(response)


def test_the_home_page_carries_the_headers_and_its_style_is_the_apps_own(world):
    page = world.client.get("/")
    assert page.status_code == 200
    assert_secure(page)
    assert "<style" not in page.text and "<script" not in page.text
    css = world.client.get("/static/home.css")
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")
    assert_secure(css)


def test_the_token_route_is_not_stored(world):
    response = world.client.post(
        "/api/v1/auth/token", data={"username": "m1", "password": "correct horse battery"}
    )
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"


def test_health_and_the_api_description_may_be_cached(world):
    for path in ("/api/v1/healthz", "/api/v1/openapi.json"):
        response = world.client.get(path)
        assert response.status_code == 200
        assert_secure(response)
        assert "no-store" not in response.headers.get("cache-control", "")


def test_the_docs_page_fetches_nothing_from_outside(world):
    page = world.client.get("/api/v1/docs")
    assert page.status_code == 200
    assert_secure(page, csp=None)
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page.text), page.text
    assert 'validatorUrl": null' in page.text
    # The one inline script runs by this response's nonce; no 'unsafe-inline'.
    policy = page.headers["content-security-policy"]
    (nonce,) = re.findall(r"'nonce-([^']+)'", policy)
    assert f'<script nonce="{nonce}">' in page.text and "unsafe-inline" not in policy
    assert world.client.get("/api/v1/docs").headers["content-security-policy"] != policy
    for asset in re.findall(r"""(?:src|href)="(/api/v1/docs/assets/[^"]+)\"""", page.text):
        fetched = world.client.get(asset)
        assert fetched.status_code == 200, asset
        assert_secure(fetched)
    assert len(re.findall(r"/api/v1/docs/assets/", page.text)) == 3


def test_health_tells_anyone_what_is_up_and_nothing_more(world):
    body = world.client.get("/api/v1/healthz").json()
    assert set(body) == {"status", "database", "prefect", "instance"}
    assert set(body["database"]) == {"ok"} and set(body["prefect"]) == {"ok"}
    assert "http" not in str(body) and "127.0.0.1" not in str(body)
