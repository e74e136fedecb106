"""答复意见 in the console: draft with the model, a person edits and approves, then it is sent.

The workflow over one message (辅助型定位 — the machine drafts, a person decides):

1. :func:`draft` — a handler of the message (its receiving organisation's line or the department
   it is routed to) asks for a draft. :func:`~govai.scenarios.messages.replies.draft_reply`
   writes it from the past replies this person may see (:func:`past_replies`) and, when chosen,
   a knowledge base. The draft is stored on the message (``reply_status`` ``draft``) with its
   evidence, the model call's produce id and who asked; the model call happens outside any
   database transaction, so a slow model holds no lock.
2. :func:`publish` — the person sends the text they approved, edited or not. It is refused while
   a 【请填写：…】 or 【…请核实】 note of the draft is left in it, the draft's explicit AI label
   is replaced by :data:`AI_ASSISTED_NOTE` at the end (the public sees that a machine helped
   and that a person reviewed it), and the difference between draft and sent text is kept as a
   unified diff with the draft. Writing a reply without a draft is publishing too.
3. :func:`discard` — the draft is thrown away.

Each step is one audited transaction. :func:`weak_replies` lists the sent replies a person may
see with their scores on the four dimensions of :mod:`govai.analytics.reply_quality`, weakest
first, for supervisors.
"""

from __future__ import annotations

import difflib
import hashlib
import re
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from govai.accounts.principal import Principal
from govai.analytics.reply_quality import ReplyQuality, assess_reply
from govai.analytics.similar import PastReply, SimilarReplies
from govai.errors import Conflict, PermissionDenied, ValidationError
from govai.gateway import ModelGateway
from govai.gateway.labels import EXPLICIT_LABEL
from govai.gateway.masking import redact
from govai.governance import audit
from govai.knowledge.index import get_index_backend
from govai.knowledge.retrieval import Retriever
from govai.knowledge.text import get_tokenizer, tokenize_many
from govai.scenarios.messages.models import DRAFT, PUBLISHED, Message
from govai.scenarios.messages.replies import ReplyDraft, draft_reply
from govai.scenarios.messages.service import (
    MessageView,
    Scope,
    get_message,
    require_handler,
    require_viewer,
    scope_of,
    view,
)
from govai.storage.base import utcnow
from govai.storage.db import Database

__all__ = [
    "AI_ASSISTED_NOTE",
    "MAX_REPLY",
    "WeakReply",
    "discard",
    "draft",
    "past_replies",
    "publish",
    "shown_draft",
    "weak_replies",
]

MAX_REPLY = 10000
AI_ASSISTED_NOTE = "（本答复由人工智能辅助起草，经工作人员审核后发出。）"
PAST_LIMIT = 5000
"""The newest sent replies a similar-reply index holds."""
QUALITY_LIMIT = 2000
"""The newest sent replies the quality page scores."""
_PLACEHOLDER = re.compile(r"【[^】]*(?:请填写|请核实)[^】]*】")
_INDEX_CACHE_SIZE = 8
MEMO_SIZE = 50_000
"""Per-message results kept between requests (tokens of past messages, quality scores)."""


