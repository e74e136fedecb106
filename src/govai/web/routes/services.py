"""/services and /track: 办事服务 for citizens (no login needed).

- ``/services``: the citizen describes what they want to do in their own words; the catalogue
  search (:func:`govai.scenarios.approval.catalog.search`) suggests service items, with the words
  that matched.
- ``/services/{code}``: the item's guide made personal (:mod:`govai.scenarios.approval.guide`):
  the questions that decide which materials apply, the checklist, and the online application
  form with one upload per material. Applying runs the pre-check at once
  (:func:`govai.scenarios.approval.applications.submit`); the receipt shows the application
  number and query code, and — when something is missing — every missing material and unmet
  condition at once (一次性告知, 行政许可法 第三十二条).
- ``/track``: progress by number + query code (POST, so the code never sits in a URL or a log),
  and the correction (补正) form when the application waits for one.

Every upload is checked (size, type, content) before anything is stored; a refused form comes
back with what the applicant typed. The pre-check's words on these pages carry the label that
they were made by the system and a person decides.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile

from govai.accounts.principal import Principal
from govai.approval.items import MaterialSpec
from govai.approval.materials import check_resident_id
from govai.approval.rulemodel import FieldSpec
from govai.errors import GovaiError, ValidationError
from govai.scenarios.approval import applications, catalog, prefill
from govai.scenarios.approval import files as apv_files
from govai.scenarios.approval.guide import Guide, correction_fields, guide
from govai.scenarios.approval.models import STATUS_LABELS, CatalogItem
from govai.web.auth import platform_of
from govai.web.policy import Anyone
from govai.web.render import render

router = APIRouter()
PAGE = "/services"
APPLICANT_KEYS = (("name", "姓名"), ("id_number", "公民身份号码"), ("phone", "联系电话"))
PRECHECK_LABEL = "以下预审意见由系统按办事规则自动生成，仅供参考，以工作人员审核结果为准。"
TYPE_INPUTS = {"date": "date", "number": "number"}
MAX_INPUT = 200  # the maxlength of a fact's input
MAX_APPLICANT = 64  # the maxlength of the applicant's inputs


def field_json(spec: FieldSpec, value: str = "") -> dict[str, Any]:
    """A rule file's fact as a form input."""
    return {
        "name": spec.name,
        "label": spec.label,
        "question": spec.question,
        "type": spec.type,
        "input": TYPE_INPUTS.get(spec.type, "text"),
        "choices": list(spec.choices) if spec.type == "enum" else [],
        "bool": spec.type == "bool",
        "value": value,
    }


def material_json(spec: MaterialSpec) -> dict[str, Any]:
    types = "、".join(t.upper() for t in spec.file_types)
    return {
        "name": spec.name,
        "need": spec.need,
        "condition": spec.condition,
        "description": spec.description,
        "types": types,
        "accept": ",".join(f".{t.lower()}" for t in spec.file_types),
    }


def guide_json(g: Guide) -> dict[str, Any]:
    item = g.item
    return {
        "code": item.code,
        "name": item.name,
        "department": item.department,
        "type": item.item_type,
        "legal_basis": list(item.legal_basis),
        "conditions_text": item.conditions_text,
        "legal_days": item.legal_days,
        "promised_days": item.promised_days,
        "location": item.location,
        "phone": item.phone,
        "has_rules": g.has_rules,
        "auto_approval": item.auto_approval,
        "fields": [field_json(s, g.answers.get(s.name, "")) for s in g.fields],
        "questions": [field_json(s) for s in g.questions],
        "answered": [
            {"name": s.name, "label": s.label, "value": g.answers[s.name]}
            for s in g.fields
            if s.name in g.answers
        ],
        "needed": [material_json(m) for m in g.needed],
        "undecided": [material_json(m) for m in g.undecided],
        "optional": [material_json(m) for m in g.optional],
        "materials": [material_json(m) for m in g.materials],
        "problems": g.problems,
    }


def _answers(values: Any) -> dict[str, str]:
    """``f.<name>`` inputs of a query string or form, each cut to the inputs' maxlength."""
    return {
        str(k)[2:]: str(v).strip()[:MAX_INPUT]
        for k, v in values.items()
        if str(k).startswith("f.") and isinstance(v, str) and v.strip()
    }


# ---------------------------------------------------------------- search


@router.get(PAGE)
def services_page(request: Request, principal: Anyone, q: str = "") -> Response:
    platform = platform_of(request)
    error = ""
    hits: list[dict[str, Any]] = []
    with platform.db.read() as session:
        if q.strip():
            try:
                hits = [
                    {**hit.as_dict(), "online": bool(_row(session, hit.item.code).rules_yaml)}
                    for hit in catalog.search(session, q, k=10)
                ]
            except GovaiError as exc:
                error = exc.message
        online = [
            {"code": r.code, "name": r.name, "department": r.department}
            for r in catalog.online_items(session)
        ]
    context = {"q": q, "hits": hits, "online": online, "error": error, "searched": bool(q.strip())}
    return render(request, "services.html", context)


