"""/v1 with the official ``openai`` SDK against the app served by uvicorn: models are the
knowledge bases the caller may use, plain and streamed completions carry the labelled answer and
the ``govai`` extension, and errors come in OpenAI's shape."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import openai
import pytest
import uvicorn
from starlette.testclient import TestClient

from govai.accounts import service as accounts
from govai.accounts.principal import cli_principal
from govai.gateway.labels import EXPLICIT_LABEL
from govai.platform import Platform
from govai.web.app import create_app
from govai.web.policy import Anyone

from .conftest import ClientFactory
from .kb_content import INTERNAL_KB, PUBLIC_KB, UPLOAD_KB, load_kb_content

QUESTION = "辞职了公积金能取出来吗"


@pytest.fixture
def content(demo_platform: Platform) -> Platform:
    load_kb_content(demo_platform)
    return demo_platform


@pytest.fixture
def server(content: Platform) -> Iterator[str]:
    """The app under uvicorn on a free port (the SDK speaks real HTTP, streaming included)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(create_app(content), log_level="warning", lifespan="off", ws="none")
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not srv.started:
        assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(timeout=10)
    sock.close()


Sdk = Callable[..., openai.OpenAI]


@pytest.fixture
def sdk(server: str) -> Iterator[Sdk]:
    """``sdk()`` → an OpenAI client of the server (placeholder key); ``sdk(token)`` → with one."""
    opened: list[openai.OpenAI] = []

    def make(api_key: str = "EMPTY") -> openai.OpenAI:
        client = openai.OpenAI(base_url=f"{server}/v1", api_key=api_key, max_retries=0, timeout=60)
        opened.append(client)
        return client

    yield make
    for client in opened:
        client.close()


def token(platform: Platform, username: str) -> str:
    with platform.db.session() as session:
        _, plain = accounts.create_token(session, cli_principal("pytest"), username, "sdk test")
    return plain


def test_models_are_the_kbs_the_caller_may_use(sdk: Sdk, content: Platform) -> None:
    public = {m.id for m in sdk().models.list()}
    assert PUBLIC_KB in public and not public & {INTERNAL_KB, UPLOAD_KB}
    staff = {m.id: m for m in sdk(token(content, "staff")).models.list()}
    assert {PUBLIC_KB, UPLOAD_KB} <= set(staff) and INTERNAL_KB not in staff
    assert staff[UPLOAD_KB].owned_by == "示范市人力资源和社会保障局"
    assert sdk().models.retrieve(PUBLIC_KB).id == PUBLIC_KB
    with pytest.raises(openai.NotFoundError):
        sdk().models.retrieve(INTERNAL_KB)


def test_plain_completion_carries_the_labelled_answer_and_citations(
    sdk: Sdk, content: Platform
) -> None:
    raw = sdk().chat.completions.with_raw_response.create(
        model=PUBLIC_KB,
        messages=[
            {"role": "system", "content": "你是一个乐于助人的助手。"},
            {"role": "user", "content": QUESTION},
        ],
    )
    completion = raw.parse()
    assert completion.object == "chat.completion" and completion.model == PUBLIC_KB
    content_text = completion.choices[0].message.content or ""
    assert content_text.startswith(EXPLICIT_LABEL)
    assert "第二十四条" in content_text
    assert completion.choices[0].finish_reason == "stop"
    extension = (completion.model_extra or {})["govai"]
    assert extension["refused"] is False
    assert any(c["clause"] == "第二十四条" for c in extension["citations"])
    assert extension["aigc"]["AIGC"]["Label"] == "1"
    assert json.loads(raw.headers["x-aigc-label"]) == extension["aigc"]
    assert completion.usage is not None
    assert completion.usage.total_tokens == (
        completion.usage.prompt_tokens + completion.usage.completion_tokens
    )


def test_streamed_completion_equals_the_plain_one(sdk: Sdk, content: Platform) -> None:
    client = sdk()
    messages: list[Any] = [{"role": "user", "content": QUESTION}]
    plain = client.chat.completions.create(model=PUBLIC_KB, messages=messages)
    stream = client.chat.completions.create(
        model=PUBLIC_KB,
        messages=messages,
        stream=True,
        stream_options={"include_usage": True},
    )
    chunks = list(stream)
    assert all(c.object == "chat.completion.chunk" for c in chunks)
    assert chunks[0].choices[0].delta.role == "assistant"
    pieces = [c.choices[0].delta.content or "" for c in chunks if c.choices]
    assert len([p for p in pieces if p]) >= 2  # label first, then the answer in pieces
    assert pieces[1].startswith(EXPLICIT_LABEL)
    assert "".join(pieces) == plain.choices[0].message.content
    finals = [c for c in chunks if c.choices and c.choices[0].finish_reason == "stop"]
    assert len(finals) == 1
    assert any(
        x["clause"] == "第二十四条" for x in (finals[0].model_extra or {})["govai"]["citations"]
    )
    assert chunks[-1].usage is not None and not chunks[-1].choices