class _Memo:
    """A bounded, thread-safe map that forgets the least recently used entries."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._data: OrderedDict[tuple[object, ...], Any] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[object, ...]) -> Any:
        with self._lock:
            value = self._data.get(key)
            if value is not None:
                self._data.move_to_end(key)
            return value

    def put(self, key: tuple[object, ...], value: Any) -> None:
        with self._lock:
            self._data[key] = value
            self._data.move_to_end(key)
            while len(self._data) > self._size:
                self._data.popitem(last=False)


# A sent reply changes the index's key, so the index is rebuilt often; the tokens of each past
# message (the slow part: jieba) are kept, and only new messages are tokenised.
_INDEXES = _Memo(_INDEX_CACHE_SIZE)
_TOKENS = _Memo(MEMO_SIZE)
# A sent reply is never changed, so its score is kept by message and reply time.
_SCORES = _Memo(MEMO_SIZE)


def _require_handles(scope: Scope, message: Message) -> None:
    """Only a handler of this message — its receiving organisation's line or the department it
    is routed to — drafts and sends its reply."""
    if not scope.personal(message.org_id, message.department):
        raise PermissionDenied(
            f"留言 {message.id} 由“{message.department or '接收机构'}”办理，"
            "只有接收机构或承办部门的工作人员可以起草和发出答复。"
        )


def _sent(scope: Scope) -> object:
    condition = scope.where(Message.org_id, Message.department)
    base = (Message.reply != "") & (Message.reply_status == PUBLISHED)
    return base if condition is None else base & condition


def _digest(text: str) -> bytes:
    return hashlib.blake2b(text.encode("utf-8"), digest_size=16).digest()


def past_replies(
    session: Session, actor: Principal, scope: Scope | None = None
) -> SimilarReplies | None:
    """An index of the replies already sent that ``actor`` may see (their messages' personal
    data starred unless the person may see it); None when there are none. Indexes are cached
    per scope and rebuilt when a reply is sent."""
    require_viewer(actor)
    scope = scope or scope_of(session, actor)
    condition = _sent(scope)
    count, newest, last = session.execute(
        select(func.count(Message.id), func.max(Message.id), func.max(Message.replied_at)).where(
            condition  # type: ignore[arg-type]
        )
    ).one()
    if not count:
        return None
    database = str(session.get_bind().engine.url)
    key = (database, scope, count, newest, last)
    cached: SimilarReplies | None = _INDEXES.get(key)
    if cached is not None:
        return cached
    rows = session.execute(
        select(Message)
        .where(condition)  # type: ignore[arg-type]
        .order_by(Message.replied_at.desc().nulls_last(), Message.id.desc())
        .limit(PAST_LIMIT)
    ).scalars()
    tokenizer = get_tokenizer()
    records: list[PastReply] = []
    corpus: list[list[str] | None] = []
    for message in rows:
        shown = view(session, actor, message, scope)
        when = message.replied_at.date().isoformat() if message.replied_at else ""
        record = PastReply(
            shown.external_id or str(shown.id), shown.title, shown.text, shown.reply, when
        )
        records.append(record)
        corpus.append(_TOKENS.get((database, tokenizer.fingerprint, _digest(record.message))))
    missing = [i for i, tokens in enumerate(corpus) if tokens is None]
    fresh = tokenize_many(tokenizer, [records[i].message for i in missing])
    for i, tokens in zip(missing, fresh, strict=True):
        corpus[i] = tokens
        _TOKENS.put((database, tokenizer.fingerprint, _digest(records[i].message)), tokens)
    index = SimilarReplies(
        records, [t or [] for t in corpus], tokenizer, get_index_backend("bm25s")
    )
    _INDEXES.put(key, index)
    return index


@dataclass(frozen=True)
class _DraftInput:
    title: str
    text: str
    department: str
    external_id: str


def draft(
    db: Database,
    gateway: ModelGateway,
    actor: Principal,
    message_id: int,
    *,
    retriever: Retriever | None = None,
    kb: str | None = None,
    provider: str | None = None,
    today: date | None = None,
) -> tuple[Message, ReplyDraft]:
    """Draft the reply to one message and store it for a person (see the module notes)."""
    require_handler(actor)
    with db.read() as session:
        message = get_message(session, actor, message_id)
        scope = scope_of(session, actor)
        _require_handles(scope, message)
        if message.reply_status == PUBLISHED:
            raise Conflict(f"留言 {message_id} 已经答复，不能再起草。")
        source = _DraftInput(
            message.title,
            message.text,
            message.department or message.org.name,
            message.external_id or "",
        )
        similar = past_replies(session, actor, scope)
    result = draft_reply(
        gateway,
        title=source.title,
        text=source.text,
        actor=actor,
        similar=similar,
        retriever=retriever if kb else None,
        kb=kb or None,
        provider=provider or None,
        department=source.department,
        today=today,
    )
    with db.session() as session:
        message = get_message(session, actor, message_id)
        if message.reply_status == PUBLISHED:
            raise Conflict(f"留言 {message_id} 在起草期间已被答复，草稿未保存。")
        own = source.external_id
        stored = result.as_dict()
        stored["similar"] = [s for s in result.similar if s.get("id") != own]
        stored |= {
            "kb": kb or "",
            "drafted_by": actor.username,
            "drafted_at": utcnow().isoformat(timespec="seconds"),
        }
        message.reply_draft = stored
        message.reply_status = DRAFT
        audit.record(
            session,
            "message.reply_draft",
            actor=actor,
            object_type="message",
            object_id=str(message.id),
            summary=(
                f"起草答复（{result.provider}，生成标识 {result.produce_id}，"
                f"引用 {len(result.citations)} 处）"
            ),
        )
        session.flush()
        return message, result


def _body_of(text: str) -> str:
    """The reply without the explicit label of a draft or the note of a sent reply."""
    text = text.strip()
    text = text.removeprefix(EXPLICIT_LABEL).strip()
    return text.removesuffix(AI_ASSISTED_NOTE).strip()


def shown_draft(stored: dict[str, Any], personal: bool) -> dict[str, Any]:
    """A message's stored draft as a reader sees it: unless they may see the message's personal
    data (``personal``), its text, the diff with the sent reply, the quotes and the past
    messages are starred like the message itself — a model's draft may repeat the citizen's
    number (the gateway restores what it masked)."""
    if personal:
        return dict(stored)

    def starred(value: object) -> object:
        if isinstance(value, str):
            return redact(value)
        if isinstance(value, dict):
            return {k: starred(v) for k, v in value.items()}
        if isinstance(value, list):
            return [starred(v) for v in value]
        return value

    shown = dict(stored)
    for key in ("text", "diff", "citations", "similar"):
        if key in shown:
            shown[key] = starred(shown[key])
    return shown


def publish(session: Session, actor: Principal, message_id: int, text: str) -> Message:
    """Send the reply ``text`` a person approved (see the module notes)."""
    require_handler(actor)
    message = get_message(session, actor, message_id)
    _require_handles(scope_of(session, actor), message)
    if message.reply_status == PUBLISHED:
        raise Conflict(f"留言 {message_id} 已经答复。")
    body = _body_of(text.replace("\r\n", "\n"))
    if not body:
        raise ValidationError("答复内容不能为空。")
    if len(body) > MAX_REPLY:
        raise ValidationError(f"答复不能超过 {MAX_REPLY} 个字符（现为 {len(body)} 个）。")
    left = _PLACEHOLDER.findall(body)
    if left:
        raise ValidationError(
            "答复中还有待填写或待核实的内容，请补充或删除后再发出："
            + "、".join(dict.fromkeys(left))
        )
    stored = dict(message.reply_draft or {})
    assisted = message.reply_status == DRAFT and bool(stored)
    now = utcnow()
    if assisted:
        before = _body_of(str(stored.get("text", "")))
        diff = "\n".join(
            difflib.unified_diff(
                before.splitlines(), body.splitlines(), "草稿", "发出", lineterm="", n=1
            )
        )
        stored |= {
            "edited": before != body,
            "diff": diff,
            "published_by": actor.username,
            "published_at": now.isoformat(timespec="seconds"),
        }
        message.reply_draft = stored
        body = f"{body}\n{AI_ASSISTED_NOTE}"
    message.reply = body
    message.replied_at = now
    message.reply_status = PUBLISHED
    if assisted:
        how = "经修改后发出" if stored["edited"] else "未经修改发出"
        summary = f"发出答复（人工智能辅助起草，{how}，生成标识 {stored.get('produce_id', '')}）"
    else:
        summary = "发出答复（人工撰写）"
    audit.record(
        session,
        "message.reply_publish",
        actor=actor,
        object_type="message",
        object_id=str(message.id),
        summary=summary,
    )
    return message


def discard(session: Session, actor: Principal, message_id: int) -> Message:
    """Throw away the stored draft of a message's reply."""
    require_handler(actor)
    message = get_message(session, actor, message_id)
    _require_handles(scope_of(session, actor), message)
    if message.reply_status != DRAFT:
        raise Conflict(f"留言 {message_id} 没有待审核的答复草稿。")
    message.reply_draft = {}
    message.reply_status = ""
    audit.record(
        session,
        "message.reply_discard",
        actor=actor,
        object_type="message",
        object_id=str(message.id),
        summary="放弃答复草稿",
    )
    return message


