from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

from govai.errors import PermissionDenied, UnknownKnowledgeBase
from govai.governance.models import AuditEntry
from govai.knowledge import importer, service
from govai.knowledge.importer import import_files, import_uploads, reindex
from govai.knowledge.models import KbDocument, KbPassage, KnowledgeBase
from govai.knowledge.retrieval import Retriever
from govai.platform import Platform

from .conftest import GONGJIJIN, OPERATOR, make_kb, user, write


def _docs(platform: Platform) -> dict[str, tuple[str, int]]:
    with platform.db.read() as session:
        rows = session.execute(
            select(KbDocument.key, KbDocument.title, KbDocument.id)
            .join(KnowledgeBase)
            .where(KnowledgeBase.name == "kt")
        ).all()
        counts = dict(
            session.execute(
                select(KbPassage.document_id, func.count()).group_by(KbPassage.document_id)
            ).all()
        )
    return {key: (title, counts.get(doc_id, 0)) for key, title, doc_id in rows}


def _jsonl(tmp_path: Path, name: str, docs: list[dict[str, str]]) -> Path:
    lines = "\n".join(json.dumps(d, ensure_ascii=False) for d in docs)
    return write(tmp_path, name, lines + "\n")


def test_import_reports_each_file_and_goes_on_after_a_bad_one(
    demo_platform: Platform, tmp_path: Path
) -> None:
    make_kb(demo_platform)
    scanned = tmp_path / "scan.pdf"
    scanned.write_bytes(b"%PDF-1.4 not really a pdf")
    files = [write(tmp_path, "gjj.md", GONGJIJIN), scanned, tmp_path / "missing.txt"]
    stages: list[str] = []
    report = import_files(
        demo_platform.db, OPERATOR, "kt", files, progress=lambda s, d, t: stages.append(s)
    )
    ok, bad_pdf, missing = report.files
    assert ok.added == 1 and ok.passages >= 3 and not ok.error
    assert bad_pdf.error and missing.error
    assert {"读取", "分词", "写入"} <= set(stages)
    assert _docs(demo_platform)["gjj"][0] == "住房公积金管理条例"


def test_reimport_replaces_the_document_and_skips_unchanged(
    demo_platform: Platform, tmp_path: Path
) -> None:
    make_kb(demo_platform)
    doc = {"id": "a", "title": "甲办法", "text": "第一条 甲。\n\n第二条 乙。"}
    first = import_files(demo_platform.db, OPERATOR, "kt", [_jsonl(tmp_path, "a.jsonl", [doc])])
    assert first.files[0].added == 1
    again = import_files(demo_platform.db, OPERATOR, "kt", [_jsonl(tmp_path, "a.jsonl", [doc])])
    assert again.files[0].unchanged == 1 and again.files[0].added == 0
    doc["text"] = "第一条 甲。\n\n第二条 乙。\n\n第三条 丙。"
    changed = import_files(demo_platform.db, OPERATOR, "kt", [_jsonl(tmp_path, "a.jsonl", [doc])])
    assert changed.files[0].replaced == 1
    assert _docs(demo_platform) == {"a": ("甲办法", 3)}


