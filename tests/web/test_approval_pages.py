"""办事服务 and 办件审批 over the demo catalogue: a citizen finds the item, answers the questions
that decide the materials, applies with uploads, is told everything missing at once, corrects by
number + query code; the department's clerk and reviewer see the pre-check report, draft and
issue notices and decide; the process page, the rule-file page and the holiday table."""

from __future__ import annotations

import dataclasses
import io
import json
import re
import zipfile
from datetime import date

import pytest
from sqlalchemy import select
from starlette.testclient import TestClient

from govai.accounts.principal import cli_principal
from govai.classification import Level
from govai.gateway import service as providers
from govai.gateway.labels import EXPLICIT_LABEL
from govai.platform import Platform
from govai.scenarios.approval import applications
from govai.scenarios.approval.models import Application, ApplicationFile, Notice
from govai.testing.fake_openai import FakeOpenAI
from govai.web.app import create_app

from .conftest import ClientFactory, ConsoleClient, page_csrf

UNEMPLOYMENT = "SF-SYBX-001"
TODAY = date(2026, 11, 20)  # a Friday; deadlines need years the working-day calendar knows
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
FACTS = {
    "f.contribution_months": "130",
    "f.separation_reason": "劳动合同期满终止",
    "f.separation_date": "2026-10-30",
    "f.registered_unemployed": "是",
    "f.reemployed": "否",
    "f.receiving_pension": "否",
    "f.by_agent": "否",
}
ZHANG = {"name": "张三", "id_number": "110105198003070012", "phone": "13800138000"}


@pytest.fixture(autouse=True)
def _fixed_today(monkeypatch: pytest.MonkeyPatch) -> None:
    """The pages' "today" (Beijing) fixed, so the tests do not depend on the calendar package
    knowing next year's holidays when they run."""
    monkeypatch.setattr(applications, "beijing_today", lambda now=None: TODAY)


def _apply(
    client: ConsoleClient, files: dict[str, tuple[str, bytes]], **extra: str
) -> tuple[int, str]:
    """Fill in the item's online form (materials by name) and submit it."""
    page = client.get(f"/services/{UNEMPLOYMENT}").text
    csrf = page_csrf(page)
    slots = dict(re.findall(r'name="material\.(\d+)" value="([^"]+)"', page))
    by_name = {name: idx for idx, name in slots.items()}
    data = {"csrf_token": csrf, "promise": "yes", **ZHANG, **FACTS, **extra}
    upload = {}
    for material, (filename, content) in files.items():
        idx = by_name[material]
        data[f"material.{idx}"] = material
        upload[f"file.{idx}"] = (filename, content, "application/octet-stream")
    response = client.post(f"/services/{UNEMPLOYMENT}/apply", data=data, files=upload or None)
    return response.status_code, response.text


def _receipt(html: str) -> tuple[str, str]:
    number = re.search(r'id="receipt-number">([^<]+)<', html)
    code = re.search(r'id="receipt-code">([^<]+)<', html)
    assert number and code, html[:2000]
    return number.group(1), code.group(1)


def test_search_and_the_guide_ask_only_what_decides_the_materials(
    app_client: ClientFactory,
) -> None:
    citizen = app_client()
    found = citizen.get("/services", params={"q": "公司裁员我失业了，想领失业金"}).text
    assert f'href="/services/{UNEMPLOYMENT}"' in found and "可在线预审" in found
    nothing = citizen.get("/services", params={"q": "申请火星移民签证"}).text
    assert "没有找到" in nothing
    guide = citizen.get(f"/services/{UNEMPLOYMENT}").text
    assert "是否委托他人代为办理" in guide  # the question that decides 授权委托书
    assert "委托他人代为办理" in guide and "时需要" in guide
    agent = citizen.get(f"/services/{UNEMPLOYMENT}", params={"f.by_agent": "是"}).text
    checklist = agent.split('id="checklist"')[1].split("</section>")[0]
    assert "<strong>授权委托书</strong>" in checklist
    assert "是否委托他人代为办理" not in agent.split('id="checklist"')[0]  # answered
    alone = citizen.get(f"/services/{UNEMPLOYMENT}", params={"f.by_agent": "否"}).text
    assert "授权委托书" not in alone.split('id="checklist"')[1].split("</section>")[0]
    assert citizen.get("/services/NO-SUCH-ITEM").status_code == 404


