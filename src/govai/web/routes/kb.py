"""/kb: knowledge bases in the console — the list and a create form, a base's documents and its
upload form, 资料检索 (search for staff), and the synonym lexicon.

Who may see, manage and create what is decided once, by :mod:`govai.knowledge.service` (see its
docstring); these pages show its Chinese messages with the input kept, and only offer the forms
the caller could use. The service writes the audit entries.

Uploads are imported in a background thread (:class:`~govai.web.imports.ImportJobs`, one per
app; the job's state is kept in a file so any worker process answers its polls): the form returns
at once to the knowledge base's page, whose script polls ``/kb/{name}/import/{job_id}`` for the
stage and count (读取、分词、写入、建索引) and reloads the page with the per-file report when the
job is over. The index is built at the end of the job, through the app's one
:class:`~govai.knowledge.retrieval.Retriever`, so the first search after an import is fast.
One import runs per knowledge base at a time, and a job is visible only to the account that
started it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, File, Form, Request, Response, UploadFile
from fastapi.responses import RedirectResponse

from govai.accounts.principal import Principal
from govai.accounts.roles import Role
from govai.classification import LEVEL_LABELS, Level
from govai.errors import GovaiError, NotFound, ValidationError
from govai.knowledge import service
from govai.knowledge.retrieval import Hit, Retriever
from govai.knowledge.sources import SUPPORTED_SUFFIXES
from govai.storage.base import beijing
from govai.web.auth import platform_of
from govai.web.imports import ImportJobs
from govai.web.nav import NavItem, register_nav
from govai.web.policy import AnyUser, allow
from govai.web.render import render, set_flash
from govai.web.views import org_tree

router = APIRouter()
KbCreator = Annotated[Principal, Depends(allow(Role.SYS_ADMIN, Role.DEPT_ADMIN))]
KbEditor = Annotated[Principal, Depends(allow(Role.STAFF, Role.DEPT_ADMIN, Role.SYS_ADMIN))]
PAGE = "/kb"
DOCS_PER_PAGE = 100
MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_UPLOAD_BYTES = 100 * 1024 * 1024
MAX_FILES = 50
ACCEPT = ",".join(SUPPORTED_SUFFIXES)

register_nav(
    NavItem(
        "知识库",
        PAGE,
        description="政策文件知识库：查看文件、上传导入、资料检索",
    )
)


def retriever_of(request: Request) -> Retriever:
    retriever: Retriever = request.app.state.retriever
    return retriever


def imports_of(request: Request) -> ImportJobs:
    jobs: ImportJobs = request.app.state.imports
    return jobs


def read_uploads(files: Sequence[UploadFile]) -> list[tuple[str, bytes]]:
    """The uploaded files' names and bytes, refusing empty forms and oversized files."""
    uploads: list[tuple[str, bytes]] = []
    total = 0
    for upload in files:
        name = (upload.filename or "").strip()
        if not name:
            continue
        data = upload.file.read(MAX_FILE_BYTES + 1)
        if len(data) > MAX_FILE_BYTES:
            raise ValidationError(
                f"文件 {name} 超过 {MAX_FILE_BYTES // 1024 // 1024} MB，请拆分后分批上传。",
                file=name,
            )
        total += len(data)
        if total > MAX_UPLOAD_BYTES:
            raise ValidationError(
                f"一次上传的文件合计超过 {MAX_UPLOAD_BYTES // 1024 // 1024} MB，请分批上传。"
            )
        uploads.append((name, data))
    if not uploads:
        raise ValidationError("请选择要导入的文件（可一次选择多个）。")
    if len(uploads) > MAX_FILES:
        raise ValidationError(f"一次最多上传 {MAX_FILES} 个文件，本次选择了 {len(uploads)} 个。")
    return uploads


# ---------------------------------------------------------------- list and create


def kb_row(summary: service.KbSummary) -> dict[str, Any]:
    kb = summary.kb
    return {
        "name": kb.name,
        "title": kb.title,
        "description": kb.description,
        "org": kb.org.name,
        "public": kb.public,
        "level": Level(kb.level).label,
        "documents": summary.documents,
        "passages": summary.passages,
        "updated_at": beijing(kb.updated_at),
    }


def _list_page(
    request: Request,
    principal: Principal,
    *,
    error: str = "",
    form: dict[str, Any] | None = None,
    status_code: int = 200,
) -> Response:
    can_create = principal.has(Role.SYS_ADMIN, Role.DEPT_ADMIN)
    with platform_of(request).db.read() as session:
        rows = [kb_row(s) for s in service.summaries(session, principal)]
        orgs = [o for o in org_tree(session, principal) if o.in_scope] if can_create else []
    context: dict[str, Any] = {
        "kbs": rows,
        "can_create": can_create and bool(orgs),
        "can_lexicon": can_create,
        "orgs": orgs,
        "levels": LEVEL_LABELS,
        "error": error,
        "form": form or {"level": Level.INTERNAL.label},
    }
    return render(request, "kb_list.html", context, status_code=status_code)


