"""The command-line contract of `govai catalog`, `govai approval check` (the JSON shape and the
exit status per outcome) and `govai calendar`, over the demo catalogue and rule files."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from govai.approval.rulefile import DEMO_RULES_DIR
from govai.cli.main import cli
from govai.platform import Platform
from govai.scenarios.approval import catalog

DEMO_CATALOG = DEMO_RULES_DIR.parent / "catalog" / "items.yaml"
CONTRACT = {
    "item",
    "outcome",
    "missing_materials",
    "unmet_conditions",
    "reasons",
    "legal_basis",
    "deadline",
}
ELDER = {"name": "李秀英", "id_number": "370102194003150021"}


@pytest.fixture
def run(platform: Platform, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("GOVAI_HOME", str(platform.settings.home))
    monkeypatch.setenv("GOVAI_DATABASE_URL", platform.settings.database)
    runner = CliRunner()
    result = runner.invoke(
        cli,
        [
            "catalog",
            "import",
            str(DEMO_CATALOG),
            "--format",
            "yaml",
            "--rules",
            str(DEMO_RULES_DIR),
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["created"] == 4 and len(report["rules_enabled"]) == 4
    return runner


def _check(run: CliRunner, tmp_path: Path, application: object, *extra: str) -> tuple[int, dict]:
    path = tmp_path / "app.json"
    path.write_text(json.dumps(application, ensure_ascii=False), encoding="utf-8")
    result = run.invoke(
        cli,
        [
            "approval",
            "check",
            "--item",
            "SF-GLJT-001",
            "--application",
            str(path),
            "--today",
            "2025-03-03",
            "--json",
            *extra,
        ],
    )
    return result.exit_code, json.loads(result.output)


def test_check_contract_and_exit_status(run: CliRunner, tmp_path: Path) -> None:
    complete = {
        "applicant": ELDER,
        "fields": {"registered_in_city": True, "receiving_elsewhere": False},
        "materials": ["居民身份证", "户口簿", "本人银行账户信息"],
    }
    code, body = _check(run, tmp_path, complete)
    assert code == 0 and set(body) == CONTRACT
    assert body["outcome"] == "approved" and body["deadline"] == "2025-03-03"

    code, body = _check(run, tmp_path, {**complete, "materials": ["居民身份证"]})
    assert code == 3 and body["outcome"] == "needs_correction"
    assert [m["name"] for m in body["missing_materials"]] == ["户口簿", "本人银行账户信息"]

    young = {**complete, "applicant": {"id_number": "370102194503040056"}}
    code, body = _check(run, tmp_path, young)
    assert code == 4 and body["outcome"] == "denied"
    assert [u["id"] for u in body["unmet_conditions"]] == ["age80"]
    assert any("行政复议" in r for r in body["reasons"])

    code, body = _check(run, tmp_path, complete, "--report")
    assert {c["id"] for c in body["checks"]} == {"age80", "hukou", "no_duplicate"}


def test_bad_input_is_a_chinese_error(run: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "app.json"
    path.write_text("{bad", encoding="utf-8")
    result = run.invoke(
        cli, ["approval", "check", "--item", "SF-GLJT-001", "--application", str(path)]
    )
    assert result.exit_code == 1 and "不是有效的 UTF-8 JSON" in result.output
    path.write_text('{"materials": "身份证"}', encoding="utf-8")
    result = run.invoke(
        cli, ["approval", "check", "--item", "SF-GLJT-001", "--application", str(path)]
    )
    assert result.exit_code == 1 and "materials" in result.output
    result = run.invoke(cli, ["approval", "check", "--item", "NOPE", "--application", str(path)])
    assert result.exit_code == 1 and "没有编码为 NOPE 的办事事项" in result.output
    path.write_text('{"fields": ' + "[" * 200_000 + "]" * 200_000 + "}", encoding="utf-8")
    result = run.invoke(
        cli, ["approval", "check", "--item", "SF-GLJT-001", "--application", str(path)]
    )
    assert result.exit_code == 1 and "嵌套层数过深" in result.output


def test_search_and_show(run: CliRunner) -> None:
    result = run.invoke(cli, ["catalog", "search", "我失业了想领失业金", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["items"][0]["code"] == "SF-SYBX-001"
    result = run.invoke(cli, ["catalog", "show", "SF-SYBX-001"])
    assert "终止或者解除劳动关系的证明" in result.output and "规则文件：版本" in result.output


def test_holiday_table_overrides_the_package(run: CliRunner, platform: Platform) -> None:
    result = run.invoke(
        cli, ["calendar", "set", "2025-03-04..2025-03-05", "--holiday", "--name", "示范停工"]
    )
    assert result.exit_code == 0, result.output
    with platform.db.read() as session:
        days = catalog.calendar(session)
        assert not days.is_workday(date(2025, 3, 4))
    assert "示范停工" in run.invoke(cli, ["calendar", "list", "--year", "2025"]).output
    assert run.invoke(cli, ["calendar", "remove", "2025-03-04"]).exit_code == 0
    with platform.db.read() as session:  # the calendar follows the table (it is kept per content)
        days = catalog.calendar(session)
        assert days.is_workday(date(2025, 3, 4)) and not days.is_workday(date(2025, 3, 5))
    bad = run.invoke(cli, ["calendar", "set", "2025-13-01", "--holiday"])
    assert bad.exit_code == 1 and "YYYY-MM-DD" in bad.output
    span = run.invoke(cli, ["calendar", "remove", "2025-03-05..2025-03-06"])
    assert span.exit_code == 1 and "一次只能删除一天" in span.output


def test_an_application_saved_by_windows_in_gb18030_is_read(run: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "app.json"
    application = {"applicant": ELDER, "fields": {}, "materials": ["居民身份证"]}
    path.write_bytes(json.dumps(application, ensure_ascii=False).encode("gb18030"))
    result = run.invoke(
        cli, ["approval", "check", "--item", "SF-GLJT-001", "--application", str(path), "--json"]
    )
    assert result.exit_code == 3, result.output
    assert json.loads(result.output)["outcome"] == "needs_correction"
