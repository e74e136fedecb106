"""Shared helpers for the web tests: logged-in clients over the demo platform's app."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from starlette.testclient import TestClient

from govai.demo import DEMO_PASSWORD
from govai.platform import Platform
from govai.web.app import create_app

BASE_URL = "http://127.0.0.1"
CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]*)">')


def page_csrf(html: str) -> str:
    match = CSRF_META.search(html)
    assert match, "page has no csrf-token meta tag"
    return match.group(1)


def login(client: TestClient, username: str, password: str = DEMO_PASSWORD) -> str:
    """Log in through the real form; returns the session's CSRF token."""
    token = page_csrf(client.get("/login").text)
    response = client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": token},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    me = client.get("/api/me").json()
    assert me["username"] == username
    return str(me["csrf_token"])


class ConsoleClient(TestClient):
    """A test client that remembers its session's CSRF token (empty when anonymous)."""

    csrf: str = ""


ClientFactory = Callable[..., ConsoleClient]


@pytest.fixture
def app_client(demo_platform: Platform) -> Iterator[ClientFactory]:
    """``app_client()`` → an anonymous client; ``app_client("secadmin")`` → logged in.

    A logged-in client carries its CSRF token as ``client.csrf``.
    """
    app = create_app(demo_platform)
    opened: list[ConsoleClient] = []

    def make(username: str | None = None, **kwargs: Any) -> ConsoleClient:
        kwargs.setdefault("base_url", BASE_URL)
        tc = ConsoleClient(app, **kwargs)
        tc.__enter__()
        opened.append(tc)
        tc.csrf = login(tc, username) if username else ""
        return tc

    yield make
    for tc in opened:
        tc.__exit__(None, None, None)