def test_apply_correct_and_track(app_client: ClientFactory, demo_platform: Platform) -> None:
    citizen = app_client()
    status, html = _apply(citizen, {"居民身份证": ("sfz.pdf", PDF)})
    assert status == 200, html[:3000]
    assert "待补正" in html and "终止或者解除劳动关系的证明" in html
    assert "以工作人员审核结果为准" in html  # the pre-check is labelled as the system's
    number, code = _receipt(html)

    csrf = page_csrf(citizen.get("/track").text)
    wrong = citizen.post(
        "/track", data={"number": number, "query_code": "000000x", "csrf_token": csrf}
    )
    assert wrong.status_code == 404 and "查询码不正确" in wrong.text
    track = citizen.post("/track", data={"number": number, "query_code": code, "csrf_token": csrf})
    assert track.status_code == 200 and 'id="resubmit"' in track.text
    slot = re.search(r'name="material\.(\d+)" value="终止或者解除劳动关系的证明"', track.text)
    assert slot
    done = citizen.post(
        "/track/resubmit",
        data={
            "number": number,
            "query_code": code,
            "csrf_token": csrf,
            f"material.{slot.group(1)}": "终止或者解除劳动关系的证明",
        },
        files={f"file.{slot.group(1)}": ("zhengming.png", PNG, "image/png")},
    )
    assert done.status_code == 200, done.text[:2000]
    assert "审查中" in done.text and 'id="resubmit-done"' in done.text
    with demo_platform.db.read() as session:
        row = session.execute(select(Application).where(Application.number == number)).scalar_one()
        assert row.status == "under_review" and row.channel == "online"
        stored = session.execute(
            select(ApplicationFile.material, ApplicationFile.filename).where(
                ApplicationFile.application_id == row.id
            )
        ).all()
    assert sorted(stored) == [
        ("居民身份证", "sfz.pdf"),
        ("终止或者解除劳动关系的证明", "zhengming.png"),
    ]


def test_a_refused_form_keeps_the_input_and_stores_nothing(
    app_client: ClientFactory, demo_platform: Platform
) -> None:
    citizen = app_client()
    with demo_platform.db.read() as session:
        before = len(session.execute(select(Application.id)).all())
    # a photo renamed to .pdf, and a type the material does not accept
    status, html = _apply(
        citizen,
        {"居民身份证": ("sfz.pdf", PNG), "终止或者解除劳动关系的证明": ("zm.exe", b"MZ\x90")},
    )
    assert status == 422
    assert "申请未提交" in html and "居民身份证" in html and "须为 PDF、JPG、PNG 格式" in html
    assert 'value="张三"' in html and 'value="130"' in html  # nothing typed is lost
    status, html = _apply(citizen, {}, promise="")
    assert status == 422 and "信用承诺" in html
    page = citizen.get(f"/services/{UNEMPLOYMENT}").text
    no_csrf = citizen.post(
        f"/services/{UNEMPLOYMENT}/apply", data={**ZHANG, **FACTS, "promise": "yes"}
    )
    assert no_csrf.status_code == 403 and "csrf-token" in page
    with demo_platform.db.read() as session:
        assert len(session.execute(select(Application.id)).all()) == before


def _submitted(app_client: ClientFactory) -> tuple[int, str]:
    status, html = _apply(
        app_client(),
        {"居民身份证": ("sfz.pdf", PDF), "终止或者解除劳动关系的证明": ("zm.pdf", PDF)},
    )
    assert status == 200 and "审查中" in html, html[:2000]
    return status, _receipt(html)[0]


def _docx_text(data: bytes) -> str:
    """The text of every part of a .docx (body, headers, footers)."""
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return "".join(z.read(n).decode() for n in z.namelist() if n.startswith("word/"))


def _app_id(platform: Platform, number: str) -> int:
    with platform.db.read() as session:
        return int(
            session.execute(select(Application.id).where(Application.number == number)).scalar_one()
        )


