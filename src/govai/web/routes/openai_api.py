"""/v1: an OpenAI-compatible face of 智能问答, so existing chat clients and SDKs can ask a
knowledge base.

- ``GET /v1/models`` lists the knowledge bases the caller may use; a model *is* a knowledge base
  (its name is the model id).
- ``POST /v1/chat/completions``: the last user message is the question, the earlier user
  messages are the conversation's history; system and assistant messages are ignored, because
  the answer follows govai's own prompt, evidence and citation checks
  (:class:`~govai.scenarios.qa.QaService`). ``choices[0].message.content`` is the labelled
  answer (and, for a refusal, the hand-off to a person); a ``govai`` extension object carries the
  citations, whether it was refused and why, and the AIGC implicit label, which is also sent in
  the ``X-AIGC-Label`` header. ``stream: true`` answers with ``chat.completion.chunk`` server-sent
  events ending in ``data: [DONE]``; nothing is streamed before the answer has passed its
  checks, so a stream never shows text that is later withdrawn.

Authentication is ``Authorization: Bearer govai_…`` (an API token, acting with its owner's
roles), or nothing for public knowledge bases. Cookies are never consulted here, so a page on
another site cannot borrow a console session and no CSRF token is needed; a bearer value that
is not a govai token (the placeholder key such as ``EMPTY`` that SDKs insist on) is anonymous.

Errors on this path use OpenAI's shape, ``{"error": {"message", "type", "code", "param"}}``
(``code`` is govai's stable error code; a request that fails validation is 400, as OpenAI
answers it), installed over the app's handlers by :func:`install_errors`.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import time
from collections.abc import Iterator
from datetime import UTC
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import func, select
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from govai.accounts import service as accounts
from govai.accounts.principal import ANONYMOUS, Principal
from govai.errors import (
    GovaiError,
    HttpError,
    InternalError,
    UnknownKnowledgeBase,
    ValidationError,
)
from govai.gateway.labels import implicit_label_json
from govai.gateway.models import ModelCall
from govai.knowledge import service as knowledge
from govai.knowledge.models import KnowledgeBase
from govai.scenarios.qa import Answer
from govai.web.auth import add_security_headers, client_ip, platform_of
from govai.web.policy import POLICY_ATTR, Policy
from govai.web.routes.chat import compute_of, qa_of

log = logging.getLogger("govai.web")
router = APIRouter(prefix="/v1")
MAX_HISTORY = 20


def _bearer_principal(request: Request) -> Principal:
    anonymous = dataclasses.replace(ANONYMOUS, ip=client_ip(request))
    header = request.headers.get("authorization", "")
    if not header.lower().startswith("bearer "):
        return anonymous
    token = header[7:].strip()
    if not token.startswith(accounts.TOKEN_PREFIX):
        return anonymous
    with platform_of(request).db.session() as session:
        return accounts.authenticate_token(session, token, ip=anonymous.ip)


async def _caller(request: Request) -> Principal:
    """Anyone may call; a govai API token identifies the caller, cookies are ignored."""
    return await run_in_threadpool(_bearer_principal, request)


setattr(_caller, POLICY_ATTR, Policy(public=True))
Caller = Annotated[Principal, Depends(_caller)]


# ---------------------------------------------------------------- models


def model_card(kb: KnowledgeBase) -> dict[str, Any]:
    return {
        "id": kb.name,
        "object": "model",
        "created": int(kb.created_at.replace(tzinfo=UTC).timestamp()),
        "owned_by": kb.org.name,
        "title": kb.title,
        "public": kb.public,
    }


@router.get("/models")
def models(request: Request, principal: Caller) -> dict[str, Any]:
    with platform_of(request).db.read() as session:
        data = [model_card(kb) for kb in knowledge.visible_kbs(session, principal)]
    return {"object": "list", "data": data}


@router.get("/models/{model}")
def model(request: Request, principal: Caller, model: str) -> dict[str, Any]:
    with platform_of(request).db.read() as session:
        return model_card(knowledge.get_kb(session, model, principal))


# ---------------------------------------------------------------- chat completions


class ChatMessage(BaseModel):
    model_config = ConfigDict(extra="allow")

    role: str
    content: str | list[dict[str, Any]] | None = None


class ChatRequest(BaseModel):
    """The fields govai uses; the others a client sends (temperature, …) are accepted and
    ignored."""

    model_config = ConfigDict(extra="allow")

    model: str = Field(max_length=64)
    messages: list[ChatMessage] = Field(min_length=1)
    stream: bool = False
    stream_options: dict[str, Any] | None = None


def message_text(message: ChatMessage) -> str:
    """A message's text: a string, or the text parts of a content list."""
    if isinstance(message.content, str):
        return message.content
    parts = message.content or []
    return "".join(str(p.get("text", "")) for p in parts if p.get("type") == "text")


def conversation(messages: list[ChatMessage]) -> tuple[str, list[str]]:
    """The question (the last message, which must be the user's) and the earlier user
    questions, oldest first."""
    if messages[-1].role != "user":
        raise ValidationError(
            f"最后一条消息应为用户的问题（role 为 user），收到的是 {messages[-1].role!r}。",
            param="messages",
        )
    asked = [message_text(m).strip() for m in messages if m.role == "user"]
    question = asked[-1]
    if not question:
        raise ValidationError("问题不能为空：最后一条 user 消息没有文字内容。", param="messages")
    return question, [q for q in asked[:-1] if q][-MAX_HISTORY:]


def answer_content(answer: Answer) -> str:
    """What an OpenAI client shows: the labelled answer, and for a refusal the hand-off."""
    if answer.refused and answer.handoff:
        return f"{answer.answer}\n{answer.handoff}"
    return answer.answer


