"""The JSON API under /api: same callers, same rules as the console.

Authenticate with ``Authorization: Bearer govai_…`` (no CSRF token needed), or with the console
session cookie plus the ``X-CSRF-Token`` header for state-changing calls. Errors share the shape
``{"error": {"code", "message", "detail"?}}``.

智能问答 (``POST /api/ask``) and the knowledge-base reads are open to anonymous callers too: the
knowledge service limits them to public knowledge bases and 公开 documents. An anonymous POST
follows the console's rule for callers without a session — the double-submit token of the
``govai_csrf`` cookie repeated in ``X-CSRF-Token`` (the citizen chat page does this); a script
without a browser uses an API token, or ``/v1/chat/completions``, which takes no cookies at all.
辅助审批: ``POST /api/approval/check`` pre-checks an application without filing it (the contract
of ``govai approval check --json``; open to anyone, it stores nothing),
``POST /api/approval/applications`` files one for a window or another system (staff and
department administrators), ``POST /api/approval/track`` is the applicant's number + query code.

Every answer carries the AIGC implicit label in the ``X-AIGC-Label`` header as well as in the body.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Query, Request, UploadFile
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy import text

from govai.accounts import service as accounts
from govai.accounts.principal import Principal
from govai.accounts.roles import Role
from govai.errors import DatabaseUnavailable
from govai.gateway.labels import implicit_label_json
from govai.governance import audit
from govai.knowledge import service as knowledge
from govai.knowledge.importer import import_uploads
from govai.scenarios.qa import Answer
from govai.web.auth import platform_of
from govai.web.policy import Anyone, AnyUser, allow
from govai.web.routes.audit import audit_filter
from govai.web.routes.chat import compute_of, qa_of
from govai.web.routes.kb import kb_row, read_uploads, retriever_of
from govai.web.views import audit_json, org_tree, user_json

router = APIRouter(prefix="/api")
OrgReader = Annotated[Principal, Depends(allow(Role.SYS_ADMIN, Role.SEC_ADMIN, Role.DEPT_ADMIN))]
OrgAdmin = Annotated[Principal, Depends(allow(Role.SYS_ADMIN, Role.DEPT_ADMIN))]
UserAdmin = Annotated[Principal, Depends(allow(Role.SEC_ADMIN, Role.DEPT_ADMIN))]
Auditor = Annotated[Principal, Depends(allow(Role.AUDITOR))]
KbEditor = Annotated[Principal, Depends(allow(Role.STAFF, Role.DEPT_ADMIN, Role.SYS_ADMIN))]
MAX_HISTORY = 20


class NewOrgIn(BaseModel):
    code: str = Field(max_length=64)
    name: str = Field(max_length=200)
    kind: str
    parent: str | None = None


class NewUserIn(BaseModel):
    username: str = Field(max_length=64)
    display_name: str = Field("", max_length=100)
    org: str
    roles: list[str]
    password: str


class AskIn(BaseModel):
    kb: str = Field(max_length=64)
    question: str = Field(max_length=4000)
    history: list[str] = Field(default_factory=list, max_length=MAX_HISTORY)


def answer_response(answer: Answer) -> JSONResponse:
    """The answer as JSON, with its implicit label also in the ``X-AIGC-Label`` header."""
    return JSONResponse(
        answer.as_dict(), headers={"X-AIGC-Label": implicit_label_json(answer.aigc)}
    )


@router.get("/health")
def health(request: Request, principal: Anyone) -> dict[str, Any]:
    platform = platform_of(request)
    try:
        with platform.db.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        migrated = platform.db.has_schema()
    except Exception as exc:
        raise DatabaseUnavailable(
            "数据库不可用，请检查 GOVAI_DATABASE_URL 与数据库服务。",
            reason=type(exc).__name__,
        ) from None
    if not migrated:
        raise DatabaseUnavailable("数据库尚未初始化。请先运行 `govai init`。")
    backend = "sqlite" if platform.db.is_sqlite else "postgresql"
    return {"status": "ok", "database": {"status": "ok", "backend": backend}}


@router.get("/me")
def me(principal: AnyUser) -> dict[str, Any]:
    body: dict[str, Any] = {
        "username": principal.username,
        "display_name": principal.display_name,
        "roles": sorted(r.value for r in principal.roles),
        "via": principal.via,
    }
    if principal.via == "session":
        body["csrf_token"] = principal.csrf_token  # for same-origin scripts
    return body


@router.get("/orgs")
def orgs(
    request: Request,
    principal: OrgReader,
) -> dict[str, Any]:
    with platform_of(request).db.read() as session:
        return {"items": [row.as_json() for row in org_tree(session, principal)]}


@router.post("/orgs", status_code=201)
def org_create(
    request: Request,
    principal: OrgAdmin,
    body: NewOrgIn,
) -> dict[str, Any]:
    with platform_of(request).db.session() as session:
        org = accounts.create_org(
            session,
            principal,
            code=body.code,
            name=body.name,
            kind=body.kind,
            parent_code=body.parent,
        )
        return {"code": org.code, "name": org.name, "kind": org.kind, "parent": body.parent}


@router.get("/users")
def users(request: Request, principal: UserAdmin) -> dict[str, Any]:
    with platform_of(request).db.read() as session:
        return {"items": [user_json(u) for u in accounts.list_users(session, principal)]}


@router.post("/users", status_code=201)
def user_create(
    request: Request,
    principal: UserAdmin,
    body: NewUserIn,
) -> dict[str, Any]:
    platform = platform_of(request)
    new = accounts.NewUser(
        body.username, body.display_name, body.org, tuple(body.roles), body.password
    )
    with platform.db.session() as session:
        user = accounts.create_user(session, principal, new, platform.settings)
        return user_json(user)


@router.get("/audit")
def audit_entries(
    request: Request,
    principal: Auditor,
    actor: str = "",
    action: str = "",
    since: str = "",
    until: str = "",
    text: str = "",
    limit: int = 100,
    offset: int = 0,
) -> dict[str, Any]:
    flt = audit_filter(actor, action, since, until, text)
    with platform_of(request).db.read() as session:  # search() clamps limit and offset
        rows, total = audit.search(session, flt, limit=limit, offset=offset)
        return {"total": total, "items": [audit_json(e) for e in rows]}


@router.post("/ask")
def ask(request: Request, principal: Anyone, body: AskIn) -> JSONResponse:
    channel = "api" if principal.via == "token" else "web"
    with compute_of(request).held():
        answer = qa_of(request).ask(
            body.kb, body.question, principal, history=body.history, channel=channel
        )
    return answer_response(answer)


@router.get("/kb")
def kb_list(request: Request, principal: Anyone) -> dict[str, Any]:
    with platform_of(request).db.read() as session:
        items = []
        for summary in knowledge.summaries(session, principal):
            row = kb_row(summary)
            row["manage"] = knowledge.can_manage(session, principal, summary.kb)
            items.append(row)
    return {"items": items}


@router.get("/kb/{name}/search")
def kb_search(
    request: Request,
    principal: Anyone,
    name: str,
    q: Annotated[str, Query(min_length=1, max_length=1000)],
    top_k: Annotated[int, Query(ge=1, le=50)] = 5,
) -> dict[str, object]:
    """The shape of ``govai kb search --json``: ``{"query", "hits": [...]}``."""
    with compute_of(request).held():
        return retriever_of(request).search(name, q, principal, top_k=top_k).as_dict()


@router.post("/kb/{name}/import")
def kb_import(
    request: Request,
    principal: KbEditor,
    name: str,
    files: Annotated[list[UploadFile] | None, File()] = None,
) -> dict[str, object]:
    """Import the uploaded files at once and return the import report (with the index built)."""
    platform = platform_of(request)
    with platform.db.read() as session:
        knowledge.get_kb(session, name, principal, manage=True)  # 404 / 403 before reading
    report = import_uploads(platform.db, principal, name, read_uploads(files or []))
    with platform.db.read() as session:
        retriever_of(request).index_for(knowledge.get_kb(session, name, principal))
    return report.as_dict()


# ---------------------------------------------------------------- citizen messages

MessageHandler = Annotated[Principal, Depends(allow(Role.STAFF, Role.DEPT_ADMIN))]
MessageViewer = Annotated[
    Principal, Depends(allow(Role.STAFF, Role.REVIEWER, Role.DEPT_ADMIN, Role.SYS_ADMIN))
]


class MessageIn(BaseModel):
    title: str = Field("", max_length=500)
    text: str = Field("", max_length=20000)
    author: str = Field("", max_length=100)
    external_id: str = Field("", max_length=64)
    received_at: str = Field("", max_length=40, description="留言时间（北京时间），可省略")
    org: str | None = Field(None, max_length=64)


def message_json(view: Any) -> dict[str, Any]:
    from govai.web.routes.messages import message_row

    row = message_row(view)
    row["top"] = [[label, p] for label, p in row["top"]]
    return row


@router.post("/messages", status_code=201)
def message_create(request: Request, principal: MessageHandler, body: MessageIn) -> dict[str, Any]:
    """Record one message (a 12345 work order, a board post) and dispatch it at once."""
    from govai.analytics.timeparse import parse_message_time
    from govai.errors import ValidationError
    from govai.scenarios.messages import service as messages

    received = parse_message_time(body.received_at) if body.received_at.strip() else None
    if body.received_at.strip() and received is None:
        raise ValidationError(
            f"留言时间“{body.received_at}”无法识别，请用 2020-01-06 12:09:38 格式。"
        )
    platform = platform_of(request)
    new = messages.NewMessage(
        title=body.title,
        text=body.text,
        author=body.author,
        external_id=body.external_id,
        received_at=received,
        org_code=body.org,
        channel="api",
    )
    with platform.db.session() as session:
        message = messages.create_message(session, platform.settings, principal, new)
        return message_json(messages.view(session, principal, message))


@router.get("/messages/{message_id}")
def message_get(request: Request, principal: MessageViewer, message_id: int) -> dict[str, Any]:
    from govai.scenarios.messages import service as messages

    with platform_of(request).db.read() as session:
        message = messages.get_message(session, principal, message_id)
        return message_json(messages.view(session, principal, message))


# ---------------------------------------------------------------- 辅助审批


class ApprovalCheckIn(BaseModel):
    item: str = Field(max_length=64)
    application: dict[str, Any]
    today: date | None = None


class ApprovalSubmitIn(BaseModel):
    item: str = Field(max_length=64)
    application: dict[str, Any]


class TrackIn(BaseModel):
    number: str = Field(max_length=32)
    query_code: str = Field(max_length=16)


ApplicationClerk = Annotated[Principal, Depends(allow(Role.STAFF, Role.DEPT_ADMIN))]


@router.post("/approval/check")
def approval_check(request: Request, principal: Anyone, body: ApprovalCheckIn) -> dict[str, Any]:
    """Pre-check an application without filing it: the contract of ``govai approval check
    --json``. Stores nothing; the wording is the system's, a person decides."""
    from govai.scenarios.approval import applications, catalog

    with platform_of(request).db.read() as session:
        row = catalog.get_item(session, body.item)
        result = applications.check(
            catalog.service_item(row),
            catalog.ruleset_of(row),
            body.application,
            body.today or applications.beijing_today(),
            catalog.calendar(session),
        )
    return result.to_dict()


@router.post("/approval/applications", status_code=201)
def approval_submit(
    request: Request, principal: ApplicationClerk, body: ApprovalSubmitIn
) -> dict[str, Any]:
    """File an application on an applicant's behalf (a window or another system) and pre-check
    it; the answer carries the number and query code to hand to the applicant."""
    from govai.scenarios.approval import applications

    with platform_of(request).db.session() as session:
        row = applications.submit(session, principal, body.item, body.application, channel="api")
        return {
            **applications.track(session, row.number, row.query_code),
            "id": row.id,
            "query_code": row.query_code,
            "precheck": row.precheck,
        }


@router.post("/approval/track")
def approval_track(request: Request, principal: Anyone, body: TrackIn) -> dict[str, Any]:
    """What the applicant sees of an application, by number + query code."""
    from govai.scenarios.approval import applications

    with platform_of(request).db.read() as session:
        return applications.track(session, body.number, body.query_code)