def test_the_sse_stream_ends_with_done(server: str, content: Platform) -> None:
    body = {"model": PUBLIC_KB, "stream": True, "messages": [{"role": "user", "content": QUESTION}]}
    with httpx.stream("POST", f"{server}/v1/chat/completions", json=body, timeout=60) as response:
        assert response.headers["content-type"].startswith("text/event-stream")
        assert response.headers["x-aigc-label"].isascii()
        lines = [line for line in response.iter_lines() if line]
    assert lines[-1] == "data: [DONE]"
    assert all(line.startswith("data: ") for line in lines)


def test_a_refusal_carries_the_handoff(sdk: Sdk, content: Platform) -> None:
    for stream in (False, True):
        messages: list[Any] = [{"role": "user", "content": "你好，今天天气怎么样"}]
        if stream:
            chunks = list(
                sdk().chat.completions.create(model=PUBLIC_KB, messages=messages, stream=True)
            )
            text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
            extension = next(c.model_extra for c in chunks if c.model_extra)["govai"]
        else:
            completion = sdk().chat.completions.create(model=PUBLIC_KB, messages=messages)
            text = completion.choices[0].message.content or ""
            extension = (completion.model_extra or {})["govai"]
            assert completion.usage is not None and completion.usage.total_tokens == 0
        assert text.startswith(EXPLICIT_LABEL) and "12345" in text
        assert extension["refused"] is True and extension["citations"] == []


def test_earlier_user_messages_are_the_history(sdk: Sdk, content: Platform) -> None:
    from sqlalchemy import select

    from govai.scenarios.qa.models import QaExchange

    completion = sdk().chat.completions.create(
        model=PUBLIC_KB,
        messages=[
            {"role": "user", "content": QUESTION},
            {"role": "assistant", "content": "可以提取。"},
            {"role": "user", "content": [{"type": "text", "text": "那要多久办好"}]},
        ],
    )
    exchange_id = (completion.model_extra or {})["govai"]["exchange_id"]
    with content.db.read() as session:
        row = session.execute(select(QaExchange).where(QaExchange.id == exchange_id)).scalar_one()
    assert row.channel == "openai" and row.question == "那要多久办好"
    assert QUESTION in row.search_query


def assert_openai_error(body: Any, kind: str, code: str) -> None:
    assert set(body) == {"error"}, body
    assert set(body["error"]) == {"message", "type", "code", "param"}
    assert body["error"]["type"] == kind and body["error"]["code"] == code
    assert any("\u4e00" <= ch <= "\u9fff" for ch in body["error"]["message"])


def test_errors_come_in_openai_shape(server: str, sdk: Sdk, content: Platform) -> None:
    user = [{"role": "user", "content": QUESTION}]
    with pytest.raises(openai.NotFoundError) as missing:
        sdk().chat.completions.create(model=INTERNAL_KB, messages=user)  # type: ignore[arg-type]
    assert_openai_error({"error": missing.value.body}, "not_found_error", "model_not_found")
    with pytest.raises(openai.AuthenticationError) as bad_token:
        sdk("govai_not-a-real-token").models.list()
    assert bad_token.value.status_code == 401
    with pytest.raises(openai.BadRequestError) as last_not_user:
        sdk().chat.completions.create(
            model=PUBLIC_KB,
            messages=[*user, {"role": "assistant", "content": "好的"}],  # type: ignore[list-item]
        )
    assert "role 为 user" in str(last_not_user.value)

    cases = [
        (
            "POST",
            "/v1/chat/completions",
            {"content": b"{not json"},
            400,
            "invalid_request_error",
            "validation_error",
        ),
        (
            "POST",
            "/v1/chat/completions",
            {"json": {"model": PUBLIC_KB}},
            400,
            "invalid_request_error",
            "validation_error",
        ),
        ("GET", "/v1/embeddings", {}, 404, "not_found_error", "not_found"),
        ("DELETE", "/v1/models", {}, 405, "invalid_request_error", "method_not_allowed"),
    ]
    for method, path, kwargs, status, kind, code in cases:
        response = httpx.request(method, server + path, timeout=30, **kwargs)
        assert response.status_code == status, (path, response.text)
        assert_openai_error(response.json(), kind, code)
        assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_an_unexpected_failure_is_a_server_error_without_internals(content: Platform) -> None:
    app = create_app(content)

    @app.get("/v1/boom")
    def boom(principal: Anyone) -> None:
        raise RuntimeError("secret internals /etc/passwd")

    with TestClient(app, base_url="http://127.0.0.1", raise_server_exceptions=False) as client:
        response = client.get("/v1/boom")
    assert response.status_code == 500
    assert_openai_error(response.json(), "server_error", "internal_error")
    assert "secret internals" not in response.text
    assert response.headers["X-Frame-Options"] == "DENY"


def test_cookies_are_ignored_on_v1(app_client: ClientFactory, content: Platform) -> None:
    """A console session cannot be borrowed through /v1: only a bearer token identifies."""
    staff = app_client("staff")
    assert UPLOAD_KB in {i["name"] for i in staff.get("/api/kb").json()["items"]}
    via_cookie = {m["id"] for m in staff.get("/v1/models").json()["data"]}
    assert PUBLIC_KB in via_cookie and UPLOAD_KB not in via_cookie
    answer = staff.post(
        "/v1/chat/completions",
        json={"model": UPLOAD_KB, "messages": [{"role": "user", "content": QUESTION}]},
    )
    assert answer.status_code == 404
    assert_openai_error(answer.json(), "not_found_error", "model_not_found")