@router.get(PAGE)
def kb_list_page(request: Request, principal: AnyUser) -> Response:
    return _list_page(request, principal)


@router.post(PAGE)
def kb_create(
    request: Request,
    principal: KbCreator,
    name: Annotated[str, Form()] = "",
    title: Annotated[str, Form()] = "",
    org: Annotated[str, Form()] = "",
    level: Annotated[str, Form()] = "",
    public: Annotated[bool, Form()] = False,
    description: Annotated[str, Form()] = "",
) -> Response:
    form = {
        "name": name,
        "title": title,
        "org": org,
        "level": level,
        "public": public,
        "description": description,
    }
    new = service.NewKnowledgeBase(name, title, org, public, level or "内部", description)
    try:
        with platform_of(request).db.session() as session:
            created = service.create_kb(session, principal, new)
            done = f"已新建知识库 {created.name}（{created.title}）。现在可以上传文件。"
            target = f"{PAGE}/{quote(created.name)}"
    except GovaiError as exc:
        return _list_page(request, principal, error=exc.message, form=form, status_code=exc.status)
    response = RedirectResponse(target, status_code=303)
    set_flash(response, done)
    return response


# ---------------------------------------------------------------- lexicon
# (registered before /kb/{name}, so "lexicon" is this page and not a knowledge base's)


def _lexicon_page(
    request: Request, *, error: str = "", terms: str = "", status_code: int = 200
) -> Response:
    with platform_of(request).db.read() as session:
        groups = [
            {
                "id": g.id,
                "terms": g.terms.split(),
                "created_by": g.created_by,
                "created_at": beijing(g.created_at),
            }
            for g in service.lexicon_groups(session)
        ]
    context = {"groups": groups, "error": error, "terms": terms}
    return render(request, "kb_lexicon.html", context, status_code=status_code)


@router.get(PAGE + "/lexicon")
def lexicon_page(request: Request, principal: KbCreator) -> Response:
    return _lexicon_page(request)


@router.post(PAGE + "/lexicon")
def lexicon_add(
    request: Request, principal: KbCreator, terms: Annotated[str, Form()] = ""
) -> Response:
    try:
        with platform_of(request).db.session() as session:
            group = service.add_lexicon_group(session, principal, terms.split())
            done = f"已新增同义词组：{group.terms}（检索时立即生效）。"
    except GovaiError as exc:
        return _lexicon_page(request, error=exc.message, terms=terms, status_code=exc.status)
    response = RedirectResponse(PAGE + "/lexicon", status_code=303)
    set_flash(response, done)
    return response


@router.post(PAGE + "/lexicon/{group_id}/remove")
def lexicon_remove(request: Request, principal: KbCreator, group_id: int) -> Response:
    try:
        with platform_of(request).db.session() as session:
            service.remove_lexicon_group(session, principal, group_id)
    except GovaiError as exc:
        return _lexicon_page(request, error=exc.message, status_code=exc.status)
    response = RedirectResponse(PAGE + "/lexicon", status_code=303)
    set_flash(response, f"已删除同义词组 {group_id}。")
    return response


# ---------------------------------------------------------------- one knowledge base


def document_row(doc: Any) -> dict[str, Any]:
    return {
        "doc_id": doc.key,
        "title": doc.title,
        "doc_number": doc.doc_number,
        "issuer": doc.issuer,
        "status": doc.status,
        "issued_on": doc.issued_on.isoformat() if doc.issued_on else "",
        "effective_on": doc.effective_on.isoformat() if doc.effective_on else "",
        "level": Level(doc.level).label,
        "passages": doc.passage_count,
    }


def _kb_page(
    request: Request,
    principal: Principal,
    name: str,
    *,
    page: int = 1,
    job_id: str = "",
    error: str = "",
    status_code: int = 200,
) -> Response:
    page = max(page, 1)
    with platform_of(request).db.read() as session:
        kb = service.get_kb(session, name, principal)
        can_manage = service.can_manage(session, principal, kb)
        docs = service.list_documents(
            session, principal, name, limit=DOCS_PER_PAGE + 1, offset=(page - 1) * DOCS_PER_PAGE
        )
        info = {
            "name": kb.name,
            "title": kb.title,
            "description": kb.description,
            "org": kb.org.name,
            "public": kb.public,
            "level": Level(kb.level).label,
            "updated_at": beijing(kb.updated_at),
        }
        rows = [document_row(d) for d in docs[:DOCS_PER_PAGE]]
    job = None
    if job_id:
        try:
            job = imports_of(request).get(job_id, principal, name).as_dict()
        except NotFound as exc:
            error = error or exc.message
    context: dict[str, Any] = {
        "kb": info,
        "docs": rows,
        "page": page,
        "has_next": len(docs) > DOCS_PER_PAGE,
        "can_manage": can_manage,
        "can_delete": can_manage and principal.has(Role.SYS_ADMIN, Role.DEPT_ADMIN),
        "job": job,
        "error": error,
        "accept": ACCEPT,
        "max_files": MAX_FILES,
        "max_mb": MAX_FILE_BYTES // 1024 // 1024,
    }
    return render(request, "kb_detail.html", context, status_code=status_code)


