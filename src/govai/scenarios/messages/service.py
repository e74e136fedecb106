"""Citizen messages: who sees them and their personal data, intake, listing, and dispatch.

Access, decided here once for the CLI, the API and the console:

- **Seeing** messages: staff, reviewers and department administrators see the messages received
  by their own organisation's line (its ancestors, itself and below) and the messages routed to
  their department or one below it; the system administrator sees all.
  Citizens and the security administrator and auditor do not see messages.
- **Personal data** (the author, ID and phone numbers in the text) is shown in full only to the
  staff and department administrators of the receiving organisation or above it, and to those of
  the department the message is routed to; everyone else sees it starred (``redact``).
- **Handling** (import, dispatch, assign, reply): staff and department administrators who see
  the message.

Dispatch: the active version of a named model suggests a department with its probability; at or
above ``dispatch_min_confidence`` the message is routed, below it it waits in the human
dispatch queue. Every human assignment of a message that had a suggestion is kept as a
:class:`DispatchCorrection` and joins the training data the next time that model is trained.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, or_, select, true
from sqlalchemy.orm import Session

from govai.accounts.models import Organization
from govai.accounts.principal import Principal
from govai.accounts.roles import Role
from govai.accounts.service import ancestor_ids, get_org, subtree_ids
from govai.errors import NotFound, PermissionDenied, ValidationError
from govai.gateway.masking import redact, redact_name
from govai.governance import audit
from govai.scenarios.messages.intake import MessageRow, ReadReport, read_messages, to_utc
from govai.scenarios.messages.models import (
    ASSIGNED,
    NEW,
    QUEUED,
    ROUTED,
    DispatchCorrection,
    DispatchModel,
    Message,
)
from govai.settings import Settings
from govai.storage.base import utcnow
from govai.tabular import read_table
from govai.validation import clean_text

if TYPE_CHECKING:  # scikit-learn loads only when a model is trained or used
    from govai.analytics.classifier import Evaluation, Prediction, TextClassifier

Progress = Callable[[str], None]
_VIEW_ROLES = (Role.STAFF, Role.REVIEWER, Role.DEPT_ADMIN, Role.SYS_ADMIN)
_HANDLE_ROLES = (Role.STAFF, Role.DEPT_ADMIN)
# a search text holding what redaction stars: a run of digits (a phone, ID or card number, or
# part of one) or an e-mail address
_PERSONAL_QUERY = re.compile(r"\d{4,}|@")
_BEIJING_OFFSET = timedelta(hours=8)


# ---------------------------------------------------------------- access


def _trusted(actor: Principal) -> bool:
    return actor.via in ("cli", "system")


@dataclass(frozen=True)
class Scope:
    """What one person sees: messages received by these organisations, and messages routed to
    a department with one of these names. ``everything`` for the shell and system admins."""

    everything: bool
    org_ids: frozenset[int] = frozenset()
    departments: frozenset[str] = frozenset()
    # who sees personal data in full: the shell, or a handler for messages received at or
    # below their organisation and messages routed to their departments
    personal_all: bool = False
    personal_org_ids: frozenset[int] = frozenset()
    personal_departments: frozenset[str] = frozenset()

    def allows(self, org_id: int, department: str) -> bool:
        return self.everything or org_id in self.org_ids or department in self.departments

    def personal(self, org_id: int, department: str) -> bool:
        return (
            self.personal_all
            or org_id in self.personal_org_ids
            or (bool(department) and department in self.personal_departments)
        )

    def where_personal(self, org_column: Any, department_column: Any) -> Any:
        """A SQL condition: the rows whose personal data this person may see."""
        if self.personal_all:
            return true()
        return or_(
            org_column.in_(self.personal_org_ids or {-1}),
            department_column.in_(self.personal_departments or {""}) & (department_column != ""),
        )

    def where(self, org_column: Any, department_column: Any) -> Any:
        """A SQL condition for a query over rows with these two columns; None when unlimited."""
        if self.everything:
            return None
        return or_(
            org_column.in_(self.org_ids or {-1}),
            department_column.in_(self.departments or {""}) & (department_column != ""),
        )


def scope_of(session: Session, actor: Principal) -> Scope:
    """The receiving organisation's line (its ancestors, itself and below) and the departments
    of the person's own subtree (a message routed there is theirs to handle)."""
    if _trusted(actor):
        return Scope(True, personal_all=True)
    if not actor.has(*_VIEW_ROLES) or actor.org_id is None:
        return Scope(actor.has(Role.SYS_ADMIN))
    below = frozenset(subtree_ids(session, actor.org_id))
    names = frozenset(
        session.execute(select(Organization.name).where(Organization.id.in_(below))).scalars()
    )
    handler = actor.has(*_HANDLE_ROLES)
    return Scope(
        actor.has(Role.SYS_ADMIN),
        below | ancestor_ids(session, actor.org_id),
        names,
        personal_org_ids=below if handler else frozenset(),
        personal_departments=names if handler else frozenset(),
    )


