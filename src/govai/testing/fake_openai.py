"""A protocol-faithful fake OpenAI-compatible server for tests (and for trying govai offline).

It runs a small Starlette app under uvicorn in a background thread on 127.0.0.1 with a free
port, speaks the chat-completions wire format (plain JSON and ``stream: true`` SSE ending in
``data: [DONE]``), embeddings (float or base64), the de-facto rerank endpoint (``/v1/rerank`` as
served by vLLM, Xinference and Jina) and the model list, replays scripted replies, and records
every request so that a test can prove what was, and was not, sent out::

    with FakeOpenAI() as fake:
        fake.queue_reply("您好")
        fake.queue_reply(status=503, endpoint="embeddings")  # the next embeddings call fails
        ...  # point a provider at fake.base_url
        assert "13812345678" not in fake.requests[-1].body_text

Embeddings and rerank scores are deterministic and carry a little meaning, so that retrieval
tests can assert that the related passage wins: a vector is a signed, hashed bag of the text's
characters and character bigrams (texts sharing words point the same way), and a rerank score is
the Dice overlap of the question's and the passage's character bigrams.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import math
import re
import socket
import struct
import threading
import time
import uuid
from collections import deque
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

DEFAULT_REPLY = "这是测试模型的默认回答。"
EMBEDDING_DIM = 256
ENDPOINTS = ("chat", "embeddings", "rerank")

ReplyText = str | Callable[[dict[str, Any]], str]


@dataclass(frozen=True)
class ScriptedReply:
    text: ReplyText
    chunks: list[str] | None = None
    delay: float = 0.0
    chunk_delay: float = 0.0
    status: int = 200
    raw_body: str | bytes | None = None


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    headers: dict[str, str]
    json: Any
    body_text: str = field(repr=False, default="")


def _chunks_of(text: str, size: int = 4) -> list[str]:
    return [text[i : i + size] for i in range(0, len(text), size)] or [""]


def _tokens(text: str) -> int:
    return max(1, len(text) // 2) if text else 0


class FakeOpenAI:
    def __init__(self, *, model: str = "fake-model", default_reply: str = DEFAULT_REPLY) -> None:
        self.model = model
        self.default_reply = default_reply
        self.requests: list[RecordedRequest] = []
        self._queues: dict[str, deque[ScriptedReply]] = {e: deque() for e in ENDPOINTS}
        self._lock = threading.Lock()
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._sock: socket.socket | None = None
        self.port = 0

    # ------------------------------------------------------------ scripting

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def queue_reply(
        self,
        text: ReplyText = DEFAULT_REPLY,
        *,
        chunks: list[str] | None = None,
        delay: float = 0.0,
        chunk_delay: float = 0.0,
        status: int = 200,
        raw_body: str | bytes | None = None,
        endpoint: str = "chat",
    ) -> None:
        """Queue the reply to the next request to ``endpoint`` (chat, embeddings or rerank).
        ``text`` may be a function of the request JSON (e.g. to echo it); ``chunks`` fixes how a
        streamed reply is split — both for chat only; ``delay`` waits before answering;
        ``status``/``raw_body`` send an error or a garbage body instead (any endpoint)."""
        if endpoint not in ENDPOINTS:
            raise ValueError(f"endpoint must be one of {ENDPOINTS}, not {endpoint!r}")
        reply = ScriptedReply(text, chunks, delay, chunk_delay, status, raw_body)
        with self._lock:
            self._queues[endpoint].append(reply)

    def chat_requests(self) -> list[RecordedRequest]:
        return [r for r in self.requests if r.path.endswith("/chat/completions")]

    def embedding_requests(self) -> list[RecordedRequest]:
        return [r for r in self.requests if r.path.endswith("/embeddings")]

    def rerank_requests(self) -> list[RecordedRequest]:
        return [r for r in self.requests if r.path.endswith("/rerank")]

    def reset(self) -> None:
        with self._lock:
            for queue in self._queues.values():
                queue.clear()
            self.requests.clear()

    def _next_reply(self, endpoint: str = "chat") -> ScriptedReply:
        with self._lock:
            queue = self._queues[endpoint]
            return queue.popleft() if queue else ScriptedReply(self.default_reply)

    async def _scripted_failure(self, reply: ScriptedReply) -> Response | None:
        """Apply a scripted reply's delay; the error or garbage response it asks for, if any."""
        if reply.delay:
            await asyncio.sleep(reply.delay)
        if reply.raw_body is not None:
            return Response(reply.raw_body, status_code=reply.status, media_type="application/json")
        if reply.status != 200:
            error = {"error": {"message": "fake error", "type": "server_error", "code": None}}
            return JSONResponse(error, status_code=reply.status)
        return None

    # ------------------------------------------------------------ the app

    async def _record(self, request: Request) -> Any:
        raw = await request.body()
        text = raw.decode("utf-8", errors="replace")
        try:
            parsed = json.loads(text) if text else None
        except ValueError:
            parsed = None
        with self._lock:
            self.requests.append(
                RecordedRequest(
                    request.method, request.url.path, dict(request.headers), parsed, text
                )
            )
        return parsed

    async def _chat(self, request: Request) -> Response:
        body = await self._record(request)
        reply = self._next_reply("chat")
        failure = await self._scripted_failure(reply)
        if failure is not None:
            return failure
        if not isinstance(body, dict) or "messages" not in body:
            return _invalid("messages is required")
        text = reply.text(body) if callable(reply.text) else reply.text
        if reply.chunks is not None and not text:
            text = "".join(reply.chunks)
        model = str(body.get("model") or self.model)
        prompt = json.dumps(body["messages"], ensure_ascii=False)
        usage = {
            "prompt_tokens": _tokens(prompt),
            "completion_tokens": _tokens(text),
            "total_tokens": _tokens(prompt) + _tokens(text),
        }
        ident = "chatcmpl-" + uuid.uuid4().hex[:24]
        created = int(time.time())
        if not body.get("stream"):
            return JSONResponse(
                {
                    "id": ident,
                    "object": "chat.completion",
                    "created": created,
                    "model": model,
                    "choices": [
                        {
                            "index": 0,
                            "message": {"role": "assistant", "content": text},
                            "finish_reason": "stop",
                            "logprobs": None,
                        }
                    ],
                    "usage": usage,
                }
            )
        include_usage = bool((body.get("stream_options") or {}).get("include_usage"))
        pieces = reply.chunks if reply.chunks is not None else _chunks_of(text)

        def event(delta: dict[str, Any], finish: str | None, **extra: Any) -> str:
            data = {
                "id": ident,
                "object": "chat.completion.chunk",
                "created": created,
                "model": model,
                "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]
                if delta or finish
                else [],
                **extra,
            }
            return f"data: {json.dumps(data, ensure_ascii=False)}\n\n"

        async def events() -> AsyncIterator[str]:
            yield event({"role": "assistant", "content": ""}, None)
            for piece in pieces:
                if reply.chunk_delay:
                    await asyncio.sleep(reply.chunk_delay)
                yield event({"content": piece}, None)
            yield event({}, "stop")
            if include_usage:
                yield event({}, None, usage=usage)
            yield "data: [DONE]\n\n"

        return StreamingResponse(events(), media_type="text/event-stream")

    async def _embeddings(self, request: Request) -> Response:
        body = await self._record(request)
        failure = await self._scripted_failure(self._next_reply("embeddings"))
        if failure is not None:
            return failure
        if not isinstance(body, dict) or not isinstance(body.get("input"), str | list):
            return _invalid("input is required")
        inputs = body["input"]
        inputs = [inputs] if isinstance(inputs, str) else list(inputs)
        dim = int(body.get("dimensions") or EMBEDDING_DIM)
        as_base64 = body.get("encoding_format") == "base64"
        data = [
            {
                "object": "embedding",
                "index": i,
                "embedding": _base64(embed(str(text), dim)) if as_base64 else embed(str(text), dim),
            }
            for i, text in enumerate(inputs)
        ]
        tokens = sum(_tokens(str(t)) for t in inputs)
        return JSONResponse(
            {
                "object": "list",
                "data": data,
                "model": body.get("model") or self.model,
                "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
            }
        )

    async def _rerank(self, request: Request) -> Response:
        body = await self._record(request)
        failure = await self._scripted_failure(self._next_reply("rerank"))
        if failure is not None:
            return failure
        if not isinstance(body, dict) or not isinstance(body.get("query"), str):
            return _invalid("query is required")
        documents = body.get("documents")
        if not isinstance(documents, list):
            return _invalid("documents must be a list")
        texts = [str(d.get("text", "")) if isinstance(d, dict) else str(d) for d in documents]
        scored = sorted(
            ((i, rerank_score(body["query"], text)) for i, text in enumerate(texts)),
            key=lambda pair: (-pair[1], pair[0]),
        )
        top_n = body.get("top_n")
        if isinstance(top_n, int) and top_n >= 0:
            scored = scored[:top_n]
        tokens = _tokens(body["query"]) * len(texts) + sum(_tokens(t) for t in texts)
        return JSONResponse(
            {
                "id": "rerank-" + uuid.uuid4().hex[:24],
                "model": body.get("model") or self.model,
                "results": [
                    {"index": i, "document": {"text": texts[i]}, "relevance_score": score}
                    for i, score in scored
                ],
                "usage": {"total_tokens": tokens},
            }
        )

    async def _models(self, request: Request) -> Response:
        await self._record(request)
        return JSONResponse(
            {
                "object": "list",
                "data": [
                    {"id": self.model, "object": "model", "created": 0, "owned_by": "govai-testing"}
                ],
            }
        )

    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/v1/chat/completions", self._chat, methods=["POST"]),
                Route("/v1/embeddings", self._embeddings, methods=["POST"]),
                Route("/v1/rerank", self._rerank, methods=["POST"]),
                Route("/v1/models", self._models, methods=["GET"]),
            ]
        )

    # ------------------------------------------------------------ lifecycle

    def start(self) -> FakeOpenAI:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        self._sock, self.port = sock, sock.getsockname()[1]
        config = uvicorn.Config(
            self.app(), log_level="warning", lifespan="off", timeout_graceful_shutdown=1
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run,
            kwargs={"sockets": [sock]},
            daemon=True,
            name=f"fake-openai-{self.port}",
        )
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                self.stop()
                raise RuntimeError("fake OpenAI server did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)
        if self._sock is not None:
            self._sock.close()
        self._server = self._thread = self._sock = None

    def __enter__(self) -> FakeOpenAI:
        return self.start()

    def __exit__(
        self, et: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


def _invalid(message: str) -> Response:
    error = {"error": {"message": message, "type": "invalid_request_error", "code": None}}
    return JSONResponse(error, status_code=400)


def _base64(vector: list[float]) -> str:
    return base64.b64encode(struct.pack(f"<{len(vector)}f", *vector)).decode("ascii")


_WORD_CHAR = re.compile(r"\w", re.UNICODE)


def _features(text: str) -> dict[str, float]:
    """Characters (weight 0.5) and character bigrams (weight 1) of the letters, digits and CJK
    characters of ``text``."""
    chars = "".join(_WORD_CHAR.findall(text.lower()))
    features: dict[str, float] = {}
    for c in chars:
        features[c] = features.get(c, 0.0) + 0.5
    for i in range(len(chars) - 1):
        gram = chars[i : i + 2]
        features[gram] = features.get(gram, 0.0) + 1.0
    return features


def _hash_vector(text: str, dim: int) -> list[float]:
    values: list[float] = []
    counter = 0
    while len(values) < dim:
        digest = hashlib.sha256(f"{counter}:{text}".encode()).digest()
        values.extend((b - 127.5) / 127.5 for b in digest)
        counter += 1
    return values[:dim]


def embed(text: str, dim: int = EMBEDDING_DIM) -> list[float]:
    """A deterministic unit vector: the text's characters and bigrams hashed into ``dim`` signed
    buckets (a text with none of them, e.g. only punctuation, gets a vector from its hash)."""
    values = [0.0] * dim
    for feature, weight in _features(text).items():
        digest = hashlib.blake2b(feature.encode(), digest_size=8).digest()
        bucket = int.from_bytes(digest[:4], "little") % dim
        values[bucket] += weight if digest[4] & 1 else -weight
    if not any(values):
        values = _hash_vector(text, dim)
    norm = math.sqrt(sum(v * v for v in values)) or 1.0
    return [v / norm for v in values]


def _bigrams(text: str) -> set[str]:
    chars = "".join(_WORD_CHAR.findall(text.lower()))
    return {chars[i : i + 2] for i in range(len(chars) - 1)}


def rerank_score(query: str, document: str) -> float:
    """Dice overlap of character bigrams, in [0, 1]."""
    q, d = _bigrams(query), _bigrams(document)
    return 2 * len(q & d) / (len(q) + len(d)) if q and d else 0.0