def _row(session: Any, code: str) -> CatalogItem:
    return catalog.get_item(session, code)


# ---------------------------------------------------------------- the guide and applying


def _guide_page(
    request: Request,
    code: str,
    answers: dict[str, str],
    *,
    applicant: dict[str, str] | None = None,
    error: str = "",
    problems: list[str] | None = None,
    prefilled: dict[str, Any] | None = None,
    status_code: int = 200,
) -> Response:
    platform = platform_of(request)
    provider = str(platform.settings.approval_prefill_provider).strip()
    with platform.db.read() as session:
        row = catalog.get_item(session, code)
        g = guide(row, answers, applications.beijing_today())
        can_prefill = bool(provider) and not prefill.provider_problem(session, provider)
    context = {
        "g": guide_json(g),
        "applicant": applicant or {},
        "applicant_keys": APPLICANT_KEYS,
        "error": error,
        "problems": problems or [],
        "can_prefill": can_prefill and bool(g.fields),
        "prefilled": prefilled,
    }
    return render(request, "service_guide.html", context, status_code=status_code)


@router.get(PAGE + "/{code}")
def service_page(request: Request, principal: Anyone, code: str) -> Response:
    return _guide_page(request, code, _answers(request.query_params))


def _uploads(form: FormData, specs: dict[str, MaterialSpec | None]) -> list[apv_files.Upload]:
    """The files of the form: input ``file.<i>`` for the material named ``material.<i>``."""
    uploads: list[apv_files.Upload] = []
    problems: list[str] = []
    for key, value in form.multi_items():
        if not key.startswith("file.") or not isinstance(value, UploadFile) or not value.filename:
            continue
        material = str(form.get("material." + key[5:], "")).strip()
        if material not in specs:
            problems.append(f"上传的文件“{value.filename}”对应的材料无法识别，请刷新页面后重试。")
            continue
        data = value.file.read(apv_files.MAX_FILE_BYTES + 1)
        upload = apv_files.Upload(material, value.filename, data)
        found = apv_files.check_upload(specs[material], upload)
        if found:
            problems.extend(found)
        else:
            uploads.append(upload)
    if problems:
        raise ValidationError("上传的材料有问题，申请未提交：" + "；".join(problems))
    return uploads


@router.post(PAGE + "/{code}/apply")
async def service_apply(request: Request, principal: Anyone, code: str) -> Response:
    # closing the form deletes its uploads' temporary files
    async with request.form() as form:
        answers = _answers(form)
        applicant = {k: str(form.get(k, "")).strip() for k, _ in APPLICANT_KEYS}
        try:
            receipt = await run_in_threadpool(_apply, request, code, form, answers, applicant)
        except GovaiError as exc:
            return await run_in_threadpool(
                _guide_page,
                request,
                code,
                answers,
                applicant=applicant,
                error=exc.message,
                status_code=exc.status,
            )
        return render(request, "service_receipt.html", receipt)


def _apply(
    request: Request, code: str, form: FormData, answers: dict[str, str], applicant: dict[str, str]
) -> dict[str, Any]:
    # What the applicant typed wrong is refused here, with the form kept, and files nothing: an
    # application number is for what the department must handle (补正 is for what is missing).
    if not applicant["name"]:
        raise ValidationError("请填写申请人姓名。")
    if not applicant["id_number"]:
        raise ValidationError("请填写申请人公民身份号码。")
    too_long = [label for key, label in APPLICANT_KEYS if len(applicant[key]) > MAX_APPLICANT]
    if too_long:
        raise ValidationError(f"{'、'.join(too_long)}不能超过 {MAX_APPLICANT} 个字。")
    today = applications.beijing_today()
    checked = check_resident_id(applicant["id_number"], today=today)
    if not checked.ok:
        raise ValidationError(f"公民身份号码有误：{checked.reason_zh}")
    if form.get("promise") != "yes":
        raise ValidationError("请阅读并勾选信用承诺后再提交。")
    platform = platform_of(request)
    with platform.db.read() as session:
        row = catalog.get_item(session, code)
        g = guide(row, answers, today)
    if g.problems:
        raise ValidationError("申请信息有误，申请未提交：" + "".join(g.problems))
    specs: dict[str, MaterialSpec | None] = {m.name: m for m in g.materials}
    uploads = _uploads(form, specs)
    facts = {spec.name for spec in g.fields}
    application = {
        "applicant": {k: v for k, v in applicant.items() if v},
        "fields": {k: v for k, v in answers.items() if k in facts},
        "materials": [{"name": u.material, "file": u.filename} for u in uploads],
    }
    with platform.db.session() as session:
        created = applications.submit(session, None, code, application, channel="online")
        apv_files.attach(session, created, uploads)
        number, query_code = created.number, created.query_code
        view = applications.track(session, number, query_code)
    return {"t": view, "query_code": query_code, "label": PRECHECK_LABEL, "new": True}