def test_staff_review_notices_and_decision(
    app_client: ClientFactory, demo_platform: Platform
) -> None:
    _, number = _submitted(app_client)
    app_id = _app_id(demo_platform, number)
    staff = app_client("staff")
    listing = staff.get("/applications").text
    assert number in listing and "审查中" in listing
    detail = staff.get(f"/applications/{app_id}").text
    assert "预审报告" in detail and "有求职要求" in detail and "人工核实" in detail
    assert "110105198003070012" in detail and "sfz.pdf" in detail
    assert 'id="decide-form"' not in detail  # a clerk does not decide

    drafted = staff.post(
        f"/applications/{app_id}/notices", data={"kind": "acceptance", "csrf_token": staff.csrf}
    )
    assert drafted.status_code == 200 and "已起草受理通知书" in drafted.text
    with demo_platform.db.read() as session:
        notice_id = session.execute(
            select(Notice.id).where(Notice.application_id == app_id)
        ).scalar_one()
    docx = staff.get(f"/applications/{app_id}/notices/{notice_id}")
    assert docx.status_code == 200 and "wordprocessingml" in docx.headers["content-type"]
    assert "人工智能生成" in _docx_text(docx.content) and "受理通知书" in _docx_text(docx.content)
    issued = staff.post(
        f"/applications/{app_id}/notices/{notice_id}/issue", data={"csrf_token": staff.csrf}
    )
    assert "已签发" in issued.text
    final = staff.get(f"/applications/{app_id}/notices/{notice_id}").content
    assert (
        "人工智能生成" not in zipfile.ZipFile(io.BytesIO(final)).read("word/document.xml").decode()
    )

    assert (
        staff.post(
            f"/applications/{app_id}/decide", data={"decision": "approve", "csrf_token": staff.csrf}
        ).status_code
        == 403
    )
    reviewer = app_client("reviewer")
    refused = reviewer.post(
        f"/applications/{app_id}/decide", data={"decision": "deny", "csrf_token": reviewer.csrf}
    )
    assert refused.status_code == 422 and "须写明理由" in refused.text
    approved = reviewer.post(
        f"/applications/{app_id}/decide", data={"decision": "approve", "csrf_token": reviewer.csrf}
    )
    assert approved.status_code == 200 and "已办结（准予）" in approved.text
    again = reviewer.post(
        f"/applications/{app_id}/decide", data={"decision": "approve", "csrf_token": reviewer.csrf}
    )
    assert again.status_code == 409 and "不能作出决定" in again.text


def test_who_sees_an_application(app_client: ClientFactory, demo_platform: Platform) -> None:
    _, number = _submitted(app_client)
    app_id = _app_id(demo_platform, number)
    with demo_platform.db.read() as session:
        file_id = session.execute(
            select(ApplicationFile.id).where(ApplicationFile.application_id == app_id).limit(1)
        ).scalar_one()
    sysadmin = app_client("sysadmin")
    page = sysadmin.get(f"/applications/{app_id}").text
    assert "已脱敏" in page and "110105198003070012" not in page and "sfz.pdf" not in page
    assert sysadmin.get(f"/applications/{app_id}/files/{file_id}").status_code == 403
    east = app_client("east-staff")  # another organisation's line
    assert east.get(f"/applications/{app_id}").status_code == 404
    assert number not in east.get("/applications").text
    assert east.get(f"/applications/{app_id}/files/{file_id}").status_code == 404
    staff = app_client("staff")
    got = staff.get(f"/applications/{app_id}/files/{file_id}")
    assert got.status_code == 200 and got.content == PDF
    assert app_client("auditor").get("/applications").status_code == 403


def test_process_page_and_plotly_served_locally(
    app_client: ClientFactory, demo_platform: Platform
) -> None:
    _submitted(app_client)
    page = app_client("deptadmin").get("/process").text
    assert 'id="process-table"' in page and "失业保险金申领" in page and "合计" in page
    assert '<script src="/static/vendor/plotly.min.js">' in page and "chart-data" in page
    js = app_client().get("/static/vendor/plotly.min.js")
    assert js.status_code == 200 and "javascript" in js.headers["content-type"]
    assert "max-age" in js.headers["cache-control"] and len(js.content) > 1_000_000
    bad = app_client("deptadmin").get("/process", params={"since": "2026-13-01"}).text
    assert "日期格式不正确" in bad
    grouped = app_client("sysadmin").get("/process", params={"group_by": "department"}).text
    assert "示范市人力资源和社会保障局" in grouped


