"""Bad input gets a Chinese message and a 4xx, never a 500 (from the security review)."""

from __future__ import annotations

import pytest

from .conftest import ClientFactory


def test_duplicate_org_name_is_409_in_the_api(app_client: ClientFactory) -> None:
    client = app_client("sysadmin")
    response = client.post(
        "/api/orgs",
        json={"code": "dup1", "name": "示范市东城区", "kind": "county", "parent": "city"},
        headers={"X-CSRF-Token": client.csrf},
    )
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "conflict"


def test_duplicate_org_name_on_rename_is_shown_in_the_form(app_client: ClientFactory) -> None:
    client = app_client("sysadmin")
    response = client.post(
        "/admin/orgs/city-dsj/rename", data={"name": "示范市东城区", "csrf_token": client.csrf}
    )
    assert response.status_code == 409
    assert "已有名为“示范市东城区”的机构" in response.text


@pytest.mark.parametrize(
    "query", ["page=99999999999999999999", "page=-3", "since=2026-01-01&until=2026-01-31"]
)
def test_audit_page_survives_extreme_paging(app_client: ClientFactory, query: str) -> None:
    assert app_client("auditor").get(f"/audit?{query}").status_code == 200


@pytest.mark.parametrize("query", ["since=0001-01-01", "until=9999-12-31", "since=明天"])
def test_out_of_range_dates_are_a_clear_error(app_client: ClientFactory, query: str) -> None:
    response = app_client("auditor").get(f"/audit?{query}")
    assert response.status_code == 422
    assert "YYYY-MM-DD" in response.text


def test_api_audit_offset_overflow(app_client: ClientFactory) -> None:
    response = app_client("auditor").get("/api/audit?offset=9223372036854775808&limit=0")
    assert response.status_code in (200, 422)
    if response.status_code == 422:
        assert response.json()["error"]["message"]


def test_nul_in_username_is_refused(app_client: ClientFactory) -> None:
    client = app_client("secadmin")
    response = client.post(
        "/api/users",
        json={
            "username": "u\u0000x",
            "org": "city",
            "roles": ["staff"],
            "password": "Aa1!aaaaaaaa",
        },
        headers={"X-CSRF-Token": client.csrf},
    )
    assert response.status_code == 422
    assert "控制字符" in response.json()["error"]["message"]


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        (b"not json", 422, "不是合法的 JSON"),
        (b"[]", 422, "请求体"),
        ('{"a": "\xe9"}'.encode("latin-1"), 400, "UTF-8"),
    ],
)
def test_a_body_that_is_not_the_expected_json_says_so(
    app_client: ClientFactory, body: bytes, status: int, message: str
) -> None:
    client = app_client("secadmin")
    response = client.post(
        "/api/users",
        content=body,
        headers={"X-CSRF-Token": client.csrf, "Content-Type": "application/json"},
    )
    assert response.status_code == status
    assert message in response.json()["error"]["message"]