def require_viewer(actor: Principal) -> None:
    if not (_trusted(actor) or actor.has(*_VIEW_ROLES)):
        raise PermissionDenied("您无权查看群众留言。留言由工作人员、审核员和部门管理员处理。")


def require_handler(actor: Principal) -> None:
    if not (_trusted(actor) or actor.has(*_HANDLE_ROLES)):
        raise PermissionDenied(
            "您无权办理群众留言。办理（导入、分办、答复）由工作人员和部门管理员进行。"
        )


def can_see(session: Session, actor: Principal, message: Message) -> bool:
    return scope_of(session, actor).allows(message.org_id, message.department)


def get_message(session: Session, actor: Principal, message_id: int) -> Message:
    require_viewer(actor)
    message = session.get(Message, message_id)
    if message is None or not can_see(session, actor, message):
        raise NotFound(f"没有编号为 {message_id} 的留言，或您无权查看。")
    return message


@dataclass(frozen=True)
class MessageView:
    """A message as one person may see it: personal data starred unless they may see it."""

    id: int
    external_id: str
    org: str
    author: str
    title: str
    text: str
    received_at: datetime | None
    likes: int
    dislikes: int
    place: str
    sentiment: str
    department: str
    dispatch_status: str
    suggestion: str
    confidence: float
    top: list[list[object]]
    reply: str
    reply_status: str
    personal: bool  # True when shown unredacted

    @classmethod
    def of(cls, message: Message, personal: bool) -> MessageView:
        show_text = (lambda t: t) if personal else redact
        return cls(
            id=message.id,
            external_id=message.external_id or "",
            org=message.org.name if message.org else "",
            author=message.author if personal else redact_name(message.author),
            title=show_text(message.title),
            text=show_text(message.text),
            received_at=message.received_at,
            likes=message.likes,
            dislikes=message.dislikes,
            place=message.place,
            sentiment=message.sentiment,
            department=message.department,
            dispatch_status=message.dispatch_status,
            suggestion=message.suggestion,
            confidence=message.confidence,
            top=list(message.top or []),
            reply=show_text(message.reply),
            reply_status=message.reply_status,
            personal=personal,
        )


def view(
    session: Session, actor: Principal, message: Message, scope: Scope | None = None
) -> MessageView:
    """``message`` as ``actor`` may see it; pass ``scope`` when showing many messages."""
    scope = scope or scope_of(session, actor)
    return MessageView.of(message, scope.personal(message.org_id, message.department))


@dataclass(frozen=True)
class MessageFilter:
    status: str = ""  # a dispatch status, or "" for all
    department: str = ""
    query: str = ""  # substring of title or text
    limit: int = 50
    offset: int = 0


def list_messages(
    session: Session, actor: Principal, flt: MessageFilter = MessageFilter()
) -> tuple[list[MessageView], int]:
    """The messages ``actor`` sees, newest first, and how many match in all."""
    require_viewer(actor)
    stmt = select(Message)
    scope = scope_of(session, actor)
    condition = scope.where(Message.org_id, Message.department)
    if condition is not None:
        stmt = stmt.where(condition)
    if flt.status:
        stmt = stmt.where(Message.dispatch_status == flt.status)
    if flt.department:
        stmt = stmt.where(Message.department == flt.department)
    if flt.query:
        like = f"%{flt.query}%"
        stmt = stmt.where(Message.title.like(like) | Message.text.like(like))
        if _PERSONAL_QUERY.search(flt.query):
            # a number a reader sees starred must not be confirmed by a search for it
            stmt = stmt.where(scope.where_personal(Message.org_id, Message.department))
    total = session.execute(select(func.count()).select_from(stmt.subquery())).scalar_one()
    rows = session.execute(
        stmt.order_by(Message.received_at.desc().nulls_last(), Message.id.desc())
        .limit(max(1, min(flt.limit, 500)))
        .offset(max(0, flt.offset))
    ).scalars()
    return [view(session, actor, m, scope) for m in rows], int(total)


# ---------------------------------------------------------------- intake


