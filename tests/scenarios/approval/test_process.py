"""流程优化 over a small history written through the real workflow: the figures per item and
department (volume, rates, stage p50/p90, the bottleneck, overdue and near-due), the period as
a cohort, who sees which items, the CLI and the chart JSON."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta

import pytest
from click.testing import CliRunner

from govai.cli.process import process
from govai.errors import PermissionDenied, ValidationError
from govai.platform import Platform
from govai.scenarios.approval import applications as apps
from govai.scenarios.approval.process import bottleneck, charts, process_report

from .conftest import ALLOWANCE, OPERATOR, UNEMPLOYMENT, unemployment, who

# UNEMPLOYMENT: 示范市人力资源和社会保障局, promised 5 working days;
# ALLOWANCE: 示范市民政局, auto-approval allowed
MON = datetime(2025, 3, 3, 2, 0)  # Monday 3 March 2025, 10:00 in Beijing (stored as UTC)
HOUR = timedelta(hours=1)
REPORT_DAY = date(2025, 3, 7)  # Friday
MARCH = {"since": date(2025, 3, 1), "until": date(2025, 3, 31), "today": REPORT_DAY}


def _unemployment(*materials: str, **fields: object) -> dict[str, object]:
    """conftest's application of 张三 with ``materials`` (default: complete)."""
    chosen = list(materials or ("居民身份证", "终止或者解除劳动关系的证明"))
    return {**unemployment(**fields), "materials": chosen}


def _submit(platform: Platform, code: str, application: dict[str, object], at: datetime) -> int:
    with platform.db.session() as session:
        row = apps.submit(session, None, code, application, today=apps.beijing_today(at), now=at)
        return row.id


def _decide(platform: Platform, app_id: int, at: datetime, **how: object) -> None:
    """A reviewer's decision, its events dated ``at``."""
    reviewer = who(platform, "reviewer")
    with platform.db.session() as session:
        apps.decide(session, reviewer, app_id, now=at, **how)  # type: ignore[arg-type]


@pytest.fixture
def history(demo_platform: Platform) -> Platform:
    """Unemployment benefit (人社局), submitted in March unless said otherwise:

    A1 Mon 10:00 without the proof → 补正; resubmitted Tue 10:00 (24 h) → accepted;
       approved Wed 10:00 (review 24 h, total 48 h)
    A2 Mon 10:00 complete → accepted; approved Thu 10:00 (review 72 h)
    A3 Tue 10:00, 8 months' contributions → the pre-check proposes refusal; the reviewer approves
       after 36 h (an overturn)
    A4 Tue 10:00, 8 months → refused 不予受理 after 12 h, as proposed
    A5 Mon 10:00 complete → open, due Mon 10 March: near-due on Friday 7 March
    A6 Mon 24 February complete → open, due Mon 3 March: overdue (outside the March cohort)
    and one 高龄津贴 (民政局) approved automatically on Monday.
    """
    platform = demo_platform  # the demo catalogue, rule files and 民政局 come with the demo

    a1 = _submit(platform, UNEMPLOYMENT, _unemployment("居民身份证"), MON)
    with platform.db.session() as session:
        row = session.get(apps.Application, a1)
        assert row is not None
        apps.resubmit(
            session,
            row.number,
            row.query_code,
            materials=["终止或者解除劳动关系的证明"],
            today=date(2025, 3, 4),
            now=MON + 24 * HOUR,
        )
        assert row.status == "under_review"
    _decide(platform, a1, MON + 48 * HOUR, approve=True, reason="")
    a2 = _submit(platform, UNEMPLOYMENT, _unemployment(), MON)
    _decide(platform, a2, MON + 72 * HOUR, approve=True, reason="")
    tue = MON + 24 * HOUR
    a3 = _submit(platform, UNEMPLOYMENT, _unemployment(contribution_months=8), tue)
    _decide(platform, a3, tue + 36 * HOUR, approve=True, reason="补缴记录已核实")
    a4 = _submit(platform, UNEMPLOYMENT, _unemployment(contribution_months=8), tue)
    _decide(platform, a4, tue + 12 * HOUR, approve=False, reason="缴费不满1年", not_accepted=True)
    _submit(platform, UNEMPLOYMENT, _unemployment(), MON)
    _submit(platform, UNEMPLOYMENT, _unemployment(), MON - 7 * 24 * HOUR)
    allowance = {
        "applicant": {"name": "李秀英", "id_number": "370102194003150021"},
        "fields": {"registered_in_city": True, "receiving_elsewhere": False},
        "materials": ["居民身份证", "户口簿", "本人银行账户信息"],
    }
    assert _submit(platform, ALLOWANCE, allowance, MON)
    return platform


