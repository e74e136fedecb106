"""/admin/words: the sensitive-word lists (安全保密管理员 only, 三员分立).

Words are added one by one or imported from a UTF-8 text file (one word per line, ``#`` starts a
comment); :mod:`govai.gateway.words` checks each word and audits every change.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, File, Form, Query, Request, Response, UploadFile
from fastapi.responses import RedirectResponse

from govai.accounts.principal import Principal
from govai.accounts.roles import Role
from govai.errors import GovaiError, ValidationError
from govai.gateway import words as wordlists
from govai.web.auth import platform_of
from govai.web.nav import NavItem, register_nav
from govai.web.policy import allow
from govai.web.render import render, set_flash

router = APIRouter()
SecAdmin = Annotated[Principal, Depends(allow(Role.SEC_ADMIN))]
PAGE = "/admin/words"
PAGE_SIZE = 100
MAX_IMPORT_BYTES = 2 * 1024 * 1024

register_nav(
    NavItem(
        "敏感词",
        PAGE,
        frozenset({Role.SEC_ADMIN}),
        description="维护敏感词库：拦截词与人工复核词，支持文本文件导入",
    )
)


def _page(
    request: Request,
    *,
    query: dict[str, str] | None = None,
    page: int = 1,
    error: str = "",
    add_error: str = "",
    form: dict[str, str] | None = None,
    import_error: str = "",
    import_form: dict[str, str] | None = None,
    report: dict[str, Any] | None = None,
    status_code: int = 200,
) -> Response:
    query = query or {"list": "", "q": ""}
    with platform_of(request).db.read() as session:
        every = wordlists.list_words(session)
    lists = sorted({w.list_name for w in every} | {"default"})
    text = query["q"].strip()
    chosen = [
        w
        for w in every
        if (not query["list"] or w.list_name == query["list"]) and (not text or text in w.word)
    ]
    pages = max((len(chosen) + PAGE_SIZE - 1) // PAGE_SIZE, 1)
    page = min(max(page, 1), pages)
    shown = chosen[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
    context: dict[str, Any] = {
        "words": [
            {
                "list_name": w.list_name,
                "word": w.word,
                "category": w.category,
                "action": w.action,
                "action_label": wordlists.ACTION_LABELS.get(w.action, w.action),
            }
            for w in shown
        ],
        "lists": lists,
        "actions": wordlists.ACTION_LABELS,
        "query": query,
        "total": len(chosen),
        "page": page,
        "pages": pages,
        "error": error,
        "add_error": add_error,
        "form": form or {"list_name": "default", "action": "block"},
        "import_error": import_error,
        "import_form": import_form or {"list_name": "default", "action": "block"},
        "report": report,
    }
    return render(request, "words.html", context, status_code=status_code)


@router.get(PAGE)
def words_page(
    request: Request,
    principal: SecAdmin,
    list_name: Annotated[str, Query(alias="list")] = "",
    q: str = "",
    page: int = 1,
) -> Response:
    return _page(request, query={"list": list_name, "q": q}, page=page)


def _back(list_name: str, message: str) -> Response:
    response = RedirectResponse(f"{PAGE}?{urlencode({'list': list_name})}", status_code=303)
    set_flash(response, message)
    return response


def _list_name(value: str) -> str:
    return value.strip() or "default"


@router.post(PAGE)
def word_add(
    request: Request,
    principal: SecAdmin,
    list_name: Annotated[str, Form()] = "default",
    word: Annotated[str, Form()] = "",
    category: Annotated[str, Form()] = "",
    action: Annotated[str, Form()] = "block",
) -> Response:
    form = {"list_name": list_name, "word": word, "category": category, "action": action}
    name = _list_name(list_name)
    try:
        with platform_of(request).db.session() as session:
            outcome = wordlists.add_word(
                session,
                principal,
                word,
                list_name=name,
                action=action,
                category=category.strip(),
            )
    except GovaiError as exc:
        return _page(request, add_error=exc.message, form=form, status_code=exc.status)
    shown = f"“{word.strip()}”（词库 {name}，{wordlists.ACTION_LABELS[action]}）"
    done = {
        "added": f"已新增敏感词{shown}。",
        "changed": f"已修改敏感词{shown}。",
        "unchanged": f"敏感词{shown}已存在，未作修改。",
    }[outcome]
    return _back(name, done)


@router.post(PAGE + "/remove")
def word_remove(
    request: Request,
    principal: SecAdmin,
    list_name: Annotated[str, Form()] = "default",
    word: Annotated[str, Form()] = "",
) -> Response:
    name = _list_name(list_name)
    try:
        with platform_of(request).db.session() as session:
            wordlists.remove_word(session, principal, word, list_name=name)
    except GovaiError as exc:
        query = {"list": name, "q": ""}
        return _page(request, query=query, error=exc.message, status_code=exc.status)
    return _back(name, f"已从词库 {name} 删除“{word.strip()}”。")


def decode_upload(data: bytes, filename: str) -> str:
    """The file's text, or a Chinese message saying how to save it as UTF-8."""
    if not data:
        raise ValidationError("请选择要导入的文本文件（每行一个词，# 开头的行为注释）。")
    if len(data) > MAX_IMPORT_BYTES:
        raise ValidationError(
            f"文件 {filename} 超过 {MAX_IMPORT_BYTES // 1024 // 1024} MB，请拆分后分批导入。"
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValidationError(
            f"文件 {filename} 不是 UTF-8 编码（第 {exc.start + 1} 个字节无法识别），未导入任何词。"
            "请用文本编辑器（如记事本“另存为”）选择 UTF-8 编码保存后重新导入。"
        ) from None


@router.post(PAGE + "/import")
def words_import(
    request: Request,
    principal: SecAdmin,
    list_name: Annotated[str, Form()] = "default",
    action: Annotated[str, Form()] = "block",
    file: Annotated[UploadFile | None, File()] = None,
) -> Response:
    import_form = {"list_name": list_name, "action": action}
    name = _list_name(list_name)
    filename = (file.filename if file else "") or "（未命名）"
    data = file.file.read(MAX_IMPORT_BYTES + 1) if file else b""
    try:
        text = decode_upload(data, filename)
        with platform_of(request).db.session() as session:
            result = wordlists.import_words(session, principal, text, list_name=name, action=action)
    except GovaiError as exc:
        return _page(
            request, import_error=exc.message, import_form=import_form, status_code=exc.status
        )
    report = {
        "filename": filename,
        "list_name": name,
        "action_label": wordlists.ACTION_LABELS[action],
        "added": result.added,
        "changed": result.changed,
        "unchanged": result.unchanged,
        "bad_lines": [
            {"number": number, "line": line, "why": why} for number, line, why in result.bad_lines
        ],
    }
    return _page(request, query={"list": name, "q": ""}, import_form=import_form, report=report)
