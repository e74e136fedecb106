"""/admin/words: only the security administrator maintains the sensitive-word lists; imports
report every line they could not take, and the gateway screens with the new words at once."""

from __future__ import annotations

from typing import Any

import pytest

from govai.accounts.principal import cli_principal
from govai.errors import ContentBlocked
from govai.gateway import ModelGateway
from govai.gateway import words as wordlists
from govai.gateway.types import ModelRequest
from govai.governance import audit
from govai.platform import Platform

from .conftest import ClientFactory, ConsoleClient


def _words(platform: Platform, list_name: str | None = None) -> dict[str, tuple[str, str]]:
    with platform.db.session() as session:
        return {w.word: (w.action, w.category) for w in wordlists.list_words(session, list_name)}


def _audit(platform: Platform, prefix: str) -> list[str]:
    with platform.db.session() as session:
        rows, _ = audit.search(session, audit.AuditFilter(actor="secadmin", action=prefix))
        return [e.summary for e in rows]


def _add(client: ConsoleClient, **fields: str) -> Any:
    data = {"list_name": "default", "category": "", "action": "block", **fields}
    return client.post(
        "/admin/words", data={**data, "csrf_token": client.csrf}, follow_redirects=False
    )


def _import(client: ConsoleClient, content: bytes, **fields: str) -> Any:
    data = {"list_name": "default", "action": "block", **fields, "csrf_token": client.csrf}
    return client.post(
        "/admin/words/import", data=data, files={"file": ("words.txt", content, "text/plain")}
    )


def test_only_the_security_admin(app_client: ClientFactory, demo_platform: Platform) -> None:
    for who in ("staff", "reviewer", "deptadmin", "sysadmin", "auditor"):
        client = app_client(who)
        assert client.get("/admin/words").status_code == 403, who
        assert _add(client, word="越权词").status_code == 403, who
    assert "越权词" not in _words(demo_platform)
    assert app_client("secadmin").get("/admin/words").status_code == 200


def test_add_lists_and_removes_a_word(app_client: ClientFactory, demo_platform: Platform) -> None:
    client = app_client("secadmin")
    added = _add(client, list_name="city", word=" 内部文件 ", category="涉密", action="review")
    assert added.status_code == 303 and added.headers["location"] == "/admin/words?list=city"
    page = client.get(added.headers["location"]).text
    assert "已新增敏感词“内部文件”（词库 city，人工复核）" in page
    [row] = [r.split("</tr>")[0] for r in page.split("<tr>") if "<td>内部文件</td>" in r]
    assert "<td>city</td>" in row and "涉密" in row and "人工复核" in row
    assert "办假证" not in page  # the demo list is filtered out
    assert _words(demo_platform, "city") == {"内部文件": ("review", "涉密")}
    changed = _add(client, list_name="city", word="内部文件", category="涉密", action="block")
    assert "已修改敏感词" in client.get(changed.headers["location"]).text
    removed = client.post(
        "/admin/words/remove",
        data={"list_name": "city", "word": "内部文件", "csrf_token": client.csrf},
        follow_redirects=True,
    )
    assert "已从词库 city 删除“内部文件”" in removed.text
    assert _words(demo_platform, "city") == {}
    gone = client.post(
        "/admin/words/remove",
        data={"list_name": "city", "word": "内部文件", "csrf_token": client.csrf},
    )
    assert gone.status_code == 404 and "词库 city 中没有“内部文件”" in gone.text
    assert _audit(demo_platform, "words.") == [
        "敏感词库 city：删除“内部文件”",
        "敏感词库 city：修改“内部文件”（拦截）",
        "敏感词库 city：新增“内部文件”（人工复核）",
    ]


def test_a_new_block_word_stops_model_calls(
    app_client: ClientFactory, demo_platform: Platform
) -> None:
    client = app_client("secadmin")
    assert _add(client, word="机密代号").status_code == 303
    gateway = ModelGateway(demo_platform.db, demo_platform.settings)
    request = ModelRequest(
        scenario="test", messages=[{"role": "user", "content": "机密代号是什么"}]
    )
    with pytest.raises(ContentBlocked):
        gateway.complete(request, cli_principal("pytest"))


