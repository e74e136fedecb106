"""/drafting and /proofread: 辅助文书起草 and 公文校对 in the console.

- ``/drafting``: the form a person drafts from — 文种 (each type's 适用范围 from
  《党政机关公文处理工作条例》第八条 as help), 发文机关 (the person's organisation, in full), 事由,
  目的, 主送, 要点, 时间要求, 联系人, 相关来文或会议, 出席人员, a knowledge base to cite and the
  model service — and the organisation's recent drafts. Drafting is one model call through the
  gateway (:func:`govai.scenarios.drafting.service.draft_document`), made in the request's
  pool thread outside any database transaction; a refusal comes back in Chinese with the form
  as typed.
- ``/drafting/{id}``: the draft — the explicit AI label it will carry, the grounding and
  structure warnings, the citations, the form to edit the spec's fields (the 文种 is fixed),
  page previews drawn from the writer's own layout plan
  (:func:`govai.documents.gongwen_preview.preview_pages`, served as ``image/svg+xml``, which
  the page's Content-Security-Policy allows as images), the .docx download (both AI labels,
  audited) and 校对此稿, which proofreads the file the download would give.
- ``/proofread``: upload a .docx and get the report — counts per check and each finding with
  where it is, what is wrong, the rule it breaks (GB/T 9704-2012, GB/T 15834-2011 …) and the fix.

Who may open which draft, the audit trail and the labels are the service's business; these pages
show its Chinese messages with the person's input kept.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from functools import lru_cache
from pathlib import PurePath
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Path, Request, Response
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from govai.accounts.models import Organization
from govai.accounts.principal import Principal
from govai.classification import Level
from govai.documents import doctypes
from govai.documents.doctypes_templates import placeholders_in
from govai.documents.gongwen import layout_gongwen
from govai.documents.gongwen_preview import preview_pages
from govai.documents.gongwen_spec import DocumentSpec
from govai.documents.proofread import CATEGORIES, ProofReport
from govai.errors import GovaiError, NotFound, ValidationError
from govai.gateway import ModelGateway, provider_refusal
from govai.gateway import service as providers
from govai.knowledge import service as kb_service
from govai.scenarios.drafting import service
from govai.scenarios.drafting.models import DocDraft
from govai.storage.base import beijing
from govai.validation import clean_text
from govai.web.auth import platform_of
from govai.web.nav import NavItem, register_nav
from govai.web.policy import allow
from govai.web.render import render, set_flash
from govai.web.routes.chat import compute_of
from govai.web.routes.kb import retriever_of

router = APIRouter()
PAGE = "/drafting"
PROOF = "/proofread"
Drafter = Annotated[Principal, Depends(allow(*service.DRAFTERS))]
DraftId = Annotated[int, Path(le=2**31 - 1)]
"""A draft's number as the database can look it up (PostgreSQL's integer; SQLite's is wider):
a larger one is refused as a bad parameter instead of failing in the driver with a 500."""
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
RECENT = 50
PREVIEW_CACHE = 8
"""Drafts whose page images a worker process keeps: the page asks for every image at once."""
SEVERITY_LABELS = {"error": "错误", "warning": "提示"}
KIND_CHOICES: tuple[doctypes.DocKind, ...] = tuple(
    kind for name, kind in doctypes.KINDS.items() if name == kind.type
)
"""The 15 types once each (``令`` is another name of 命令)."""
DIRECTION_LABELS = {"": "视内容而定"}
FACT_FIELDS = (
    "type",
    "issuer",
    "subject",
    "purpose",
    "recipients",
    "points",
    "dates",
    "contact",
    "reference",
    "attendees",
)
# The spec's fields the edit form shows (the 文种 is fixed); the others a stored spec may hold
# (format, seal, secrecy, copy_number …) are kept as they are.
EDIT_FIELDS = (
    "issuer",
    "doc_number",
    "title",
    "recipients",
    "body",
    "attachments",
    "signatory",
    "date",
    "note",
    "copy_to",
    "printer",
    "print_date",
)
ORDER_FIELDS = ("signatory_title",)
MINUTES_FIELDS = ("attendees",)
# Each input of the edit form: its label and the most characters it takes (its maxlength);
# 正文 and 附件 are several lines and have no limit.
EDIT_INPUTS: dict[str, tuple[str, int | None]] = {
    "issuer": ("发文机关", 200),
    "doc_number": ("发文字号", 100),
    "title": ("标题", 300),
    "recipients": ("主送机关", 2000),
    "body": ("正文", None),
    "attachments": ("附件", None),
    "signatory": ("签发人", 200),
    "signatory_title": ("签发人职务", 100),
    "date": ("成文日期", 40),
    "note": ("附注", 500),
    "copy_to": ("抄送机关", 2000),
    "printer": ("印发机关", 200),
    "print_date": ("印发日期", 40),
    "attendees": ("出席人员", 2000),
}
_NOT_IN_FILENAME = re.compile(r'[\\/:*?"<>|\r\n\t]+')
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the signature of an OLE compound file
# C0 controls other than tab and line breaks: XML cannot hold them, so the .docx would drop them
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

register_nav(
    NavItem(
        "文书起草",
        PAGE,
        frozenset(service.DRAFTERS),
        description="按文种起草 15 种法定公文（GB/T 9704-2012 版式）：预览、修改、下载 .docx",
    )
)
register_nav(
    NavItem(
        "公文校对",
        PROOF,
        frozenset(service.DRAFTERS),
        description="上传 .docx，检查版式、层次序数、发文字号、日期、标点、错别字、敏感词"
        "和所引文件",
    )
)


# ---------------------------------------------------------------- the drafting form


def organ_name(session: Session, org_id: int | None) -> str:
    """The full name of the person's organisation as a 发文机关: a department's name completed
    with the government it belongs to where it leaves that out (东城区人力资源和社会保障局 under
    示范市东城区 → 示范市东城区人力资源和社会保障局); a province, city or county itself issues as
    its 人民政府. "" without an organisation."""
    org = session.get(Organization, org_id) if org_id is not None else None
    if org is None:
        return ""
    if org.kind != "department":
        return org.name if org.name.endswith("政府") else org.name + "人民政府"
    name, parent = org.name, org.parent
    while parent is not None and not name.startswith(parent.name):
        # the longest end of the parent's name the department's name already starts with
        overlap = next(
            (k for k in range(len(parent.name), 1, -1) if name.startswith(parent.name[-k:])), 0
        )
        name = parent.name[: len(parent.name) - overlap] + name
        if parent.kind != "department":
            break
        parent = parent.parent
    return name


def _provider_choices(session: Session) -> list[str]:
    """The model services a draft may go to: enabled, approved and allowed internal data (a
    draft is at least 内部); the gateway checks each call again."""
    return [
        config.name
        for config in providers.list_providers(session)
        if provider_refusal(config, Level.INTERNAL) is None
    ]


def _draft_row(row: DocDraft) -> dict[str, Any]:
    return {
        "id": row.id,
        "type": row.doc_type,
        "title": row.title or f"（无标题{row.doc_type}）",
        "author": row.author,
        "updated_at": beijing(row.updated_at, "%Y-%m-%d %H:%M"),
        "updated_by": row.updated_by,
        "exports": row.exports,
    }


def _kinds() -> list[dict[str, str]]:
    return [
        {
            "type": kind.type,
            "use": kind.use,
            "direction": DIRECTION_LABELS.get(kind.direction, kind.direction),
            "closing": kind.closing,
        }
        for kind in KIND_CHOICES
    ]


def _form_page(
    request: Request,
    principal: Principal,
    *,
    form: Mapping[str, str] | None = None,
    error: str = "",
    status_code: int = 200,
) -> Response:
    platform = platform_of(request)
    with platform.db.read() as session:
        drafts = [_draft_row(row) for row in service.list_drafts(session, principal, RECENT)]
        kbs = [(kb.name, kb.title) for kb in kb_service.visible_kbs(session, principal)]
        choices = _provider_choices(session)
        if form is None:
            form = {"type": "通知", "issuer": organ_name(session, principal.org_id)}
    kinds = _kinds()
    chosen = next((k for k in kinds if k["type"] == form.get("type")), None)
    context = {
        "form": form,
        "kinds": kinds,
        "chosen": chosen,
        "kbs": kbs,
        "providers": choices,
        "default_provider": str(platform.settings.default_provider),
        "drafts": drafts,
        "error": error,
    }
    return render(request, "drafting.html", context, status_code=status_code)


@router.get(PAGE)
def drafting_page(request: Request, principal: Drafter) -> Response:
    return _form_page(request, principal)


@router.post(PAGE)
def draft_create(
    request: Request,
    principal: Drafter,
    doc_type: Annotated[str, Form(alias="type")] = "",
    issuer: Annotated[str, Form()] = "",
    subject: Annotated[str, Form()] = "",
    purpose: Annotated[str, Form()] = "",
    recipients: Annotated[str, Form()] = "",
    points: Annotated[str, Form()] = "",
    dates: Annotated[str, Form()] = "",
    contact: Annotated[str, Form()] = "",
    reference: Annotated[str, Form()] = "",
    attendees: Annotated[str, Form()] = "",
    kb: Annotated[str, Form()] = "",
    provider: Annotated[str, Form()] = "",
) -> Response:
    """Draft with the model (a sync route: FastAPI runs it in a pool thread, and the service
    opens no transaction around the model call)."""
    platform = platform_of(request)
    form = {
        "type": doc_type,
        "issuer": issuer,
        "subject": subject,
        "purpose": purpose,
        "recipients": recipients,
        "points": points,
        "dates": dates,
        "contact": contact,
        "reference": reference,
        "attendees": attendees,
        "kb": kb,
        "provider": provider,
    }
    try:
        facts = doctypes.facts_from_dict({key: form[key] for key in FACT_FIELDS})
        with platform.db.read() as session:
            known_kbs = [k.name for k in kb_service.visible_kbs(session, principal)]
            choices = _provider_choices(session)
        if kb and kb not in known_kbs:
            raise ValidationError(
                f"知识库“{kb}”不存在或您无权使用，请从列表中选择，或选择“不引用知识库”。"
            )
        if provider and provider not in choices:
            raise ValidationError(
                f"模型服务“{provider}”当前不可用于起草，可选：{'、'.join(choices) or '（无）'}。"
            )
        gateway: ModelGateway = request.app.state.gateway
        with compute_of(request).held():  # the gateway gives the slot up while the model writes
            drafted = service.draft_document(
                platform.db,
                gateway,
                principal,
                facts,
                retriever=retriever_of(request) if kb else None,
                kb=kb or None,
                provider=provider or None,
            )
    except GovaiError as exc:
        return _form_page(request, principal, form=form, error=exc.message, status_code=exc.status)
    done = (
        f"已起草{facts.type}“{drafted.title}”（模型服务 {drafted.provider}"
        f"，引用 {len(drafted.citations)} 处资料）。"
        "这是人工智能辅助生成的初稿，请逐项核对、修改后再下载印发。"
    )
    if drafted.placeholders:
        done += f"尚有 {len(drafted.placeholders)} 处【请填写】需要补充。"
    response = RedirectResponse(f"{PAGE}/{drafted.id}", status_code=303)
    set_flash(response, done)
    return response


# ---------------------------------------------------------------- one draft


def _names(value: Any, sep: str) -> str:
    """A list of organs or people as one line of the form (a string stays as it is)."""
    if isinstance(value, str):
        return value
    if isinstance(value, Sequence):
        return sep.join(str(v) for v in value)
    return ""


def _attachment_names(value: Any) -> list[str]:
    if not isinstance(value, Sequence) or isinstance(value, str):
        return []
    out = []
    for item in value:
        if isinstance(item, Mapping):
            out.append(str(item.get("name", "")))
        else:
            out.append(str(item))
    return out


def spec_form(spec: Mapping[str, Any]) -> dict[str, str]:
    """A stored spec as the edit form's values (one line per attachment, names joined)."""
    issuer = spec.get("issuer", "")
    if isinstance(issuer, Mapping):
        issuer = issuer.get("name", "")
    form = {
        key: str(spec.get(key) or "")
        for key in ("doc_number", "title", "body", "date", "note", "printer", "print_date")
    }
    form.update(
        issuer=str(issuer or ""),
        recipients=_names(spec.get("recipients", ""), "，"),
        copy_to=_names(spec.get("copy_to", ""), "，"),
        attachments="\n".join(_attachment_names(spec.get("attachments"))),
        signatory=_names(spec.get("signatory", ""), "、"),
        signatory_title=str(spec.get("signatory_title") or ""),
        attendees=_names(spec.get("attendees", ""), "、"),
    )
    return form


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def edited_spec(stored: Mapping[str, Any], form: Mapping[str, str]) -> dict[str, Any]:
    """The stored spec with the form's fields in place of its own: an empty field leaves the
    element out, an attachment keeps the text it had under the same name, and fields the form
    does not show (格式, 印章, 密级 …) stay as stored."""
    fmt = doctypes.kind_of(str(stored.get("type", ""))).format
    editable = (
        EDIT_FIELDS
        + (ORDER_FIELDS if fmt == "order" else ())
        + (MINUTES_FIELDS if fmt == "minutes" else ())
    )
    spec = {key: value for key, value in stored.items() if key not in editable}
    for key in editable:
        value = form.get(key, "").strip()
        if key == "body":
            value = "\n".join(line.rstrip() for line in value.splitlines()).strip("\n")
        if not value:
            continue
        if key == "issuer" and isinstance(stored.get("issuer"), Mapping):
            spec[key] = {**stored["issuer"], "name": value}
        elif key == "attachments":
            bodies = {
                str(item.get("name", "")): item.get("body")
                for item in stored.get("attachments") or []
                if isinstance(item, Mapping) and item.get("body")
            }
            spec[key] = [
                {"name": name, "body": bodies[name]} if name in bodies else name
                for name in _lines(value)
            ]
        elif key == "signatory":
            spec[key] = [name for name in re.split(r"[、，,\s]+", value) if name]
        else:
            spec[key] = value
    return spec