@router.post(PAGE + "/{code}/prefill")
async def service_prefill(request: Request, principal: Anyone, code: str) -> Response:
    """表单预填: the chat model reads the uploaded document and proposes the form's values,
    shown labelled for the applicant to check; nothing is stored but the gateway's call log."""
    # closing the form deletes its uploads' temporary files
    async with request.form() as form:
        answers = _answers(form)
        upload = form.get("document")
        try:
            if not isinstance(upload, UploadFile) or not upload.filename:
                raise ValidationError("请选择要读取的文件（.docx、.pdf 或 .txt）。")
            data = await upload.read(apv_files.MAX_FILE_BYTES + 1)
            if len(data) > apv_files.MAX_FILE_BYTES:
                raise ValidationError(
                    f"文件超过 {apv_files.MAX_FILE_BYTES // 1024 // 1024} MB，请上传较小的文件。"
                )
            result = await run_in_threadpool(
                _prefill, request, principal, code, upload.filename, data
            )
        except GovaiError as exc:
            return await run_in_threadpool(
                _guide_page, request, code, answers, error=exc.message, status_code=exc.status
            )
    merged = {**answers, **result.values}
    return await run_in_threadpool(_guide_page, request, code, merged, prefilled=result.as_dict())


def _prefill(
    request: Request, principal: Principal, code: str, filename: str, data: bytes
) -> prefill.Prefill:
    platform = platform_of(request)
    with platform.db.read() as session:
        row = catalog.get_item(session, code)
    return prefill.prefill(  # no transaction open: the gateway writes its call log
        request.app.state.gateway,
        principal,
        row,
        filename,
        data,
        provider=str(platform.settings.approval_prefill_provider),
        today=applications.beijing_today(),
    )


# ---------------------------------------------------------------- tracking and correction


@router.get("/track")
def track_page(request: Request, principal: Anyone) -> Response:
    return render(request, "service_track.html", {"t": None, "number": ""})


def _track_view(request: Request, number: str, query_code: str) -> dict[str, Any]:
    platform = platform_of(request)
    with platform.db.read() as session:
        view = applications.track(session, number, query_code)
        corrections: list[dict[str, Any]] = []
        materials: list[dict[str, Any]] = []
        if view["status"] == "needs_correction":
            row = catalog.get_item(session, view["item_code"])
            corrections = [field_json(s) for s in correction_fields(row, view["unmet_conditions"])]
            specs = {m.name: m for m in guide(row, {}, applications.beijing_today()).materials}
            materials = [
                material_json(specs[m["name"]])
                if m["name"] in specs
                else {"name": m["name"], "types": "", "accept": "", "condition": ""}
                for m in view["missing_materials"]
            ]
    return {
        "t": view,
        "number": number,
        "query_code": query_code,
        "corrections": corrections,
        "correction_materials": materials,
        "label": PRECHECK_LABEL,
    }


@router.post("/track")
async def track_lookup(request: Request, principal: Anyone) -> Response:
    # closing the form deletes its uploads' temporary files
    async with request.form() as form:
        number = str(form.get("number", "")).strip()
        query_code = str(form.get("query_code", "")).strip()
        try:
            if not number or not query_code:
                raise ValidationError("请填写申请编号和查询码（见受理回执）。")
            context = await run_in_threadpool(_track_view, request, number, query_code)
        except GovaiError as exc:
            return render(
                request,
                "service_track.html",
                {"t": None, "number": number, "error": exc.message},
                status_code=exc.status,
            )
        return render(request, "service_track.html", context)


@router.post("/track/resubmit")
async def track_resubmit(request: Request, principal: Anyone) -> Response:
    # closing the form deletes its uploads' temporary files
    async with request.form() as form:
        number = str(form.get("number", "")).strip()
        query_code = str(form.get("query_code", "")).strip()
        try:
            done = await run_in_threadpool(_resubmit, request, form, number, query_code)
            context = await run_in_threadpool(_track_view, request, number, query_code)
        except GovaiError as exc:
            try:
                context = await run_in_threadpool(_track_view, request, number, query_code)
            except GovaiError:
                context = {"t": None, "number": number}
            context["error"] = exc.message
            return render(request, "service_track.html", context, status_code=exc.status)
        context["done"] = done
        return render(request, "service_track.html", context)


def _resubmit(request: Request, form: FormData, number: str, query_code: str) -> str:
    platform = platform_of(request)
    today = applications.beijing_today()
    with platform.db.read() as session:
        view = applications.track(session, number, query_code)
        row = catalog.get_item(session, view["item_code"])
        specs: dict[str, MaterialSpec | None] = {m.name: m for m in guide(row, {}, today).materials}
    for m in view["missing_materials"]:
        specs.setdefault(m["name"], None)
    uploads = _uploads(form, specs)
    fields = _answers(form)
    if not uploads and not fields:
        raise ValidationError("请上传所缺材料或修改需更正的信息后再提交。")
    with platform.db.session() as session:
        updated = applications.resubmit(
            session,
            number,
            query_code,
            fields=fields,
            materials=[{"name": u.material, "file": u.filename} for u in uploads],
        )
        apv_files.attach(session, updated, uploads)
        label = STATUS_LABELS[updated.status]
    return f"补正材料已提交并重新预审，当前状态：{label}。"