def test_rule_file_page(app_client: ClientFactory) -> None:
    admin = app_client("deptadmin")  # 示范市人力资源和社会保障局
    page = admin.get(f"/catalog/{UNEMPLOYMENT}/rules").text
    assert "item: SF-SYBX-001" in page and "人工核实" in page and "机器核验" in page
    broken = admin.post(
        f"/catalog/{UNEMPLOYMENT}/rules",
        data={"text": "item: SF-SYBX-001\nname: [", "csrf_token": admin.csrf},
    )
    assert broken.status_code == 422 and 'id="rules-error"' in broken.text
    assert "name: [" in broken.text  # the text typed is kept
    on = admin.post(
        f"/catalog/{UNEMPLOYMENT}/auto-approval", data={"allowed": "yes", "csrf_token": admin.csrf}
    )
    assert "已允许自动审批" in on.text
    other = admin.post(
        "/catalog/SF-GLJT-001/auto-approval", data={"allowed": "no", "csrf_token": admin.csrf}
    )
    assert other.status_code == 403 and "示范市民政局" in other.text
    assert app_client("staff").get(f"/catalog/{UNEMPLOYMENT}/rules").status_code == 403


def test_holiday_table(app_client: ClientFactory) -> None:
    admin = app_client("sysadmin")
    day = date(2027, 1, 1).isoformat()
    done = admin.post(
        "/admin/calendar",
        data={"day": day, "kind": "holiday", "name": "元旦", "csrf_token": admin.csrf},
    )
    assert done.status_code == 200 and "2027-01-01" in done.text and "元旦" in done.text
    bad = admin.post(
        "/admin/calendar", data={"day": "明天", "kind": "holiday", "csrf_token": admin.csrf}
    )
    assert bad.status_code == 422 and "请填写日期" in bad.text
    gone = admin.post("/admin/calendar/remove", data={"day": day, "csrf_token": admin.csrf})
    assert "节假日表为空" in gone.text


@pytest.mark.parametrize("path", ["/services", f"/services/{UNEMPLOYMENT}", "/track"])
def test_public_pages_need_no_login(app_client: ClientFactory, path: str) -> None:
    response = app_client().get(path)
    assert response.status_code == 200 and "公众访客" in response.text


def test_the_json_api(app_client: ClientFactory, demo_platform: Platform) -> None:
    citizen = app_client()
    csrf = page_csrf(citizen.get("/services").text)
    application = {
        "applicant": {"name": "张三", "id_number": "110105198003070012"},
        "fields": {k[2:]: v for k, v in FACTS.items()},
        "materials": [{"name": "居民身份证", "file": "sfz.pdf"}],
    }
    checked = citizen.post(
        "/api/approval/check",
        json={"item": UNEMPLOYMENT, "application": application, "today": "2026-11-02"},
        headers={"X-CSRF-Token": csrf},
    )
    assert checked.status_code == 200, checked.text
    body = checked.json()
    assert body["outcome"] == "needs_correction" and body["item"] == UNEMPLOYMENT
    assert [m["name"] for m in body["missing_materials"]] == ["终止或者解除劳动关系的证明"]
    with demo_platform.db.read() as session:
        assert not session.execute(select(Application.id)).first()  # a check files nothing
    bad = citizen.post(
        "/api/approval/check",
        json={"item": UNEMPLOYMENT, "application": {"fields": [1]}},
        headers={"X-CSRF-Token": csrf},
    )
    assert bad.status_code == 422 and "fields" in bad.json()["error"]["message"]

    staff = app_client("staff")
    filed = staff.post(
        "/api/approval/applications",
        json={"item": UNEMPLOYMENT, "application": application},
        headers={"X-CSRF-Token": staff.csrf},
    )
    assert filed.status_code == 201, filed.text
    receipt = filed.json()
    assert receipt["status"] == "needs_correction" and receipt["precheck"]["checks"]
    tracked = citizen.post(
        "/api/approval/track",
        json={"number": receipt["number"], "query_code": receipt["query_code"]},
        headers={"X-CSRF-Token": csrf},
    )
    assert tracked.json()["missing_materials"][0]["name"] == "终止或者解除劳动关系的证明"
    east = app_client("east-staff")  # not the item's department
    refused = east.post(
        "/api/approval/applications",
        json={"item": UNEMPLOYMENT, "application": application},
        headers={"X-CSRF-Token": east.csrf},
    )
    assert refused.status_code == 403


