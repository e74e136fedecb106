"""The built-in provider kinds pass the shared contract in govai.testing.provider_contract."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest

from govai.classification import Level
from govai.gateway.providers import Provider, ProviderConfig, create_provider
from govai.testing.fake_openai import FakeOpenAI
from govai.testing.provider_contract import (
    EVIDENCE,
    ProviderContract,
    RemoteProviderContract,
    contract_call,
)


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class TestExtractiveProvider(ProviderContract):
    @pytest.fixture
    def provider(self) -> Provider:
        return create_provider(
            ProviderConfig("extractive", "extractive", model="extractive", max_level=Level.SECRET)
        )

    def test_answers_only_with_the_evidence_it_was_given(self, provider: Provider) -> None:
        text = provider.complete(contract_call()).text
        assert "提取职工住房公积金" in text and "第二十四条" in text
        assert "气温" not in text  # the irrelevant passage is left out
        evidence_text = "".join(e.text + e.citation for e in EVIDENCE)
        for ch in set(text) - set("〔〕。，；：\n （）"):
            assert ch in evidence_text, f"{ch!r} was not in the evidence"


class TestOpenAIProvider(RemoteProviderContract):
    @pytest.fixture
    def provider(self, fake_llm: FakeOpenAI) -> Iterator[Provider]:
        yield create_provider(
            ProviderConfig("remote", "openai", fake_llm.base_url, "fake-model", timeout_seconds=5)
        )

    @pytest.fixture
    def failing_provider(self) -> Provider:
        url = f"http://127.0.0.1:{_closed_port()}/v1"
        return create_provider(ProviderConfig("down", "openai", url, "m", timeout_seconds=2))
