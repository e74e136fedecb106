"""Embeddings and reranking go through the gateway's rules like any model call: data level,
enabled, approval of a key, masking, one log row and audit entry per call, clear errors."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from govai.classification import Level
from govai.errors import (
    ClassificationRefused,
    GatewayError,
    ProviderBadResponse,
    ProviderError,
    ProviderNotApproved,
    ProviderTimeout,
    UnknownProvider,
)
from govai.gateway import EMBED_BATCH_SIZE, EmbeddingRequest, ModelGateway, RerankRequest
from govai.gateway import service as providers
from govai.gateway.models import ModelCall
from govai.gateway.providers import Chunk, ProviderCall, ProviderConfig, ProviderReply
from govai.governance import audit
from govai.platform import Platform
from govai.testing.fake_openai import EMBEDDING_DIM, FakeOpenAI, embed, rerank_score

from .conftest import OPERATOR, AddKind, add_remote, call_audits, calls

PASSAGES = [
    "职工离休、退休的，可以提取职工住房公积金账户内的存储余额。",
    "申领机动车驾驶证，应当符合国务院公安部门规定的驾驶许可条件。",
    "购买、建造、翻建、大修自住住房的，可以提取住房公积金。",
]


def embedding(texts: list[str], provider: str, level: Level = Level.PUBLIC) -> EmbeddingRequest:
    return EmbeddingRequest("kb.index", texts, level, provider)


def rerank(query: str, documents: list[str], provider: str) -> RerankRequest:
    return RerankRequest("qa", query, documents, Level.PUBLIC, provider)


def logged(row: ModelCall) -> str:
    return str(json.loads(row.masked_input)["messages"][0]["content"])


# ---------------------------------------------------------------------- embeddings


def test_embeddings_are_batched_with_progress_and_logged_once(
    demo_platform: Platform, gateway: ModelGateway, remote: str, fake_llm: FakeOpenAI
) -> None:
    size = EMBED_BATCH_SIZE
    texts = [f"第{i}条 {PASSAGES[i % 3]}" for i in range(2 * size + 2)]
    seen: list[tuple[int, int]] = []
    result = gateway.embed(
        embedding(texts, remote, Level.INTERNAL),
        OPERATOR,
        progress=lambda done, total: seen.append((done, total)),
    )
    n = len(texts)
    assert [len(r.json["input"]) for r in fake_llm.embedding_requests()] == [size, size, 2]
    assert seen == [(size, n), (2 * size, n), (n, n)]
    assert result.vectors == [pytest.approx(embed(t)) for t in texts]
    assert (result.provider, result.model, result.dimensions) == (
        remote,
        "fake-model",
        EMBEDDING_DIM,
    )
    [row] = calls(demo_platform)
    assert (row.status, row.scenario, row.level, row.produce_id) == (
        "ok",
        "kb.index",
        int(Level.INTERNAL),
        result.produce_id,
    )
    total = sum(map(len, texts))
    assert logged(row) == f"文本 {n} 段，共 {total} 字（原文不记录）"
    assert "公积金" not in row.masked_input + row.output  # counts, never the text
    assert row.output == f"{n} 个向量，{EMBEDDING_DIM} 维"
    [entry] = call_audits(demo_platform)
    assert entry.object_id == str(row.id) and "成功" in entry.summary


def test_embedding_model_can_differ_from_the_chat_model(
    demo_platform: Platform, gateway: ModelGateway, remote: str, fake_llm: FakeOpenAI
) -> None:
    request = EmbeddingRequest("kb.index", ["公积金"], Level.PUBLIC, remote, model="bge-m3")
    assert gateway.embed(request, OPERATOR).model == "bge-m3"
    assert fake_llm.embedding_requests()[0].json["model"] == "bge-m3"
    assert calls(demo_platform)[0].model == "bge-m3"


def test_personal_data_is_masked_text_by_text(
    demo_platform: Platform, gateway: ModelGateway, remote: str, fake_llm: FakeOpenAI
) -> None:
    texts = ["联系人电话13912345678", "联系人电话13800000000"]
    result = gateway.embed(embedding(texts, remote), OPERATOR)
    sent = fake_llm.embedding_requests()[0]
    assert "13912345678" not in sent.body_text and "13800000000" not in sent.body_text
    # masked one by one: a text's vector does not depend on what else was in the batch
    assert sent.json["input"] == ["联系人电话〔手机号1〕", "联系人电话〔手机号1〕"]
    assert result.vectors[0] == result.vectors[1]
    assert "139" not in calls(demo_platform)[0].masked_input


def test_nothing_to_embed_sends_and_logs_nothing(
    demo_platform: Platform, gateway: ModelGateway, remote: str, fake_llm: FakeOpenAI
) -> None:
    assert gateway.embed(embedding([], remote), OPERATOR).vectors == []
    assert gateway.rerank(rerank("公积金", [], remote), OPERATOR) == []
    assert fake_llm.requests == [] and calls(demo_platform) == []


def test_cancelling_through_progress_stops_and_is_logged(
    demo_platform: Platform, gateway: ModelGateway, remote: str, fake_llm: FakeOpenAI
) -> None:
    def stop(done: int, total: int) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        gateway.embed(embedding(PASSAGES * 3, remote), OPERATOR, batch_size=2, progress=stop)
    assert len(fake_llm.embedding_requests()) == 1
    [row] = calls(demo_platform)
    assert row.status == "cancelled" and "取消" in row.error
    assert len(call_audits(demo_platform)) == 1


# ---------------------------------------------------------------------- the rules


@pytest.fixture(params=["embed", "rerank"])
def capability(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def call(gateway: ModelGateway, capability: str, provider: str, level: Level) -> object:
    if capability == "embed":
        return gateway.embed(embedding(["住房公积金"], provider, level), OPERATOR)
    request = RerankRequest("qa", "公积金", ["住房公积金"], level, provider)
    return gateway.rerank(request, OPERATOR)


def test_level_above_the_provider_is_refused_before_sending(
    demo_platform: Platform,
    gateway: ModelGateway,
    remote: str,
    fake_llm: FakeOpenAI,
    capability: str,
) -> None:
    with pytest.raises(ClassificationRefused, match="govai model level remote 敏感"):
        call(gateway, capability, remote, Level.SENSITIVE)
    with pytest.raises(ClassificationRefused, match="涉密不上网"):
        call(gateway, capability, remote, Level.SECRET)
    assert fake_llm.requests == []
    assert [c.status for c in calls(demo_platform)] == ["refused", "refused"]
    assert len(call_audits(demo_platform)) == 2


def test_secret_texts_go_to_a_local_provider(
    demo_platform: Platform, gateway: ModelGateway, fake_llm: FakeOpenAI, capability: str
) -> None:
    local = add_remote(demo_platform, fake_llm, "local", local=True, level=Level.SECRET)
    call(gateway, capability, local, Level.SECRET)
    assert len(fake_llm.requests) == 1
    assert [(c.status, c.level) for c in calls(demo_platform)] == [("ok", int(Level.SECRET))]


def test_a_key_is_sent_only_after_approval(
    demo_platform: Platform,
    gateway: ModelGateway,
    fake_llm: FakeOpenAI,
    monkeypatch: pytest.MonkeyPatch,
    capability: str,
) -> None:
    name = add_remote(demo_platform, fake_llm, "keyed", api_key_env="EMBED_KEY", approve=False)
    monkeypatch.setenv("EMBED_KEY", "sk-embed-1")
    with pytest.raises(ProviderNotApproved, match="govai model approve keyed"):
        call(gateway, capability, name, Level.PUBLIC)
    assert fake_llm.requests == []
    with demo_platform.db.session() as session:
        providers.approve_provider(session, OPERATOR, name)
    call(gateway, capability, name, Level.PUBLIC)
    assert fake_llm.requests[0].headers["authorization"] == "Bearer sk-embed-1"
    assert [c.status for c in calls(demo_platform)] == ["refused", "ok"]
    with demo_platform.db.session() as session:
        summaries = "".join(e.summary for e in audit.search(session, audit.AuditFilter())[0])
    assert "sk-embed" not in summaries


def test_disabled_and_unknown_providers_are_refused(
    demo_platform: Platform,
    gateway: ModelGateway,
    remote: str,
    fake_llm: FakeOpenAI,
    capability: str,
) -> None:
    with pytest.raises(UnknownProvider, match="govai model add"):
        call(gateway, capability, "bge", Level.PUBLIC)
    with demo_platform.db.session() as session:
        providers.set_provider_enabled(session, OPERATOR, remote, False)
    with pytest.raises(GatewayError, match="已停用"):
        call(gateway, capability, remote, Level.PUBLIC)
    assert fake_llm.requests == []
    assert [c.status for c in calls(demo_platform)] == ["unknown_provider", "refused"]


def test_the_extractive_provider_offers_neither(
    demo_platform: Platform, gateway: ModelGateway, capability: str
) -> None:
    with pytest.raises(GatewayError) as err:
        call(gateway, capability, "extractive", Level.PUBLIC)
    what = "embeddings" if capability == "embed" else "rerank"
    assert "模型服务 extractive（extractive 类型）不支持" in err.value.message
    assert what in err.value.message and "govai model add" in err.value.message
    [row] = calls(demo_platform)
    assert row.status == "error" and row.error == err.value.message


@pytest.mark.parametrize(
    ("script", "error", "status", "words"),
    [
        ({"status": 500}, ProviderBadResponse, "bad_response", "HTTP 500"),
        ({"status": 404}, ProviderBadResponse, "bad_response", "govai model add"),
        ({"raw_body": "<html>502</html>"}, ProviderBadResponse, "bad_response", "模型服务 slow"),
        ({"raw_body": '{"data": []}'}, ProviderBadResponse, "bad_response", "模型服务 slow"),
        ({"raw_body": '{"results": [{"index": 0}]}'}, ProviderBadResponse, "bad_response", ""),
        ({"delay": 1.5}, ProviderTimeout, "timeout", "0.5 秒内没有响应"),
    ],
)
def test_endpoint_faults_give_a_clear_error_and_one_log_row(
    demo_platform: Platform,
    gateway: ModelGateway,
    fake_llm: FakeOpenAI,
    capability: str,
    script: dict[str, object],
    error: type[Exception],
    status: str,
    words: str,
) -> None:
    name = add_remote(demo_platform, fake_llm, "slow", timeout=0.5)
    endpoint = "embeddings" if capability == "embed" else "rerank"
    fake_llm.queue_reply(endpoint=endpoint, **script)  # type: ignore[arg-type]
    with pytest.raises(error) as err:
        call(gateway, capability, name, Level.PUBLIC)
    assert "模型服务 slow" in str(err.value) and words in str(err.value)
    if "404" in str(script):
        assert f"/{endpoint} 接口" in str(err.value)
    [row] = calls(demo_platform)
    assert row.status == status and row.error == str(err.value)
    assert len(call_audits(demo_platform)) == 1


def test_unreachable_endpoint(
    demo_platform: Platform, gateway: ModelGateway, capability: str
) -> None:
    with demo_platform.db.session() as session:
        new = providers.NewProvider("gone", "openai", "http://127.0.0.1:9/v1", "m")
        providers.add_provider(session, OPERATOR, new)
    with pytest.raises(ProviderError, match="无法连接"):
        call(gateway, capability, "gone", Level.PUBLIC)
    assert calls(demo_platform)[0].status == "error"


# ---------------------------------------------------------------------- rerank


def test_rerank_scores_come_back_in_input_order(
    demo_platform: Platform, gateway: ModelGateway, remote: str, fake_llm: FakeOpenAI
) -> None:
    query = "退休了能提取住房公积金吗"
    scores = gateway.rerank(rerank(query, PASSAGES, remote), OPERATOR)
    assert scores == [pytest.approx(rerank_score(query, p)) for p in PASSAGES]
    assert scores.index(max(scores)) == 2  # the fake answered it first; input order restored
    sent = fake_llm.rerank_requests()[0].json
    assert sent == {"model": "fake-model", "query": query, "documents": PASSAGES, "top_n": 3}
    [row] = calls(demo_platform)
    assert (row.status, row.output) == ("ok", "3 个相关度分数")
    assert logged(row) == f"文本 3 段，共 {sum(map(len, PASSAGES))} 字（原文不记录）"


def test_rerank_masks_question_and_passages_with_one_placeholder_per_value(
    gateway: ModelGateway, remote: str, fake_llm: FakeOpenAI
) -> None:
    gateway.rerank(
        rerank("13912345678 的办件进度", ["13912345678 已受理", "13800000000 已办结"], remote),
        OPERATOR,
    )
    sent = fake_llm.rerank_requests()[0]
    assert "139123" not in sent.body_text and "138000" not in sent.body_text
    assert sent.json["query"] == "〔手机号1〕 的办件进度"
    assert sent.json["documents"] == ["〔手机号1〕 已受理", "〔手机号2〕 已办结"]


# ---------------------------------------------------------------------- plug-ins


class _Broken:
    """A plug-in provider that breaks the embedding/rerank contract in the named way."""

    fault = ""

    def __init__(self, config: ProviderConfig) -> None:
        self.config = config

    def complete(self, call: ProviderCall) -> ProviderReply:
        return ProviderReply("x", "x")

    def stream(self, call: ProviderCall) -> Iterator[Chunk]:
        yield from ()

    def embed(self, texts: list[str], model: str) -> list[list[float]]:
        if self.fault == "count":
            return [[1.0]] * (len(texts) + 1)
        if self.fault == "nan":
            return [[float("nan")] for _ in texts]
        if self.fault == "ragged":
            return [[1.0] * (1 + len(texts)) for _ in texts]  # one length per batch size
        raise RuntimeError("segfault in the plug-in")

    def rerank(self, query: str, documents: list[str], model: str) -> list[float]:
        if self.fault == "count":
            return [1.0] * (len(documents) + 1)
        if self.fault == "nan":
            return [float("inf")] * len(documents)
        raise RuntimeError("segfault in the plug-in")


@pytest.mark.parametrize(
    ("fault", "error", "words"),
    [
        ("count", ProviderBadResponse, "却返回了"),
        ("nan", ProviderBadResponse, "NaN 或无穷大"),
        ("", ProviderError, "调用失败：RuntimeError"),
    ],
)
def test_a_plugin_breaking_the_contract_is_caught_and_logged(
    demo_platform: Platform,
    gateway: ModelGateway,
    add_kind: AddKind,
    monkeypatch: pytest.MonkeyPatch,
    capability: str,
    fault: str,
    error: type[Exception],
    words: str,
) -> None:
    monkeypatch.setattr(_Broken, "fault", fault)
    name = add_kind("broken", _Broken)
    with pytest.raises(error, match=words):
        call(gateway, capability, name, Level.PUBLIC)
    assert [c.status for c in calls(demo_platform)] == [
        "error" if error is ProviderError else "bad_response"
    ]


def test_vectors_of_one_length_across_batches(
    demo_platform: Platform,
    gateway: ModelGateway,
    add_kind: AddKind,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(_Broken, "fault", "ragged")
    name = add_kind("broken", _Broken)
    with pytest.raises(ProviderBadResponse, match="各批返回的向量长度不一致"):
        gateway.embed(embedding(PASSAGES, name), OPERATOR, batch_size=2)
    assert calls(demo_platform)[0].status == "bad_response"