def test_figures_per_item(history: Platform) -> None:
    with history.db.read() as session:
        report = process_report(session, who(history, "staff"), **MARCH)  # type: ignore[arg-type]
    assert [g.key for g in report.groups] == [UNEMPLOYMENT]  # 民政局's item is not theirs
    g = report.groups[0]
    assert (g.volume, g.decided, g.approved, g.corrected, g.overturned) == (5, 4, 3, 1, 1)
    assert (g.pass_rate, g.correction_rate, g.overturn_rate) == (0.75, 0.2, 0.25)
    stages = {k: (v.count, v.p50_hours, v.p90_hours) for k, v in g.stages.items()}
    assert stages == {
        "intake": (5, 0.0, 14.4),  # A1 waited 24 h for its correction, the rest none
        "correction": (1, 24.0, 24.0),
        "review": (4, 30.0, 61.2),  # 12, 24, 36, 72
        "total": (4, 42.0, 64.8),  # 12, 36, 48, 72
    }
    assert (g.bottleneck, g.bottleneck_share) == ("review", 1.0)
    # A5 is near its due date; A6 (February) is overdue although outside the cohort
    assert (g.open, g.overdue, g.near_due) == (2, 1, 1)
    assert report.total.volume == 5 and report.total.stages["review"].p50_hours == 30.0


def test_the_period_is_a_cohort_of_submissions(history: Platform) -> None:
    with history.db.read() as session:
        report = process_report(
            session, OPERATOR, since=date(2025, 3, 4), until=date(2025, 3, 4), today=REPORT_DAY
        )
    g = next(x for x in report.groups if x.key == UNEMPLOYMENT)
    assert (g.volume, g.decided, g.approved) == (2, 2, 1)  # A3 and A4 only
    assert g.stages["review"].p50_hours == 24.0  # 12 and 36
    # applications submitted after ``until`` are not open in it; A6 and A5 were before
    assert (g.open, g.overdue) == (2, 1)
    with history.db.read() as session:
        before = process_report(
            session, OPERATOR, since=None, until=date(2025, 2, 28), today=REPORT_DAY
        )
    assert [(x.key, x.volume, x.open, x.overdue) for x in before.groups] == [
        (UNEMPLOYMENT, 1, 1, 1)
    ]
    with history.db.read() as session, pytest.raises(ValidationError, match="晚于"):
        process_report(
            session, OPERATOR, since=date(2025, 3, 5), until=date(2025, 3, 4), today=REPORT_DAY
        )


def test_departments_and_who_sees_them(history: Platform) -> None:
    with history.db.read() as session:
        admin = process_report(
            session,
            who(history, "sysadmin"),
            **MARCH,  # type: ignore[arg-type]
            group_by="department",
        )
        shell = process_report(session, OPERATOR, **MARCH)  # type: ignore[arg-type]
        east = process_report(session, who(history, "east-staff"), **MARCH)  # type: ignore[arg-type]
        hotline = process_report(session, who(history, "hotline"), **MARCH)  # type: ignore[arg-type]
        with pytest.raises(PermissionDenied):
            process_report(session, who(history, "auditor"), **MARCH)  # type: ignore[arg-type]
    assert [(g.key, g.volume) for g in admin.groups] == [
        ("示范市人力资源和社会保障局", 5),
        ("示范市民政局", 1),
    ]
    auto = admin.groups[1]
    assert (auto.decided, auto.pass_rate, auto.stages["total"].p50_hours) == (1, 1.0, 0.0)
    assert auto.bottleneck is None  # decided in no time: no share to compare
    assert admin.total.volume == 6 and admin.total.pass_rate == 4 / 5
    assert [g.key for g in shell.groups] == [UNEMPLOYMENT, ALLOWANCE]
    assert east.groups == [] and hotline.groups == [] and east.total.volume == 0


def test_bottleneck_is_the_largest_median_share() -> None:
    # 补正 takes most of the time in two of three applications
    shares = {
        "correction": [0.8, 0.7, 0.0],
        "acceptance": [0.0, 0.0, 0.1],
        "review": [0.2, 0.3, 0.9],
    }
    assert bottleneck(shares) == ("correction", 0.7)
    assert bottleneck({"correction": [0.5], "review": [0.5]}) == ("review", 0.5)
    assert bottleneck({}) == (None, None)


def test_json_and_charts(history: Platform) -> None:
    with history.db.read() as session:
        report = process_report(session, OPERATOR, **MARCH)  # type: ignore[arg-type]
    data = json.loads(json.dumps(report.to_dict()))
    assert data["groups"][0]["stages"]["review"]["p90_hours"] == 61.2
    assert data["groups"][0]["bottleneck_label"] == "审查"
    figures = charts(report)
    stages = json.loads(figures["stages"])
    assert [t["name"] for t in stages["data"]][:2] == ["预审→受理 中位数", "补正 中位数"]
    review = next(t for t in stages["data"] if t["name"] == "审查 中位数")
    assert review["y"][0] == 30.0 and review["x"] == ["失业保险金申领", "高龄津贴申领"]
    volume = json.loads(figures["volume"])
    assert volume["data"][0]["y"] == [5, 1] and volume["data"][1]["y"] == [0.2, 0.0]


def test_cli_report(history: Platform, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GOVAI_HOME", str(history.settings.home))
    monkeypatch.setenv("GOVAI_DATABASE_URL", history.settings.database)
    runner = CliRunner()
    args = ["report", "--since", "2025-03-01", "--until", "2025-03-31", "--today", "2025-03-07"]
    result = runner.invoke(process, [*args, "--json", "--by", "department"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert [g["volume"] for g in data["groups"]] == [5, 1]
    assert data["groups"][0]["overdue"] == 1
    result = runner.invoke(process, args)
    assert result.exit_code == 0, result.output
    assert "失业保险金申领" in result.output and "75%" in result.output and "审查" in result.output
