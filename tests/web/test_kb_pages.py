"""The knowledge-base console pages by role: who sees which knowledge base and document, who may
create, upload, delete and edit the lexicon, and what the upload and 资料检索 pages show."""

from __future__ import annotations

import re
import time
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import update

from govai.accounts.models import User
from govai.classification import Level
from govai.platform import Platform

from .conftest import ClientFactory, ConsoleClient
from .kb_content import INTERNAL_KB, PUBLIC_KB, UPLOAD_KB, load_kb_content


@pytest.fixture
def content(demo_platform: Platform) -> Platform:
    load_kb_content(demo_platform)
    return demo_platform


def wait_for_job(client: ConsoleClient, kb: str, job_id: str) -> dict[str, Any]:
    url = f"/kb/{kb}/import/{job_id}"
    deadline = time.monotonic() + 60
    while True:
        response = client.get(url, headers={"Accept": "application/json"})
        assert response.status_code == 200, response.text
        job: dict[str, Any] = response.json()
        if job["state"] != "running":
            return job
        assert time.monotonic() < deadline, f"import still running after 60 s: {job}"
        time.sleep(0.05)


def upload(client: ConsoleClient, kb: str, files: list[tuple[str, bytes]]) -> str:
    response = client.post(
        f"/kb/{kb}/import",
        data={"csrf_token": client.csrf},
        files=[("files", (name, data)) for name, data in files],
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    location = response.headers["location"]
    assert urlsplit(location).path == f"/kb/{kb}"
    return parse_qs(urlsplit(location).query)["job"][0]


# ---------------------------------------------------------------- seeing


def test_anonymous_is_sent_to_login(app_client: ClientFactory, content: Platform) -> None:
    response = app_client().get("/kb", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login")


def test_staff_of_another_org_cannot_see_an_internal_kb(
    app_client: ClientFactory, content: Platform
) -> None:
    staff = app_client("staff")  # 人社局: the 公积金中心's knowledge base is not in its line
    listing = staff.get("/kb").text
    assert f'href="/kb/{PUBLIC_KB}"' in listing and f'href="/kb/{UPLOAD_KB}"' in listing
    assert INTERNAL_KB not in listing and "公积金中心内部制度" not in listing
    page = staff.get(f"/kb/{INTERNAL_KB}")
    assert page.status_code == 404 and "无权使用" in page.text
    search = staff.get(f"/kb/{INTERNAL_KB}/search", params={"q": "值班长交接班"})
    assert search.status_code == 404 and "值班日志" not in search.text
    district = app_client("east-staff")
    assert district.get(f"/kb/{INTERNAL_KB}").status_code == 404
    assert UPLOAD_KB not in district.get("/kb").text  # 区县 staff are below the city, not in 人社局


def test_sysadmin_sees_every_kb_with_its_counts(
    app_client: ClientFactory, content: Platform
) -> None:
    html = app_client("sysadmin").get("/kb").text
    row = re.search(rf'<tr>\s*<td><a href="/kb/{PUBLIC_KB}">.*?</tr>', html, re.S)
    assert row, html
    cells = re.findall(r"<td[^>]*>(.*?)</td>", row.group(0), re.S)
    assert cells[1] == "示范市" and "公众可用" in cells[2]
    assert cells[4] == "3"  # documents: the rule, its 2012 version, the desk guide
    assert INTERNAL_KB in html and UPLOAD_KB in html


def test_documents_page_shows_provenance_within_clearance(
    app_client: ClientFactory, content: Platform
) -> None:
    html = app_client("staff").get(f"/kb/{PUBLIC_KB}").text
    assert "示范市住房公积金提取管理办法" in html
    assert "示范公积金〔2023〕3号" in html and "2023-05-01" in html
    assert '<span class="status current">现行有效</span>' in html
    assert '<span class="status amended">已修改</span>' in html
    assert "公积金窗口核验指引" in html  # 内部, and staff hold 内部 clearance
    assert 'action="/kb/citizen/import"' not in html  # owned by 示范市: staff of 人社局 only read


# ---------------------------------------------------------------- creating


def test_create_form_only_for_admins_and_within_their_subtree(
    app_client: ClientFactory, content: Platform
) -> None:
    assert 'action="/kb"' not in app_client("staff").get("/kb").text
    dept = app_client("deptadmin")
    html = dept.get("/kb").text
    form = html[html.index('id="create"') :]
    options = re.findall(r'<option value="([^"]+)"', form.split("</select>")[0])
    assert options == ["city-hrss"]
    refused = dept.post(
        "/kb",
        data={"csrf_token": dept.csrf, "name": "hpf-x", "title": "越权", "org": "city-hpf"},
    )
    assert refused.status_code == 403 and "无权为该机构新建知识库" in refused.text
    assert 'value="越权"' in refused.text  # the input is kept
    staff = app_client("staff")
    denied = staff.post("/kb", data={"csrf_token": staff.csrf, "name": "x1", "title": "x"})
    assert denied.status_code == 403


def test_deptadmin_creates_a_kb_and_lands_on_it(
    app_client: ClientFactory, content: Platform
) -> None:
    dept = app_client("deptadmin")
    response = dept.post(
        "/kb",
        data={
            "csrf_token": dept.csrf,
            "name": "hrss-faq",
            "title": "社保常见问题",
            "org": "city-hrss",
            "level": "内部",
        },
        follow_redirects=False,
    )
    assert response.status_code == 303 and response.headers["location"] == "/kb/hrss-faq"
    page = dept.get("/kb/hrss-faq").text
    assert "已新建知识库 hrss-faq（社保常见问题）" in page
    assert 'action="/kb/hrss-faq/import"' in page  # a dept admin of the owning org manages it
    bad = dept.post(
        "/kb", data={"csrf_token": dept.csrf, "name": "Bad Name", "title": "x", "org": "city-hrss"}
    )
    assert bad.status_code == 422 and "不合规" in bad.text


# ---------------------------------------------------------------- uploading


def test_upload_imports_in_the_background_and_reports_per_file(
    app_client: ClientFactory, content: Platform
) -> None:
    staff = app_client("staff")
    page = staff.get(f"/kb/{UPLOAD_KB}").text
    assert 'enctype="multipart/form-data"' in page and "multiple" in page
    rule = (
        "# 失业保险金申领办法\n\n第十条 失业人员应当在终止劳动关系之日起六十日内申领失业保险金。\n"
    )
    job_id = upload(
        staff,
        UPLOAD_KB,
        [
            ("unemployment.md", rule.encode("utf-8")),
            ("scan.pdf", b"%PDF-1.4 not really a pdf"),
            ("notes.doc", b"\xd0\xcf\x11\xe0 old word file"),
        ],
    )
    job = wait_for_job(staff, UPLOAD_KB, job_id)
    assert job["state"] == "done", job
    assert job["stage"] == "建索引" and job["done"] == job["total"] == 1
    files = {f["file"]: f for f in job["report"]["files"]}
    assert files["unemployment.md"]["added"] == 1 and not files["unemployment.md"]["error"]
    assert files["scan.pdf"]["error"] and files["notes.doc"]["error"]
    assert "docx" in files["notes.doc"]["error"]  # says how to convert it
    assert job["report"]["failed"] == 2

    html = staff.get(f"/kb/{UPLOAD_KB}", params={"job": job_id}).text
    assert "导入完成：1 篇文件" in html and "2 个文件失败" in html
    assert "失业保险金申领办法" in html  # now listed among the documents
    assert files["notes.doc"]["error"] in html.replace("&#34;", '"').replace("&#39;", "'")
    found = staff.get(f"/kb/{UPLOAD_KB}/search", params={"q": "失业保险金 申领"}).text
    assert "《失业保险金申领办法》第十条" in found


def test_upload_needs_files_and_the_right_to_manage(
    app_client: ClientFactory, content: Platform
) -> None:
    staff = app_client("staff")
    empty = staff.post(f"/kb/{UPLOAD_KB}/import", data={"csrf_token": staff.csrf})
    assert empty.status_code == 422 and "请选择要导入的文件" in empty.text
    not_owner = staff.post(
        f"/kb/{PUBLIC_KB}/import",
        data={"csrf_token": staff.csrf},
        files=[("files", ("a.md", b"# a\n\ntext"))],
    )
    assert not_owner.status_code == 403 and "无权维护" in not_owner.text
    reviewer = app_client("reviewer")
    denied = reviewer.post(
        f"/kb/{UPLOAD_KB}/import",
        data={"csrf_token": reviewer.csrf},
        files=[("files", ("a.md", b"# a\n\ntext"))],
    )
    assert denied.status_code == 403
    forged = staff.post(
        f"/kb/{UPLOAD_KB}/import",
        data={"csrf_token": "forged"},
        files=[("files", ("a.md", b"# a\n\ntext"))],
    )
    assert forged.status_code == 403 and "CSRF" in forged.text


def test_an_import_job_is_visible_only_to_whoever_started_it(
    app_client: ClientFactory, content: Platform
) -> None:
    staff = app_client("staff")
    job_id = upload(staff, UPLOAD_KB, [("a.md", "# 甲\n\n第一条 甲乙丙。".encode())])
    wait_for_job(staff, UPLOAD_KB, job_id)
    dept = app_client("deptadmin")
    other = dept.get(f"/kb/{UPLOAD_KB}/import/{job_id}", headers={"Accept": "application/json"})
    assert other.status_code == 404
    assert other.json()["error"]["code"] == "not_found"


# ---------------------------------------------------------------- 资料检索


def test_search_page_cites_highlights_and_respects_clearance(
    app_client: ClientFactory, content: Platform
) -> None:
    staff = app_client("staff")
    html = staff.get(f"/kb/{PUBLIC_KB}/search", params={"q": "辞职 提取 公积金"}).text
    assert "《示范市住房公积金提取管理办法》第二十四条" in html
    assert "第三章 提取" in html  # the chapter
    assert "<mark>辞职</mark>" in html
    first = html.index("第二十四条")
    assert html.index("现行有效", first) < html.index("已修改", first)  # current text ranks first
    guide = staff.get(f"/kb/{PUBLIC_KB}/search", params={"q": "绿色通道编号"}).text
    assert "《公积金窗口核验指引》第三条" in guide
    empty = staff.get(f"/kb/{PUBLIC_KB}/search").text
    assert "找到" not in empty and 'name="q"' in empty


def test_a_user_cleared_for_public_material_only_never_sees_internal_documents(
    app_client: ClientFactory, content: Platform
) -> None:
    with content.db.session() as session:
        session.execute(
            update(User).where(User.username == "staff").values(clearance=int(Level.PUBLIC))
        )
    staff = app_client("staff")
    guide = staff.get(f"/kb/{PUBLIC_KB}/search", params={"q": "绿色通道编号"}).text
    assert "核验指引" not in guide and "不高于“公开”" in guide
    assert "公积金窗口核验指引" not in staff.get(f"/kb/{PUBLIC_KB}").text
    assert "示范市住房公积金提取管理办法" in staff.get(f"/kb/{PUBLIC_KB}").text


# ---------------------------------------------------------------- lexicon and deleting


def test_lexicon_add_and_remove(app_client: ClientFactory, content: Platform) -> None:
    assert app_client("staff").get("/kb/lexicon").status_code == 403
    dept = app_client("deptadmin")
    added = dept.post("/kb/lexicon", data={"csrf_token": dept.csrf, "terms": "灵活就业 打零工"})
    assert "已新增同义词组：灵活就业 打零工" in added.text
    assert "<strong>灵活就业</strong>" in added.text
    group_id = re.search(r'action="/kb/lexicon/(\d+)/remove"', added.text)
    assert group_id
    single = dept.post("/kb/lexicon", data={"csrf_token": dept.csrf, "terms": "孤词"})
    assert single.status_code == 422 and "至少需要两个词" in single.text
    removed = dept.post(f"/kb/lexicon/{group_id.group(1)}/remove", data={"csrf_token": dept.csrf})
    assert f"已删除同义词组 {group_id.group(1)}" in removed.text
    assert "<strong>灵活就业</strong>" not in removed.text


def test_delete_needs_the_name_typed_and_an_admin(
    app_client: ClientFactory, content: Platform
) -> None:
    staff = app_client("staff")
    assert 'id="delete"' not in staff.get(f"/kb/{UPLOAD_KB}").text
    dept = app_client("deptadmin")
    wrong = dept.post(f"/kb/{UPLOAD_KB}/delete", data={"csrf_token": dept.csrf, "confirm": "x"})
    assert wrong.status_code == 422 and "请在确认框中输入知识库名称" in wrong.text
    done = dept.post(
        f"/kb/{UPLOAD_KB}/delete", data={"csrf_token": dept.csrf, "confirm": UPLOAD_KB}
    )
    assert "已删除知识库 hrss-uploads" in done.text
    assert dept.get(f"/kb/{UPLOAD_KB}").status_code == 404


# ---------------------------------------------------------------- the citizen chat page


def test_chat_page_offers_the_kbs_the_visitor_may_use(
    app_client: ClientFactory, content: Platform
) -> None:
    anonymous = app_client().get("/chat", params={"kb": PUBLIC_KB}).text
    options = re.findall(r'<option value="([^"]+)"( selected)?', anonymous)
    names = [name for name, _ in options]
    assert PUBLIC_KB in names
    assert INTERNAL_KB not in names and UPLOAD_KB not in names
    assert dict(options)[PUBLIC_KB] == " selected"
    assert 'src="/static/chat.js"' in anonymous and 'role="log"' in anonymous
    assert 'aria-live="polite"' in anonymous and "新对话" in anonymous
    staff = app_client("staff").get("/chat").text
    assert f'<option value="{UPLOAD_KB}"' in staff and "（内部）" in staff
    assert app_client().get("/static/chat.js").status_code == 200


def test_login_and_home_link_to_the_citizen_chat(app_client: ClientFactory) -> None:
    assert 'href="/chat"' in app_client().get("/login").text
    assert 'href="/chat"' in app_client().get("/").text
    assert 'href="/chat"' in app_client("staff").get("/").text
