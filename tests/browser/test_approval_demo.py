"""辅助办理 → 预审 → 补正 → 审查 → 决定, in a real browser over the demo with its application
history: a citizen describes their situation, finds 失业保险金申领, answers the question that
decides the materials, applies with one paper missing and is told so at once; the 人社局 clerk
drafts and issues the 补正材料通知书 (.docx, AI-labelled until issued); the citizen adds the
paper by number + query code; the reviewer approves; the citizen sees the decision; and the
process dashboard shows the demo's history with its charts drawn by the locally served plotly.

The platform is built once per module (the history is a few hundred applications); the walk adds
one application to it, so figures are read from the page or the database when checked.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import docx
import pytest
from sqlalchemy import func, select

from govai.accounts.principal import cli_principal
from govai.demo import load_demo
from govai.demo.applications import load_demo_applications
from govai.platform import Platform
from govai.scenarios.approval import applications
from govai.scenarios.approval.models import Application

from .conftest import module_platform, serve
from .test_console import log_in

pytestmark = pytest.mark.browser

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
ITEM = "失业保险金申领"
MISSING = "终止或者解除劳动关系的证明"
TODAY = date(2026, 11, 20)  # a Friday
SCREENSHOT = Path(__file__).resolve().parents[2] / "docs" / "screenshot-process.png"


@pytest.fixture(scope="module")
def approval_platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Platform]:
    """The demo with its application history, "today" (Beijing) fixed for the whole module —
    the history, the walk and the dashboard — so the figures do not depend on the calendar
    package knowing next year's holidays when the tests run."""
    with (
        pytest.MonkeyPatch.context() as patch,
        module_platform(tmp_path_factory, "approval-demo") as plat,
    ):
        patch.setattr(applications, "beijing_today", lambda now=None: TODAY)
        actor = cli_principal("pytest")
        load_demo(plat, actor, messages=False)
        load_demo_applications(plat, actor)
        yield plat


@pytest.fixture(scope="module")
def approval_server(approval_platform: Platform) -> Iterator[str]:
    with serve(approval_platform) as url:
        yield url


@pytest.fixture
def live_server(approval_server: str) -> str:
    return approval_server


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    out = {}
    for name in ("sfz.pdf", "zhengming.pdf"):
        out[name] = tmp_path / name
        out[name].write_bytes(PDF)
    return out


def _staff_page(chromium: Any, base: str, username: str) -> Any:
    context = chromium.new_context(base_url=base, locale="zh-CN", accept_downloads=True)
    context.set_default_timeout(10_000)
    pg = context.new_page()
    log_in(pg, username)
    return pg


