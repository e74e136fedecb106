"""POST /api/ask and the knowledge-base API: answers with citations and labels, refusals with the
hand-off, the same visibility rules as the console, and errors in the one shape."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import select

from govai.accounts import service as accounts
from govai.accounts.principal import cli_principal
from govai.gateway.labels import EXPLICIT_LABEL
from govai.platform import Platform
from govai.scenarios.qa.models import QaExchange

from .conftest import ClientFactory, ConsoleClient
from .kb_content import INTERNAL_KB, PUBLIC_KB, UPLOAD_KB, load_kb_content
from .test_error_shape import assert_error_shape

QUESTION = "辞职了公积金能取出来吗"


@pytest.fixture
def content(demo_platform: Platform) -> Platform:
    load_kb_content(demo_platform)
    return demo_platform


def citizen(app_client: ClientFactory) -> tuple[ConsoleClient, dict[str, str]]:
    """An anonymous browser: it got the chat page (and its pre-session CSRF cookie) first."""
    client = app_client()
    assert client.get("/chat").status_code == 200
    token = client.cookies.get("govai_csrf")
    assert token
    return client, {"X-CSRF-Token": token}


def token_for(platform: Platform, username: str) -> dict[str, str]:
    with platform.db.session() as session:
        _, plain = accounts.create_token(session, cli_principal("pytest"), username, "api test")
    return {"Authorization": f"Bearer {plain}"}


def ask(client: ConsoleClient, headers: dict[str, str], **body: Any) -> Any:
    return client.post("/api/ask", json=body, headers=headers)


def test_citizen_gets_an_answer_citing_the_clause_with_both_labels(
    app_client: ClientFactory, content: Platform
) -> None:
    client, headers = citizen(app_client)
    response = ask(client, headers, kb=PUBLIC_KB, question=QUESTION)
    assert response.status_code == 200, response.text
    answer = response.json()
    assert answer["refused"] is False
    assert answer["answer"].startswith(EXPLICIT_LABEL)
    assert answer["label"] == EXPLICIT_LABEL
    cited = [(c["title"], c["clause"], c["status"]) for c in answer["citations"]]
    assert ("示范市住房公积金提取管理办法", "第二十四条", "现行有效") in cited
    assert all(c["quote"] for c in answer["citations"])
    header = response.headers["X-AIGC-Label"]
    assert header.isascii()
    assert json.loads(header) == answer["aigc"]
    assert answer["aigc"]["AIGC"]["Label"] == "1" and answer["aigc"]["AIGC"]["ProduceID"]
    assert "绿色通道" not in response.text  # the internal desk guide never reaches a citizen


def test_an_uncovered_question_is_refused_with_the_handoff(
    app_client: ClientFactory, content: Platform
) -> None:
    client, headers = citizen(app_client)
    answer = ask(client, headers, kb=PUBLIC_KB, question="推荐一家好吃的火锅店").json()
    assert answer["refused"] is True and answer["reason"] == "not_covered"
    assert answer["citations"] == []
    assert answer["answer"].startswith(EXPLICIT_LABEL)
    assert "12345" in answer["handoff"] and "人工" in answer["handoff"]


def test_history_is_passed_and_the_exchange_recorded(
    app_client: ClientFactory, content: Platform
) -> None:
    client, headers = citizen(app_client)
    first = ask(client, headers, kb=PUBLIC_KB, question=QUESTION).json()
    follow = ask(client, headers, kb=PUBLIC_KB, question="那要多久办好", history=[QUESTION])
    assert follow.status_code == 200, follow.text
    with content.db.read() as session:
        rows = {
            row.id: row
            for row in session.execute(select(QaExchange).order_by(QaExchange.id)).scalars()
        }
    assert rows[first["exchange_id"]].channel == "web"
    assert rows[first["exchange_id"]].asker == "public"
    later = rows[follow.json()["exchange_id"]]
    assert QUESTION in later.search_query and "那要多久办好" in later.search_query


def test_anonymous_ask_needs_the_csrf_token_of_the_page(
    app_client: ClientFactory, content: Platform
) -> None:
    client = app_client()
    client.get("/chat")
    response = client.post("/api/ask", json={"kb": PUBLIC_KB, "question": QUESTION})
    assert response.status_code == 403
    assert_error_shape(response.json(), "csrf_failed")


def test_citizens_cannot_ask_internal_kbs_but_token_holders_can(
    app_client: ClientFactory, content: Platform
) -> None:
    client, headers = citizen(app_client)
    response = ask(client, headers, kb=INTERNAL_KB, question="值班交接班时应当清点什么")
    assert response.status_code == 404
    assert_error_shape(response.json(), "unknown_kb")
    assert INTERNAL_KB not in response.json()["error"]["message"].split("可用的知识库")[1]

    bearer = app_client()
    hpf_headers = token_for(content, "sysadmin")
    answered = bearer.post(
        "/api/ask",
        json={"kb": INTERNAL_KB, "question": "值班交接班时应当清点什么"},
        headers=hpf_headers,
    )
    assert answered.status_code == 200, answered.text
    body = answered.json()
    assert not body["refused"]
    assert any(c["clause"] == "第五条" for c in body["citations"])
    with content.db.read() as session:
        row = session.get(QaExchange, body["exchange_id"])
        assert row is not None and row.channel == "api" and row.asker == "sysadmin"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"kb": PUBLIC_KB}, "question"),
        ({"question": QUESTION}, "kb"),
        ({"kb": PUBLIC_KB, "question": QUESTION, "history": "不是列表"}, "history"),
        ({"kb": PUBLIC_KB, "question": QUESTION, "history": ["问"] * 21}, "history"),
    ],
)
def test_ask_validation_errors_share_the_shape(
    app_client: ClientFactory, content: Platform, body: dict[str, Any], field: str
) -> None:
    client, headers = citizen(app_client)
    response = client.post("/api/ask", json=body, headers=headers)
    assert response.status_code == 422
    assert_error_shape(response.json(), "validation_error")
    assert field in response.json()["error"]["message"]


def test_an_empty_question_is_refused_by_the_service_in_chinese(
    app_client: ClientFactory, content: Platform
) -> None:
    client, headers = citizen(app_client)
    response = ask(client, headers, kb=PUBLIC_KB, question="   ")
    assert response.status_code == 422
    assert_error_shape(response.json(), "validation_error")
    assert "问题" in response.json()["error"]["message"]


# ---------------------------------------------------------------- knowledge-base API


def test_kb_list_follows_visibility(app_client: ClientFactory, content: Platform) -> None:
    anonymous = {i["name"] for i in app_client().get("/api/kb").json()["items"]}
    assert PUBLIC_KB in anonymous
    assert not anonymous & {INTERNAL_KB, UPLOAD_KB}
    staff = {i["name"]: i for i in app_client("staff").get("/api/kb").json()["items"]}
    assert {PUBLIC_KB, UPLOAD_KB} <= set(staff) and INTERNAL_KB not in staff
    assert staff[UPLOAD_KB]["manage"] is True and staff[PUBLIC_KB]["manage"] is False
    assert staff[PUBLIC_KB]["documents"] == 3


def test_search_api_has_the_cli_shape_and_hides_internal_documents(
    app_client: ClientFactory, content: Platform
) -> None:
    anonymous = app_client().get(f"/api/kb/{PUBLIC_KB}/search", params={"q": "绿色通道编号"})
    assert anonymous.status_code == 200
    assert set(anonymous.json()) == {"query", "hits"}
    assert all("核验指引" not in h["title"] for h in anonymous.json()["hits"])
    staff = app_client("staff").get(
        f"/api/kb/{PUBLIC_KB}/search", params={"q": "绿色通道编号", "top_k": 1}
    )
    hits = staff.json()["hits"]
    assert len(hits) == 1 and hits[0]["title"] == "公积金窗口核验指引"
    assert set(hits[0]) == {"doc_id", "title", "clause", "text", "score", "status"}
    bad = app_client().get(f"/api/kb/{PUBLIC_KB}/search", params={"q": "x", "top_k": 0})
    assert bad.status_code == 422
    assert_error_shape(bad.json(), "validation_error")


def test_import_api_returns_the_report(app_client: ClientFactory, content: Platform) -> None:
    client = app_client()
    files = [
        (
            "files",
            (
                "guide.md",
                "# 社保卡补办指南\n\n第二条 社保卡遗失的，可以到任一服务网点补办。".encode(),
            ),
        ),
        ("files", ("broken.docx", b"not a zip")),
    ]
    response = client.post(
        f"/api/kb/{UPLOAD_KB}/import", files=files, headers=token_for(content, "staff")
    )
    assert response.status_code == 200, response.text
    report = response.json()
    assert report["kb"] == UPLOAD_KB and report["documents"] == 1 and report["failed"] == 1
    by_name = {f["file"]: f for f in report["files"]}
    assert by_name["broken.docx"]["error"]
    found = client.get(
        f"/api/kb/{UPLOAD_KB}/search",
        params={"q": "社保卡 补办"},
        headers=token_for(content, "staff"),
    ).json()
    assert found["hits"][0]["title"] == "社保卡补办指南"

    denied = client.post(
        f"/api/kb/{UPLOAD_KB}/import", files=files, headers=token_for(content, "reviewer")
    )
    assert denied.status_code == 403
    assert_error_shape(denied.json(), "permission_denied")
    anonymous = client.post(f"/api/kb/{UPLOAD_KB}/import", files=files)
    assert anonymous.status_code == 401
    not_owner = client.post(
        f"/api/kb/{PUBLIC_KB}/import", files=files, headers=token_for(content, "staff")
    )
    assert not_owner.status_code == 403
    assert_error_shape(not_owner.json(), "permission_denied")