@router.get(PAGE + "/{name}")
def kb_page(
    request: Request, principal: AnyUser, name: str, page: int = 1, job: str = ""
) -> Response:
    return _kb_page(request, principal, name, page=page, job_id=job)


@router.post(PAGE + "/{name}/import")
def kb_import(
    request: Request,
    principal: KbEditor,
    name: str,
    files: Annotated[list[UploadFile] | None, File()] = None,
) -> Response:
    platform = platform_of(request)
    with platform.db.read() as session:
        service.get_kb(session, name, principal, manage=True)  # 404 / 403 before reading files
    try:
        uploads = read_uploads(files or [])
        job = imports_of(request).start(platform, retriever_of(request), principal, name, uploads)
    except GovaiError as exc:
        return _kb_page(request, principal, name, error=exc.message, status_code=exc.status)
    return RedirectResponse(f"{PAGE}/{quote(name)}?job={job.id}#import", status_code=303)


@router.get(PAGE + "/{name}/import/{job_id}")
def import_status(request: Request, principal: KbEditor, name: str, job_id: str) -> dict[str, Any]:
    """The job's stage and counts, and its report once done (polled by kb.js)."""
    return imports_of(request).get(job_id, principal, name).as_dict()


@router.post(PAGE + "/{name}/delete")
def kb_delete(
    request: Request, principal: KbCreator, name: str, confirm: Annotated[str, Form()] = ""
) -> Response:
    if confirm.strip() != name:
        message = f"请在确认框中输入知识库名称 {name} 后再删除。"
        return _kb_page(request, principal, name, error=message, status_code=422)
    try:
        with platform_of(request).db.session() as session:
            service.delete_kb(session, principal, name)
    except GovaiError as exc:
        return _kb_page(request, principal, name, error=exc.message, status_code=exc.status)
    response = RedirectResponse(PAGE, status_code=303)
    set_flash(response, f"已删除知识库 {name} 及其全部文件。")
    return response


# ---------------------------------------------------------------- 资料检索


def highlight(text: str, terms: Sequence[str]) -> list[tuple[str, bool]]:
    """``text`` cut into (piece, matched) runs where the query's terms occur, for <mark>."""
    words = sorted({t for t in terms if len(t) >= 2 or not t.isascii()}, key=len, reverse=True)
    words = [w for w in words if w.strip()]
    if not words:
        return [(text, False)]
    pattern = re.compile("|".join(re.escape(w) for w in words), re.IGNORECASE)
    pieces: list[tuple[str, bool]] = []
    at = 0
    for match in pattern.finditer(text):
        if match.start() > at:
            pieces.append((text[at : match.start()], False))
        pieces.append((match.group(), True))
        at = match.end()
    if at < len(text):
        pieces.append((text[at:], False))
    return pieces


def hit_row(hit: Hit, terms: Sequence[str]) -> dict[str, Any]:
    return {
        "citation": hit.citation,
        "title": hit.title,
        "clause": hit.clause,
        "chapter": hit.chapter,
        "status": hit.status,
        "doc_number": hit.doc_number,
        "issuer": hit.issuer,
        "effective_on": hit.effective_on.isoformat() if hit.effective_on else "",
        "level": hit.level.label,
        "score": round(hit.score, 2),
        "pieces": highlight(hit.text, terms),
    }


@router.get(PAGE + "/{name}/search")
def search_page(
    request: Request, principal: AnyUser, name: str, q: str = "", top_k: int = 10
) -> Response:
    top_k = min(max(top_k, 1), 50)
    with platform_of(request).db.read() as session:
        kb = service.get_kb(session, name, principal)
        info = {"name": kb.name, "title": kb.title, "public": kb.public}
    clearance = service.clearance_for(principal)
    hits: list[dict[str, Any]] = []
    error = ""
    q = q.strip()
    if q:
        try:
            retriever = retriever_of(request)
            result = retriever.search(name, q, principal, top_k=top_k)
            lexicon = retriever.lexicon()  # a synonym that matched is marked too
            words = [*result.terms, *(s for t in result.terms for s in lexicon.expansions(t))]
            hits = [hit_row(h, words) for h in result.hits]
        except ValidationError as exc:
            error = exc.message
    context = {
        "kb": info,
        "q": q,
        "top_k": top_k,
        "hits": hits,
        "error": error,
        "clearance": clearance.label,
    }
    return render(request, "kb_search.html", context)