@dataclass
class ImportReport:
    file: str
    read: int = 0
    created: int = 0
    updated: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)
    columns: dict[str, str] = field(default_factory=dict)
    routed: int = 0
    queued: int = 0
    warnings: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, object]:
        return {
            "warnings": self.warnings,
            "file": self.file,
            "read": self.read,
            "created": self.created,
            "updated": self.updated,
            "routed": self.routed,
            "queued": self.queued,
            "columns": self.columns,
            "errors": [{"row": r, "error": e} for r, e in self.errors],
        }


def _target_org(session: Session, actor: Principal, org_code: str | None) -> Organization:
    if org_code:
        org = get_org(session, org_code)
    elif actor.org_id is not None:
        org = session.get(Organization, actor.org_id)  # type: ignore[assignment]
    else:
        raise ValidationError("请用 --org 指定接收留言的机构编码（见 `govai org list`）。")
    scope = scope_of(session, actor)
    if not scope.everything and org.id not in scope.org_ids:
        raise PermissionDenied(f"您无权向“{org.name}”录入留言。")
    return org


def _store(
    session: Session, org: Organization, row: MessageRow, channel: str
) -> tuple[Message, bool]:
    message: Message | None = None
    if row.external_id:
        message = session.execute(
            select(Message).where(Message.org_id == org.id, Message.external_id == row.external_id)
        ).scalar_one_or_none()
    created = message is None
    if message is None:
        message = Message(org_id=org.id, external_id=row.external_id or None, channel=channel)
        session.add(message)
    message.author = row.author
    message.title = row.title
    message.text = row.text
    message.received_at = to_utc(row.time)
    message.likes = row.likes
    message.dislikes = row.dislikes
    if row.reply:
        message.reply = row.reply
        message.replied_at = to_utc(row.reply_time)
        message.reply_status = "published"
    if row.label and created:
        message.department = row.label  # a historical export already routed
        message.dispatch_status = ASSIGNED
        message.assigned_by = "import"
    return message, created


def import_file(
    session: Session,
    settings: Settings,
    actor: Principal,
    path: Path,
    *,
    org_code: str | None = None,
    mapping: dict[str, str] | None = None,
    model: str | None = None,
    progress: Progress | None = None,
) -> ImportReport:
    """Import one export in one transaction (the caller's session): every good row is created
    or, when its 留言编号 is already known in that organisation, updated; bad rows are reported.
    New messages without a department are dispatched when a model is active."""
    require_handler(actor)
    read = read_messages(read_table(path), mapping)
    return import_rows(
        session, settings, actor, read, org_code=org_code, model=model, progress=progress
    )


def import_rows(
    session: Session,
    settings: Settings,
    actor: Principal,
    read: ReadReport,
    *,
    org_code: str | None = None,
    model: str | None = None,
    progress: Progress | None = None,
) -> ImportReport:
    """Store rows already read from an export (see :func:`import_file`)."""
    require_handler(actor)
    org = _target_org(session, actor, org_code)
    if model:
        get_model(session, model)  # a model the person names must exist (a typo is not silent)
    report = ImportReport(read.name, read=len(read.rows), errors=read.errors, columns=read.columns)
    touched: list[Message] = []
    for i, row in enumerate(read.rows, start=1):
        message, created = _store(session, org, row, "import")
        touched.append(message)
        if created:
            report.created += 1
        else:
            report.updated += 1
        if progress and i % 500 == 0:
            progress(f"已读入 {i}/{len(read.rows)} 条")
    session.flush()
    if progress:
        progress("计算地点与情感倾向…")
    annotate(touched)
    fresh = [m for m in touched if m.dispatch_status == NEW and not m.department]
    report.routed, report.queued, warning = dispatch_new(
        session, settings, actor, fresh, model or settings.dispatch_model
    )
    if warning:
        report.warnings.append(warning)
    audit.record(
        session,
        "messages.import",
        actor=actor,
        object_type="organization",
        object_id=org.code,
        summary=(
            f"导入 {read.name}：新增 {report.created}，更新 {report.updated}，"
            f"有误 {len(report.errors)} 行"
        ),
    )
    return report


@dataclass(frozen=True)
class NewMessage:
    title: str
    text: str
    author: str = ""
    external_id: str = ""
    received_at: datetime | None = None  # Beijing local time as the person gave it
    org_code: str | None = None
    channel: str = "console"


