"""Headers the app adds to every response (``govai.web.app.ResponseHeaders``): security headers,
``Cache-Control`` outside /static/, and the pre-session CSRF cookie a page hands out."""

from __future__ import annotations

from .conftest import ClientFactory


def test_static_files_may_be_cached_but_carry_the_security_headers(
    app_client: ClientFactory,
) -> None:
    response = app_client().get("/static/console.css")
    assert response.status_code == 200
    assert "no-store" not in response.headers.get("cache-control", "")
    assert response.headers["x-content-type-options"] == "nosniff"


def test_the_pre_session_csrf_cookie_is_http_only_and_same_site_strict(
    app_client: ClientFactory,
) -> None:
    client = app_client()
    cookies = [
        c
        for c in client.get("/login").headers.get_list("set-cookie")
        if c.startswith("govai_csrf=")
    ]
    assert len(cookies) == 1
    attributes = {part.strip().lower() for part in cookies[0].split(";")}
    assert {"httponly", "samesite=strict", "path=/"} <= attributes
    assert "secure" not in attributes  # cookie_secure is off for http://127.0.0.1
    # once the browser has the cookie, pages reuse it instead of handing out another
    assert not any(
        c.startswith("govai_csrf=") for c in client.get("/login").headers.get_list("set-cookie")
    )
