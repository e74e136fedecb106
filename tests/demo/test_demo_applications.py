"""The demo's application history: written through the real workflow with backdated times, it
gives the process dashboards every figure they show, decided by the item's own department, and
is written once."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest
from sqlalchemy import func, select

from govai.accounts import service as accounts
from govai.accounts.models import Organization, User
from govai.accounts.principal import Principal, cli_principal
from govai.approval.materials import check_resident_id
from govai.demo import ACCOUNTS
from govai.demo.applications import DESKS, _History, load_demo_applications
from govai.platform import Platform
from govai.scenarios.approval import applications as apps
from govai.scenarios.approval import catalog
from govai.scenarios.approval.models import Application, ApplicationEvent, CatalogItem
from govai.scenarios.approval.process import process_report
from govai.storage.base import BEIJING

OPERATOR = cli_principal("pytest")
TODAY = date(2025, 6, 16)  # a Monday
CUTOFF = datetime.combine(TODAY, time(8, 30)) - BEIJING  # today's office hours begin (UTC)


def _who(platform: Platform, username: str) -> Principal:
    with platform.db.read() as session:
        user = session.execute(select(User).where(User.username == username)).scalar_one()
        return accounts.principal_for(user, via="session")


@pytest.fixture
def loaded(demo_platform: Platform) -> tuple[Platform, int]:
    return demo_platform, load_demo_applications(demo_platform, OPERATOR, today=TODAY)


def test_the_dashboards_have_every_figure(loaded: tuple[Platform, int]) -> None:
    platform, written = loaded
    assert 150 <= written <= 250
    with platform.db.read() as session:
        report = process_report(session, OPERATOR, since=None, until=None, today=TODAY)
        rows = session.execute(select(func.count(Application.id))).scalar_one()
    total = report.total
    assert total.volume == rows == written
    assert {g.key for g in report.groups} == set(DESKS)
    for group in report.groups:
        for stage in ("intake", "correction", "review", "total"):
            assert group.stages[stage].p50_hours is not None, (group.key, stage)
        assert group.bottleneck is not None, group.key
    assert total.overdue >= 1 and total.near_due >= 1
    assert 10 <= total.open <= 25
    assert total.correction_rate is not None and 0.1 <= total.correction_rate <= 0.5
    assert total.overturned >= 1
    assert 0 < total.approved < total.decided  # some refused
    allowance = next(g for g in report.groups if g.key == "SF-GLJT-001")
    assert allowance.stages["review"].p50_hours == 0  # 秒批: approved when submitted


def test_people_of_the_items_department_decide_and_nothing_lies_ahead(
    loaded: tuple[Platform, int],
) -> None:
    platform, _ = loaded
    org_of = {a.username: a.org_code for a in ACCOUNTS}
    with platform.db.read() as session:
        codes = dict(session.execute(select(Organization.id, Organization.code)).all())
        rows = list(session.execute(select(Application)).scalars())
        events = session.execute(
            select(
                ApplicationEvent.application_id, ApplicationEvent.at, ApplicationEvent.kind
            ).order_by(ApplicationEvent.application_id, ApplicationEvent.id)
        ).all()
        calendar = catalog.calendar(session)
        states = [apps.deadline_status(r, calendar, TODAY) for r in rows]
        items = {r.id: (r.item.code, r.item.org_id) for r in rows}
    deciders = {r.decided_by for r in rows if r.decided_by}
    assert "system:auto" in deciders  # 秒批 of the allowance
    for row in rows:
        code, org_id = items[row.id]
        if row.decided_by and row.decided_by != "system:auto":
            assert row.decided_by == DESKS[code][1]
            assert org_id is not None and org_of[row.decided_by] == codes[org_id]
        assert check_resident_id(str(row.applicant["id_number"]), today=TODAY).ok
    last: dict[int, datetime] = {}
    for app_id, at, kind in events:
        assert at < CUTOFF, kind
        assert at >= last.get(app_id, at), (app_id, kind)  # the log is in time order
        last[app_id] = at
    assert any(r.overturned for r in rows if r.precheck_outcome == "denied")  # 准予 over a 不予
    assert any(r.overturned for r in rows if r.precheck_outcome != "denied")  # 受理 over 补正
    assert any(r.extensions for r in rows) and any(r.suspensions for r in rows)
    assert {s.status for s in states if s} >= {"overdue", "near_due", "suspended", "on_time"}


def test_loading_twice_writes_nothing_more(loaded: tuple[Platform, int]) -> None:
    platform, written = loaded
    assert load_demo_applications(platform, OPERATOR, today=TODAY + timedelta(days=1)) == 0
    with platform.db.read() as session:
        assert session.execute(select(func.count(Application.id))).scalar_one() == written


def test_the_same_day_gives_the_same_history(demo_platform: Platform) -> None:
    with demo_platform.db.read() as session:
        calendar = catalog.calendar(session)

    def story(today: date) -> list[tuple[str, datetime, object]]:
        return [(p.code, p.at, p.application) for p in _History(today, calendar).plans()]

    assert story(TODAY) == story(TODAY)
    assert story(TODAY) != story(TODAY + timedelta(days=1))


def test_a_department_sees_only_its_own(loaded: tuple[Platform, int]) -> None:
    platform, _ = loaded
    reviewer = _who(platform, "reviewer")  # 人社局
    with platform.db.read() as session:
        report = process_report(session, reviewer, since=None, until=None, today=TODAY)
        listed, total = apps.list_applications(session, reviewer, apps.ApplicationFilter(limit=500))
        unemployment = session.execute(
            select(func.count(Application.id))
            .join(CatalogItem, Application.item_id == CatalogItem.id)
            .where(CatalogItem.code == "SF-SYBX-001")
        ).scalar_one()
        assert {row.item.code for row in listed} == {"SF-SYBX-001"}
    assert [g.key for g in report.groups] == ["SF-SYBX-001"]
    assert report.total.volume == total == len(listed) == unemployment