def create_message(
    session: Session, settings: Settings, actor: Principal, new: NewMessage
) -> Message:
    """One message typed in the console or posted to the API; dispatched at once."""
    require_handler(actor)
    org = _target_org(session, actor, new.org_code)
    title = clean_text(new.title, "留言主题", 500, required=False)
    text = new.text.strip()
    if not text and not title:
        raise ValidationError("留言主题和留言详情不能都为空。")
    if len(text) > 20000:
        raise ValidationError(f"留言详情不能超过 20000 个字符（现为 {len(text)} 个）。")
    row = MessageRow(
        row=0,
        external_id=clean_text(new.external_id, "留言编号", 64, required=False),
        author=clean_text(new.author, "留言用户", 100, required=False),
        title=title,
        text=text,
        time=new.received_at or (utcnow() + _BEIJING_OFFSET),
    )
    if (
        row.external_id
        and session.execute(
            select(Message.id).where(
                Message.org_id == org.id, Message.external_id == row.external_id
            )
        ).first()
    ):
        raise ValidationError(f"留言编号 {row.external_id} 已存在。")
    message, _ = _store(session, org, row, new.channel)
    session.flush()
    annotate([message])
    dispatch_new(session, settings, actor, [message], settings.dispatch_model)
    audit.record(
        session,
        "messages.create",
        actor=actor,
        object_type="message",
        object_id=message.id,
        summary=f"录入留言：{title[:40] or text[:40]}",
    )
    return message


def annotate(messages: Sequence[Message]) -> None:
    """Place and sentiment of each message, computed offline when it arrives."""
    if not messages:
        return
    from govai.analytics.sentiment import analyse_many

    results = analyse_many([m.text for m in messages], [m.title for m in messages])
    for message, result in zip(messages, results, strict=True):
        message.sentiment = result.label
        message.sentiment_score = round(result.score, 4)
        message.place = place_of(message.title, message.text)[:200]


def place_of(title: str, text: str) -> str:
    """The first named place of the title, else of the start of the text (as written)."""
    from govai.analytics.places import extract_places

    for source in (title, text[:300]):
        found = extract_places(source)
        if found:
            return found[0].text
    return ""


# ---------------------------------------------------------------- dispatch models


_cache_lock = threading.Lock()
# Loaded classifiers by (row id, creation time, size): a process may serve several databases
# (tests do), where row ids repeat; a version is never changed in place.
_classifiers: dict[tuple[int, datetime, int], TextClassifier] = {}


def active_model(session: Session, name: str) -> DispatchModel | None:
    """The version of the dispatch model ``name`` that predictions use, if any."""
    if not name:
        return None
    return session.execute(
        select(DispatchModel)
        .where(DispatchModel.name == name, DispatchModel.active.is_(True))
        .order_by(DispatchModel.version.desc())
        .limit(1)
    ).scalar_one_or_none()


def get_model(session: Session, name: str, version: int | None = None) -> DispatchModel:
    if version is None:
        model = active_model(session, name)
    else:
        model = session.execute(
            select(DispatchModel).where(
                DispatchModel.name == name, DispatchModel.version == version
            )
        ).scalar_one_or_none()
    if model is None:
        names = sorted(set(session.execute(select(DispatchModel.name)).scalars()))
        raise NotFound(
            f"没有名为 {name!r} 的分办模型{'' if version is None else f'第 {version} 版'}。"
            f"已有模型：{'、'.join(names) or '（无）'}。用 `govai dispatch train` 训练。"
        )
    return model


def classifier_of(model: DispatchModel) -> TextClassifier:
    from govai.analytics.classifier import TextClassifier

    key = (model.id, model.created_at, len(model.data))
    with _cache_lock:
        found = _classifiers.get(key)
    if found is None:
        found = TextClassifier.from_bytes(model.data)
        with _cache_lock:
            _classifiers[key] = found
    return found


def list_models(session: Session) -> list[DispatchModel]:
    return list(
        session.execute(
            select(DispatchModel).order_by(DispatchModel.name, DispatchModel.version.desc())
        ).scalars()
    )


@dataclass(frozen=True)
class TrainingRow:
    text: str
    label: str
    title: str = ""


def training_rows_from_table(
    path: Path, text_col: str, label_col: str, title_col: str | None = None
) -> list[TrainingRow]:
    """Labelled rows of a CSV/XLSX file; the named columns must exist."""
    from govai.tabular import column_index

    table = read_table(path)
    cols: dict[str, int] = {}
    for key, name in (("text", text_col), ("label", label_col), ("title", title_col)):
        if name is None:
            continue
        index = column_index(table.header, name)
        if index is None:
            raise ValidationError(
                f"“{path.name}”中没有列“{name}”。表头为：{'、'.join(table.header)}。"
            )
        cols[key] = index
    rows = []
    for _, cells in table.numbered():
        rows.append(
            TrainingRow(
                text=cells[cols["text"]],
                label=cells[cols["label"]].strip(),
                title=cells[cols["title"]] if "title" in cols else "",
            )
        )
    return rows


