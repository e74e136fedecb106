from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from govai.cli.main import cli
from govai.platform import Platform
from govai.testing.fake_openai import FakeOpenAI


@pytest.fixture
def run(demo_platform: Platform, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("GOVAI_HOME", demo_platform.settings.home)
    monkeypatch.setenv("GOVAI_DATABASE_URL", demo_platform.settings.database)
    return CliRunner()


def test_model_commands_end_to_end(run: CliRunner, fake_llm: FakeOpenAI) -> None:
    added = run.invoke(
        cli,
        [
            "model",
            "add",
            "deepseek",
            "--kind",
            "openai",
            "--base-url",
            fake_llm.base_url,
            "--model",
            "deepseek-chat",
            "--timeout",
            "5",
        ],
    )
    assert added.exit_code == 0, added.output
    assert "密级上限：公开" in added.output
    level = run.invoke(cli, ["model", "level", "deepseek", "涉密"])
    assert level.exit_code == 1 and "涉密不上网" in level.output
    assert run.invoke(cli, ["model", "level", "deepseek", "内部"]).exit_code == 0
    listing = run.invoke(cli, ["model", "list"]).output
    assert "extractive" in listing and "内置" in listing
    assert "deepseek" in listing and "密级上限 内部" in listing
    fake_llm.queue_reply("我是示范模型。")
    tested = run.invoke(cli, ["model", "test", "deepseek"])
    assert tested.exit_code == 0, tested.output
    assert "我是示范模型。" in tested.output and "毫秒" in tested.output
    assert "本内容由人工智能生成" in tested.output
    unknown = run.invoke(cli, ["model", "test", "qwen"])
    assert unknown.exit_code == 1
    assert "已配置：extractive、deepseek" in unknown.output
    assert run.invoke(cli, ["model", "remove", "deepseek"]).exit_code == 0
    assert "deepseek" not in run.invoke(cli, ["model", "list"]).output
    purged = run.invoke(cli, ["model", "purge-log"])
    assert purged.exit_code == 0 and "已删除 183 天前的模型调用日志 0 条" in purged.output


def test_words_commands_end_to_end(run: CliRunner, tmp_path: Path) -> None:
    assert run.invoke(cli, ["words", "add", "违禁品"]).exit_code == 0
    wordfile = tmp_path / "words.txt"
    wordfile.write_text("# 复核词\n上访\n拆迁\n毒\n", encoding="utf-8")
    imported = run.invoke(
        cli, ["words", "import", str(wordfile), "--list", "review", "--action", "review"]
    )
    assert imported.exit_code == 0, imported.output
    assert "新增 2" in imported.output and "第 4 行" in imported.output
    listing = run.invoke(cli, ["words", "list", "--list", "review"]).output
    assert "上访" in listing and "拆迁" in listing and "共 2 个" in listing
    assert "违禁品" in run.invoke(cli, ["words", "list"]).output
    assert run.invoke(cli, ["words", "remove", "上访", "--list", "review"]).exit_code == 0
    assert "上访" not in run.invoke(cli, ["words", "list", "--list", "review"]).output
    wordfile.write_bytes("违禁品".encode("gbk"))
    bad = run.invoke(cli, ["words", "import", str(wordfile)])
    assert bad.exit_code == 1 and "UTF-8" in bad.output


def _flat(result: Result) -> str:
    """The output without the line breaks rich adds to fit the terminal."""
    return result.output.replace("\n", "")


def test_a_keyed_provider_is_approved_with_model_approve_or_add_approve(
    run: CliRunner, fake_llm: FakeOpenAI, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DEEPSEEK_API_KEY", "sk-secret-123")
    base = ["model", "add", "--base-url", fake_llm.base_url, "--model", "m"]
    settings = run.invoke(cli, [*base, "leak", "--api-key-env", "GOVAI_DATABASE_URL"])
    assert settings.exit_code == 1 and "govai 自身的配置项" in _flat(settings)
    added = run.invoke(cli, [*base, "keyed", "--api-key-env", "DEEPSEEK_API_KEY"])
    assert added.exit_code == 0 and "govai model approve keyed" in _flat(added)
    assert "待批准" in run.invoke(cli, ["model", "list"]).output
    refused = run.invoke(cli, ["model", "test", "keyed"])
    assert refused.exit_code == 1 and "govai model approve keyed" in _flat(refused)
    assert fake_llm.chat_requests() == []
    approved = run.invoke(cli, ["model", "approve", "keyed"])
    assert approved.exit_code == 0 and "已批准模型服务 keyed" in _flat(approved)
    assert "待批准" not in run.invoke(cli, ["model", "list"]).output
    fake_llm.queue_reply("我是示范模型。")
    assert run.invoke(cli, ["model", "test", "keyed"]).exit_code == 0
    at_once = run.invoke(cli, [*base, "keyed2", "--api-key-env", "DEEPSEEK_API_KEY", "--approve"])
    assert at_once.exit_code == 0 and "已批准" in _flat(at_once)
    fake_llm.queue_reply("我是示范模型。")
    assert run.invoke(cli, ["model", "test", "keyed2"]).exit_code == 0
