"""The fake server speaks the OpenAI wire format (checked with plain HTTP and the real SDK)."""

from __future__ import annotations

import json
import math

import httpx
import openai
import pytest

from govai.testing.fake_openai import DEFAULT_REPLY, FakeOpenAI


def test_chat_completion_shape_and_recording(fake_llm: FakeOpenAI) -> None:
    fake_llm.queue_reply("第一")
    body = {"model": "m1", "messages": [{"role": "user", "content": "你好"}]}
    with httpx.Client(base_url=fake_llm.base_url) as http:
        first = http.post("/chat/completions", json=body, headers={"X-Test": "1"}).json()
        second = http.post("/chat/completions", json=body).json()
    assert first["object"] == "chat.completion" and first["id"].startswith("chatcmpl-")
    assert first["model"] == "m1" and isinstance(first["created"], int)
    assert first["choices"] == [
        {
            "index": 0,
            "message": {"role": "assistant", "content": "第一"},
            "finish_reason": "stop",
            "logprobs": None,
        }
    ]
    assert set(first["usage"]) == {"prompt_tokens", "completion_tokens", "total_tokens"}
    assert second["choices"][0]["message"]["content"] == DEFAULT_REPLY  # queue empty
    recorded = fake_llm.chat_requests()[0]
    assert recorded.json == body and recorded.headers["x-test"] == "1"


def test_streaming_is_sse_ending_with_done(fake_llm: FakeOpenAI) -> None:
    fake_llm.queue_reply("", chunks=["你", "好呀"])
    body = {
        "model": "m",
        "messages": [{"role": "user", "content": "x"}],
        "stream": True,
        "stream_options": {"include_usage": True},
    }
    with httpx.Client(base_url=fake_llm.base_url) as http:
        response = http.post("/chat/completions", json=body)
    assert response.headers["content-type"].startswith("text/event-stream")
    lines = [ln for ln in response.text.split("\n") if ln]
    assert all(ln.startswith("data: ") for ln in lines)
    assert lines[-1] == "data: [DONE]"
    events = [json.loads(ln[6:]) for ln in lines[:-1]]
    assert {e["object"] for e in events} == {"chat.completion.chunk"}
    text = "".join(c["delta"].get("content", "") for e in events for c in e["choices"])
    assert text == "你好呀"
    assert events[-1]["usage"]["completion_tokens"] > 0


def test_the_real_sdk_reads_it(fake_llm: FakeOpenAI) -> None:
    fake_llm.queue_reply("甲乙丙丁戊己")
    with openai.OpenAI(api_key="k", base_url=fake_llm.base_url, max_retries=0) as client:
        stream = client.chat.completions.create(
            model="m", messages=[{"role": "user", "content": "x"}], stream=True
        )
        with stream:
            text = "".join(c.choices[0].delta.content or "" for c in stream if c.choices)
        models = [m.id for m in client.models.list()]
        emb = client.embeddings.create(model="e", input=["甲", "乙"])
    assert text == "甲乙丙丁戊己"
    assert models == ["fake-model"]
    assert len(emb.data) == 2 and emb.data[0].embedding != emb.data[1].embedding


def test_embeddings_are_deterministic_unit_vectors(fake_llm: FakeOpenAI) -> None:
    with httpx.Client(base_url=fake_llm.base_url) as http:
        a = http.post("/embeddings", json={"model": "e", "input": "住房公积金"}).json()
        b = http.post(
            "/embeddings", json={"model": "e", "input": ["住房公积金"], "dimensions": 8}
        ).json()
    vector = a["data"][0]["embedding"]
    assert a["object"] == "list" and a["data"][0]["object"] == "embedding"
    assert math.isclose(sum(v * v for v in vector), 1.0)
    assert len(b["data"][0]["embedding"]) == 8
    with httpx.Client(base_url=fake_llm.base_url) as http:
        again = http.post("/embeddings", json={"model": "e", "input": "住房公积金"}).json()
    assert again["data"][0]["embedding"] == vector


