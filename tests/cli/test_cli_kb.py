"""The documented command-line contract of `govai kb search` and `govai ask` (JSON shapes,
batch mode one object per line in input order) over the demo knowledge base."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from govai.accounts.principal import cli_principal
from govai.cli.main import cli
from govai.knowledge import service
from govai.platform import Platform

SHELL = cli_principal("pytest")


@pytest.fixture
def run(demo_platform: Platform, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("GOVAI_HOME", str(demo_platform.settings.home))
    monkeypatch.setenv("GOVAI_DATABASE_URL", demo_platform.settings.database)
    return CliRunner()


def test_search_json_contract(run: CliRunner) -> None:
    result = run.invoke(
        cli, ["kb", "search", "辞职了公积金能取出来吗", "--kb", "policy", "--top-k", "3", "--json"]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert set(data) == {"query", "hits"}
    assert len(data["hits"]) == 3
    assert set(data["hits"][0]) == {"doc_id", "title", "clause", "text", "score", "status"}
    assert ("住房公积金管理条例", "第二十四条") in {(h["title"], h["clause"]) for h in data["hits"]}


def test_search_batch_prints_one_line_per_query_in_order(run: CliRunner, tmp_path: Path) -> None:
    queries = tmp_path / "q.txt"
    queries.write_text("居住证怎么申领\n\n失业保险金领多久\n", encoding="utf-8")
    result = run.invoke(cli, ["kb", "search", "--kb", "policy", "--batch", str(queries)])
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.output.splitlines()]
    assert [d["query"] for d in lines] == ["居住证怎么申领", "失业保险金领多久"]
    assert lines[0]["hits"][0]["title"] == "居住证暂行条例"
    assert lines[1]["hits"][0]["title"] == "失业保险条例"


def test_ask_json_contract(run: CliRunner) -> None:
    result = run.invoke(cli, ["ask", "辞职了公积金能取出来吗", "--kb", "policy", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert {"question", "answer", "refused", "citations", "label", "aigc"} <= set(data)
    assert data["refused"] is False
    assert data["label"] in data["answer"]
    assert {"doc_id", "title", "clause", "quote"} <= set(data["citations"][0])
    assert data["aigc"]["AIGC"]["Label"] == "1"


def test_ask_batch_with_follow_up(run: CliRunner, tmp_path: Path) -> None:
    batch = tmp_path / "b.jsonl"
    batch.write_text(
        "你好\n"
        + json.dumps(
            {"question": "那需要带什么材料？", "history": ["辞职了公积金能取出来吗"]},
            ensure_ascii=False,
        )
        + "\n",
        encoding="utf-8",
    )
    result = run.invoke(cli, ["ask", "--kb", "policy", "--batch", str(batch)])
    assert result.exit_code == 0, result.output
    first, second = (json.loads(line) for line in result.output.splitlines())
    assert first["refused"] is True and first["citations"] == []
    assert second["refused"] is False


def test_unknown_kb_lists_the_choices(run: CliRunner) -> None:
    result = run.invoke(cli, ["ask", "你好", "--kb", "nope"])
    assert result.exit_code == 1
    assert "policy" in result.output and "govai kb list" in result.output


def test_import_reports_bad_files_and_exits_2(run: CliRunner, tmp_path: Path) -> None:
    good = tmp_path / "办法.md"
    good.write_text("# 示范办法\n\n第一条 本办法自公布之日起施行。\n", encoding="utf-8")
    bad = tmp_path / "表.xlsx"
    bad.write_bytes(b"not a workbook")
    result = run.invoke(cli, ["kb", "import", str(good), str(bad), "--kb", "policy"])
    assert result.exit_code == 2, result.output
    assert "新增 1" in result.output and "表.xlsx" in result.output


def test_lexicon_add_list_remove(run: CliRunner) -> None:
    added = run.invoke(cli, ["kb", "lexicon", "add", "灵活就业", "打零工"])
    assert added.exit_code == 0, added.output
    listed = run.invoke(cli, ["kb", "lexicon", "list"])
    assert "灵活就业 打零工" in listed.output
    group_id = listed.output.split()[0]
    removed = run.invoke(cli, ["kb", "lexicon", "remove", group_id])
    assert removed.exit_code == 0, removed.output


def test_reindex_reports_the_passages_and_rebuilds_the_index(
    run: CliRunner, demo_platform: Platform
) -> None:
    def version() -> int:
        with demo_platform.db.read() as session:
            return service.get_kb(session, "policy", SHELL).index_version

    before = version()
    result = run.invoke(cli, ["kb", "reindex", "--kb", "policy", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert set(data) == {"kb", "passages", "changed", "tokenizer", "seconds"}
    assert data["passages"] > 0 and data["changed"] == 0  # nothing changed since the import
    assert version() > before
    text = run.invoke(cli, ["kb", "reindex", "--kb", "policy"])
    assert text.exit_code == 0 and f"重新分词 {data['passages']} 个段落" in text.output
    searched = run.invoke(cli, ["kb", "search", "居住证怎么申领", "--kb", "policy", "--json"])
    assert json.loads(searched.output)["hits"][0]["title"] == "居住证暂行条例"


def test_reindex_of_an_unknown_kb_lists_the_choices(run: CliRunner) -> None:
    result = run.invoke(cli, ["kb", "reindex", "--kb", "nope"])
    assert result.exit_code == 1
    assert "policy" in result.output and "govai kb list" in result.output