@dataclass(frozen=True)
class WeakReply:
    message: MessageView
    replied_at: datetime | None
    quality: ReplyQuality


def weak_replies(
    session: Session,
    actor: Principal,
    *,
    since: date | None = None,
    department: str = "",
    below: float = 1.0,
    holidays: Sequence[date] = (),
    limit: int = 100,
) -> tuple[list[WeakReply], int]:
    """The sent replies ``actor`` may see (received since ``since``, of one department if
    given), scored and sorted weakest first; those with an overall score under ``below``, at
    most ``limit``. Also returns how many replies were scored."""
    require_viewer(actor)
    scope = scope_of(session, actor)
    stmt = select(Message).where(_sent(scope))  # type: ignore[arg-type]
    if since is not None:
        start = datetime(since.year, since.month, since.day) - timedelta(hours=8)
        stmt = stmt.where(Message.received_at >= start)
    if department:
        stmt = stmt.where(Message.department == department)
    rows = session.execute(
        stmt.order_by(Message.replied_at.desc().nulls_last(), Message.id.desc()).limit(
            QUALITY_LIMIT
        )
    ).scalars()
    database = str(session.get_bind().engine.url)
    scored = []
    for message in rows:
        memo_key = (database, message.id, message.replied_at, tuple(holidays))
        quality = _SCORES.get(memo_key)
        if quality is None:
            quality = assess_reply(
                message.title,
                message.text,
                _body_of(message.reply),
                _beijing(message.received_at),
                _beijing(message.replied_at),
                holidays=holidays,
            )
            _SCORES.put(memo_key, quality)
        scored.append(WeakReply(view(session, actor, message, scope), message.replied_at, quality))
    total = len(scored)
    scored.sort(key=lambda w: (w.quality.overall, w.message.id))
    return [w for w in scored if w.quality.overall < below][: max(0, limit)], total


def _beijing(moment: datetime | None) -> datetime | None:
    """Stored UTC → the Beijing wall-clock time working days are counted in."""
    return None if moment is None else moment + timedelta(hours=8)
