"""/messages: citizen messages in the console — the list with its filters (the human dispatch
queue is the list filtered to 待人工分办), a form to record one message and an upload of an
export, and a message's page with the suggested department, its alternatives and the form to
route it. ``POST /api/messages`` (in :mod:`govai.web.routes.api`) records messages from other
systems through the same service.

Who sees what (and whose personal data) is decided by :mod:`govai.scenarios.messages.service`;
these pages show its Chinese messages with the input kept.
"""

from __future__ import annotations

import tempfile
from pathlib import Path, PurePath
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, File, Form, Query, Request, Response, UploadFile
from fastapi.responses import RedirectResponse

from govai.accounts.principal import Principal
from govai.accounts.roles import Role
from govai.errors import GovaiError, ValidationError
from govai.gateway import ModelGateway
from govai.knowledge import service as kb_service
from govai.knowledge.retrieval import Retriever
from govai.scenarios.messages import replying, service
from govai.scenarios.messages.models import ASSIGNED, DRAFT, NEW, PUBLISHED, QUEUED, ROUTED
from govai.storage.base import beijing
from govai.tabular import TABLE_SUFFIXES
from govai.web.auth import platform_of
from govai.web.nav import NavItem, register_nav
from govai.web.policy import allow
from govai.web.render import render, set_flash
from govai.web.views import org_tree

router = APIRouter()
PAGE = "/messages"
Viewer = Annotated[
    Principal, Depends(allow(Role.STAFF, Role.REVIEWER, Role.DEPT_ADMIN, Role.SYS_ADMIN))
]
Handler = Annotated[Principal, Depends(allow(Role.STAFF, Role.DEPT_ADMIN))]
PER_PAGE = 50
MAX_UPLOAD_BYTES = 20 * 1024 * 1024
STATUS_LABELS = {NEW: "待分办", ROUTED: "已自动分办", QUEUED: "待人工分办", ASSIGNED: "已人工分办"}
SENTIMENT_LABELS = {"negative": "负面", "neutral": "中性", "positive": "正面", "": "—"}

register_nav(
    NavItem(
        "群众留言",
        PAGE,
        frozenset({Role.STAFF, Role.REVIEWER, Role.DEPT_ADMIN, Role.SYS_ADMIN}),
        description="12345 与网络问政留言：智能分办、人工分办队列、答复",
    )
)


def message_row(v: service.MessageView) -> dict[str, Any]:
    return {
        "id": v.id,
        "external_id": v.external_id,
        "org": v.org,
        "author": v.author,
        "title": v.title or v.text[:40],
        "text": v.text,
        "received_at": beijing(v.received_at, "%Y-%m-%d %H:%M"),
        "likes": v.likes,
        "dislikes": v.dislikes,
        "place": v.place,
        "sentiment": SENTIMENT_LABELS.get(v.sentiment, v.sentiment),
        "sentiment_key": v.sentiment,
        "department": v.department,
        "status": v.dispatch_status,
        "status_label": STATUS_LABELS.get(v.dispatch_status, v.dispatch_status),
        "suggestion": v.suggestion,
        "confidence": v.confidence,
        "top": v.top,
        "reply": v.reply,
        "reply_status": v.reply_status,
        "personal": v.personal,
    }


