"""Page tests: the pages' world, and a TestClient that signs in through the form."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from tests.pages.world import PASSWORD, PageWorld, build_world, csrf_of


@pytest.fixture
def world(committed) -> PageWorld:
    return build_world()


def sign_in(client: TestClient, username: str, password: str = PASSWORD, **extra):  # type: ignore[no-untyped-def]
    """Post the sign-in form as a browser would (its CSRF token from the form)."""
    token = csrf_of(client.get("/sign-in").text)
    return client.post(
        "/sign-in",
        data={"username": username, "password": password, "csrf_token": token, **extra},
        follow_redirects=False,
    )


@pytest.fixture
def browser_client():  # type: ignore[no-untyped-def]
    """A client that keeps cookies, as a browser does (base URL over plain HTTP)."""
    with TestClient(create_app(), base_url="http://testserver") as client:
        yield client