def test_guided_application_correction_review_and_decision(
    page: Any,
    chromium: Any,
    live_server: str,
    approval_platform: Platform,
    files: dict[str, Path],
    tmp_path: Path,
) -> None:
    # 1. the citizen describes the situation and finds the item
    page.goto("/")
    page.get_by_role("link", name="办事服务").first.click()
    page.get_by_label("您要办什么事？").fill("我被公司裁员了，想领失业金")
    page.get_by_role("button", name="查找事项").click()
    page.locator("#hits").get_by_role("link", name=ITEM).click()
    guide = page.locator("#checklist")
    assert "授权委托书" in guide.inner_text()  # undecided until the question is answered
    page.locator("#questions select[name='f.by_agent']").select_option("否")
    page.get_by_role("button", name="更新材料清单").click()
    checklist = page.locator("#checklist").inner_text()
    assert "居民身份证" in checklist and MISSING in checklist and "授权委托书" not in checklist

    # 2. applies with the ID card only
    form = page.locator("#apply")
    form.get_by_label("姓名").fill("刘芳")
    form.get_by_label("公民身份号码").fill("110105198003070012")
    form.get_by_label("联系电话").fill("13912345678")
    form.locator("input[name='f.contribution_months']").fill("86")
    form.locator("select[name='f.separation_reason']").select_option("用人单位解除劳动合同")
    form.locator("input[name='f.separation_date']").fill("2026-10-31")
    for name, value in (("registered_unemployed", "是"), ("reemployed", "否")):
        form.locator(f"select[name='f.{name}']").select_option(value)
    form.locator("select[name='f.receiving_pension']").select_option("否")
    assert form.locator("select[name='f.by_agent']").input_value() == "否"  # carried over
    slots = form.locator("input[type=file]")
    names = form.locator("input[name^='material.']")
    by_name = {names.nth(i).get_attribute("value"): i for i in range(names.count())}
    slots.nth(by_name["居民身份证"]).set_input_files(str(files["sfz.pdf"]))
    form.locator("input[name=promise]").check()
    form.get_by_role("button", name="提交申请").click()
    receipt = page.locator("#receipt")
    assert "待补正" in receipt.inner_text() and MISSING in receipt.inner_text()
    number = page.locator("#receipt-number").inner_text()
    code = page.locator("#receipt-code").inner_text()
    assert re.fullmatch(r"SQ\d{13}", number) and re.fullmatch(r"\d{6}", code)

    # 3. the clerk drafts the 补正材料通知书, reads it and issues it
    clerk = _staff_page(chromium, live_server, "staff")
    clerk.goto("/applications?status=needs_correction")
    clerk.get_by_role("link", name=number).click()
    assert "需补正材料" in clerk.locator("#precheck-outcome").inner_text()
    clerk.locator("#notice-form select").select_option("correction")
    clerk.get_by_role("button", name="起草文书").click()
    assert "已起草补正材料通知书" in clerk.locator(".flash").inner_text()
    with clerk.expect_download() as info:
        clerk.locator("#notices").get_by_role("link", name="补正材料通知书").click()
    drafted = tmp_path / "draft.docx"
    info.value.save_as(drafted)
    document = docx.Document(str(drafted))
    body = "\n".join(p.text for p in document.paragraphs)
    headers = "\n".join(p.text for s in document.sections for p in s.header.paragraphs)
    assert MISSING in body and "刘芳" in body
    assert "人工智能生成" in headers + body
    clerk.get_by_role("button", name="审核签发").click()
    assert "已签发" in clerk.locator("#notices").inner_text()

    # 4. the citizen adds the missing paper by number + query code
    page.goto("/track")
    lookup = page.locator("#lookup")
    lookup.get_by_label("申请编号").fill(number)
    lookup.get_by_label("查询码").fill(code)
    lookup.get_by_role("button", name="查询").click()
    assert MISSING in page.locator("#correction").inner_text()
    page.locator("#resubmit input[type=file]").first.set_input_files(str(files["zhengming.pdf"]))
    page.get_by_role("button", name="提交补正").click()
    assert "审查中" in page.locator("#resubmit-done").inner_text()
    assert "审查中" in page.locator("#track-status").inner_text()

    # 5. the reviewer reads the report (求职要求 is for a person) and approves
    reviewer = _staff_page(chromium, live_server, "reviewer")
    reviewer.goto("/applications?status=under_review")
    reviewer.get_by_role("link", name=number).click()
    assert "有求职要求" in reviewer.locator("#precheck").inner_text()
    reviewer.locator("#decide-form select[name=decision]").select_option("approve")
    reviewer.get_by_role("button", name="作出决定").click()
    assert "已办结（准予）" in reviewer.locator("#app-status").inner_text()
    events = reviewer.locator("#events").inner_text()
    for stage in ("申请", "预审", "补正", "受理", "决定"):
        assert stage in events

    # 6. the citizen sees the decision
    page.goto("/track")
    page.locator("#lookup").get_by_label("申请编号").fill(number)
    page.locator("#lookup").get_by_label("查询码").fill(code)
    page.locator("#lookup").get_by_role("button", name="查询").click()
    assert "已办结（准予）" in page.locator("#track-status").inner_text()
    with approval_platform.db.read() as session:
        row = session.execute(select(Application).where(Application.number == number)).scalar_one()
        assert row.status == "approved" and row.corrections == 1 and row.decided_by == "reviewer"
    for pg in (clerk, reviewer):
        pg.context.close()


def test_the_process_dashboard_shows_the_demo_history(
    page: Any, approval_platform: Platform, tmp_path: Path
) -> None:
    """GOVAI_SCREENSHOT=1 also refreshes the README's screenshot of this page."""
    page.set_viewport_size({"width": 1280, "height": 900})
    log_in(page, "sysadmin")
    page.goto("/process")
    table = page.locator("#process-table")
    total_row = table.locator("tr.total")
    with approval_platform.db.read() as session:
        volume = session.execute(select(func.count(Application.id))).scalar_one()
    assert total_row.locator("td").nth(1).inner_text() == str(volume)
    assert volume >= 100  # the demo's history, not an empty page
    for item in (ITEM, "高龄津贴申领", "住房公积金提取", "居住证申领"):
        assert item in table.inner_text()
    bottlenecks = table.locator("td.bottleneck").all_inner_texts()
    assert any(b.strip() != "—" for b in bottlenecks)
    page.wait_for_selector("#chart-stages[data-drawn='1']")
    page.wait_for_selector("#chart-volume[data-drawn='1']")
    assert page.locator("#chart-stages svg.main-svg").count() >= 1
    assert page.locator("#due tbody tr").count() >= 1  # overdue / near-due applications
    shot = tmp_path / "process.png"
    page.screenshot(path=str(shot), full_page=False)
    assert shot.stat().st_size > 10_000
    if os.environ.get("GOVAI_SCREENSHOT"):
        SCREENSHOT.write_bytes(shot.read_bytes())
    page.select_option("select[name=group_by]", "department")
    page.get_by_role("button", name="统计").click()
    assert "示范市民政局" in page.locator("#process-table").inner_text()