def correction_rows(session: Session, name: str) -> list[TrainingRow]:
    """The latest human routing of each corrected message, as training rows for model ``name``."""
    latest: dict[int, str] = {}
    for message_id, chosen in session.execute(
        select(DispatchCorrection.message_id, DispatchCorrection.chosen)
        .where(DispatchCorrection.model_name == name)
        .order_by(DispatchCorrection.at, DispatchCorrection.id)
    ):
        latest[message_id] = chosen
    if not latest:
        return []
    messages = session.execute(select(Message).where(Message.id.in_(latest))).scalars()
    return [TrainingRow(m.text, latest[m.id], m.title) for m in messages]


@dataclass
class TrainResult:
    model: DispatchModel
    evaluation: Evaluation
    dropped: dict[str, int]
    corrections: int


def train_model(
    session: Session,
    actor: Principal,
    name: str,
    rows: Sequence[TrainingRow],
    *,
    source: str = "",
    use_titles: bool = False,
    include_corrections: bool = True,
    progress: Progress | None = None,
) -> TrainResult:
    """Evaluate on a 70/30 stratified split, train on everything, store as the next version."""
    from govai.analytics.classifier import TextClassifier, clean_training_set, evaluate

    require_handler(actor)
    name = clean_text(name, "模型名称", 64)
    extra = correction_rows(session, name) if include_corrections else []
    all_rows = list(rows) + extra
    titles = [r.title for r in all_rows] if use_titles else None
    cleaned = clean_training_set([r.text for r in all_rows], [r.label for r in all_rows], titles)
    if progress:
        progress(f"训练数据 {len(cleaned.texts)} 条（另有 {len(extra)} 条人工改派记录）")
    if progress:
        progress("在 70/30 分层留出集上评估…")
    _, evaluation = evaluate(cleaned.texts, cleaned.labels, cleaned.titles)
    if progress:
        progress(f"留出集 macro-F1 {evaluation.macro_f1:.3f}；用全部数据训练最终模型…")
    classifier = TextClassifier.train(
        cleaned.texts, cleaned.labels, cleaned.titles, progress=progress
    )
    version = (
        session.execute(
            select(func.max(DispatchModel.version)).where(DispatchModel.name == name)
        ).scalar_one_or_none()
        or 0
    ) + 1
    for old in session.execute(
        select(DispatchModel).where(DispatchModel.name == name, DispatchModel.active.is_(True))
    ).scalars():
        old.active = False
    model = DispatchModel(
        name=name,
        version=version,
        active=True,
        labels=list(classifier.labels),
        evaluation=evaluation.to_dict(),
        training={
            "source": source,
            "rows": len(all_rows),
            "used": len(cleaned.texts),
            "corrections": len(extra),
            "dropped": cleaned.dropped,
            "titles": use_titles,
            "classifier": classifier.describe(),
        },
        data=classifier.to_bytes(),
        created_by=actor.username,
    )
    session.add(model)
    session.flush()
    audit.record(
        session,
        "dispatch.train",
        actor=actor,
        object_type="dispatch_model",
        object_id=f"{name}:{version}",
        summary=(
            f"训练分办模型 {name} 第 {version} 版：{len(cleaned.texts)} 条，"
            f"macro-F1 {evaluation.macro_f1:.3f}"
        ),
    )
    return TrainResult(model, evaluation, cleaned.dropped, len(extra))


# ---------------------------------------------------------------- dispatching


def dispatch(
    session: Session,
    settings: Settings,
    actor: Principal,
    messages: Sequence[Message],
    model_name: str,
) -> tuple[int, int]:
    """Suggest a department for each message; route the confident ones, queue the rest.
    Returns (routed, queued)."""
    model = get_model(session, model_name)
    classifier = classifier_of(model)
    predictions = classifier.predict([m.text for m in messages], [m.title for m in messages])
    floor = float(settings.dispatch_min_confidence)
    routed = queued = 0
    for message, p in zip(messages, predictions, strict=True):
        if apply_suggestion(message, p, floor, model.id):
            routed += 1
        else:
            queued += 1
    if messages:
        audit.record(
            session,
            "dispatch.suggest",
            actor=actor,
            object_type="dispatch_model",
            object_id=f"{model.name}:{model.version}",
            summary=f"智能分办 {len(messages)} 条：自动分办 {routed}，转人工 {queued}",
        )
    return routed, queued


