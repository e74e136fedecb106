"""辅助文书起草 and 公文校对 in a real browser: a window clerk drafts a 请示 from the form, sees its
pages drawn, retitles it, downloads the labelled .docx, proofreads the draft, and proofreads a
file of her own with a 发文字号 typed the wrong way."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path
from typing import Any

import docx
import pytest

from govai.documents.doctypes import KINDS
from govai.gateway.labels import AIGC_KEY
from govai.scenarios.drafting.service import AI_LABEL

from .test_console import log_in

pytestmark = pytest.mark.browser

NEW_TITLE = "示范市人力资源和社会保障局关于简化退休人员社保待遇领取手续的请示"


def _loaded_images(page: Any) -> list[int]:
    """The natural width of each preview image once every one has finished loading."""
    page.wait_for_function(
        "() => Array.from(document.querySelectorAll('#pages img')).every(i => i.complete)"
    )
    widths: list[int] = page.eval_on_selector_all(
        "#pages img", "images => images.map(i => i.naturalWidth)"
    )
    return widths


def _header_text(data: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        headers = [z.read(n).decode() for n in z.namelist() if n.startswith("word/header")]
    return "".join(re.findall(r"<w:t(?: [^>]*)?>([^<]*)</w:t>", "".join(headers)))


def test_staff_drafts_previews_edits_downloads_and_proofreads(page: Any, tmp_path: Path) -> None:
    page.set_viewport_size({"width": 1280, "height": 900})
    log_in(page, "staff")
    page.wait_for_url("**/")
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="文书起草").click()
    page.wait_for_url("**/drafting")

    form = page.locator("#draft-form")
    assert form.get_by_label("发文机关（全称）").input_value() == "示范市人力资源和社会保障局"
    form.get_by_label("文种").select_option("纪要")
    assert page.locator("#attendees-field").is_visible()
    form.get_by_label("文种").select_option("请示")
    help_text = page.locator("#kind-help").inner_text()
    assert KINDS["请示"].use in help_text and "上行文" in help_text
    assert not page.locator("#attendees-field").is_visible()  # only a 纪要 lists attendees
    form.get_by_label("事由", exact=True).fill("简化退休人员社保待遇领取手续")
    form.get_by_label("目的、背景或依据").fill("为减少退休人员跑腿，推行待遇领取资格静默认证")
    form.get_by_label("主送机关").fill("示范市人民政府")
    form.get_by_label("要点（每行一条）").fill(
        "退休人员无需每年到窗口现场认证\n通过大数据比对完成领取资格认证"
    )
    form.get_by_label("联系人及电话").fill("李华，0571-87654321")
    form.get_by_role("button", name="起草").click()
    page.wait_for_url(re.compile(r"/drafting/\d+$"))
    draft_url = page.url

    assert "已起草请示" in page.get_by_role("status").inner_text()
    assert page.locator("#ai-label").inner_text() == AI_LABEL
    assert page.locator("#draft-type").inner_text() == "请示"
    title = page.locator("#draft-title").inner_text()
    assert title.endswith("的请示") and "简化退休人员社保待遇领取手续" in title
    widths = _loaded_images(page)
    assert widths and all(w > 0 for w in widths), widths
    first = page.locator("#pages img").first.bounding_box()
    assert first["height"] > first["width"] > 200  # an A4 page, portrait, drawn on screen

    edit = page.locator("#edit-form")
    assert edit.get_by_label("标题").input_value() == title
    edit.get_by_label("标题").fill(NEW_TITLE)
    edit.get_by_role("button", name="保存修改").click()
    page.wait_for_url(draft_url)
    assert "修改已保存" in page.get_by_role("status").inner_text()
    assert page.locator("#draft-title").inner_text() == NEW_TITLE
    assert all(w > 0 for w in _loaded_images(page))

    with page.expect_download() as info:
        page.locator("#download-link").click()
    download = info.value
    assert download.suggested_filename == NEW_TITLE + ".docx"
    data = Path(download.path()).read_bytes()
    paragraphs = [p.text for p in docx.Document(io.BytesIO(data)).paragraphs]
    assert NEW_TITLE in paragraphs
    assert "示范市人民政府：" in paragraphs
    assert any("通过大数据比对完成领取资格认证" in p for p in paragraphs)
    assert AI_LABEL in _header_text(data)
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        assert z.read("docProps/custom.xml").decode().count(f'name="{AIGC_KEY}"') == 1

    page.get_by_role("button", name="校对此稿").click()
    page.wait_for_url(draft_url + "/proofread#proofread")
    assert page.locator("#proofread").is_visible()
    assert re.match(r"共 \d+ 段", page.locator("#proof-summary").inner_text())

    planted = docx.Document()
    for text in (
        "示范市人力资源和社会保障局文件",
        "示政发[2026]第05号",
        "示范市人力资源和社会保障局关于做好退休人员待遇认证工作的通知",
        "各区人力资源和社会保障局：",
        "现就做好的的有关工作通知如下：",
        "示范市人力资源和社会保障局",
        "2026年11月21日",
    ):
        planted.add_paragraph(text)
    path = tmp_path / "认证通知.docx"
    planted.save(str(path))
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="公文校对").click()
    page.wait_for_url("**/proofread")
    page.get_by_label(re.compile("公文文件")).set_input_files(str(path))
    page.locator("#proofread-upload").get_by_role("button", name="校对").click()
    page.wait_for_url("**/proofread")
    assert page.locator("#proofread h2").inner_text() == "校对结果：认证通知.docx"
    rows = page.locator("#findings tbody tr").all_inner_texts()
    assert any("示政发[2026]第05号" in r and "示政发〔2026〕5号" in r for r in rows)
    assert any("的的" in r for r in rows)
    assert page.locator("#findings tbody tr").first.locator(".tag").inner_text() == "错误"
