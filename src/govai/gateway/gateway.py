"""The model gateway: the only way any govai code reaches a model.

Every call, in this order: resolve the provider → enforce the data level (涉密不上网、上网不涉密,
《政务领域人工智能大模型部署应用指引》) → refuse a provider that sends a key without the security
administrator's approval → mask personal data → screen the input for block words →
call the provider (no database transaction is held meanwhile) → restore personal data → screen the
output → label it (GB 45438-2025) → write the call-log row and its audit entry in one transaction.
A refused, blocked or failed call writes its row and audit entry too, then raises the error.

Embeddings (:meth:`ModelGateway.embed`) and reranking (:meth:`ModelGateway.rerank`) send text to a
model too, so they obey the same provider rules — data level, enabled, approval of a key — and
write one call-log row and audit entry per call, whatever its outcome. What differs, and why:

- Personal data is masked in the question *and* in the passages. Masking a passage does change
  its text, but only the digits of an identifier, which carry no meaning a vector or a relevance
  score could use; the placeholder keeps the kind (〔手机号1〕), and exact identifiers are found by
  the local lexical index instead. The gateway's promise — nothing personal leaves it — then
  holds without trusting each caller to say which texts are passages. Embedding texts are masked
  one by one, so a passage's vector never depends on its batch; a rerank call masks the
  question and its passages together, so a number appearing in both keeps one placeholder.
- Nothing is screened for block words and nothing is labelled: no content is generated for
  anyone to read, and screening would refuse to index lawful documents that quote the words
  (a criminal code, say). The question itself is screened when the chat call answers it.
- The log row holds counts, not text: the passages are the knowledge base's own, and storing every
  chunk again per call would only duplicate them.
"""

from __future__ import annotations

import inspect
import math
import threading
import time
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass
from types import TracebackType
from typing import Any, NoReturn

from govai.accounts.principal import Principal
from govai.classification import Level
from govai.concurrency import released
from govai.errors import (
    ClassificationRefused,
    ContentBlocked,
    GatewayError,
    GovaiError,
    ProviderBadResponse,
    ProviderError,
    ProviderNotApproved,
    ProviderTimeout,
)
from govai.gateway.calllog import CallRecord, record_call
from govai.gateway.labels import LABEL_PREFIX, add_explicit_label, implicit_label, new_produce_id
from govai.gateway.masking import Masker, StreamRestorer
from govai.gateway.providers import (
    Chunk,
    Provider,
    ProviderCall,
    ProviderConfig,
    ProviderEvidence,
    create_provider,
)
from govai.gateway.providers.base import EmbeddingProvider, RerankProvider
from govai.gateway.screening import Screener, StreamScreen, input_blocked, output_blocked
from govai.gateway.service import get_provider
from govai.gateway.types import (
    EmbeddingRequest,
    EmbeddingResult,
    ModelRequest,
    ModelResponse,
    RerankRequest,
)
from govai.gateway.words import load_screener, words_fingerprint
from govai.settings import Settings
from govai.storage.db import Database

EMBED_BATCH_SIZE = 64
"""Texts per embeddings HTTP request: within the input limits of the common servers (vLLM,
Xinference, Ollama; OpenAI allows 2,048) while keeping each request's body small."""