def _list_page(
    request: Request,
    principal: Principal,
    *,
    status: str = "",
    department: str = "",
    q: str = "",
    page: int = 1,
    error: str = "",
    form: dict[str, Any] | None = None,
    report: dict[str, Any] | None = None,
    status_code: int = 200,
) -> Response:
    platform = platform_of(request)
    page = max(page, 1)
    flt = service.MessageFilter(status, department, q.strip(), PER_PAGE, (page - 1) * PER_PAGE)
    with platform.db.read() as session:
        views, total = service.list_messages(session, principal, flt)
        queued = service.list_messages(session, principal, service.MessageFilter(QUEUED, limit=1))[
            1
        ]
        can_handle = principal.has(Role.STAFF, Role.DEPT_ADMIN)
        orgs = [o for o in org_tree(session, principal)] if can_handle else []
        departments = service.departments_of(session, platform.settings.dispatch_model)
    pages = max(1, -(-total // PER_PAGE))
    query = {"status": status, "department": department, "q": q}

    def link(p: int) -> str:
        return f"{PAGE}?{urlencode({**query, 'page': p})}"

    context = {
        "messages": [message_row(v) for v in views],
        "total": total,
        "queued": queued,
        "status": status,
        "department": department,
        "q": q,
        "statuses": STATUS_LABELS,
        "departments": departments,
        "page": page,
        "pages": pages,
        "prev_link": link(page - 1) if page > 1 else "",
        "next_link": link(page + 1) if page < pages else "",
        "can_handle": can_handle,
        "orgs": orgs,
        "error": error,
        "form": form or {},
        "report": report,
        "accept": ",".join(TABLE_SUFFIXES),
    }
    return render(request, "messages.html", context, status_code=status_code)


@router.get(PAGE)
def messages_page(
    request: Request,
    principal: Viewer,
    status: str = "",
    department: str = "",
    q: str = "",
    page: Annotated[int, Query(ge=1, le=100000)] = 1,
) -> Response:
    if status and status not in STATUS_LABELS:
        status = ""
    return _list_page(request, principal, status=status, department=department, q=q, page=page)


@router.post(PAGE)
def message_create(
    request: Request,
    principal: Handler,
    title: Annotated[str, Form()] = "",
    text: Annotated[str, Form()] = "",
    author: Annotated[str, Form()] = "",
    external_id: Annotated[str, Form()] = "",
    org: Annotated[str, Form()] = "",
) -> Response:
    platform = platform_of(request)
    form = {"title": title, "text": text, "author": author, "external_id": external_id, "org": org}
    new = service.NewMessage(
        title=title, text=text, author=author, external_id=external_id, org_code=org or None
    )
    try:
        with platform.db.session() as session:
            message = service.create_message(session, platform.settings, principal, new)
            target = f"{PAGE}/{message.id}"
            done = f"已录入留言 {message.id}。" + (
                f"智能分办建议：{message.suggestion}（{message.confidence:.0%}）。"
                if message.suggestion
                else ""
            )
    except GovaiError as exc:
        return _list_page(request, principal, error=exc.message, form=form, status_code=exc.status)
    response = RedirectResponse(target, status_code=303)
    set_flash(response, done)
    return response


@router.post(PAGE + "/import")
def messages_import(
    request: Request,
    principal: Handler,
    file: Annotated[UploadFile, File()],
    org: Annotated[str, Form()] = "",
) -> Response:
    """Import one export synchronously (a 5,000-row sheet takes seconds) and show the report."""
    platform = platform_of(request)
    name = PurePath(file.filename or "").name
    try:
        if not name:
            raise ValidationError("请选择要导入的留言文件（.csv 或 .xlsx）。")
        data = file.file.read(MAX_UPLOAD_BYTES + 1)
        if len(data) > MAX_UPLOAD_BYTES:
            raise ValidationError(f"文件超过 {MAX_UPLOAD_BYTES // 1024 // 1024} MB，请拆分后导入。")
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / name
            path.write_bytes(data)
            with platform.db.session() as session:
                report = service.import_file(
                    session, platform.settings, principal, path, org_code=org or None
                )
    except GovaiError as exc:
        return _list_page(request, principal, error=exc.message, status_code=exc.status)
    return _list_page(request, principal, report=report.to_dict())


@router.get(PAGE + "/{message_id}")
def message_page(request: Request, principal: Viewer, message_id: int, error: str = "") -> Response:
    return _detail(request, principal, message_id)


def _detail(
    request: Request,
    principal: Principal,
    message_id: int,
    *,
    error: str = "",
    reply_text: str | None = None,
    status_code: int = 200,
) -> Response:
    platform = platform_of(request)
    with platform.db.read() as session:
        message = service.get_message(session, principal, message_id)
        scope = service.scope_of(session, principal)
        row = message_row(service.view(session, principal, message, scope))
        departments = service.departments_of(session, platform.settings.dispatch_model)
        row["reply_draft"] = replying.shown_draft(message.reply_draft or {}, row["personal"])
        corrections = [
            {**vars(c), "at": beijing(c.at, "%Y-%m-%d %H:%M")}
            for c in service.corrections_of(session, principal, message, scope)
        ]
        can_handle = principal.has(Role.STAFF, Role.DEPT_ADMIN)
        can_reply = can_handle and row["personal"]  # a handler of this very message
        kbs = [kb.name for kb in kb_service.visible_kbs(session, principal)] if can_reply else []
    draft = row["reply_draft"]
    context = {
        "m": row,
        "departments": departments,
        "corrections": corrections,
        "can_handle": can_handle,
        "can_reply": can_reply and row["reply_status"] != PUBLISHED,
        "kbs": kbs,
        "draft": draft if row["reply_status"] == DRAFT else {},
        "published_draft": draft if row["reply_status"] == PUBLISHED else {},
        "reply_text": reply_text if reply_text is not None else str(draft.get("text", "")),
        "error": error,
        "floor": float(platform.settings.dispatch_min_confidence),
    }
    return render(request, "message_detail.html", context, status_code=status_code)


@router.post(PAGE + "/{message_id}/assign")
def message_assign(
    request: Request,
    principal: Handler,
    message_id: int,
    department: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
) -> Response:
    platform = platform_of(request)
    try:
        with platform.db.session() as session:
            allowed = service.departments_of(session, platform.settings.dispatch_model) or None
            message = service.assign(
                session, principal, message_id, department, reason=reason, departments=allowed
            )
            done = f"留言 {message.id} 已分办至“{message.department}”。"
    except GovaiError as exc:
        return _detail(request, principal, message_id, error=exc.message, status_code=exc.status)
    response = RedirectResponse(f"{PAGE}/{message_id}", status_code=303)
    set_flash(response, done)
    return response


# ---------------------------------------------------------------- replies


def _back(message_id: int, done: str) -> Response:
    response = RedirectResponse(f"{PAGE}/{message_id}#reply", status_code=303)
    set_flash(response, done)
    return response


@router.post(PAGE + "/{message_id}/reply/draft")
def reply_draft(
    request: Request,
    principal: Handler,
    message_id: int,
    kb: Annotated[str, Form()] = "",
) -> Response:
    """Draft the reply with the model (see :mod:`govai.scenarios.messages.replying`)."""
    platform = platform_of(request)
    gateway: ModelGateway = request.app.state.gateway
    retriever: Retriever = request.app.state.retriever
    try:
        _, result = replying.draft(
            platform.db, gateway, principal, message_id, retriever=retriever, kb=kb or None
        )
    except GovaiError as exc:
        return _detail(request, principal, message_id, error=exc.message, status_code=exc.status)
    return _back(
        message_id,
        f"已生成答复草稿（引用 {len(result.citations)} 处资料），请核实、修改后再发出。",
    )


@router.post(PAGE + "/{message_id}/reply/publish")
def reply_publish(
    request: Request,
    principal: Handler,
    message_id: int,
    text: Annotated[str, Form()] = "",
) -> Response:
    platform = platform_of(request)
    try:
        with platform.db.session() as session:
            replying.publish(session, principal, message_id, text)
    except GovaiError as exc:
        return _detail(
            request,
            principal,
            message_id,
            error=exc.message,
            reply_text=text,
            status_code=exc.status,
        )
    return _back(message_id, f"留言 {message_id} 的答复已发出。")


@router.post(PAGE + "/{message_id}/reply/discard")
def reply_discard(request: Request, principal: Handler, message_id: int) -> Response:
    platform = platform_of(request)
    try:
        with platform.db.session() as session:
            replying.discard(session, principal, message_id)
    except GovaiError as exc:
        return _detail(request, principal, message_id, error=exc.message, status_code=exc.status)
    return _back(message_id, "已放弃答复草稿。")