def apply_suggestion(message: Message, p: Prediction, floor: float, model_id: int | None) -> bool:
    """Store a suggestion on ``message`` and route it when its label is at least ``floor``
    confident (True); otherwise put it in the human dispatch queue. An empty label (a chat
    model gave no usable answer) never routes."""
    message.suggestion = p.label
    message.confidence = round(p.confidence, 4)
    message.top = [[label, round(prob, 4)] for label, prob in p.top]
    message.model_id = model_id
    if p.label and p.confidence >= floor:
        message.department = p.label
        message.dispatch_status = ROUTED
        return True
    message.department = ""
    message.dispatch_status = QUEUED
    return False


def dispatch_new(
    session: Session,
    settings: Settings,
    actor: Principal,
    messages: Sequence[Message],
    model_name: str,
) -> tuple[int, int, str]:
    """Dispatch newly arrived messages when the model ``model_name`` is active: (routed, queued,
    warning). A model that cannot be read never loses the messages: they stay undispatched
    (待分办) and the warning says how to fix the model.

    With ``dispatch_provider`` set, a chat model routes them instead, after this transaction
    commits (:func:`govai.scenarios.messages.llm_dispatch.schedule`): no model call is made
    while the intake holds its locks."""
    if messages and settings.dispatch_provider:
        from govai.scenarios.messages.llm_dispatch import schedule

        return schedule(session, settings, actor, messages, model_name)
    if not messages or not model_name or active_model(session, model_name) is None:
        return 0, 0, ""
    try:
        routed, queued = dispatch(session, settings, actor, messages, model_name)
    except ValidationError as exc:
        return 0, 0, f"留言已保存但未智能分办：{exc.message}"
    return routed, queued, ""


def assign(
    session: Session,
    actor: Principal,
    message_id: int,
    department: str,
    *,
    reason: str = "",
    departments: Iterable[str] | None = None,
) -> Message:
    """A person routes a message (from the queue, or re-routes a routed one)."""
    require_handler(actor)
    message = get_message(session, actor, message_id)
    department = clean_text(department, "承办部门", 100)
    reason = clean_text(reason, "改派理由", 500, required=False)
    allowed = list(departments) if departments is not None else None
    if allowed is not None and department not in allowed:
        raise ValidationError(f"承办部门“{department}”不在可选列表中：{'、'.join(allowed)}。")
    if message.model_id is not None:
        model = session.get(DispatchModel, message.model_id)
        session.add(
            DispatchCorrection(
                message_id=message.id,
                model_name=model.name if model else "",
                suggested=message.suggestion,
                chosen=department,
                reason=reason,
                by=actor.username,
            )
        )
    previous = message.department
    message.department = department
    message.dispatch_status = ASSIGNED
    message.assigned_by = actor.username
    audit.record(
        session,
        "dispatch.assign",
        actor=actor,
        object_type="message",
        object_id=message.id,
        summary=(
            f"人工分办至“{department}”"
            + (f"（原建议“{message.suggestion}”）" if message.suggestion != department else "")
            + (f"（原承办“{previous}”）" if previous and previous != department else "")
            + (f"，理由：{reason}" if reason else "")
        ),
    )
    return message


@dataclass(frozen=True)
class CorrectionView:
    """One person's routing of a message, as a reader of the message may see it."""

    at: datetime
    by: str
    suggested: str
    chosen: str
    reason: str


def corrections_of(
    session: Session, actor: Principal, message: Message, scope: Scope | None = None
) -> list[CorrectionView]:
    """The human routings of ``message`` (visible to ``actor``: see :func:`get_message`), oldest
    first. A reason may quote the citizen, so it is starred like the message's text."""
    scope = scope or scope_of(session, actor)
    personal = scope.personal(message.org_id, message.department)
    rows = session.execute(
        select(DispatchCorrection)
        .where(DispatchCorrection.message_id == message.id)
        .order_by(DispatchCorrection.at, DispatchCorrection.id)
    ).scalars()
    return [
        CorrectionView(
            c.at, c.by, c.suggested, c.chosen, c.reason if personal else redact(c.reason)
        )
        for c in rows
    ]


def departments_of(session: Session, model_name: str) -> list[str]:
    model = active_model(session, model_name)
    return list(model.labels) if model else []
