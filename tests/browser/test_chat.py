"""市民咨询 in a real browser over the demo's public knowledge base ``policy``: an answer with
its AI label and the clause it rests on, a refusal with the hand-off, a new conversation, the
error texts, a phone-width screen; and an upload on the console followed to its report."""

from __future__ import annotations

from typing import Any

import pytest

from govai.gateway.labels import EXPLICIT_LABEL

from .test_console import log_in

pytestmark = pytest.mark.browser


def ask(page: Any, question: str) -> Any:
    """Type and send ``question``; the newest answer once it has arrived."""
    before = page.locator("#chat-log .msg.answer").count()
    page.get_by_label("您的问题").fill(question)
    page.get_by_role("button", name="发送").click()
    answer = page.locator("#chat-log .msg.answer").nth(before)
    answer.wait_for()
    return answer


def test_citizen_asks_and_gets_a_cited_answer_then_a_refusal(page: Any) -> None:
    page.goto("/login")
    page.get_by_role("link", name="市民咨询").click()
    page.wait_for_url("**/chat")
    assert page.get_by_label("咨询事项").input_value() == "policy"

    answer = ask(page, "辞职了公积金能取出来吗")
    assert answer.locator(".ai-label").inner_text() == EXPLICIT_LABEL
    assert answer.locator(".ai-label").is_visible()
    citation = answer.locator(".citation", has_text="《住房公积金管理条例》第二十四条").first
    assert citation.is_visible()
    assert citation.locator(".status").inner_text() == "现行有效"
    quote = citation.locator("blockquote")
    assert not quote.is_visible()
    citation.get_by_text("查看原文").click()
    assert quote.is_visible() and quote.inner_text().strip()
    assert page.get_by_label("您的问题").input_value() == ""  # ready for the next question

    refusal = ask(page, "你好，今天天气怎么样")
    assert "refused" in (refusal.get_attribute("class") or "")
    assert refusal.locator(".ai-label").inner_text() == EXPLICIT_LABEL
    handoff = refusal.locator(".handoff").inner_text()
    assert "12345" in handoff and "人工" in handoff
    assert refusal.locator(".citation").count() == 0
    assert page.locator("#chat-log .msg.question").count() == 2

    page.get_by_role("button", name="新对话").click()
    assert page.locator("#chat-log .msg").count() == 0
    assert "新对话" in page.get_by_role("status").inner_text()


def test_failures_are_explained_and_the_question_kept(page: Any) -> None:
    page.goto("/chat")
    page.route("**/api/ask", lambda route: route.fulfill(status=500, body="boom"))
    ask_box = page.get_by_label("您的问题")
    ask_box.fill("辞职了公积金能取出来吗")
    page.get_by_role("button", name="发送").click()
    alert = page.get_by_role("alert")
    alert.wait_for()
    assert "服务暂时出现故障" in alert.inner_text() and "12345" in alert.inner_text()
    assert ask_box.input_value() == "辞职了公积金能取出来吗"
    assert page.locator("#chat-log .msg").count() == 0

    page.unroute("**/api/ask")
    page.route("**/api/ask", lambda route: route.fulfill(status=429, body="{}"))
    page.get_by_role("button", name="发送").click()
    page.locator("#chat-status", has_text="提问过于频繁").wait_for()
    page.unroute("**/api/ask")
    page.route("**/api/ask", lambda route: route.abort())
    page.get_by_role("button", name="发送").click()
    page.locator("#chat-status", has_text="网络连接失败").wait_for()


def test_chat_fits_a_phone_screen(page: Any) -> None:
    page.set_viewport_size({"width": 375, "height": 740})
    page.goto("/chat")
    answer = ask(page, "辞职了公积金能取出来吗")
    assert answer.locator(".ai-label").is_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"page is {width}px wide on a 375px screen"
    send = page.get_by_role("button", name="发送").bounding_box()
    assert send is not None and send["width"] > 200  # a full-width button under the input


def test_upload_shows_progress_then_the_per_file_report(page: Any) -> None:
    log_in(page, "sysadmin")
    page.wait_for_url("**/")
    page.get_by_role("link", name="知识库").first.click()
    page.get_by_role("link", name="示范市政策问答").click()
    page.wait_for_url("**/kb/policy")
    rule = "# 示范市灵活就业人员缴存办法\n\n第八条 灵活就业人员可以自愿缴存住房公积金。\n"
    page.get_by_label("选择文件（可多选）").set_input_files(
        [
            {"name": "linghuo.md", "mimeType": "text/markdown", "buffer": rule.encode()},
            {"name": "scan.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4 broken"},
        ]
    )
    page.get_by_role("button", name="上传并导入").click()
    page.wait_for_url("**/kb/policy?job=*")
    summary = page.locator("#import-summary")
    summary.wait_for(timeout=60_000)  # kb.js polls, then reloads with the report
    assert "导入完成：1 篇文件" in summary.inner_text()
    assert "1 个文件失败" in summary.inner_text()
    failed = page.locator("table.import-report tr", has_text="scan.pdf")
    assert "失败" in failed.inner_text()
    assert "示范市灵活就业人员缴存办法" in page.locator("table.docs").inner_text()
