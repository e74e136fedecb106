"""/admin/orgs: the organisation tree (系统管理员: whole tree; 部门管理员: below their own org)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request, Response
from fastapi.responses import RedirectResponse

from govai.accounts import service as accounts
from govai.accounts.principal import Principal
from govai.accounts.roles import Role
from govai.errors import GovaiError
from govai.web.auth import platform_of
from govai.web.policy import allow
from govai.web.render import render, set_flash
from govai.web.views import org_tree

router = APIRouter()
OrgAdmin = Annotated[Principal, Depends(allow(Role.SYS_ADMIN, Role.DEPT_ADMIN))]


def _page(
    request: Request,
    principal: Principal,
    *,
    error: str = "",
    form: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    with platform_of(request).db.read() as session:
        tree = org_tree(session, principal)
    context: dict[str, Any] = {
        "tree": tree,
        "parents": [row for row in tree if row.in_scope],
        "kinds": accounts.ORG_KINDS,
        "error": error,
        "form": form or {"kind": "department"},
    }
    return render(request, "orgs.html", context, status_code=status_code)


@router.get("/admin/orgs")
def orgs_page(request: Request, principal: OrgAdmin) -> Response:
    return _page(request, principal)


@router.post("/admin/orgs")
def org_create(
    request: Request,
    principal: OrgAdmin,
    code: Annotated[str, Form()] = "",
    name: Annotated[str, Form()] = "",
    kind: Annotated[str, Form()] = "",
    parent: Annotated[str, Form()] = "",
) -> Response:
    form = {"code": code, "name": name, "kind": kind, "parent": parent}
    try:
        with platform_of(request).db.session() as session:
            org = accounts.create_org(
                session, principal, code=code, name=name, kind=kind, parent_code=parent or None
            )
            label = org.name
    except GovaiError as exc:
        return _page(request, principal, error=exc.message, form=form, status_code=exc.status)
    response = RedirectResponse("/admin/orgs", status_code=303)
    set_flash(response, f"已新建机构「{label}」。")
    return response


@router.post("/admin/orgs/{code}/rename")
def org_rename(
    request: Request,
    principal: OrgAdmin,
    code: str,
    name: Annotated[str, Form()],
) -> Response:
    try:
        with platform_of(request).db.session() as session:
            accounts.rename_org(session, principal, code, name)
    except GovaiError as exc:
        return _page(request, principal, error=exc.message, status_code=exc.status)
    response = RedirectResponse("/admin/orgs", status_code=303)
    set_flash(response, f"机构 {code} 已更名为「{name.strip()}」。")
    return response