def test_only_the_dashboard_relaxes_the_style_policy(app_client: ClientFactory) -> None:
    staff = app_client("staff")
    dashboard = staff.get("/process").headers["content-security-policy"]
    assert "style-src 'self' 'unsafe-inline'" in dashboard and "script-src 'self';" in dashboard
    listing = staff.get("/applications").headers["content-security-policy"]
    assert "unsafe-inline" not in listing


def test_prefill_from_a_document(demo_platform: Platform, fake_llm: FakeOpenAI) -> None:
    """With approval_prefill_provider set, the guide offers 从文件预填: the model's values fill the
    form, labelled, and a value it got wrong is left for the applicant with a note."""
    with demo_platform.db.session() as session:
        providers.add_provider(
            session,
            cli_principal("pytest"),
            providers.NewProvider("remote", "openai", fake_llm.base_url, "m", "", False, 5.0),
        )
        providers.set_provider_level(session, cli_principal("pytest"), "remote", Level.INTERNAL)
    configured = dataclasses.replace(
        demo_platform, settings=demo_platform.settings.replace(approval_prefill_provider="remote")
    )
    with TestClient(create_app(configured), base_url="http://127.0.0.1") as citizen:
        page = citizen.get(f"/services/{UNEMPLOYMENT}").text
        assert 'id="prefill"' in page
        fake_llm.queue_reply(
            json.dumps(
                {"contribution_months": 130, "separation_date": "下个月", "reemployed": "否"},
                ensure_ascii=False,
            )
        )
        text = "离职证明\n张三（110105198003070012）累计缴费130个月，目前未就业。".encode()
        filled = citizen.post(
            f"/services/{UNEMPLOYMENT}/prefill",
            data={"csrf_token": page_csrf(page), "f.by_agent": "否"},
            files={"document": ("证明.txt", text, "text/plain")},
        )
        assert filled.status_code == 200, filled.text[:2000]
        html = filled.text
        assert EXPLICIT_LABEL in html and "已预填 2 项" in html
        assert 'name="f.contribution_months" type="number" value="130"' in html
        assert "下个月" in html.split('id="prefilled"')[1].split("</section>")[0]  # the note
        assert '<option value="否" selected>否</option>' in html  # by_agent kept
        assert "110105198003070012" not in json.dumps(fake_llm.chat_requests()[0].json)
        scan = citizen.post(
            f"/services/{UNEMPLOYMENT}/prefill",
            data={"csrf_token": page_csrf(page)},
            files={"document": ("photo.jpg", PNG, "image/jpeg")},
        )
        assert scan.status_code == 422 and 'id="apply-error"' in scan.text
    assert (
        'id="prefill"'
        not in TestClient(create_app(demo_platform)).get(f"/services/{UNEMPLOYMENT}").text
    )  # no provider configured: no offer


def test_typing_mistakes_are_refused_before_anything_is_filed(
    app_client: ClientFactory, demo_platform: Platform
) -> None:
    """A wrong ID number, a date that is no date or an over-long name comes back with the form
    kept and no application number; facts the form does not ask are not stored."""
    citizen = app_client()
    files = {"居民身份证": ("sfz.pdf", PDF)}
    status, html = _apply(citizen, files, id_number="110105198003070013")
    assert status == 422 and "公民身份号码有误" in html and 'value="130"' in html
    status, html = _apply(citizen, files, **{"f.separation_date": "2026-13-40"})
    assert status == 422 and "申请信息有误" in html and "不是有效日期" in html
    status, html = _apply(citizen, files, name="张" * 65)
    assert status == 422 and "姓名不能超过 64 个字" in html
    with demo_platform.db.read() as session:
        assert not session.execute(select(Application.id)).first()
    status, html = _apply(citizen, files, **{"f.injected": "x" * 5000})
    assert status == 200
    with demo_platform.db.read() as session:
        (fields,) = session.execute(select(Application.fields)).one()
    assert "injected" not in fields and fields["contribution_months"] == "130"