def test_an_import_killed_half_way_leaves_no_partial_document(
    demo_platform: Platform, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_kb(demo_platform)
    old = [
        {"id": "a", "title": "甲", "text": "第一条 旧甲。"},
        {"id": "b", "title": "乙", "text": "第一条 旧乙。"},
    ]
    import_files(demo_platform.db, OPERATOR, "kt", [_jsonl(tmp_path, "ab.jsonl", old)])
    new = [
        {"id": "a", "title": "甲", "text": "第一条 新甲。"},
        {"id": "b", "title": "乙", "text": "第一条 新乙。"},
    ]
    real = importer._write_document
    calls = 0

    def dies_on_second(*args: object, **kwargs: object) -> int:
        nonlocal calls
        calls += 1
        if calls == 2:
            raise KeyboardInterrupt  # the operator pressed Ctrl-C mid-file
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(importer, "_write_document", dies_on_second)
    with pytest.raises(KeyboardInterrupt):
        import_files(demo_platform.db, OPERATOR, "kt", [_jsonl(tmp_path, "ab2.jsonl", new)])
    with demo_platform.db.read() as session:
        texts = sorted(
            session.execute(
                select(KbPassage.text).join(KbDocument).where(KbDocument.key.in_(["a", "b"]))
            ).scalars()
        )
    assert texts == ["第一条 旧乙。", "第一条 旧甲。"]


def test_uploads_import_like_files_and_are_audited(demo_platform: Platform) -> None:
    make_kb(demo_platform)
    report = import_uploads(
        demo_platform.db, OPERATOR, "kt", [("公积金.md", GONGJIJIN.encode("utf-8"))]
    )
    assert report.files[0].added == 1
    with demo_platform.db.read() as session:
        summaries = session.execute(
            select(AuditEntry.summary).where(AuditEntry.action == "kb.import")
        ).scalars()
        assert any("公积金.md" in s for s in summaries)


def test_only_managers_import(demo_platform: Platform, tmp_path: Path) -> None:
    path = write(tmp_path, "gjj.md", GONGJIJIN)
    make_kb(demo_platform)  # the city's public knowledge base
    # a department's staff see the city's base but do not maintain it; reviewers never do
    for username in ("staff", "reviewer"):
        with pytest.raises(PermissionDenied):
            import_files(demo_platform.db, user(demo_platform, username), "kt", [path])
    make_kb(demo_platform, "hrss", org="city-hrss", public=False)
    with pytest.raises(UnknownKnowledgeBase):  # another district's staff do not even see it
        import_files(demo_platform.db, user(demo_platform, "east-staff"), "hrss", [path])
    report = import_files(demo_platform.db, user(demo_platform, "staff"), "hrss", [path])
    assert report.files[0].added == 1


def test_reindex_makes_a_new_lexicon_word_an_exact_term(
    demo_platform: Platform, tmp_path: Path
) -> None:
    make_kb(demo_platform)
    docs = [
        {"id": "rider", "title": "甲规定", "text": "第一条 网约配送员应当遵守交通规则。"},
        {"id": "goods", "title": "乙规定", "text": "第一条 配送企业按约定配送货物，配送费用另计。"},
    ]
    import_files(demo_platform.db, OPERATOR, "kt", [_jsonl(tmp_path, "d.jsonl", docs)])
    with demo_platform.db.session() as session:
        service.add_lexicon_group(session, OPERATOR, ["网约配送员", "外卖骑手"])
    retriever = Retriever(demo_platform.db, demo_platform.settings)

    def first_hit() -> str:
        return retriever.search("kt", "网约配送员", OPERATOR).hits[0].title

    # Indexed before the group existed, the rider's article carries 网, 约, 配送, 员: the
    # article that says 配送 three times outranks it.
    assert first_hit() == "乙规定"
    with demo_platform.db.read() as session:
        version = service.get_kb(session, "kt", OPERATOR).index_version

    stages: list[str] = []
    report = reindex(demo_platform.db, OPERATOR, "kt", progress=lambda s, d, t: stages.append(s))

    assert (report.passages, report.changed) == (2, 1)
    assert {"读取", "分词", "写入"} <= set(stages)
    assert first_hit() == "甲规定"
    with demo_platform.db.read() as session:
        assert service.get_kb(session, "kt", OPERATOR).index_version > version
        summaries = session.execute(
            select(AuditEntry.summary).where(AuditEntry.action == "kb.reindex")
        ).scalars()
        assert any("2 个段落，1 个有变化" in s for s in summaries)


def test_only_managers_reindex(demo_platform: Platform, tmp_path: Path) -> None:
    make_kb(demo_platform)
    make_kb(demo_platform, "hrss", org="city-hrss", public=False)
    import_files(demo_platform.db, OPERATOR, "hrss", [write(tmp_path, "gjj.md", GONGJIJIN)])
    with pytest.raises(PermissionDenied):
        reindex(demo_platform.db, user(demo_platform, "reviewer"), "hrss")
    with pytest.raises(UnknownKnowledgeBase):
        reindex(demo_platform.db, user(demo_platform, "east-staff"), "hrss")
    report = reindex(demo_platform.db, user(demo_platform, "staff"), "hrss")
    assert report.passages >= 3 and report.changed == 0
