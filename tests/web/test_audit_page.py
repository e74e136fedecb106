"""/audit: the security auditor filters and verifies the trail, in Beijing time."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update

from govai.accounts.principal import cli_principal
from govai.governance import audit
from govai.governance.models import AuditEntry
from govai.platform import Platform

from .conftest import ClientFactory


def _seed(platform: Platform, count: int, action: str = "test.bulk") -> None:
    with platform.db.session() as session:
        for i in range(count):
            audit.record(session, action, actor=cli_principal("seeder"), summary=f"批量记录 {i}")


def test_auditor_filters_by_actor_action_and_text(
    app_client: ClientFactory, demo_platform: Platform
) -> None:
    app_client("staff")  # a login.success by staff
    client = app_client("auditor")
    by_actor = client.get("/audit", params={"actor": "staff"}).text
    assert "login.success" in by_actor
    assert (
        "pytest" not in by_actor.split("<tbody>")[1]
    )  # the demo loader's entries are filtered out
    by_action = client.get("/audit", params={"action": "user."}).text
    assert "user.create" in by_action and "login.success" not in by_action
    by_text = client.get("/audit", params={"text": "周区县窗口"}).text
    assert "east-staff" in by_text and "钱安全保密管理员" not in by_text.split("<tbody>")[1]


def test_times_are_beijing_and_date_filters_use_beijing_days(
    app_client: ClientFactory, demo_platform: Platform
) -> None:
    with demo_platform.db.session() as session:
        audit.record(session, "test.tz", actor=cli_principal("tz"), summary="时区测试")
        # 2026-03-01 17:30 UTC is 2026-03-02 01:30 in Beijing
        session.execute(
            update(AuditEntry)
            .where(AuditEntry.action == "test.tz")
            .values(ts=datetime(2026, 3, 1, 17, 30))
        )
    client = app_client("auditor")
    page = client.get("/audit", params={"action": "test.tz"}).text
    assert "2026-03-02 01:30:00" in page
    assert "北京时间" in page
    assert (
        "test.tz"
        in client.get(
            "/audit", params={"since": "2026-03-02", "until": "2026-03-02", "action": "test."}
        ).text
    )
    assert (
        "test.tz"
        not in client.get("/audit", params={"until": "2026-03-01", "action": "test."}).text
    )
    api = client.get("/api/audit", params={"action": "test.tz"}).json()
    assert api["items"][0]["ts"] == "2026-03-02T01:30:00+08:00"
    assert api["items"][0]["ts_utc"] == "2026-03-01T17:30:00Z"


def test_bad_date_is_a_chinese_form_error(app_client: ClientFactory) -> None:
    response = app_client("auditor").get("/audit", params={"since": "3月1日"})
    assert response.status_code == 422
    assert "起始日期格式不正确" in response.text


def test_pagination(app_client: ClientFactory, demo_platform: Platform) -> None:
    _seed(demo_platform, 60)
    client = app_client("auditor")
    first = client.get("/audit", params={"action": "test.bulk"}).text
    assert "共 60 条" in first and "第 1 / 2 页" in first
    assert "批量记录 59" in first and "批量记录 9<" not in first
    second = client.get("/audit", params={"action": "test.bulk", "page": 2}).text
    assert "批量记录 9<" in second and "批量记录 59" not in second
    assert "action=test.bulk" in second  # the pager keeps the filter


def test_verify_shows_an_intact_chain(app_client: ClientFactory) -> None:
    page = app_client("auditor").get("/audit", params={"verify": 1}).text
    assert 'id="verify-result"' in page
    assert "哈希链校验通过" in page


def test_verify_names_a_tampered_entry(app_client: ClientFactory, demo_platform: Platform) -> None:
    with demo_platform.db.session() as session:
        session.execute(update(AuditEntry).where(AuditEntry.seq == 3).values(summary="改过了"))
    page = app_client("auditor").get("/audit", params={"verify": 1}).text
    assert "审计日志被篡改：第 3 条" in page


def test_audit_api_for_auditor_only(app_client: ClientFactory) -> None:
    body = app_client("auditor").get("/api/audit", params={"limit": 5}).json()
    assert body["total"] > 5 and len(body["items"]) == 5
    assert set(body["items"][0]) >= {"seq", "ts", "actor", "action", "summary", "hash"}
    for who in ("secadmin", "sysadmin", "deptadmin"):
        assert app_client(who).get("/api/audit").status_code == 403
        assert app_client(who).get("/audit").status_code == 403


def test_audit_reading_changes_nothing(app_client: ClientFactory, demo_platform: Platform) -> None:
    client = app_client("auditor")
    with demo_platform.db.session() as session:
        _, before = audit.search(session, audit.AuditFilter())
    client.get("/audit", params={"verify": 1, "actor": "x"})
    client.get("/api/audit")
    with demo_platform.db.session() as session:
        _, after = audit.search(session, audit.AuditFilter())
    assert after == before