def test_scripted_errors_and_garbage(fake_llm: FakeOpenAI) -> None:
    fake_llm.queue_reply(status=503)
    fake_llm.queue_reply(raw_body="not json")
    body = {"model": "m", "messages": []}
    with httpx.Client(base_url=fake_llm.base_url) as http:
        assert http.post("/chat/completions", json=body).status_code == 503
        assert http.post("/chat/completions", json=body).text == "not json"


def test_stops_cleanly_and_frees_its_port() -> None:
    with FakeOpenAI() as fake:
        port = fake.port
        assert httpx.get(fake.base_url + "/models").status_code == 200
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"http://127.0.0.1:{port}/v1/models", timeout=1)


def test_embeddings_of_related_texts_point_the_same_way(fake_llm: FakeOpenAI) -> None:
    texts = ["住房公积金提取条件", "提取住房公积金需要什么条件", "机动车驾驶证换证"]
    with openai.OpenAI(api_key="k", base_url=fake_llm.base_url, max_retries=0) as client:
        floats = client.embeddings.create(model="e", input=texts, encoding_format="float")
        packed = client.embeddings.create(model="e", input=texts)  # the SDK asks for base64
    a, b, c = (d.embedding for d in floats.data)
    assert sum(x * y for x, y in zip(a, b, strict=True)) > sum(
        x * y for x, y in zip(a, c, strict=True)
    )
    assert fake_llm.embedding_requests()[1].json["encoding_format"] == "base64"
    for got, want in zip(packed.data, floats.data, strict=True):
        assert got.embedding == pytest.approx(want.embedding, abs=1e-6)


def test_rerank_scores_by_bigram_overlap_best_first(fake_llm: FakeOpenAI) -> None:
    body = {
        "model": "r",
        "query": "公积金怎么提取",
        "documents": ["天气晴", "住房公积金提取办法", {"text": "公积金提取"}],
    }
    with httpx.Client(base_url=fake_llm.base_url) as http:
        full = http.post("/rerank", json=body).json()
        top = http.post("/rerank", json={**body, "top_n": 1}).json()
    assert [r["index"] for r in full["results"]] == [2, 1, 0]
    scores = [r["relevance_score"] for r in full["results"]]
    assert scores[0] > scores[1] > scores[2] == 0.0
    assert full["results"][0]["document"] == {"text": "公积金提取"}
    assert [r["index"] for r in top["results"]] == [2]
    assert fake_llm.rerank_requests()[0].json == body


def test_rerank_rejects_a_request_without_documents(fake_llm: FakeOpenAI) -> None:
    with httpx.Client(base_url=fake_llm.base_url) as http:
        response = http.post("/rerank", json={"model": "r", "query": "x"})
    assert response.status_code == 400
    assert response.json()["error"]["type"] == "invalid_request_error"


def test_failures_are_scripted_per_endpoint(fake_llm: FakeOpenAI) -> None:
    fake_llm.queue_reply(status=503, endpoint="embeddings")
    fake_llm.queue_reply(raw_body="<html>", endpoint="rerank")
    rerank = {"model": "r", "query": "x", "documents": ["y"]}
    embeddings = {"model": "e", "input": ["y"]}
    chat = {"model": "m", "messages": [{"role": "user", "content": "x"}]}
    with httpx.Client(base_url=fake_llm.base_url) as http:
        assert http.post("/chat/completions", json=chat).status_code == 200  # not affected
        assert http.post("/embeddings", json=embeddings).status_code == 503
        assert http.post("/embeddings", json=embeddings).status_code == 200  # queue used up
        assert http.post("/rerank", json=rerank).text == "<html>"
        assert http.post("/rerank", json=rerank).status_code == 200
    with pytest.raises(ValueError, match="endpoint"):
        fake_llm.queue_reply(endpoint="moderations")
