"""The messages console over the demo messages: the list and its queue, a message's dispatch
suggestion and routing, what each role may see, the JSON API, hot problems with the .xlsx,
alerts and the briefing with its AI labels."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import date

import openpyxl
import pytest
from sqlalchemy import select

from govai.accounts.principal import cli_principal
from govai.demo import load_demo_messages
from govai.gateway.labels import EXPLICIT_LABEL
from govai.platform import Platform
from govai.scenarios.messages.models import Alert, DispatchCorrection, Message

from .conftest import ClientFactory

TODAY = date(2026, 11, 14)


@pytest.fixture
def messages(demo_platform: Platform) -> Platform:
    load_demo_messages(demo_platform, cli_principal("pytest"), today=TODAY)
    return demo_platform


def _queued_id(platform: Platform) -> int:
    with platform.db.read() as session:
        return int(
            session.execute(
                select(Message.id).where(Message.dispatch_status == "queued").limit(1)
            ).scalar_one()
        )


def test_the_queue_and_routing_a_message_by_hand(
    messages: Platform, app_client: ClientFactory
) -> None:
    hotline = app_client("hotline")
    page = hotline.get("/messages?status=queued")
    assert page.status_code == 200
    assert "待人工分办" in page.text
    message_id = _queued_id(messages)
    detail = hotline.get(f"/messages/{message_id}").text
    assert "「本建议由人工智能生成」" in detail and "候选部门" in detail
    assert "需人工确认" in detail
    response = hotline.post(
        f"/messages/{message_id}/assign",
        data={"department": "示范市教育局", "reason": "涉及学校", "csrf_token": hotline.csrf},
        follow_redirects=True,
    )
    assert response.status_code == 200
    assert "已分办至“示范市教育局”" in response.text
    with messages.db.read() as session:
        message = session.get(Message, message_id)
        assert message is not None and message.dispatch_status == "assigned"
        assert session.execute(select(DispatchCorrection)).scalar_one().chosen == "示范市教育局"
    bad = hotline.post(
        f"/messages/{message_id}/assign",
        data={"department": "不存在的局", "csrf_token": hotline.csrf},
    )
    assert bad.status_code == 422 and "不在可选列表中" in bad.text


def test_roles_see_what_they_may(messages: Platform, app_client: ClientFactory) -> None:
    assert app_client("auditor").get("/messages").status_code == 403
    assert app_client().get("/messages", follow_redirects=False).status_code in (303, 401)
    env = app_client("env-staff")
    listing = env.get("/messages").text
    total = int(re.search(r"共 (\d+) 条", listing).group(1))  # type: ignore[union-attr]
    with messages.db.read() as session:
        routed_here = len(
            session.execute(
                select(Message.id).where(Message.department == "示范市生态环境局")
            ).all()
        )
        elsewhere = session.execute(
            select(Message.id).where(Message.department == "示范市教育局").limit(1)
        ).scalar_one()
    assert total == routed_here > 0
    assert env.get(f"/messages/{elsewhere}").status_code == 404
    # staff may route; a reviewer sees (routed to their bureau) but has no routing form
    reviewer_page = app_client("reviewer").get("/messages").text
    assert "录入留言" not in reviewer_page


def test_personal_data_is_starred_for_those_without_the_right(
    messages: Platform, app_client: ClientFactory
) -> None:
    with messages.db.read() as session:
        found = [
            m
            for m in session.execute(select(Message)).scalars()
            if re.search(r"1[3-9]\d{9}", m.text)
        ]
    assert found, "the demo messages include a phone number"
    message = found[0]
    phone = re.search(r"1[3-9]\d{9}", message.text).group()  # type: ignore[union-attr]
    assert phone in app_client("hotline").get(f"/messages/{message.id}").text
    starred = app_client("sysadmin").get(f"/messages/{message.id}").text
    assert phone not in starred and phone[:3] + "****" + phone[-4:] in starred
    assert "个人信息已脱敏" in starred


def test_api_records_a_message_and_dispatches_it(
    messages: Platform, app_client: ClientFactory
) -> None:
    hotline = app_client("hotline")
    response = hotline.post(
        "/api/messages",
        json={
            "title": "幸福路搅拌站半夜还在施工",
            "text": "幸福里小区旁边的搅拌站半夜还在施工，噪音太大，粉尘也多，请环保部门查处。",
            "received_at": "2026/11/14 23:10",
        },
        headers={"X-CSRF-Token": hotline.csrf},
    )
    assert response.status_code == 201, response.text
    body = response.json()
    with messages.db.read() as session:
        stored = session.get(Message, body["id"])
        assert stored is not None and stored.channel == "api"
        assert stored.received_at is not None and stored.received_at.hour == 15  # 23:10 UTC+8
    assert body["suggestion"] in {label for label, _ in body["top"]}
    assert body["top"][0][0] == body["suggestion"] and 0 < body["confidence"] <= 1
    assert body["status"] in ("routed", "queued")
    bad = hotline.post(
        "/api/messages",
        json={"title": "x", "text": "y", "received_at": "昨天"},
        headers={"X-CSRF-Token": hotline.csrf},
    )
    assert bad.status_code == 422 and "无法识别" in bad.json()["error"]["message"]
    assert app_client("reviewer").post("/api/messages", json={"text": "x"}).status_code == 403


def test_hot_problems_page_and_the_two_official_tables(
    messages: Platform, app_client: ClientFactory
) -> None:
    client = app_client("hotline")
    page = client.get("/hotspots?top=5").text
    assert "幸福里" in page and "搅拌站" in page
    download = client.get("/hotspots?top=5&xlsx=true")
    assert download.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(download.content))
    assert book.sheetnames == ["热点问题表", "热点问题留言明细表"]
    header = [c.value for c in book["热点问题表"][1]]
    assert header[:3] == ["热度排名", "问题ID", "热度指数"]


def test_alerts_are_raised_confirmed_and_not_raised_twice(
    messages: Platform, app_client: ClientFactory
) -> None:
    client = app_client("hotline")
    page = client.get("/alerts").text
    assert "数量激增" in page or "新热点问题" in page
    with messages.db.read() as session:
        before = len(session.execute(select(Alert.id)).all())
        alert_id = session.execute(select(Alert.id).limit(1)).scalar_one()
    rescan = client.post(
        "/alerts/scan",
        data={"on": TODAY.isoformat(), "csrf_token": client.csrf},
        follow_redirects=True,
    )
    assert "新产生预警 0 条" in rescan.text
    done = client.post(
        f"/alerts/{alert_id}/decide",
        data={"decision": "confirm", "note": "已通知环保局", "csrf_token": client.csrf},
        follow_redirects=True,
    )
    assert "已确认" in done.text
    again = client.post(
        f"/alerts/{alert_id}/decide",
        data={"decision": "dismiss", "csrf_token": client.csrf},
    )
    assert again.status_code == 422
    with messages.db.read() as session:
        assert len(session.execute(select(Alert.id)).all()) == before


def test_briefing_page_and_docx_carry_the_ai_labels(
    messages: Platform, app_client: ClientFactory
) -> None:
    client = app_client("hotline")
    page = client.get(f"/briefing?period=week&end={TODAY.isoformat()}")
    assert page.status_code == 200
    assert EXPLICIT_LABEL in page.text and "本期共收到群众留言" in page.text
    assert "AIGC" in page.headers["X-AIGC-Label"]
    assert "<svg" in page.text
    docx = client.get(f"/briefing?period=week&end={TODAY.isoformat()}&docx=true")
    assert docx.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(docx.content))
    custom = archive.read("docProps/custom.xml").decode()
    assert custom.count('name="AIGC"') == 1 and '"Label":"1"' in custom
    assert EXPLICIT_LABEL in archive.read("word/document.xml").decode()
    assert any(n.startswith("word/media/") for n in archive.namelist())  # the chart


def test_a_bad_briefing_date_gets_the_error_page(
    messages: Platform, app_client: ClientFactory
) -> None:
    response = app_client("hotline").get("/briefing?end=2026-13-01")
    assert response.status_code == 422
    assert "应为 YYYY-MM-DD 格式" in response.text


def test_reply_drafted_reviewed_and_sent_in_the_console(
    messages: Platform, app_client: ClientFactory
) -> None:
    hotline = app_client("hotline")
    with messages.db.read() as session:
        message_id = (
            session.execute(
                select(Message.id).where(Message.reply_status == "").order_by(Message.id.desc())
            )
            .scalars()
            .first()
        )
    assert message_id is not None
    page = hotline.get(f"/messages/{message_id}").text
    assert "起草答复" in page
    drafted = hotline.post(
        f"/messages/{message_id}/reply/draft",
        data={"kb": "", "csrf_token": hotline.csrf},
        follow_redirects=True,
    )
    assert drafted.status_code == 200
    assert "已生成答复草稿" in drafted.text and "「本草稿由人工智能生成」" in drafted.text
    editor = re.search(
        r'<textarea name="text"[^>]*id="reply-editor">(.*?)</textarea>', drafted.text, re.S
    )
    assert editor is not None and "【请填写：" in editor.group(1)
    refused = hotline.post(
        f"/messages/{message_id}/reply/publish",
        data={"text": "网友：您好！【请填写：调查核实的情况】", "csrf_token": hotline.csrf},
    )
    assert refused.status_code == 422 and "待填写或待核实" in refused.text
    assert "【请填写：调查核实的情况】" in refused.text  # the person's text is kept
    text = "网友：您好！您反映的问题已收悉。经调查核实，已责令整改。感谢您的监督！示范市交通运输局"
    sent = hotline.post(
        f"/messages/{message_id}/reply/publish",
        data={"text": text, "csrf_token": hotline.csrf},
        follow_redirects=True,
    )
    assert "答复已发出" in sent.text and "草稿与发出稿的差异" in sent.text
    assert (
        app_client("reviewer")
        .post(f"/messages/{message_id}/reply/draft", data={"csrf_token": hotline.csrf})
        .status_code
        == 403
    )
    quality = hotline.get("/replies?below=1").text
    assert f'href="/messages/{message_id}"' in quality and "可解释性" in quality


def test_a_search_does_not_confirm_a_starred_number(
    messages: Platform, app_client: ClientFactory
) -> None:
    with messages.db.read() as session:
        message = next(
            m
            for m in session.execute(select(Message).order_by(Message.id)).scalars()
            if re.search(r"1[3-9]\d{9}", m.text)
        )
    phone = re.search(r"1[3-9]\d{9}", message.text).group()  # type: ignore[union-attr]
    found = app_client("hotline").get(f"/messages?q={phone}").text
    assert f'href="/messages/{message.id}"' in found
    starred = app_client("sysadmin").get(f"/messages?q={phone}").text
    assert f'href="/messages/{message.id}"' not in starred and "共 0 条" in starred


def test_alert_evidence_links_only_to_messages_the_reader_may_open(
    messages: Platform, app_client: ClientFactory
) -> None:
    with messages.db.read() as session:
        alerts = session.execute(select(Alert)).scalars().all()
        departments = dict(session.execute(select(Message.id, Message.department)).all())
    page = app_client("env-staff").get("/alerts").text
    linked = {int(i) for i in re.findall(r'href="/messages/(\d+)"', page)}
    assert linked, "the environment bureau sees an alert with evidence"
    assert all(departments[i] == "示范市生态环境局" for i in linked)
    shown = [a for a in alerts if f'id="alert-{a.id}"' in page]
    if any(departments[i] != "示范市生态环境局" for a in shown for i in a.message_ids):
        assert "不在您的查看范围内" in page


def test_a_draft_is_starred_for_a_reader_who_sees_the_message_starred(
    messages: Platform, app_client: ClientFactory
) -> None:
    # a chat model's draft may repeat the citizen's number: the gateway restores what it masked
    with messages.db.session() as session:
        message = next(
            m
            for m in session.execute(select(Message).order_by(Message.id)).scalars()
            if re.search(r"1[3-9]\d{9}", m.text) and m.reply_status == ""
        )
        phone = re.search(r"1[3-9]\d{9}", message.text).group()  # type: ignore[union-attr]
        message.reply_draft = {
            "text": f"{EXPLICIT_LABEL}\n网友：您好！已电话联系您（{phone}）。",
            "provider": "extractive",
            "citations": [{"source": "往期答复", "quote": f"请拨打 {phone}", "ref": "1"}],
            "similar": [{"id": "1", "title": "t", "message": phone, "reply": "", "score": 0.5}],
        }
        message.reply_status = "draft"
        message_id = message.id
    handler = app_client("hotline").get(f"/messages/{message_id}").text
    assert f"已电话联系您（{phone}）" in handler
    starred = app_client("sysadmin").get(f"/messages/{message_id}")
    assert starred.status_code == 200 and "「本草稿由人工智能生成」" in starred.text
    assert phone not in starred.text and f"已电话联系您（{phone[:3]}****" in starred.text


def test_an_upload_without_a_message_column_says_what_to_rename(
    messages: Platform, app_client: ClientFactory
) -> None:
    hotline = app_client("hotline")
    response = hotline.post(
        "/messages/import",
        data={"csrf_token": hotline.csrf},
        files={"file": ("wrong.csv", "序号,备注\n1,路灯坏了\n".encode("gb18030"), "text/csv")},
    )
    assert response.status_code == 422
    assert "表头为：序号、备注" in response.text and "表头改为“留言详情”" in response.text
