"""The command-line contract of `govai draft` (a person's spec laid out without labels; a draft
from facts, stored and labelled; a stored draft exported again) and `govai proofread --json`,
with Chinese errors and exit status 1 for what cannot be done."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path
from typing import Any

import docx
import pytest
from click.testing import CliRunner, Result

from govai.cli.main import cli
from govai.gateway.labels import AIGC_KEY
from govai.platform import Platform

SPEC: dict[str, Any] = {
    "type": "通知",
    "issuer": "示范市人民政府",
    "doc_number": "示政发〔2026〕12号",
    "title": "示范市人民政府关于做好冬季安全生产工作的通知",
    "recipients": ["各区人民政府", "市政府各部门"],
    "body": "为切实做好今冬明春安全生产工作，现就有关事项通知如下。\n一、总体要求\n坚持人民至上。",
    "date": "2026-11-21",
    "copy_to": "市委各部门",
    "printer": "示范市人民政府办公室",
    "print_date": "2026-11-22",
}
FACTS: dict[str, Any] = {
    "issuer": "示范市住房公积金管理中心",
    "subject": "调整退休职工住房公积金提取办理流程",
    "purpose": "为方便职工退休后提取住房公积金",
    "recipients": "示范市人民政府",
    "points": ["退休职工凭身份证即可申请销户提取", "提取资金3个工作日内到账"],
    "contact": "张敏，0571-12345678",
}


@pytest.fixture
def run(demo_platform: Platform, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("GOVAI_HOME", str(demo_platform.settings.home))
    monkeypatch.setenv("GOVAI_DATABASE_URL", demo_platform.settings.database)
    runner = CliRunner()

    def invoke(*args: str) -> Result:
        return runner.invoke(cli, list(args))

    return invoke


def _parts(path: Path) -> dict[str, str]:
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n).decode("utf-8", "replace") for n in z.namelist()}


def test_a_spec_is_laid_out_without_labels(run: Any, tmp_path: Path) -> None:
    spec = tmp_path / "spec.json"
    spec.write_text(json.dumps(SPEC, ensure_ascii=False), encoding="utf-8")
    out = tmp_path / "notice.docx"
    result = run("draft", "--type", "通知", "--spec", str(spec), "--output", str(out), "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["pages"] >= 1 and report["warnings"] == []
    document = docx.Document(str(out))
    assert "示范市人民政府关于做好冬季安全生产工作的通知" in [p.text for p in document.paragraphs]
    assert "docProps/custom.xml" not in _parts(out)  # a person's text: nothing generated


def test_spec_errors_are_chinese_and_exit_1(run: Any, tmp_path: Path) -> None:
    out = tmp_path / "x.docx"
    bad = tmp_path / "bad.json"
    bad.write_text('{"type": "通知",', encoding="utf-8")
    result = run("draft", "--spec", str(bad), "--output", str(out))
    assert result.exit_code == 1 and "不是有效的 JSON" in result.output
    spec = tmp_path / "spec.json"
    spec.write_text(json.dumps({**SPEC, "doc_number": "示政发[2026]第05号"}), encoding="utf-8")
    result = run("draft", "--spec", str(spec), "--output", str(out))
    assert result.exit_code == 1 and "〔〕" in result.output
    result = run("draft", "--type", "请示", "--spec", str(spec), "--output", str(out))
    assert result.exit_code == 1 and "不一致" in result.output
    result = run("draft", "--output", str(out))
    assert result.exit_code == 1 and "--spec、--facts、--draft" in result.output
    result = run("draft", "--spec", str(spec), "--output", str(tmp_path / "x.pdf"))
    assert result.exit_code == 1 and ".docx" in result.output
    assert not out.exists()


def test_a_draft_from_facts_is_stored_labelled_and_exported_again(run: Any, tmp_path: Path) -> None:
    facts = tmp_path / "facts.json"
    facts.write_text(json.dumps(FACTS, ensure_ascii=False), encoding="utf-8")
    out = tmp_path / "request.docx"
    result = run(
        "draft", "--type", "请示", "--facts", str(facts), "--kb", "policy", "-o", str(out), "--json"
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.output[result.output.index("{") :])
    assert report["type"] == "请示" and report["provider"] == "extractive"
    assert report["citations"] and report["title"].endswith("的请示")
    first = _parts(out)
    assert first["docProps/custom.xml"].count(f'name="{AIGC_KEY}"') == 1
    assert report["produce_id"] in first["docProps/custom.xml"]
    again = tmp_path / "again.docx"
    result = run("draft", "--draft", str(report["draft"]), "-o", str(again))
    assert result.exit_code == 0, result.output
    second = _parts(again)
    assert second["docProps/custom.xml"].count(f'name="{AIGC_KEY}"') == 1
    headers = "".join(v for k, v in second.items() if k.startswith("word/header"))
    assert "本文稿由人工智能辅助起草" in headers
    result = run("draft", "--draft", "999999", "-o", str(again))
    assert result.exit_code == 1 and "没有编号为 999999 的文稿" in result.output


def test_proofread_json_contract(run: Any, tmp_path: Path) -> None:
    document = docx.Document()
    document.add_paragraph("示范市人民政府关于开展安全检查的通知")
    document.add_paragraph("示政发[2026]第05号")
    document.add_paragraph("各区要认真做好安全检查的的工作。")
    path = tmp_path / "draft.docx"
    buffer = io.BytesIO()
    document.save(buffer)
    path.write_bytes(buffer.getvalue())
    result = run("proofread", str(path), "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert set(report) >= {"paragraphs", "findings", "counts"}
    categories = {f["category"] for f in report["findings"]}
    assert {"doc_number", "repeat"} <= categories
    for finding in report["findings"]:
        assert set(finding) >= {"category", "where", "what", "why", "fix", "paragraph", "severity"}
    result = run("proofread", str(path))
    assert result.exit_code == 0 and "发现" in result.output and "建议" in result.output
    text = tmp_path / "note.txt"
    text.write_text("不是公文", encoding="utf-8")
    result = run("proofread", str(text))
    assert result.exit_code == 1 and "错误" in result.output
