"""The contract every model provider kind must keep, as a test suite to inherit.

A new provider kind (built in or from a plug-in) gets the same checks by subclassing
:class:`ProviderContract` in its own tests and supplying a ``provider`` fixture; a provider with
a remote backend subclasses :class:`RemoteProviderContract` and also supplies
``failing_provider``, one whose backend is unreachable::

    class TestMyProvider(RemoteProviderContract):
        @pytest.fixture
        def provider(self) -> Provider: ...

        @pytest.fixture
        def failing_provider(self) -> Provider: ...

The contract: ``complete`` returns a :class:`ProviderReply` with text, the model name and
non-negative token counts; ``stream`` yields :class:`Chunk` objects whose text joins to a
reply; both accept evidence and sampling options; a provider that cannot reach its backend
raises a :class:`~govai.errors.ProviderError` (never a bare library exception), which the
gateway turns into a logged, Chinese-language refusal.
"""

from __future__ import annotations

import pytest

from govai.errors import ProviderError
from govai.gateway.providers import Chunk, Provider, ProviderCall, ProviderEvidence, ProviderReply

QUESTION = "辞职以后住房公积金可以提取吗？"
EVIDENCE = [
    ProviderEvidence(
        "hpf#24",
        "职工有下列情形之一的，可以提取职工住房公积金账户内的存储余额：（一）购买、建造、翻建、"
        "大修自住住房的；（二）离休、退休的；（五）职工与单位终止劳动关系未再就业的。",
        "《住房公积金管理条例》第二十四条",
    ),
    ProviderEvidence("weather#1", "本市今日晴，最高气温二十五摄氏度。", "《天气通报》"),
]


def contract_call(**options: float | int) -> ProviderCall:
    return ProviderCall(
        messages=[
            {"role": "system", "content": "你是政务服务助手，只依据资料回答。"},
            {"role": "user", "content": QUESTION},
        ],
        evidence=list(EVIDENCE),
        temperature=float(options.get("temperature", 0.0)),
        max_tokens=int(options.get("max_tokens", 256)),
    )


class ProviderContract:
    """Inherit and provide the ``provider`` fixture."""

    @pytest.fixture
    def provider(self) -> Provider:
        raise NotImplementedError("define a `provider` fixture in the subclass")

    def test_complete_returns_a_reply(self, provider: Provider) -> None:
        reply = provider.complete(contract_call())
        assert isinstance(reply, ProviderReply)
        assert isinstance(reply.text, str) and reply.text.strip()
        assert isinstance(reply.model, str) and reply.model
        assert reply.tokens_in >= 0 and reply.tokens_out >= 0

    def test_stream_yields_chunks_that_join_to_a_reply(self, provider: Provider) -> None:
        chunks = list(provider.stream(contract_call()))
        assert chunks and all(isinstance(c, Chunk) for c in chunks)
        assert "".join(c.text for c in chunks).strip()
        for c in chunks:
            assert c.tokens_in is None or c.tokens_in >= 0
            assert c.tokens_out is None or c.tokens_out >= 0

    def test_works_without_evidence(self, provider: Provider) -> None:
        call = ProviderCall(messages=[{"role": "user", "content": QUESTION}])
        assert provider.complete(call).text.strip()

    def test_config_is_exposed(self, provider: Provider) -> None:
        assert provider.config.name and provider.config.kind


class RemoteProviderContract(ProviderContract):
    """For providers with a backend: also provide ``failing_provider`` (backend unreachable)."""

    @pytest.fixture
    def failing_provider(self) -> Provider:
        raise NotImplementedError("define a `failing_provider` fixture in the subclass")

    def test_unreachable_backend_raises_provider_error(self, failing_provider: Provider) -> None:
        with pytest.raises(ProviderError) as err:
            failing_provider.complete(contract_call())
        assert err.value.message  # a Chinese message for people
        with pytest.raises(ProviderError):
            list(failing_provider.stream(contract_call()))
