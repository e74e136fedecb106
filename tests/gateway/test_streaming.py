from __future__ import annotations

from collections.abc import Iterator

import pytest

from govai.classification import Level
from govai.errors import ClassificationRefused, ContentBlocked, ProviderError, ProviderTimeout
from govai.gateway import Evidence, ModelGateway, ModelRequest
from govai.gateway import words as wordlists
from govai.gateway.labels import LABEL_PREFIX
from govai.gateway.providers import (
    Chunk,
    ProviderCall,
    ProviderConfig,
    ProviderReply,
)
from govai.platform import Platform
from govai.testing.fake_openai import FakeOpenAI

from .conftest import OPERATOR, AddKind, add_remote, call_audits, calls, user


def test_stream_restores_placeholders_split_across_chunks(
    demo_platform: Platform, gateway: ModelGateway, remote: str, fake_llm: FakeOpenAI
) -> None:
    fake_llm.queue_reply("", chunks=["已为〔手", "机号", "1〕登", "记。"])
    stream = gateway.stream(ModelRequest("qa", user("电话13912345678"), provider=remote), OPERATOR)
    assert stream.aigc["AIGC"]["ProduceID"] == stream.produce_id  # known before the first chunk
    with stream:
        chunks = list(stream)
    assert chunks[0] == LABEL_PREFIX
    assert "".join(chunks) == LABEL_PREFIX + "已为13912345678登记。"
    assert not any("〔" in c for c in chunks)
    assert "13912345678" not in fake_llm.chat_requests()[0].body_text
    assert stream.response is not None
    assert stream.response.text == "".join(chunks)
    assert stream.response.tokens_out > 0  # usage arrives in the last SSE event
    [row] = calls(demo_platform)
    assert (row.status, row.produce_id) == ("ok", stream.produce_id)


def test_stream_from_the_builtin_cites_evidence(gateway: ModelGateway) -> None:
    evidence = [Evidence("a", "退休的职工可以提取住房公积金。", "《条例》第二十四条")]
    with gateway.stream(
        ModelRequest("qa", user("退休提取公积金"), evidence=evidence), OPERATOR
    ) as stream:
        text = "".join(stream)
    assert text == LABEL_PREFIX + "退休的职工可以提取住房公积金。〔《条例》第二十四条〕"


def test_block_word_split_across_chunks_is_caught_before_release(
    demo_platform: Platform, gateway: ModelGateway, remote: str, fake_llm: FakeOpenAI
) -> None:
    with demo_platform.db.session() as session:
        wordlists.add_word(session, OPERATOR, "违禁物品")
    fake_llm.queue_reply("", chunks=["您可以去", "市场买违", "禁", "物品，价格", "很低。"])
    released: list[str] = []
    with pytest.raises(ContentBlocked, match="违禁物品"):  # noqa: SIM117
        with gateway.stream(ModelRequest("qa", user("请问"), provider=remote), OPERATOR) as s:
            for chunk in s:
                released.append(chunk)
    shown = "".join(released)
    assert "违" not in shown  # not even the first character of the word got out
    assert shown.startswith(LABEL_PREFIX + "您可以")
    assert calls(demo_platform)[0].status == "blocked_output"


def test_refusals_raise_before_iteration(
    gateway: ModelGateway, remote: str, fake_llm: FakeOpenAI
) -> None:
    with pytest.raises(ClassificationRefused):
        gateway.stream(
            ModelRequest("qa", user("x"), level=Level.SENSITIVE, provider=remote), OPERATOR
        )
    assert fake_llm.chat_requests() == []


def test_closing_a_stream_early_is_logged_as_cancelled(
    demo_platform: Platform, gateway: ModelGateway, remote: str, fake_llm: FakeOpenAI
) -> None:
    fake_llm.queue_reply("一二三四五六七八九十" * 5)
    with gateway.stream(ModelRequest("qa", user("请问"), provider=remote), OPERATOR) as stream:
        next(stream)
        next(stream)
    assert stream.response is None
    assert [c.status for c in calls(demo_platform)] == ["cancelled"]


def test_stalled_stream_times_out_and_is_logged(
    demo_platform: Platform, gateway: ModelGateway, fake_llm: FakeOpenAI
) -> None:
    name = add_remote(demo_platform, fake_llm, "stall", timeout=0.5)
    fake_llm.queue_reply("", chunks=["开头", "永远不来"], chunk_delay=1.2)
    with (
        pytest.raises(ProviderTimeout),
        gateway.stream(ModelRequest("qa", user("请问"), provider=name), OPERATOR) as stream,
    ):
        list(stream)
    assert [c.status for c in calls(demo_platform)] == ["timeout"]


def test_garbage_stream_is_a_bad_response(
    demo_platform: Platform, gateway: ModelGateway, remote: str, fake_llm: FakeOpenAI
) -> None:
    fake_llm.queue_reply(raw_body="data: {not json}\n\n")
    with (
        pytest.raises(Exception) as err,
        gateway.stream(ModelRequest("qa", user("请问"), provider=remote), OPERATOR) as stream,
    ):
        list(stream)
    assert type(err.value).__name__ == "ProviderBadResponse"
    assert [c.status for c in calls(demo_platform)] == ["bad_response"]


def _statuses(platform: Platform) -> tuple[list[str], int]:
    return [c.status for c in calls(platform)], len(call_audits(platform))


def test_closing_right_after_the_label_is_logged_once(
    demo_platform: Platform, gateway: ModelGateway, remote: str, fake_llm: FakeOpenAI
) -> None:
    fake_llm.queue_reply("一二三四五六七八九十")
    with gateway.stream(ModelRequest("qa", user("请问"), provider=remote), OPERATOR) as stream:
        assert next(stream) == LABEL_PREFIX
    stream.close()  # a second close changes nothing
    assert _statuses(demo_platform) == (["cancelled"], 1)


def test_closing_before_the_first_chunk_is_logged_once(
    demo_platform: Platform, gateway: ModelGateway, remote: str
) -> None:
    with gateway.stream(ModelRequest("qa", user("请问"), provider=remote), OPERATOR) as stream:
        pass
    stream.close()
    assert _statuses(demo_platform) == (["cancelled"], 1)


class _BrokenAtOnce:
    """stream() raises before returning an iterator (not a generator function)."""

    def __init__(self, config: ProviderConfig) -> None:
        self.config = config

    def complete(self, call: ProviderCall) -> ProviderReply:
        raise AssertionError("not used")

    def stream(self, call: ProviderCall) -> Iterator[Chunk]:
        raise ProviderError("连接被拒绝。", provider=self.config.name)


def test_stream_failing_synchronously_is_logged_once(
    demo_platform: Platform, gateway: ModelGateway, add_kind: AddKind
) -> None:
    broken = add_kind("broken", _BrokenAtOnce)
    stream = gateway.stream(ModelRequest("qa", user("请问"), provider=broken), OPERATOR)
    with pytest.raises(ProviderError, match="连接被拒绝"):  # noqa: SIM117
        with stream:
            list(stream)
    assert _statuses(demo_platform) == (["error"], 1)