def test_add_errors_keep_input(app_client: ClientFactory, demo_platform: Platform) -> None:
    client = app_client("secadmin")
    short = _add(client, list_name="city", word="密", category="单字", action="review")
    assert short.status_code == 422 and "至少 2 个字符" in short.text
    card = short.text.split('id="add"')[1].split("</section>")[0]
    assert 'value="city"' in card and 'value="密"' in card and 'value="单字"' in card
    assert '<option value="review" selected>' in card
    bad_action = _add(client, word="可疑词", action="delete")
    assert bad_action.status_code == 422 and "未知的处置方式" in bad_action.text
    assert "密" not in _words(demo_platform) and "可疑词" not in _words(demo_platform)


def test_import_reports_added_changed_unchanged_and_bad_lines(
    app_client: ClientFactory, demo_platform: Platform
) -> None:
    with demo_platform.db.session() as session:
        actor = cli_principal("pytest")
        wordlists.add_word(session, actor, "旧词一", list_name="imp", action="block")
        wordlists.add_word(session, actor, "旧词二", list_name="imp", action="review")
    content = "\n".join(
        ["# 示例词表", "新词甲", "", "旧词一", "旧词二", "单", "新词乙", "新词甲", "x" * 201]
    ).encode()
    client = app_client("secadmin")
    response = _import(client, "\ufeff".encode() + content, list_name="imp", action="block")
    assert response.status_code == 200
    report = response.text.split('id="import-report"')[1].split("</section>")[0]
    assert "新增 2 个，修改 1 个，未变 1 个，错误行 2 行" in report
    assert "第 6 行" in report and "至少 2 个字符" in report
    assert "第 9 行" in report and "不能超过 200 个字符" in report
    assert _words(demo_platform, "imp") == {
        "新词甲": ("block", ""),
        "新词乙": ("block", ""),
        "旧词一": ("block", ""),
        "旧词二": ("block", ""),
    }
    assert "# 示例词表" not in _words(demo_platform, "imp")
    summaries = _audit(demo_platform, "words.import")
    assert summaries == ["敏感词库 imp 导入（拦截）：新增 2，修改 1，未变 1，错误行 2"]


def test_non_utf8_file_is_refused_whole(app_client: ClientFactory, demo_platform: Platform) -> None:
    client = app_client("secadmin")
    response = _import(
        client, "违禁词一\n违禁词二\n".encode("gbk"), list_name="gbk", action="review"
    )
    assert response.status_code == 422
    card = response.text.split('id="import"')[1].split("</section>")[0]
    assert "不是 UTF-8 编码" in card and "未导入任何词" in card
    assert 'value="gbk"' in card and '<option value="review" selected>' in card
    assert _words(demo_platform, "gbk") == {}
    assert _audit(demo_platform, "words.import") == []
    empty = _import(client, b"")
    assert empty.status_code == 422 and "请选择要导入的文本文件" in empty.text


def test_filter_and_paginate(app_client: ClientFactory, demo_platform: Platform) -> None:
    content = "\n".join(f"批量词{i:03d}" for i in range(150)).encode()
    client = app_client("secadmin")
    assert _import(client, content, list_name="bulk").status_code == 200
    first = client.get("/admin/words", params={"list": "bulk"}).text
    assert "共 150 个词" in first and "第 1 / 2 页" in first
    assert "批量词099" in first and "批量词100" not in first
    second = client.get("/admin/words", params={"list": "bulk", "page": 2}).text
    assert "批量词100" in second and "批量词149" in second and "批量词099" not in second
    found = client.get("/admin/words", params={"q": "词12"}).text
    assert "共 10 个词" in found and "批量词125" in found and "办假证" not in found
    demo = client.get("/admin/words", params={"list": "demo"}).text
    assert "办假证" in demo and "批量词" not in demo


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"list_name": "长" * 65}, "词库名不能超过 64 个字符"),
        ({"list_name": "a\x00b"}, "词库名不能含控制字符"),
        ({"category": "类" * 65}, "分类不能超过 64 个字符"),
        ({"category": "a\x00b"}, "分类不能含控制字符"),
    ],
)
def test_overlong_or_control_list_name_and_category_are_form_errors(
    app_client: ClientFactory, demo_platform: Platform, fields: dict[str, str], message: str
) -> None:
    client = app_client("secadmin")
    response = _add(client, word="违禁品", **fields)
    assert response.status_code == 422 and message in response.text
    assert "违禁品" not in _words(demo_platform)
    removed = client.post(
        "/admin/words/remove",
        data={
            "list_name": fields.get("list_name", "default"),
            "word": "违禁品",
            "csrf_token": client.csrf,
        },
    )
    assert removed.status_code in (404, 422)