def checked_edit(form: Mapping[str, str]) -> None:
    """Refuse an edit the way the drafting form refuses its facts
    (:func:`govai.validation.clean_text`): a field longer than its input allows, or a control
    character, which would be stored and then silently left out of the .docx. 正文 and 附件
    keep their line breaks and tabs."""
    for key, (label, most) in EDIT_INPUTS.items():
        value = form.get(key, "")
        if most is not None:
            clean_text(value, label, most, required=False)
        elif _CONTROL.search(value):
            raise ValidationError(
                f"{label}含有控制字符（常由其他软件复制粘贴带入，页面上看不见），请删除后重试。"
            )


def _filename(row: DocDraft) -> str:
    title = _NOT_IN_FILENAME.sub(" ", row.title).strip() or f"{row.doc_type}-{row.id}"
    return title[:120] + ".docx"


def _texts(value: Any) -> Iterator[str]:
    """Every string in a stored spec (the issuer and the attachments may be nested)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, Mapping):
        for item in value.values():
            yield from _texts(item)
    elif isinstance(value, Sequence):
        for item in value:
            yield from _texts(item)


def report_view(report: ProofReport) -> dict[str, Any]:
    """A proofreading report for the page: counts per check (every check, so a person sees what
    was looked at) and the findings, errors before hints, each in reading order."""
    counts = Counter(f.category for f in report.findings)
    findings = sorted(report.findings, key=lambda f: f.severity != "error")
    return {
        "paragraphs": report.paragraphs,
        "total": len(findings),
        "errors": sum(1 for f in findings if f.severity == "error"),
        "categories": [
            {"key": key, "name": name, "count": counts.get(key, 0)}
            for key, name in CATEGORIES.items()
        ],
        "findings": [
            {
                "category": CATEGORIES.get(f.category, f.category),
                "severity": f.severity,
                "severity_label": SEVERITY_LABELS.get(f.severity, f.severity),
                "where": f.where,
                "what": f.what,
                "why": f.why,
                "fix": f.fix,
            }
            for f in findings
        ],
    }


def _detail(
    request: Request,
    principal: Principal,
    draft_id: int,
    *,
    edit: Mapping[str, str] | None = None,
    error: str = "",
    report: dict[str, Any] | None = None,
    status_code: int = 200,
) -> Response:
    platform = platform_of(request)
    with platform.db.read() as session:
        row = service.get_draft(session, principal, draft_id)
        draft = _draft_row(row)
        stored = dict(row.spec)
        facts = dict(row.facts)
        draft.update(
            kb=row.kb,
            provider=row.provider,
            produce_id=row.produce_id,
            created_at=beijing(row.created_at, "%Y-%m-%d %H:%M"),
            citations=list(row.citations),
            warnings=list(row.warnings),
        )
        fmt = doctypes.kind_of(row.doc_type).format
        try:
            spec, spec_error = service.spec_of(row), ""
        except ValidationError as exc:
            spec, spec_error = None, exc.message
    pages, layout_warnings = 0, []
    if spec is not None:
        with compute_of(request).held():  # as its page images are, outside the transaction
            layout = layout_gongwen(spec)
        pages, layout_warnings = layout.pages, list(layout.warnings)
    context = {
        "d": draft,
        "facts": facts,
        "form": edit if edit is not None else spec_form(stored),
        "is_order": fmt == "order",
        "is_minutes": fmt == "minutes",
        "limits": {key: most for key, (_, most) in EDIT_INPUTS.items()},
        "ai_label": service.AI_LABEL,
        "warnings": [*draft["warnings"], *layout_warnings],
        "placeholders": placeholders_in(*_texts(stored)),
        "spec_error": spec_error,
        "pages": pages,
        "report": report,
        "error": error,
    }
    return render(request, "draft_detail.html", context, status_code=status_code)


@router.get(PAGE + "/{draft_id}")
def draft_page(request: Request, principal: Drafter, draft_id: DraftId) -> Response:
    return _detail(request, principal, draft_id)


@router.post(PAGE + "/{draft_id}")
def draft_save(
    request: Request,
    principal: Drafter,
    draft_id: DraftId,
    issuer: Annotated[str, Form()] = "",
    doc_number: Annotated[str, Form()] = "",
    title: Annotated[str, Form()] = "",
    recipients: Annotated[str, Form()] = "",
    body: Annotated[str, Form()] = "",
    attachments: Annotated[str, Form()] = "",
    signatory: Annotated[str, Form()] = "",
    signatory_title: Annotated[str, Form()] = "",
    date: Annotated[str, Form()] = "",
    note: Annotated[str, Form()] = "",
    copy_to: Annotated[str, Form()] = "",
    printer: Annotated[str, Form()] = "",
    print_date: Annotated[str, Form()] = "",
    attendees: Annotated[str, Form()] = "",
) -> Response:
    platform = platform_of(request)
    form = {
        "issuer": issuer,
        "doc_number": doc_number,
        "title": title,
        "recipients": recipients,
        "body": body,
        "attachments": attachments,
        "signatory": signatory,
        "signatory_title": signatory_title,
        "date": date,
        "note": note,
        "copy_to": copy_to,
        "printer": printer,
        "print_date": print_date,
        "attendees": attendees,
    }
    try:
        checked_edit(form)
        with platform.db.session() as session:
            row = service.get_draft(session, principal, draft_id)
            service.update_spec(session, principal, draft_id, edited_spec(row.spec, form))
    except GovaiError as exc:  # a draft one may not open stays a 404 (_detail raises it again)
        return _detail(
            request,
            principal,
            draft_id,
            edit=form,
            error="修改未保存：" + exc.message,
            status_code=exc.status,
        )
    response = RedirectResponse(f"{PAGE}/{draft_id}", status_code=303)
    set_flash(response, "修改已保存，预览已按修改后的内容重新排版。")
    return response


@lru_cache(maxsize=PREVIEW_CACHE)
def page_images(spec: DocumentSpec) -> tuple[str, ...]:
    """Every page of ``spec`` as SVG, with the explicit AI label the .docx carries.

    The preview draws the whole document to cut out one page, and the draft's page asks for
    all of them at once, so the drawing is kept for the requests after the first (a 15-page
    draft's images took 1.2 s of compute, drawn once per image). A spec is frozen and compared
    by value: an edited draft is another key, and nothing outside the spec goes into a page."""
    return tuple(preview_pages(spec, ai_label=service.AI_LABEL))


@router.get(PAGE + "/{draft_id}/page/{n}.svg")
def draft_page_svg(request: Request, principal: Drafter, draft_id: DraftId, n: int) -> Response:
    """Page ``n`` of the draft's preview (who may open the draft is checked on each request)."""
    platform = platform_of(request)
    with platform.db.read() as session:
        spec = service.spec_of(service.get_draft(session, principal, draft_id))
    with compute_of(request).held():  # a request waiting here finds the drawing of the first
        pages = page_images(spec)
    if not 1 <= n <= len(pages):
        raise NotFound(f"文稿 {draft_id} 的预览共 {len(pages)} 页，没有第 {n} 页。")
    return Response(pages[n - 1], media_type="image/svg+xml")


def _attachment(data: bytes, name: str, draft_id: int) -> Response:
    disposition = f"attachment; filename=\"draft-{draft_id}.docx\"; filename*=UTF-8''{quote(name)}"
    return Response(data, media_type=DOCX, headers={"Content-Disposition": disposition})


@router.get(PAGE + "/{draft_id}/download")
def draft_download(request: Request, principal: Drafter, draft_id: DraftId) -> Response:
    """The .docx with both AI labels; the service audits each export."""
    platform = platform_of(request)
    with platform.db.session() as session:
        data, _ = service.export_docx(session, principal, draft_id)
        name = _filename(service.get_draft(session, principal, draft_id))
    return _attachment(data, name, draft_id)


@router.post(PAGE + "/{draft_id}/proofread")
def draft_proofread(request: Request, principal: Drafter, draft_id: DraftId) -> Response:
    """Proofread the file the download gives (exported, then proofread: both audited)."""
    platform = platform_of(request)
    try:
        with compute_of(request).held(), platform.db.session() as session:
            data, _ = service.export_docx(session, principal, draft_id)
            name = _filename(service.get_draft(session, principal, draft_id))
            report = service.proofread(session, principal, data, name=name)
    except GovaiError as exc:  # a draft one may not open stays a 404 (_detail raises it again)
        return _detail(request, principal, draft_id, error=exc.message, status_code=exc.status)
    return _detail(request, principal, draft_id, report=report_view(report))


# ---------------------------------------------------------------- 公文校对


def _proof_page(
    request: Request,
    *,
    report: dict[str, Any] | None = None,
    name: str = "",
    error: str = "",
    status_code: int = 200,
) -> Response:
    context = {
        "report": report,
        "name": name,
        "error": error,
        "max_mb": service.MAX_DOCX // 1024 // 1024,
        "categories": list(CATEGORIES.values()),
    }
    return render(request, "proofread.html", context, status_code=status_code)


@router.get(PROOF)
def proofread_page(request: Request, principal: Drafter) -> Response:
    return _proof_page(request)


def _checked_upload(name: str, data: bytes) -> None:
    """Refuse what is not a .docx before it is read: the suffix, emptiness, the size and the
    ZIP container a .docx is. An OLE file (a .doc renamed, or a .docx with an opening password,
    which Word saves as OLE) is left to the engine, whose message says which it is and what to
    do (:func:`govai.documents.proofread_layout.open_docx`)."""
    if not name.lower().endswith(".docx"):
        raise ValidationError(
            f"“{name}”不是 .docx 文件。公文校对只接受 Word 2007 及以上格式（.docx）的文件；"
            ".doc、.wps 或 .pdf 文件请先用 Word 或 WPS 另存为 .docx 再上传。"
        )
    if not data:
        raise ValidationError(f"“{name}”是空文件，请检查后重新上传。")
    if len(data) > service.MAX_DOCX:
        raise ValidationError(
            f"文件“{name}”过大：校对的文稿不能超过 {service.MAX_DOCX // 1024 // 1024} MB。"
        )
    if not data.startswith(_OLE) and not zipfile.is_zipfile(io.BytesIO(data)):
        raise ValidationError(
            f"“{name}”的内容不是 Word 文档（.docx），可能是改了扩展名的其他文件或已损坏；"
            "请用 Word 或 WPS 打开后另存为 .docx 再上传。"
        )


def _proofread_upload(
    request: Request, principal: Principal, data: bytes, name: str
) -> dict[str, Any]:
    platform = platform_of(request)
    with compute_of(request).held(), platform.db.session() as session:
        return report_view(service.proofread(session, principal, data, name=name))


@router.post(PROOF)
async def proofread_upload(request: Request, principal: Drafter) -> Response:
    # closing the form deletes the upload's temporary file
    async with request.form() as form:
        upload = form.get("file")
        name = ""
        try:
            if not isinstance(upload, UploadFile) or not upload.filename:
                raise ValidationError("请选择要校对的 .docx 文件。")
            name = PurePath(upload.filename).name
            data = await upload.read(service.MAX_DOCX + 1)
            _checked_upload(name, data)
            report = await run_in_threadpool(_proofread_upload, request, principal, data, name)
        except GovaiError as exc:
            return await run_in_threadpool(
                _proof_page, request, name=name, error=exc.message, status_code=exc.status
            )
    return await run_in_threadpool(_proof_page, request, report=report, name=name)
