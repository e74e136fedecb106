"""Any OpenAI-compatible endpoint (vLLM, Ollama, Xinference, DeepSeek, Qwen …): chat and
embeddings through the official ``openai`` SDK, reranking through plain httpx.

The API key is read at call time from the environment variable whose *name* is configured
(``api_key_env``); the key itself is never stored, logged or shown. Evidence is sent as one system
message placed before the conversation, each piece numbered and followed by its citation.

Embeddings ask for ``encoding_format: "float"`` explicitly: the SDK would otherwise ask for base64,
which several compatible servers do not implement. Reranking has no OpenAI endpoint; the de-facto
one (vLLM, Xinference, Jina, Cohere-style) is ``POST {base_url}/rerank`` with
``{"model", "query", "documents", "top_n"}`` answering
``{"results": [{"index", "relevance_score"}, …]}`` in any order.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterator
from typing import Any

import httpx
import openai

from govai.errors import ProviderBadResponse, ProviderError, ProviderTimeout
from govai.gateway.providers.base import (
    Chunk,
    ProviderCall,
    ProviderConfig,
    ProviderEvidence,
    ProviderReply,
)

EVIDENCE_INTRO = "请仅依据以下资料回答，并在所依据的句子后注明出处；资料不足时如实说明无法回答。"


def evidence_message(evidence: list[ProviderEvidence]) -> dict[str, str]:
    lines = [EVIDENCE_INTRO]
    for i, ev in enumerate(evidence, 1):
        lines.append(f"[{i}] {ev.text}" + (f"〔{ev.citation}〕" if ev.citation else ""))
    return {"role": "system", "content": "\n".join(lines)}


class OpenAIChatProvider:
    def __init__(self, config: ProviderConfig) -> None:
        self.config = config

    # -- plumbing

    def _api_key(self) -> str:
        if not self.config.api_key_env:
            return "not-needed"  # local servers often take any key
        value = os.environ.get(self.config.api_key_env)
        if not value:
            raise ProviderError(
                f"模型服务 {self.config.name} 的密钥未设置："
                "请在运行 govai 的环境中设置环境变量 "
                f"{self.config.api_key_env}。",
                provider=self.config.name,
            )
        return value

    def _client(self) -> openai.OpenAI:
        return openai.OpenAI(
            api_key=self._api_key(),
            base_url=self.config.base_url,
            timeout=self.config.timeout_seconds,
            max_retries=0,
        )

    def _params(self, call: ProviderCall) -> dict[str, Any]:
        messages = list(call.messages)
        if call.evidence:
            messages.insert(0, evidence_message(call.evidence))
        params: dict[str, Any] = {"model": self.config.model, "messages": messages}
        if call.temperature is not None:
            params["temperature"] = call.temperature
        if call.max_tokens is not None:
            params["max_tokens"] = call.max_tokens
        return params

    def _timeout(self) -> ProviderTimeout:
        return ProviderTimeout(
            f"模型服务 {self.config.name} 在 {self.config.timeout_seconds:g} 秒内没有响应。"
            "请稍后重试，或检查该服务的负载；超时时间在添加模型服务时设置"
            "（`govai model add … --timeout 秒数`）。",
            provider=self.config.name,
        )

    def _unreachable(self) -> ProviderError:
        return ProviderError(
            f"无法连接模型服务 {self.config.name}（{self.config.base_url}）。"
            "请确认服务已启动、地址正确。",
            provider=self.config.name,
        )

    def _http_error(self, status: int, endpoint: str) -> ProviderBadResponse:
        name = self.config.name
        if endpoint != "chat/completions" and status in (404, 405):
            return ProviderBadResponse(
                f"模型服务 {name}（{self.config.base_url}）没有提供 /{endpoint} 接口"
                f"（HTTP {status}）。请改用提供该接口的模型服务，"
                f"可用 `govai model add` 添加（如 vLLM、Xinference 部署的向量或重排模型）。",
                provider=name,
                http_status=status,
                endpoint=endpoint,
            )
        return ProviderBadResponse(
            f"模型服务 {name} 返回错误（HTTP {status}）。请检查地址、模型名和密钥，"
            f"可用 `govai model test {name}` 测试。",
            provider=name,
            http_status=status,
        )

    def _translate(self, exc: Exception, endpoint: str = "chat/completions") -> Exception:
        name = self.config.name
        if isinstance(exc, openai.APITimeoutError) or "Timeout" in type(exc).__name__:
            return self._timeout()
        if isinstance(exc, openai.APIStatusError):
            return self._http_error(exc.status_code, endpoint)
        if isinstance(exc, openai.APIConnectionError):
            return self._unreachable()
        return ProviderBadResponse(
            f"模型服务 {name} 的响应无法解析（{type(exc).__name__}），不是 OpenAI 兼容的格式。",
            provider=name,
        )

    def _garbage(self, what: str) -> ProviderBadResponse:
        return ProviderBadResponse(
            f"模型服务 {self.config.name} 的响应无效：{what}。请确认它是 OpenAI 兼容的接口。",
            provider=self.config.name,
        )

    # -- the interface

    def complete(self, call: ProviderCall) -> ProviderReply:
        with self._client() as client:
            try:
                result: Any = client.chat.completions.create(**self._params(call))
            except Exception as exc:
                raise self._translate(exc) from exc
        choices = getattr(result, "choices", None)
        if not choices:
            raise self._garbage("没有返回任何候选回答（choices 为空）")
        content = getattr(getattr(choices[0], "message", None), "content", None)
        if not isinstance(content, str):
            raise self._garbage("回答中没有文本内容")
        usage = getattr(result, "usage", None)
        return ProviderReply(
            text=content,
            model=str(getattr(result, "model", "") or self.config.model),
            tokens_in=int(getattr(usage, "prompt_tokens", 0) or 0),
            tokens_out=int(getattr(usage, "completion_tokens", 0) or 0),
        )

    def stream(self, call: ProviderCall) -> Iterator[Chunk]:
        with self._client() as client:
            try:
                events: Any = client.chat.completions.create(
                    **self._params(call), stream=True, stream_options={"include_usage": True}
                )
                with events:
                    yield from self._chunks(events)
            except (ProviderError, GeneratorExit):
                raise
            except Exception as exc:
                raise self._translate(exc) from exc

    def _chunks(self, events: Any) -> Iterator[Chunk]:
        got_any = False
        for event in events:
            usage = getattr(event, "usage", None)
            choices = getattr(event, "choices", None)
            if choices is None and usage is None:
                raise self._garbage("流式数据块格式不正确")
            for choice in choices or []:
                text = getattr(getattr(choice, "delta", None), "content", None)
                if text:
                    got_any = True
                    yield Chunk(text)
            if usage is not None:
                got_any = True
                yield Chunk(
                    tokens_in=int(getattr(usage, "prompt_tokens", 0) or 0),
                    tokens_out=int(getattr(usage, "completion_tokens", 0) or 0),
                )
        if not got_any:
            raise self._garbage("流式响应中没有任何内容")

    # -- optional capabilities (see EmbeddingProvider / RerankProvider in base.py)

    def embed(self, texts: list[str], model: str) -> list[list[float]]:
        with self._client() as client:
            try:
                result: Any = client.embeddings.create(
                    model=model or self.config.model, input=texts, encoding_format="float"
                )
            except Exception as exc:
                raise self._translate(exc, "embeddings") from exc
        data = getattr(result, "data", None)
        if not isinstance(data, list) or len(data) != len(texts):
            got = len(data) if isinstance(data, list) else 0
            raise self._garbage(f"送出 {len(texts)} 段文本，却返回了 {got} 个向量")
        if all(isinstance(getattr(item, "index", None), int) for item in data):
            data = sorted(data, key=lambda item: item.index)
            if [item.index for item in data] != list(range(len(texts))):
                raise self._garbage("向量的序号（index）与送出的文本对不上")
        vectors = [self._vector(getattr(item, "embedding", None)) for item in data]
        if len({len(v) for v in vectors}) > 1:
            raise self._garbage("返回的向量长度不一致")
        return vectors

    def _vector(self, value: Any) -> list[float]:
        if not isinstance(value, list) or not value:
            raise self._garbage("向量不是数字列表（可能不支持 encoding_format=float）")
        try:
            vector = [float(v) for v in value]
        except (TypeError, ValueError):
            raise self._garbage("向量中含有非数字的值") from None
        if not all(math.isfinite(v) for v in vector):
            raise self._garbage("向量中含有 NaN 或无穷大")
        return vector

    def rerank(self, query: str, documents: list[str], model: str) -> list[float]:
        body = {
            "model": model or self.config.model,
            "query": query,
            "documents": documents,
            "top_n": len(documents),
        }
        headers = {"Authorization": f"Bearer {self._api_key()}"} if self.config.api_key_env else {}
        url = self.config.base_url.rstrip("/") + "/rerank"
        try:
            with httpx.Client(timeout=self.config.timeout_seconds) as http:
                response = http.post(url, json=body, headers=headers)
        except httpx.TimeoutException as exc:
            raise self._timeout() from exc
        except httpx.HTTPError as exc:
            raise self._unreachable() from exc
        if response.status_code >= 400:
            raise self._http_error(response.status_code, "rerank")
        try:
            payload = response.json()
        except ValueError:
            raise self._garbage("重排接口的响应不是 JSON") from None
        results = payload.get("results") if isinstance(payload, dict) else None
        if not isinstance(results, list):
            raise self._garbage("重排接口的响应中没有 results 列表")
        scores: dict[int, float] = {}
        for item in results:
            index = item.get("index") if isinstance(item, dict) else None
            score = item.get("relevance_score") if isinstance(item, dict) else None
            if not isinstance(index, int) or not 0 <= index < len(documents) or index in scores:
                raise self._garbage("重排结果的序号（index）无效或重复")
            if isinstance(score, bool) or not isinstance(score, int | float):
                raise self._garbage("重排结果缺少数值型的 relevance_score")
            if not math.isfinite(score):
                raise self._garbage("重排分数为 NaN 或无穷大")
            scores[index] = float(score)
        if len(scores) != len(documents):
            raise self._garbage(
                f"送出 {len(documents)} 段文本，只返回了 {len(scores)} 段的相关度分数"
            )
        return [scores[i] for i in range(len(documents))]
