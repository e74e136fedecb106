"""/account: change one's own password; create, use and revoke one's own API tokens."""

from __future__ import annotations

import re

from sqlalchemy import select

from govai.accounts import service as accounts
from govai.accounts.models import ApiToken
from govai.accounts.principal import cli_principal
from govai.demo import DEMO_PASSWORD
from govai.platform import Platform

from .conftest import ClientFactory, login, page_csrf


def _change(client, current: str, new: str, confirm: str | None = None):  # type: ignore[no-untyped-def]
    return client.post(
        "/account/password",
        data={
            "current": current,
            "password": new,
            "confirm": confirm or new,
            "csrf_token": client.csrf,
        },
        follow_redirects=False,
    )


def test_change_password_needs_the_current_one(app_client: ClientFactory) -> None:
    client = app_client("staff")
    wrong = _change(client, "not-it", "Newpass@2026x")
    assert wrong.status_code == 422 and "当前密码不正确" in wrong.text
    assert client.get("/api/me").status_code == 200  # a form error, not a logout
    mismatch = _change(client, DEMO_PASSWORD, "Newpass@2026x", "Other@2026xx")
    assert mismatch.status_code == 422 and "两次输入的新密码不一致" in mismatch.text
    weak = _change(client, DEMO_PASSWORD, "weak")
    assert weak.status_code == 422 and "密码至少需要" in weak.text
    login(app_client(), "staff")  # still the old password


def test_change_password_ends_sessions_and_the_new_one_works(app_client: ClientFactory) -> None:
    client = app_client("staff")
    other_device = app_client("staff")
    done = _change(client, DEMO_PASSWORD, "Newpass@2026x")
    assert done.status_code == 303 and done.headers["location"] == "/login"
    assert "密码已修改" in client.get("/login").text
    assert other_device.get("/api/me").status_code == 401
    login(app_client(), "staff", "Newpass@2026x")


def test_token_is_shown_once_and_works_until_revoked(
    app_client: ClientFactory, demo_platform: Platform
) -> None:
    client = app_client("auditor")
    created = client.post("/account/tokens", data={"name": "审计导出", "csrf_token": client.csrf})
    assert created.status_code == 201
    match = re.search(r'<code class="token" id="new-token">(govai_[^<]+)</code>', created.text)
    assert match
    plain = match.group(1)
    listing = client.get("/account").text
    assert plain not in listing and "审计导出" in listing  # shown once only
    api = app_client()
    headers = {"Authorization": f"Bearer {plain}"}
    assert api.get("/api/audit", headers=headers).status_code == 200
    with demo_platform.db.session() as session:
        token_id = session.execute(select(ApiToken.id).where(ApiToken.name == "审计导出")).scalar()
    revoked = client.post(
        f"/account/tokens/{token_id}/revoke",
        data={"csrf_token": page_csrf(listing)},
        follow_redirects=True,
    )
    assert "已吊销" in revoked.text
    assert api.get("/api/audit", headers=headers).status_code == 401


def test_token_with_expiry_days(app_client: ClientFactory, demo_platform: Platform) -> None:
    client = app_client("staff")
    client.post("/account/tokens", data={"name": "短期", "days": "7", "csrf_token": client.csrf})
    with demo_platform.db.session() as session:
        row = session.execute(select(ApiToken).where(ApiToken.name == "短期")).scalar_one()
        assert row.expires_at is not None


def test_cannot_revoke_someone_elses_token(
    app_client: ClientFactory, demo_platform: Platform
) -> None:
    with demo_platform.db.session() as session:
        row, _ = accounts.create_token(session, cli_principal("pytest"), "secadmin", "别人的")
        token_id = row.id
    client = app_client("staff")
    response = client.post(f"/account/tokens/{token_id}/revoke", data={"csrf_token": client.csrf})
    assert response.status_code == 404
    with demo_platform.db.session() as session:
        assert session.get(ApiToken, token_id).revoked_at is None  # type: ignore[union-attr]


def test_empty_token_name_is_refused(app_client: ClientFactory) -> None:
    client = app_client("staff")
    response = client.post("/account/tokens", data={"name": "  ", "csrf_token": client.csrf})
    assert response.status_code == 422 and "令牌名称不能为空" in response.text


def test_a_token_cannot_manage_tokens_or_the_password(
    app_client: ClientFactory, demo_platform: Platform
) -> None:
    """A leaked token must not mint a permanent replacement for itself."""
    with demo_platform.db.session() as session:
        row, plain = accounts.create_token(session, cli_principal("pytest"), "staff", "脚本")
        token_id = row.id
    api = app_client()
    headers = {"Authorization": f"Bearer {plain}"}
    assert api.get("/api/me", headers=headers).status_code == 200
    attempts = [
        ("/account/tokens", {"name": "替身"}),
        (f"/account/tokens/{token_id}/revoke", {}),
        (
            "/account/password",
            {"current": DEMO_PASSWORD, "password": "Newpass@2026x", "confirm": "Newpass@2026x"},
        ),
    ]
    for path, data in attempts:
        response = api.post(path, data=data, headers=headers, follow_redirects=False)
        assert response.status_code == 403, path
        assert "须登录控制台" in response.text and "不能使用 API 令牌" in response.text, path
    with demo_platform.db.session() as session:
        names = session.execute(select(ApiToken.name).where(ApiToken.revoked_at.is_(None)))
        assert "替身" not in set(names.scalars())
        assert session.get(ApiToken, token_id).revoked_at is None  # type: ignore[union-attr]
    login(app_client(), "staff")  # the password is unchanged