def provider_refusal(config: ProviderConfig, level: Level) -> GovaiError | None:
    """Why the gateway refuses to send data of ``level`` to the provider ``config``, whatever
    the call: 涉密 to a provider not deployed locally, a level above the provider's highest, a
    disabled provider, or a key the security administrator has not approved. None when it would
    send. A scenario that queues work for a provider checks this first, so a misconfiguration is
    reported at once; every call is still checked."""
    name = config.name
    if level is Level.SECRET and not config.is_local:
        return ClassificationRefused(
            f"本次请求为“涉密”级，模型服务 {name} 不是本地部署的模型，"
            "已拒绝发送（涉密不上网）。"
            "请改用本地部署的模型（如内置的 extractive）。",
            provider=name,
            provider_level=config.max_level.label,
            request_level=level.label,
        )
    if level > config.max_level:
        return ClassificationRefused(
            f"模型服务 {name} 最高只能接收“{config.max_level.label}”级数据，本次请求为"
            f"“{level.label}”级，已拒绝发送。请改用本地部署的模型，或由安全保密管理员调整级别："
            f"govai model level {name} {level.label}",
            provider=name,
            provider_level=config.max_level.label,
            request_level=level.label,
        )
    if not config.enabled:
        return GatewayError(
            f"模型服务 {name} 已停用。请改用其他模型服务，或由系统管理员启用："
            f"govai model enable {name}",
            provider=name,
        )
    if config.needs_approval:
        # 三员分立: a key leaves only for an address the security admin has approved.
        return ProviderNotApproved(
            f"模型服务 {name} 会把环境变量 {config.api_key_env} 的值作为密钥发往 "
            f"{config.base_url}，须经安全保密管理员批准后才能调用（包括测试）："
            f"govai model approve {name}",
            provider=name,
        )
    return None


@dataclass
class _Prepared:
    request: ModelRequest
    config: ProviderConfig
    provider: Provider
    call: ProviderCall
    masker: Masker
    screener: Screener
    record: CallRecord
    input_review: list[str]


def _status_of(exc: GovaiError) -> str:
    if isinstance(exc, ProviderTimeout):
        return "timeout"
    if isinstance(exc, ProviderBadResponse):
        return "bad_response"
    return "error"


