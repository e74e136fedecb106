"""Login, logout, lockout, idle timeout, bearer tokens, cookies and security headers."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from govai.accounts import service as accounts
from govai.accounts.models import LoginSession, User
from govai.accounts.principal import cli_principal
from govai.demo import DEMO_PASSWORD
from govai.governance import audit
from govai.platform import Platform
from govai.storage.base import utcnow

from .conftest import ClientFactory, login, page_csrf


def _post_login(client, username: str, password: str, **extra: str):  # type: ignore[no-untyped-def]
    token = page_csrf(client.get("/login").text)
    return client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": token, **extra},
        follow_redirects=False,
    )


def test_login_sets_a_hardened_session_cookie_and_shows_user_and_role(
    app_client: ClientFactory,
) -> None:
    client = app_client()
    response = _post_login(client, "secadmin", DEMO_PASSWORD)
    assert response.status_code == 303
    cookie = next(
        h for h in response.headers.get_list("set-cookie") if h.startswith("govai_session=")
    )
    assert "httponly" in cookie.lower()
    assert "samesite=lax" in cookie.lower()
    assert "secure" not in cookie.lower()  # cookie_secure defaults to off (plain http on localhost)
    home = client.get("/")
    assert "钱安全保密管理员" in home.text
    assert "安全保密管理员" in home.text and "退出登录" in home.text
    assert "govai 政务大模型平台" in home.text


def test_cookie_secure_setting_marks_the_cookie_secure(
    demo_platform: Platform, app_client: ClientFactory
) -> None:
    demo_platform.settings = demo_platform.settings.replace(cookie_secure=True)
    response = _post_login(app_client(base_url="https://127.0.0.1"), "staff", DEMO_PASSWORD)
    assert response.status_code == 303
    cookie = next(
        h for h in response.headers.get_list("set-cookie") if h.startswith("govai_session=")
    )
    assert "secure" in cookie.lower()


def test_wrong_password_shows_chinese_error_keeps_username_and_is_audited(
    app_client: ClientFactory, demo_platform: Platform
) -> None:
    client = app_client()
    response = _post_login(client, "staff", "not-the-password")
    assert response.status_code == 401
    assert "用户名或密码错误" in response.text
    assert 'value="staff"' in response.text
    assert "govai_session" not in client.cookies
    with demo_platform.db.session() as session:
        rows, _ = audit.search(session, audit.AuditFilter(action="login.failure"))
    assert rows and rows[0].object_id == "staff"


def test_lockout_after_max_failures(app_client: ClientFactory, demo_platform: Platform) -> None:
    client = app_client()
    limit = demo_platform.settings.login_max_failures
    for _ in range(limit - 1):
        assert _post_login(client, "reviewer", "wrong-password-1").status_code == 401
    locked = _post_login(client, "reviewer", "wrong-password-1")
    assert locked.status_code == 423
    assert "已锁定" in locked.text
    # even the right password is refused while locked
    again = _post_login(client, "reviewer", DEMO_PASSWORD)
    assert again.status_code == 423 and "已锁定" in again.text
    assert "govai_session" not in client.cookies


def test_empty_login_form_asks_for_both_fields(app_client: ClientFactory) -> None:
    response = _post_login(app_client(), "", "")
    assert response.status_code == 422
    assert "请输入用户名和密码" in response.text


def test_logout_ends_the_session(app_client: ClientFactory, demo_platform: Platform) -> None:
    client = app_client("staff")
    old_cookie = client.cookies.get("govai_session")
    response = client.post("/logout", data={"csrf_token": client.csrf}, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/login"
    # replaying the old cookie does not work: the session was revoked server-side
    replay = app_client()
    replay.cookies.set("govai_session", old_cookie or "")
    assert replay.get("/api/me").status_code == 401
    with demo_platform.db.session() as session:
        rows, _ = audit.search(session, audit.AuditFilter(action="logout", actor="staff"))
    assert len(rows) == 1


def test_idle_session_redirects_to_login_with_chinese_flash(
    app_client: ClientFactory, demo_platform: Platform
) -> None:
    client = app_client("secadmin")
    idle = timedelta(minutes=demo_platform.settings.session_idle_minutes + 1)
    with demo_platform.db.session() as session:
        session.execute(update(LoginSession).values(last_seen_at=utcnow() - idle))
    response = client.get("/admin/users?x=1", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/admin/users%3Fx%3D1"
    page = client.get(response.headers["location"])
    assert "登录已超时，请重新登录" in page.text
    assert 'name="next" value="/admin/users?x=1"' in page.text
    # the flash is shown once
    assert "登录已超时" not in client.get("/login").text
    with demo_platform.db.session() as session:
        rows, _ = audit.search(session, audit.AuditFilter(action="session.expire"))
    assert len(rows) == 1


def test_expired_session_on_api_is_401_json(
    app_client: ClientFactory, demo_platform: Platform
) -> None:
    client = app_client("staff")
    with demo_platform.db.session() as session:
        session.execute(update(LoginSession).values(last_seen_at=utcnow() - timedelta(days=1)))
    response = client.get("/api/me")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "session_expired"


def test_login_redirects_to_next_but_never_off_site(app_client: ClientFactory) -> None:
    response = _post_login(app_client(), "auditor", DEMO_PASSWORD, next="/audit")
    assert response.headers["location"] == "/audit"
    for evil in ("https://evil.example/", "//evil.example/", "/\\evil.example"):
        response = _post_login(app_client(), "auditor", DEMO_PASSWORD, next=evil)
        assert response.headers["location"] == "/", evil


def test_anonymous_page_redirects_to_login(app_client: ClientFactory) -> None:
    response = app_client().get("/admin/users", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/admin/users"


def test_bearer_token_authenticates_api_calls_without_csrf(
    app_client: ClientFactory, demo_platform: Platform
) -> None:
    with demo_platform.db.session() as session:
        _, plain = accounts.create_token(session, cli_principal("pytest"), "secadmin", "集成")
    client = app_client()
    headers = {"Authorization": f"Bearer {plain}"}
    me = client.get("/api/me", headers=headers).json()
    assert me["username"] == "secadmin" and me["via"] == "token"
    assert "csrf_token" not in me
    created = client.post(
        "/api/users",
        headers=headers,
        json={
            "username": "api-made",
            "display_name": "接口创建",
            "org": "city-hpf",
            "roles": ["staff"],
            "password": "Api@2026pass",
        },
    )
    assert created.status_code == 201, created.text
    assert created.json()["org"] == "city-hpf"
    with demo_platform.db.session() as session:
        assert session.execute(select(User).where(User.username == "api-made")).scalar()


def test_invalid_or_revoked_bearer_token_is_401(
    app_client: ClientFactory, demo_platform: Platform
) -> None:
    client = app_client()
    bad = client.get("/api/me", headers={"Authorization": "Bearer govai_nope"})
    assert bad.status_code == 401 and bad.json()["error"]["code"] == "session_expired"
    with demo_platform.db.session() as session:
        row, plain = accounts.create_token(session, cli_principal("pytest"), "staff", "临时")
        accounts.revoke_token(session, cli_principal("pytest"), row.id)
    revoked = client.get("/api/me", headers={"Authorization": f"Bearer {plain}"})
    assert revoked.status_code == 401


def test_bearer_token_cannot_exceed_its_owners_role(
    app_client: ClientFactory, demo_platform: Platform
) -> None:
    with demo_platform.db.session() as session:
        _, plain = accounts.create_token(session, cli_principal("pytest"), "staff", "窗口")
    response = app_client().get("/api/users", headers={"Authorization": f"Bearer {plain}"})
    assert response.status_code == 403


def test_security_headers_on_pages_and_api(app_client: ClientFactory) -> None:
    client = app_client()
    for path in ("/login", "/api/health", "/does-not-exist"):
        headers = client.get(path).headers
        assert headers["x-frame-options"] == "DENY", path
        assert headers["x-content-type-options"] == "nosniff", path
        assert headers["referrer-policy"] == "same-origin", path
        csp = headers["content-security-policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp, path
        assert "frame-ancestors 'none'" in csp, path
        assert headers["cache-control"] == "no-store", path


def test_pages_reference_no_external_resources(app_client: ClientFactory) -> None:
    client = app_client("secadmin")
    for path in ("/", "/admin/users", "/account", "/login"):
        html = client.get(path).text
        assert "http://" not in html and "https://" not in html, path
        assert "<script" not in html, path
        assert 'style="' not in html, path  # the CSP forbids inline styles
    assert client.get("/static/console.css").status_code == 200


def test_logged_in_user_visiting_login_goes_home(app_client: ClientFactory) -> None:
    client = app_client("staff")
    response = client.get("/login", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/"


def test_health_is_public(app_client: ClientFactory) -> None:
    body = app_client().get("/api/health").json()
    assert body["status"] == "ok" and body["database"]["status"] == "ok"


def test_login_helper_returns_the_sessions_token(app_client: ClientFactory) -> None:
    client = app_client()
    token = login(client, "sysadmin")
    assert token and token == page_csrf(client.get("/").text)
