"""The request and response of the gateway: what every scenario and the web layer use."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from govai.classification import Level
from govai.gateway.labels import strip_explicit_label


@dataclass(frozen=True)
class Evidence:
    """A piece of material an answer may rest on, with the citation shown after it."""

    id: str
    text: str
    citation: str = ""


@dataclass(frozen=True)
class ModelRequest:
    """One model call.

    ``messages`` are OpenAI-style ``{"role", "content"}`` dicts. ``evidence`` is sent to the
    provider separately (the extractive provider composes from it; chat providers receive it as a
    system message), so scenarios should not repeat it in ``messages``. ``level`` is the highest
    classification of anything in the request. ``provider`` None means
    ``settings.default_provider``.
    """

    scenario: str
    messages: list[dict[str, str]]
    level: Level = Level.PUBLIC
    evidence: list[Evidence] = field(default_factory=list)
    template: str = ""
    template_version: str = ""
    provider: str | None = None
    temperature: float | None = None
    max_tokens: int | None = None
    focus: list[str] = field(default_factory=list)
    """Terms the answer should address, e.g. the retriever's query terms with their synonyms;
    used by providers that compose from evidence (``extractive``), never sent to a chat model."""


@dataclass(frozen=True)
class ModelResponse:
    """A finished reply: ``text`` is restored, screened and carries the explicit label; ``aigc``
    is the implicit label (see :mod:`govai.gateway.labels`)."""

    text: str
    provider: str
    model: str
    produce_id: str
    aigc: dict[str, Any]
    evidence_ids: list[str]
    latency_ms: int
    tokens_in: int
    tokens_out: int
    review_words: list[str] = field(default_factory=list)

    @property
    def body(self) -> str:
        """The text without the explicit label, for code that parses the reply."""
        return strip_explicit_label(self.text)


@dataclass(frozen=True)
class EmbeddingRequest:
    """Texts to turn into vectors (dense retrieval). ``level`` is the highest classification of
    any text; ``provider`` must be named (the default chat provider rarely serves embeddings);
    ``model`` empty means the provider's configured model."""

    scenario: str
    texts: list[str]
    level: Level
    provider: str
    model: str = ""


@dataclass(frozen=True)
class EmbeddingResult:
    """One vector per input text, in input order, all of the same length."""

    vectors: list[list[float]]
    provider: str
    model: str
    produce_id: str
    latency_ms: int

    @property
    def dimensions(self) -> int:
        return len(self.vectors[0]) if self.vectors else 0


@dataclass(frozen=True)
class RerankRequest:
    """A question and candidate passages to score for relevance (a cross-encoder reranker)."""

    scenario: str
    query: str
    documents: list[str]
    level: Level
    provider: str
    model: str = ""
