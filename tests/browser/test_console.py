"""The console in a real browser: log in, create a user, add a sensitive word, read and verify
the audit trail."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from govai.demo import DEMO_PASSWORD

pytestmark = pytest.mark.browser

SCREENSHOT = Path(__file__).resolve().parents[2] / "docs" / "screenshot-console.png"


def log_in(page: Any, username: str, password: str = DEMO_PASSWORD) -> None:
    page.goto("/login")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()


def test_wrong_password_shows_the_chinese_error(page: Any) -> None:
    log_in(page, "staff", "definitely-wrong")
    alert = page.get_by_role("alert")
    assert "用户名或密码错误" in alert.inner_text()
    assert page.get_by_label("用户名").input_value() == "staff"


def test_secadmin_creates_a_user_and_sees_it_listed(page: Any) -> None:
    log_in(page, "secadmin")
    page.wait_for_url("**/")
    assert "钱安全保密管理员" in page.locator("header").inner_text()
    page.get_by_role("link", name="用户管理").first.click()
    page.wait_for_url("**/admin/users")
    form = page.locator("#create form")
    form.get_by_label("用户名").fill("browser-user")
    form.get_by_label("姓名").fill("浏览器测试员")
    form.get_by_label("所属机构").select_option("city-hpf")
    form.get_by_label("工作人员").check()
    form.get_by_label("初始密码").fill("Browser@2026x")
    form.get_by_role("button", name="新建账号").click()
    page.wait_for_url("**/admin/users")
    assert "已新建账号 browser-user" in page.get_by_role("status").inner_text()
    row = page.locator("tr", has_text="browser-user")
    assert "浏览器测试员" in row.inner_text()
    assert "示范市住房公积金管理中心" in row.inner_text()


def test_role_conflict_is_shown_in_the_browser_form(page: Any) -> None:
    log_in(page, "secadmin")
    page.goto("/admin/users")
    form = page.locator("#create form")
    form.get_by_label("用户名").fill("two-hats")
    form.get_by_label("系统管理员").check()
    form.get_by_label("安全审计员").check()
    form.get_by_label("初始密码").fill("Browser@2026x")
    form.get_by_role("button", name="新建账号").click()
    assert "三员分立" in page.get_by_role("alert").inner_text()
    assert page.locator("#create").get_by_label("用户名").input_value() == "two-hats"
    assert page.locator("#create").get_by_label("安全审计员").is_checked()


def test_secadmin_adds_a_sensitive_word_and_sees_it_listed(page: Any) -> None:
    log_in(page, "secadmin")
    page.wait_for_url("**/")
    page.get_by_role("link", name="敏感词").first.click()
    page.wait_for_url("**/admin/words")
    form = page.locator("#add form")
    form.get_by_label("词库").fill("browser")
    form.get_by_label("词语").fill("浏览器测试词")
    form.get_by_label("类别").fill("测试")
    form.get_by_label("处置方式").select_option("review")
    form.get_by_role("button", name="新增").click()
    page.wait_for_url("**/admin/words?list=browser")
    assert "已新增敏感词“浏览器测试词”" in page.get_by_role("status").inner_text()
    row = page.locator("table.words tr", has_text="浏览器测试词")
    assert "browser" in row.inner_text() and "人工复核" in row.inner_text()


def test_auditor_filters_the_trail_and_verifies_the_chain(page: Any) -> None:
    log_in(page, "auditor")
    page.wait_for_url("**/")
    page.get_by_role("link", name="审计日志").first.click()
    page.get_by_label("操作类型（前缀）").fill("login.")
    page.get_by_role("button", name="查询").click()
    page.wait_for_url("**/audit?*action=login.*")
    actions = page.locator("table.audit tbody td code").all_inner_texts()
    assert actions and all(a.startswith("login.") for a in actions)
    page.get_by_role("button", name="校验哈希链").click()
    result = page.locator("#verify-result")
    assert "哈希链校验通过" in result.inner_text()
    assert page.get_by_label("操作类型（前缀）").input_value() == "login."


def test_logout(page: Any) -> None:
    log_in(page, "staff")
    page.wait_for_url("**/")
    page.get_by_role("button", name="退出登录").click()
    page.wait_for_url("**/login")
    page.goto("/account")
    page.wait_for_url("**/login?next=/account")


def test_home_page_shows_the_roles_pages(page: Any, tmp_path: Path) -> None:
    """The rendered home page of the security admin; GOVAI_SCREENSHOT=1 also refreshes the
    README's screenshot from it."""
    page.set_viewport_size({"width": 1280, "height": 720})
    log_in(page, "secadmin")
    page.wait_for_url("**/")
    cards = page.locator("main").inner_text()
    assert all(name in cards for name in ("用户管理", "模型服务", "敏感词", "我的账号"))
    assert "审计日志" not in cards and "机构管理" not in cards
    shot = tmp_path / "home.png"
    page.screenshot(path=str(shot), full_page=False)
    assert shot.stat().st_size > 10_000
    if os.environ.get("GOVAI_SCREENSHOT"):
        SCREENSHOT.parent.mkdir(exist_ok=True)
        SCREENSHOT.write_bytes(shot.read_bytes())
