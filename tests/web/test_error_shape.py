"""Every API error has one JSON shape; console pages get a Chinese error page instead."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient

from govai.platform import Platform
from govai.web.app import create_app
from govai.web.policy import Anyone

from .conftest import ClientFactory


def assert_error_shape(body: Any, code: str | None = None) -> None:
    assert isinstance(body, dict) and set(body) == {"error"}, body
    error = body["error"]
    assert set(error) <= {"code", "message", "detail"}, error
    assert isinstance(error["code"], str) and error["code"]
    assert isinstance(error["message"], str) and error["message"]
    assert any("\u4e00" <= ch <= "\u9fff" for ch in error["message"]), "message is not Chinese"
    if "detail" in error:
        assert isinstance(error["detail"], dict)
    if code is not None:
        assert error["code"] == code, error
    text = str(body)
    assert "Traceback" not in text and 'File "' not in text


CASES: list[tuple[str | None, str, str, dict[str, Any], int, str]] = [
    # who, method, path, request kwargs, status, code
    (None, "GET", "/api/me", {}, 401, "not_authenticated"),
    (None, "GET", "/api/nothing-here", {}, 404, "not_found"),
    (None, "DELETE", "/api/health", {}, 405, "method_not_allowed"),
    ("staff", "GET", "/api/users", {}, 403, "permission_denied"),
    ("staff", "GET", "/api/audit", {}, 403, "permission_denied"),
    ("secadmin", "POST", "/api/users", {"json": {"username": 1}}, 422, "validation_error"),
    ("secadmin", "POST", "/api/users", {"content": b"{not json"}, 422, "validation_error"),
    ("auditor", "GET", "/api/audit", {"params": {"limit": "many"}}, 422, "validation_error"),
    ("auditor", "GET", "/api/audit", {"params": {"since": "2026/01/01"}}, 422, "validation_error"),
    (
        "sysadmin",
        "POST",
        "/api/orgs",
        {"json": {"code": "c", "name": "n", "kind": "planet", "parent": "city"}},
        422,
        "validation_error",
    ),
    (
        "sysadmin",
        "POST",
        "/api/orgs",
        {"json": {"code": "city", "name": "重复", "kind": "city", "parent": "prov"}},
        409,
        "conflict",
    ),
    (
        "sysadmin",
        "POST",
        "/api/orgs",
        {"json": {"code": "c2", "name": "n", "kind": "city", "parent": "mars"}},
        404,
        "not_found",
    ),
    (
        "deptadmin",
        "POST",
        "/api/users",
        {
            "json": {
                "username": "x",
                "org": "city-dsj",
                "roles": ["staff"],
                "password": "Dept@2026pass",
            }
        },
        403,
        "permission_denied",
    ),
    (
        "secadmin",
        "POST",
        "/api/users",
        {
            "json": {
                "username": "x",
                "org": "city-dsj",
                "roles": ["sys_admin", "auditor"],
                "password": "Sec@2026passw",
            }
        },
        422,
        "role_conflict",
    ),
]


@pytest.mark.parametrize(("who", "method", "path", "kwargs", "status", "code"), CASES)
def test_api_error_shape(
    app_client: ClientFactory,
    who: str | None,
    method: str,
    path: str,
    kwargs: dict[str, Any],
    status: int,
    code: str,
) -> None:
    client = app_client(who)
    headers = {"X-CSRF-Token": client.csrf} if who else {}
    response = client.request(method, path, headers=headers, **kwargs)
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    assert_error_shape(response.json(), code)


def test_validation_detail_lists_the_fields(app_client: ClientFactory) -> None:
    client = app_client("secadmin")
    response = client.post("/api/users", json={}, headers={"X-CSRF-Token": client.csrf})
    error = response.json()["error"]
    fields = {tuple(e["loc"])[-1] for e in error["detail"]["errors"]}
    assert {"username", "org", "roles", "password"} <= fields
    assert "username" in error["message"]


def test_unexpected_error_is_500_in_the_shape_without_traceback(demo_platform: Platform) -> None:
    app = create_app(demo_platform)

    @app.get("/api/boom")
    def boom(principal: Anyone) -> None:
        raise RuntimeError("secret internals /etc/passwd")

    @app.get("/boom")
    def boom_page(principal: Anyone) -> None:
        raise RuntimeError("secret internals /etc/passwd")

    with TestClient(app, base_url="http://127.0.0.1", raise_server_exceptions=False) as client:
        response = client.get("/api/boom")
        assert response.status_code == 500
        assert_error_shape(response.json(), "internal_error")
        assert "secret internals" not in response.text
        page = client.get("/boom")
        assert page.status_code == 500
        assert "服务器内部错误" in page.text and "secret internals" not in page.text
        for answer in (response, page):  # answered outside the middleware, still protected
            assert answer.headers["X-Frame-Options"] == "DENY"
            assert "default-src 'self'" in answer.headers["Content-Security-Policy"]


def test_html_errors_are_chinese_pages(app_client: ClientFactory) -> None:
    client = app_client("staff")
    missing = client.get("/no/such/page")
    assert missing.status_code == 404
    assert missing.headers["content-type"].startswith("text/html")
    assert "页面不存在" in missing.text
    denied = client.get("/admin/users")
    assert denied.status_code == 403 and "无权访问" in denied.text
    wrong_method = client.put("/account")
    assert wrong_method.status_code == 405 and "不支持 PUT" in wrong_method.text
    invalid = client.post("/account/password", data={"csrf_token": client.csrf})
    assert invalid.status_code == 422 and "请求参数不正确" in invalid.text


def test_json_accept_header_gets_json_errors_outside_api(app_client: ClientFactory) -> None:
    response = app_client().get("/no/such/page", headers={"Accept": "application/json"})
    assert response.status_code == 404
    assert_error_shape(response.json(), "not_found")
