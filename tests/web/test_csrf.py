"""CSRF: a state-changing session request without the session's token changes nothing,
is answered 403 in Chinese and leaves an audit entry."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from govai.accounts.models import Organization, User
from govai.demo import DEMO_PASSWORD
from govai.governance import audit
from govai.platform import Platform

from .conftest import ClientFactory, page_csrf

NEW_USER = {
    "username": "csrf-victim",
    "display_name": "不应创建",
    "org": "city-hrss",
    "roles": "staff",
    "password": "Csrf@2026pass",
}


def _csrf_entries(platform: Platform) -> list[str]:
    with platform.db.session() as session:
        rows, _ = audit.search(session, audit.AuditFilter(action="security.csrf"))
        return [f"{r.actor} {r.object_id} {r.summary}" for r in rows]


def _user_exists(platform: Platform, username: str) -> bool:
    with platform.db.session() as session:
        return session.execute(select(User).where(User.username == username)).first() is not None


@pytest.mark.parametrize("token", [None, "forged-token"], ids=["missing", "forged"])
def test_form_post_without_valid_token_is_refused_audited_and_changes_nothing(
    app_client: ClientFactory, demo_platform: Platform, token: str | None
) -> None:
    client = app_client("secadmin")
    data = dict(NEW_USER)
    if token is not None:
        data["csrf_token"] = token
    response = client.post("/admin/users", data=data, follow_redirects=False)
    assert response.status_code == 403
    assert "CSRF" in response.text and "操作未执行" in response.text
    assert not _user_exists(demo_platform, "csrf-victim")
    entries = _csrf_entries(demo_platform)
    assert len(entries) == 1
    assert entries[0].startswith("secadmin POST /admin/users")
    # the same form with the real token works
    ok = client.post(
        "/admin/users", data={**NEW_USER, "csrf_token": client.csrf}, follow_redirects=False
    )
    assert ok.status_code == 303
    assert _user_exists(demo_platform, "csrf-victim")


def test_token_of_another_session_is_refused(
    app_client: ClientFactory, demo_platform: Platform
) -> None:
    mine = app_client("sysadmin")
    other = app_client("deptadmin")
    response = mine.post(
        "/admin/orgs",
        data={
            "code": "x1",
            "name": "不应创建",
            "kind": "department",
            "parent": "city",
            "csrf_token": other.csrf,
        },
    )
    assert response.status_code == 403
    with demo_platform.db.session() as session:
        assert (
            session.execute(select(Organization).where(Organization.code == "x1")).first() is None
        )
    assert len(_csrf_entries(demo_platform)) == 1


def test_json_call_with_session_needs_the_header(
    app_client: ClientFactory, demo_platform: Platform
) -> None:
    client = app_client("sysadmin")
    body = {"code": "json-org", "name": "接口机构", "kind": "department", "parent": "city"}
    refused = client.post("/api/orgs", json=body)
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "csrf_failed"
    assert "CSRF" in refused.json()["error"]["message"]
    forged = client.post("/api/orgs", json=body, headers={"X-CSRF-Token": "nope"})
    assert forged.status_code == 403
    assert len(_csrf_entries(demo_platform)) == 2
    created = client.post("/api/orgs", json=body, headers={"X-CSRF-Token": client.csrf})
    assert created.status_code == 201, created.text
    assert created.json()["parent"] == "city"


def test_logout_needs_the_token_too(app_client: ClientFactory) -> None:
    client = app_client("staff")
    assert client.post("/logout", data={}).status_code == 403
    assert client.get("/api/me").status_code == 200  # still logged in


def test_login_form_uses_a_double_submit_token(
    app_client: ClientFactory, demo_platform: Platform
) -> None:
    client = app_client()
    page = client.get("/login")
    token = page_csrf(page.text)
    assert token and client.cookies.get("govai_csrf") == token
    creds = {"username": "staff", "password": DEMO_PASSWORD}
    missing = client.post("/login", data=creds, follow_redirects=False)
    assert missing.status_code == 403
    forged = client.post("/login", data={**creds, "csrf_token": "x" * 43}, follow_redirects=False)
    assert forged.status_code == 403
    # a page on another site cannot read our cookie, so it cannot repeat the value
    no_cookie = app_client()
    cross = no_cookie.post("/login", data={**creds, "csrf_token": token}, follow_redirects=False)
    assert cross.status_code == 403
    assert len(_csrf_entries(demo_platform)) == 3
    ok = client.post("/login", data={**creds, "csrf_token": token}, follow_redirects=False)
    assert ok.status_code == 303


def test_safe_methods_need_no_token(app_client: ClientFactory) -> None:
    client = app_client("auditor")
    assert client.get("/audit?verify=1").status_code == 200