class ModelGateway:
    def __init__(self, db: Database, settings: Settings) -> None:
        self.db = db
        self.settings = settings
        self._lock = threading.Lock()
        self._screener_key: tuple[object, ...] | None = None
        self._screener = Screener(())

    # ------------------------------------------------------------------ public API

    def complete(self, request: ModelRequest, actor: Principal) -> ModelResponse:
        p = self._prepare(request, actor)
        started = time.monotonic()
        try:
            with released():  # waiting on a model is not computing (govai.concurrency)
                reply = p.provider.complete(p.call)
        except Exception as exc:
            p.record.latency_ms = _ms(started)
            self._fail_provider(actor, p.record, p.config.name, exc)
        rec = p.record
        rec.latency_ms = _ms(started)
        rec.model = reply.model or rec.model
        rec.output = reply.text
        rec.tokens_in, rec.tokens_out = reply.tokens_in, reply.tokens_out
        text = p.masker.restore(reply.text)
        found = p.screener.scan(text)
        if found.block:
            self._fail(actor, rec, "blocked_output", output_blocked(found.block))
        return self._finish(actor, p, add_explicit_label(text), found.review)

    def stream(self, request: ModelRequest, actor: Principal) -> ModelStream:
        """Checks run now (so refusals raise before anything is sent); iterate the result for
        the reply's chunks, the first of which is the explicit label."""
        return ModelStream(self, self._prepare(request, actor), actor)

    def embed(
        self,
        request: EmbeddingRequest,
        actor: Principal,
        *,
        batch_size: int = EMBED_BATCH_SIZE,
        progress: Callable[[int, int], None] | None = None,
    ) -> EmbeddingResult:
        """Vectors for ``request.texts``, sent ``batch_size`` per HTTP request; one log row for
        the whole call. ``progress(done, total)`` runs after each batch; an exception raised
        there cancels the call (logged as cancelled) and propagates."""
        if batch_size < 1:
            raise ValueError("batch_size must be positive")
        texts = list(request.texts)
        if not texts:  # nothing to send: nothing is sent and nothing logged
            return EmbeddingResult([], request.provider, request.model, "", 0)
        rec = _record(request.scenario, request.provider, request.level, "embeddings", texts)
        config, _ = self._admit(actor, rec, request.provider, Level(request.level))
        provider = self._create(actor, rec, config)
        if not isinstance(provider, EmbeddingProvider):
            self._unsupported(actor, rec, config, "文本向量化（embeddings）")
        model = rec.model = request.model or config.model
        # Each text masked on its own: a text's vector must not depend on its batch neighbours.
        masked = [Masker().mask(t) for t in texts]
        vectors: list[list[float]] = []
        started = time.monotonic()
        for start in range(0, len(masked), batch_size):
            batch = masked[start : start + batch_size]
            try:
                with released():
                    sent = provider.embed(batch, model)
                got = _vectors(config.name, sent, len(batch))
                if vectors and len(got[0]) != len(vectors[0]):
                    raise _bad(config.name, "各批返回的向量长度不一致")
            except Exception as exc:
                rec.latency_ms = _ms(started)
                self._fail_provider(actor, rec, config.name, exc)
            vectors.extend(got)
            if progress is not None:
                try:
                    progress(len(vectors), len(texts))
                except BaseException:
                    self._cancelled(actor, rec, started, "调用方在向量化完成前取消了调用。")
                    raise
        rec.latency_ms = _ms(started)
        rec.output = f"{len(vectors)} 个向量，{len(vectors[0])} 维"
        with self.db.session() as session:
            record_call(session, actor, rec)
        return EmbeddingResult(vectors, config.name, model, rec.produce_id, rec.latency_ms)

    def rerank(self, request: RerankRequest, actor: Principal) -> list[float]:
        """One relevance score per document, in input order (higher is more relevant)."""
        documents = list(request.documents)
        if not documents:  # nothing to send: nothing is sent and nothing logged
            return []
        rec = _record(request.scenario, request.provider, request.level, "rerank", documents)
        config, _ = self._admit(actor, rec, request.provider, Level(request.level))
        provider = self._create(actor, rec, config)
        if not isinstance(provider, RerankProvider):
            self._unsupported(actor, rec, config, "重排序（rerank）")
        model = rec.model = request.model or config.model
        # One masker for the question and the passages: a number in both gets one placeholder,
        # so the match between them survives masking.
        masker = Masker()
        query = masker.mask(request.query)
        masked = [masker.mask(d) for d in documents]
        started = time.monotonic()
        try:
            with released():
                sent = provider.rerank(query, masked, model)
            scores = _scores(config.name, sent, len(masked))
        except Exception as exc:
            rec.latency_ms = _ms(started)
            self._fail_provider(actor, rec, config.name, exc)
        rec.latency_ms = _ms(started)
        rec.output = f"{len(scores)} 个相关度分数"
        with self.db.session() as session:
            record_call(session, actor, rec)
        return scores

    # ------------------------------------------------------------------ steps

    def _prepare(self, request: ModelRequest, actor: Principal) -> _Prepared:
        name = request.provider or str(self.settings.default_provider)
        masker = Masker()
        messages = [
            {**m, "content": masker.mask(str(m.get("content", "")))} for m in request.messages
        ]
        evidence = [
            ProviderEvidence(e.id, masker.mask(e.text), masker.mask(e.citation))
            for e in request.evidence
        ]
        rec = CallRecord(
            produce_id=new_produce_id(),
            scenario=request.scenario,
            provider=name,
            level=int(request.level),
            masked_messages=messages,
            evidence_ids=[e.id for e in request.evidence],
            template=request.template,
            template_version=request.template_version,
        )
        config, screener = self._admit(actor, rec, name, Level(request.level))
        found = screener.scan("\n".join(str(m.get("content", "")) for m in request.messages))
        if found.block:
            # 《生成式人工智能服务管理暂行办法》第十四条: stop, keep records.
            self._fail(actor, rec, "blocked_input", input_blocked(found.block))
        provider = self._create(actor, rec, config)
        focus = [masker.mask(term) for term in request.focus]
        call = ProviderCall(messages, evidence, request.temperature, request.max_tokens, focus)
        return _Prepared(request, config, provider, call, masker, screener, rec, found.review)

    def _admit(
        self, actor: Principal, rec: CallRecord, name: str, level: Level
    ) -> tuple[ProviderConfig, Screener]:
        """Look the provider up and apply the rules every call obeys, whatever it asks for:
        the data level, enabled, and the security admin's approval of a key."""
        lookup_error: GovaiError | None = None
        with self.db.read() as session:  # lookups only: no write lock while reading
            try:
                config = get_provider(session, name)
            except GovaiError as exc:
                lookup_error = exc
            screener = self._current_screener(session)
        if lookup_error is not None:
            self._fail(actor, rec, "unknown_provider", lookup_error)
        rec.model = config.model
        refused = provider_refusal(config, level)
        if refused is not None:
            self._fail(actor, rec, "refused", refused)
        return config, screener

    def _create(self, actor: Principal, rec: CallRecord, config: ProviderConfig) -> Provider:
        try:
            return create_provider(config)
        except GovaiError as exc:
            self._fail(actor, rec, "error", exc)

    def _unsupported(
        self, actor: Principal, rec: CallRecord, config: ProviderConfig, what: str
    ) -> NoReturn:
        self._fail(
            actor,
            rec,
            "error",
            GatewayError(
                f"模型服务 {config.name}（{config.kind} 类型）不支持{what}。请用 "
                "`govai model add --kind openai` 添加一个提供该接口的模型服务"
                "（如 vLLM、Xinference 部署的向量或重排模型），并改用它。",
                provider=config.name,
            ),
        )

    def _current_screener(self, session: Any) -> Screener:
        key = words_fingerprint(session)
        with self._lock:
            if key != self._screener_key:
                self._screener = load_screener(session)
                self._screener_key = key
            return self._screener

    def _fail(self, actor: Principal, rec: CallRecord, status: str, exc: GovaiError) -> NoReturn:
        rec.status, rec.error = status, exc.message
        with self.db.session() as session:
            record_call(session, actor, rec)
        raise exc

    def _cancelled(
        self,
        actor: Principal,
        rec: CallRecord,
        started: float,
        why: str = "调用方在回答结束前关闭了流。",
    ) -> None:
        rec.latency_ms = _ms(started)
        rec.status, rec.error = "cancelled", why
        with self.db.session() as session:
            record_call(session, actor, rec)

    def _fail_provider(
        self, actor: Principal, rec: CallRecord, name: str, exc: BaseException
    ) -> NoReturn:
        if isinstance(exc, ContentBlocked):
            self._fail(actor, rec, "blocked_output", exc)
        if not isinstance(exc, GovaiError):  # a provider plug-in broke its contract
            exc = ProviderError(
                f"模型服务 {name} 调用失败：{type(exc).__name__}。"
                f"可用 `govai model test {name}` 检查。",
                provider=name,
            )
        assert isinstance(exc, GovaiError)
        self._fail(actor, rec, _status_of(exc), exc)

    def _finish(
        self, actor: Principal, p: _Prepared, text: str, output_review: list[str]
    ) -> ModelResponse:
        review = list(dict.fromkeys([*p.input_review, *output_review]))
        rec = p.record
        rec.status = "review" if review else "ok"
        rec.review_words = review
        with self.db.session() as session:
            record_call(session, actor, rec)
        return ModelResponse(
            text=text,
            provider=p.config.name,
            model=rec.model,
            produce_id=rec.produce_id,
            aigc=implicit_label(self.settings, rec.produce_id),
            evidence_ids=list(rec.evidence_ids),
            latency_ms=rec.latency_ms,
            tokens_in=rec.tokens_in,
            tokens_out=rec.tokens_out,
            review_words=review,
        )


