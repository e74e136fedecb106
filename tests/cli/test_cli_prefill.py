"""`govai approval prefill`: a document read by the configured chat model (the fake OpenAI
server) into the demo 失业保险金 form, as JSON and as text, and the message when no model
provider is configured."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from govai.accounts.principal import cli_principal
from govai.approval.rulefile import DEMO_RULES_DIR
from govai.classification import Level
from govai.cli.main import cli
from govai.gateway import service as providers
from govai.gateway.labels import EXPLICIT_LABEL
from govai.platform import Platform
from govai.testing.fake_openai import FakeOpenAI

ID_NUMBER = "110105198003070012"
CERTIFICATE = (
    "终止劳动合同证明书\n"
    f"兹证明张三（公民身份号码：{ID_NUMBER}）的劳动合同于2025年2月10日期满终止。\n"
    "累计缴纳失业保险费130个月。\n"
)
ANSWER = {
    "contribution_months": 130,
    "separation_reason": "劳动合同期满终止",
    "separation_date": "2025-02-10",
    "reemployed": "明年",
}


@pytest.fixture
def run(demo_platform: Platform, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("GOVAI_HOME", str(demo_platform.settings.home))
    monkeypatch.setenv("GOVAI_DATABASE_URL", demo_platform.settings.database)
    runner = CliRunner()
    catalogue = [str(DEMO_RULES_DIR.parent / "catalog" / "items.yaml"), "--format", "yaml"]
    imported = runner.invoke(cli, ["catalog", "import", *catalogue, "--rules", str(DEMO_RULES_DIR)])
    assert imported.exit_code == 0, imported.output  # the demo has it already: all unchanged
    return runner


@pytest.fixture
def remote(demo_platform: Platform, fake_llm: FakeOpenAI) -> str:
    with demo_platform.db.session() as session:
        providers.add_provider(
            session,
            cli_principal("pytest"),
            providers.NewProvider("remote", "openai", fake_llm.base_url, "fake", "", False, 5.0),
        )
        providers.set_provider_level(session, cli_principal("pytest"), "remote", Level.INTERNAL)
    return "remote"


@pytest.fixture
def document(tmp_path: Path) -> Path:
    path = tmp_path / "证明.txt"
    path.write_text(CERTIFICATE, encoding="utf-8")
    return path


def args(document: Path) -> list[str]:
    return ["approval", "prefill", "--item", "SF-SYBX-001", str(document), "--today", "2025-03-03"]


def test_prefill_json_from_the_configured_provider(
    run: CliRunner,
    remote: str,
    fake_llm: FakeOpenAI,
    document: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("GOVAI_APPROVAL_PREFILL_PROVIDER", remote)
    fake_llm.queue_reply(json.dumps(ANSWER, ensure_ascii=False))
    result = run.invoke(cli, [*args(document), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert set(data) == {"values", "skipped", "notes", "label", "produce_id"}
    assert data["values"] == {
        "contribution_months": "130",
        "separation_reason": "劳动合同期满终止",
        "separation_date": "2025-02-10",
    }
    assert len(data["skipped"]) == 1 and "“已重新就业”为“明年”" in data["skipped"][0]
    assert data["label"].startswith(EXPLICIT_LABEL) and data["produce_id"]
    assert ID_NUMBER not in fake_llm.chat_requests()[0].body_text


def test_prefill_text_names_the_fields_and_the_provider_option_wins(
    run: CliRunner, remote: str, fake_llm: FakeOpenAI, document: Path
) -> None:
    fake_llm.queue_reply(json.dumps(ANSWER, ensure_ascii=False))
    result = run.invoke(cli, [*args(document), "--provider", remote])
    assert result.exit_code == 0, result.output
    assert "累计缴费月数：130" in result.output
    assert "终止或者解除劳动关系日期：2025-02-10" in result.output
    assert "人工智能" in result.output and "未预填" in result.output


def test_prefill_without_a_provider_names_the_setting(
    run: CliRunner, fake_llm: FakeOpenAI, document: Path
) -> None:
    result = run.invoke(cli, args(document))
    assert result.exit_code == 1
    assert "approval_prefill_provider" in result.output
    assert fake_llm.requests == []