def govai_extension(answer: Answer) -> dict[str, Any]:
    return {
        "refused": answer.refused,
        "reason": answer.reason,
        "handoff": answer.handoff,
        "citations": [c.as_dict() for c in answer.citations],
        "label": answer.label,
        "aigc": answer.aigc,
        "exchange_id": answer.exchange_id,
    }


def usage_of(request: Request, answer: Answer) -> dict[str, int]:
    """Tokens of the model call behind the answer, from the call log (0 when a refusal needed
    no model call)."""
    prompt = completion = 0
    if answer.produce_id:
        with platform_of(request).db.read() as session:
            row = session.execute(
                select(func.sum(ModelCall.tokens_in), func.sum(ModelCall.tokens_out)).where(
                    ModelCall.produce_id == answer.produce_id
                )
            ).one()
            prompt, completion = int(row[0] or 0), int(row[1] or 0)
    return {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
    }


def _sse(data: dict[str, Any]) -> str:
    return f"data: {json.dumps(data, ensure_ascii=False)}\n\n"


@router.post("/chat/completions", response_model=None)
def chat_completions(
    request: Request, principal: Caller, body: ChatRequest
) -> JSONResponse | StreamingResponse:
    question, history = conversation(body.messages)
    qa = qa_of(request)
    with compute_of(request).held():
        answer = qa.ask(body.model, question, principal, history=history, channel="openai")
    completion_id = f"chatcmpl-{answer.produce_id or answer.exchange_id}"
    created = int(time.time())
    headers = {"X-AIGC-Label": implicit_label_json(answer.aigc)}
    usage = usage_of(request, answer)
    if not body.stream:
        completion = {
            "id": completion_id,
            "object": "chat.completion",
            "created": created,
            "model": body.model,
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": answer_content(answer)},
                    "finish_reason": "stop",
                    "logprobs": None,
                }
            ],
            "usage": usage,
            "govai": govai_extension(answer),
        }
        return JSONResponse(completion, headers=headers)

    include_usage = bool((body.stream_options or {}).get("include_usage"))

    def chunk(delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
        return {
            "id": completion_id,
            "object": "chat.completion.chunk",
            "created": created,
            "model": body.model,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish, "logprobs": None}],
        }

    def events() -> Iterator[str]:
        yield _sse(chunk({"role": "assistant", "content": ""}))
        for piece in qa.stream(answer):
            yield _sse(chunk({"content": piece}))
        if answer.refused and answer.handoff:
            yield _sse(chunk({"content": "\n" + answer.handoff}))
        yield _sse(chunk({}, "stop") | {"govai": govai_extension(answer)})
        if include_usage:
            yield _sse(chunk({}) | {"choices": [], "usage": usage})
        yield "data: [DONE]\n\n"

    headers["X-Accel-Buffering"] = "no"  # a reverse proxy must pass events on at once
    return StreamingResponse(events(), media_type="text/event-stream", headers=headers)


# ---------------------------------------------------------------- errors in OpenAI's shape

ERROR_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    409: "conflict_error",
    423: "authentication_error",
    429: "rate_limit_error",
}


def is_v1(request: Request) -> bool:
    return request.url.path == "/v1" or request.url.path.startswith("/v1/")


def openai_error(exc: GovaiError) -> JSONResponse:
    status = 400 if exc.status == 422 else exc.status
    kind = ERROR_TYPES.get(status, "server_error" if status >= 500 else "invalid_request_error")
    code = "model_not_found" if isinstance(exc, UnknownKnowledgeBase) else exc.code
    body = {
        "error": {
            "message": exc.message,
            "type": kind,
            "code": code,
            "param": exc.detail.get("param"),
        }
    }
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse(body, status_code=status, headers=headers)


def _as_govai_error(request: Request, exc: Exception) -> GovaiError:
    if isinstance(exc, GovaiError):
        return exc
    if isinstance(exc, RequestValidationError):
        fields = sorted(
            {str(e["loc"][-1]) for e in exc.errors() if len(e.get("loc", ())) > 1} or {"请求体"}
        )
        if any(e.get("type") == "json_invalid" for e in exc.errors()):
            return ValidationError("请求体不是合法的 JSON（UTF-8 编码），请检查后重新提交。")
        return ValidationError(
            f"请求参数不正确或缺失：{'、'.join(fields)}。需要 model（知识库名）与 messages。",
            param=fields[0],
        )
    if isinstance(exc, StarletteHTTPException):
        if exc.status_code == 404:
            return HttpError(
                f"找不到 {request.url.path}：兼容接口只有 /v1/models 与 /v1/chat/completions。",
                code="not_found",
                status=404,
            )
        if exc.status_code == 405:
            return HttpError(
                f"{request.url.path} 不支持 {request.method} 请求。",
                code="method_not_allowed",
                status=405,
            )
        return HttpError(str(exc.detail), code=f"http_{exc.status_code}", status=exc.status_code)
    log.exception("unexpected error on %s %s", request.method, request.url.path)
    return InternalError("服务器内部错误，已记录日志。请稍后重试；如持续出现，请联系系统管理员。")


def install_errors(app: FastAPI) -> None:
    """Answer errors under /v1 in OpenAI's shape; every other path keeps the app's handlers."""
    for kind in (GovaiError, StarletteHTTPException, RequestValidationError, Exception):
        fallback = app.exception_handlers[kind]

        async def handler(request: Request, exc: Exception, fallback: Any = fallback) -> Response:
            if not is_v1(request):
                response: Response = await fallback(request, exc)
                return response
            return add_security_headers(openai_error(_as_govai_error(request, exc)))

        app.add_exception_handler(kind, handler)