class ModelStream(Iterator[str]):
    """A streamed reply: iterate for restored, screened chunks (the explicit label comes first).

    ``produce_id`` and ``aigc`` (the implicit label) are known before the first chunk, so the web
    layer can send them as headers; ``response`` is the full :class:`ModelResponse` once the
    stream has ended normally. A block word in the output raises ContentBlocked mid-stream: what
    was already shown must be withdrawn by the caller. Closing early logs the call as cancelled.
    """

    def __init__(self, gateway: ModelGateway, prepared: _Prepared, actor: Principal) -> None:
        self._gateway, self._p, self._actor = gateway, prepared, actor
        self.produce_id = prepared.record.produce_id
        self.aigc: dict[str, Any] = implicit_label(gateway.settings, self.produce_id)
        self.response: ModelResponse | None = None
        self._gen = self._run()

    def __iter__(self) -> ModelStream:
        return self

    def __next__(self) -> str:
        return next(self._gen)

    def close(self) -> None:
        if inspect.getgeneratorstate(self._gen) == inspect.GEN_CREATED:
            # Closed before the first chunk was asked for: the generator never ran, so log here.
            self._gen.close()
            self._gateway._cancelled(self._actor, self._p.record, time.monotonic())
            return
        self._gen.close()

    def __enter__(self) -> ModelStream:
        return self

    def __exit__(
        self, et: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def _run(self) -> Generator[str, None, None]:
        p, gw = self._p, self._gateway
        rec = p.record
        restorer, screen = StreamRestorer(p.masker), StreamScreen(p.screener)
        raw: list[str] = []
        shown: list[str] = [LABEL_PREFIX]
        started = time.monotonic()
        chunks: Iterator[Chunk] | None = None
        try:
            # Inside the try: closing right after the label, or stream() failing at once, is
            # logged like any other outcome.
            yield LABEL_PREFIX
            chunks = p.provider.stream(p.call)
            for chunk in chunks:
                if chunk.tokens_in is not None:
                    rec.tokens_in = chunk.tokens_in
                if chunk.tokens_out is not None:
                    rec.tokens_out = chunk.tokens_out
                if chunk.text:
                    raw.append(chunk.text)
                    rec.output = "".join(raw)
                    out = screen.feed(restorer.feed(chunk.text))
                    if out:
                        shown.append(out)
                        yield out
            out = screen.feed(restorer.flush()) + screen.flush()
        except GeneratorExit:
            gw._cancelled(self._actor, rec, started)
            raise
        except Exception as exc:
            rec.latency_ms = _ms(started)
            gw._fail_provider(self._actor, p.record, p.config.name, exc)
        finally:
            close = getattr(chunks, "close", None)
            if close is not None:
                close()
        rec.latency_ms = _ms(started)
        if out:
            shown.append(out)
        self.response = gw._finish(self._actor, p, "".join(shown), screen.review)
        if out:
            yield out


def _record(scenario: str, provider: str, level: Level, what: str, texts: list[str]) -> CallRecord:
    """The log row of an embeddings or rerank call: counts only, no text (the passages are the
    knowledge base's own; storing every chunk again per call would only duplicate it)."""
    summary = f"文本 {len(texts)} 段，共 {sum(map(len, texts))} 字（原文不记录）"
    return CallRecord(
        produce_id=new_produce_id(),
        scenario=scenario,
        provider=provider,
        level=int(level),
        masked_messages=[{"role": what, "content": summary}],
        evidence_ids=[],
    )


def _bad(name: str, what: str) -> ProviderBadResponse:
    return ProviderBadResponse(f"模型服务 {name} 的响应无效：{what}。", provider=name)


def _vectors(name: str, got: object, expected: int) -> list[list[float]]:
    """A plug-in's vectors, checked: as many as texts, one length, finite numbers."""
    if not isinstance(got, list) or len(got) != expected:
        count = len(got) if isinstance(got, list) else 0
        raise _bad(name, f"送出 {expected} 段文本，却返回了 {count} 个向量")
    try:
        vectors = [[float(x) for x in v] for v in got]
    except (TypeError, ValueError):
        raise _bad(name, "向量中含有非数字的值") from None
    if len({len(v) for v in vectors}) != 1 or not vectors[0]:
        raise _bad(name, "返回的向量为空或长度不一致")
    if not all(math.isfinite(x) for v in vectors for x in v):
        raise _bad(name, "向量中含有 NaN 或无穷大")
    return vectors


def _scores(name: str, got: object, expected: int) -> list[float]:
    if not isinstance(got, list) or len(got) != expected:
        count = len(got) if isinstance(got, list) else 0
        raise _bad(name, f"送出 {expected} 段文本，却返回了 {count} 个相关度分数")
    try:
        scores = [float(x) for x in got]
    except (TypeError, ValueError):
        raise _bad(name, "相关度分数中含有非数字的值") from None
    if not all(math.isfinite(x) for x in scores):
        raise _bad(name, "相关度分数中含有 NaN 或无穷大")
    return scores


def _ms(started: float) -> int:
    return int((time.monotonic() - started) * 1000)
