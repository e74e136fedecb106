"""Any OpenAI-compatible chat endpoint (vLLM, Ollama, Xinference, DeepSeek, Qwen …) through the
official ``openai`` SDK.

The API key is read at call time from the environment variable whose *name* is configured
(``api_key_env``); the key itself is never stored, logged or shown. Evidence is sent as one system
message placed before the conversation, each piece numbered and followed by its citation.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

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

    def _client(self) -> openai.OpenAI:
        key = "not-needed"  # local servers often take any key
        if self.config.api_key_env:
            value = os.environ.get(self.config.api_key_env)
            if not value:
                raise ProviderError(
                    f"模型服务 {self.config.name} 的密钥未设置："
                    "请在运行 govai 的环境中设置环境变量 "
                    f"{self.config.api_key_env}。",
                    provider=self.config.name,
                )
            key = value
        return openai.OpenAI(
            api_key=key,
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

    def _translate(self, exc: Exception) -> Exception:
        name = self.config.name
        if isinstance(exc, openai.APITimeoutError) or "Timeout" in type(exc).__name__:
            return ProviderTimeout(
                f"模型服务 {name} 在 {self.config.timeout_seconds:g} 秒内没有响应。请稍后重试，"
                "或检查该服务的负载；超时时间在添加模型服务时设置"
                "（`govai model add … --timeout 秒数`）。",
                provider=name,
            )
        if isinstance(exc, openai.APIStatusError):
            return ProviderBadResponse(
                f"模型服务 {name} 返回错误（HTTP {exc.status_code}）。请检查地址、模型名和密钥，"
                f"可用 `govai model test {name}` 测试。",
                provider=name,
                http_status=exc.status_code,
            )
        if isinstance(exc, openai.APIConnectionError):
            return ProviderError(
                f"无法连接模型服务 {name}（{self.config.base_url}）。请确认服务已启动、地址正确。",
                provider=name,
            )
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
