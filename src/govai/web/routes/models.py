"""/admin/models: model providers (三员分立).

The system administrator adds, enables, disables and removes providers; the security
administrator decides the highest data level each may receive (涉密不上网) and approves each
provider that sends a key before it may be called; both may test one.
:mod:`govai.gateway.service` enforces who may do what and audits every change; this page only
shows its Chinese messages, with the input kept.
"""

from __future__ import annotations

import os
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request, Response
from fastapi.responses import RedirectResponse

from govai.accounts.principal import Principal
from govai.accounts.roles import Role
from govai.classification import LEVEL_LABELS
from govai.errors import GovaiError, ValidationError
from govai.gateway import ModelGateway
from govai.gateway import service as providers
from govai.gateway.providers import ProviderConfig, provider_kinds
from govai.web.auth import platform_of
from govai.web.nav import NavItem, register_nav
from govai.web.policy import allow
from govai.web.render import render, set_flash

router = APIRouter()
ModelAdmin = Annotated[Principal, Depends(allow(Role.SYS_ADMIN, Role.SEC_ADMIN))]
SysAdmin = Annotated[Principal, Depends(allow(Role.SYS_ADMIN))]
SecAdmin = Annotated[Principal, Depends(allow(Role.SEC_ADMIN))]
PAGE = "/admin/models"

register_nav(
    NavItem(
        "模型服务",
        PAGE,
        frozenset({Role.SYS_ADMIN, Role.SEC_ADMIN}),
        description="配置模型服务、设定可接收的数据密级、测试连通",
    )
)


def provider_row(config: ProviderConfig, default: str) -> dict[str, Any]:
    """What the page shows of a provider: whether its key variable is set, never the key."""
    env = config.api_key_env
    return {
        "name": config.name,
        "kind": config.kind,
        "model": config.model,
        "base_url": config.base_url,
        "level": config.max_level.label,
        "is_local": config.is_local,
        "enabled": config.enabled,
        "builtin": config.builtin,
        "default": config.name == default,
        "api_key_env": env,
        "api_key_set": bool(env and os.environ.get(env)),
        "needs_approval": config.needs_approval,
    }


def gateway_of(request: Request) -> ModelGateway:
    """One gateway per app, so its sensitive-word cache is shared between requests."""
    gateway = getattr(request.app.state, "gateway", None)
    if gateway is None:
        platform = platform_of(request)
        gateway = request.app.state.gateway = ModelGateway(platform.db, platform.settings)
    return gateway


def _page(
    request: Request,
    principal: Principal,
    *,
    error: str = "",
    add_error: str = "",
    form: dict[str, Any] | None = None,
    levels: dict[str, str] | None = None,
    test: dict[str, Any] | None = None,
    status_code: int = 200,
) -> Response:
    platform = platform_of(request)
    with platform.db.read() as session:
        configs = providers.list_providers(session)
    default = str(platform.settings.default_provider)
    context: dict[str, Any] = {
        "providers": [provider_row(c, default) for c in configs],
        "kinds": provider_kinds(),
        "level_labels": LEVEL_LABELS,
        "levels": levels or {},
        "error": error,
        "add_error": add_error,
        "form": form or {"kind": "openai"},
        "test": test,
        "default_timeout": platform.settings.provider_timeout_seconds,
        "can_configure": principal.has(Role.SYS_ADMIN),
        "can_classify": principal.has(Role.SEC_ADMIN),
    }
    return render(request, "models.html", context, status_code=status_code)


def _done(message: str) -> Response:
    response = RedirectResponse(PAGE, status_code=303)
    set_flash(response, message)
    return response


@router.get(PAGE)
def models_page(request: Request, principal: ModelAdmin) -> Response:
    return _page(request, principal)


def parse_timeout(value: str) -> float | None:
    value = value.strip()
    if not value:
        return None
    try:
        return float(value)
    except ValueError:
        raise ValidationError(f"超时时间须为数字（秒），例如 60；收到：{value!r}。") from None


@router.post(PAGE)
def model_add(
    request: Request,
    principal: SysAdmin,
    name: Annotated[str, Form()] = "",
    kind: Annotated[str, Form()] = "",
    base_url: Annotated[str, Form()] = "",
    model: Annotated[str, Form()] = "",
    api_key_env: Annotated[str, Form()] = "",
    is_local: Annotated[bool, Form()] = False,
    timeout: Annotated[str, Form()] = "",
) -> Response:
    form = {
        "name": name,
        "kind": kind,
        "base_url": base_url,
        "model": model,
        "api_key_env": api_key_env,
        "is_local": is_local,
        "timeout": timeout,
    }
    platform = platform_of(request)
    try:
        new = providers.NewProvider(
            name=name,
            kind=kind,
            base_url=base_url.strip(),
            model=model.strip(),
            api_key_env=api_key_env.strip(),
            is_local=is_local,
            timeout_seconds=parse_timeout(timeout),
        )
        with platform.db.session() as session:
            config = providers.add_provider(
                session,
                principal,
                new,
                default_timeout=float(platform.settings.provider_timeout_seconds),
            )
    except GovaiError as exc:
        return _page(request, principal, add_error=exc.message, form=form, status_code=exc.status)
    approval = (
        f"它会发送密钥（环境变量 {config.api_key_env}），须经安全保密管理员批准后才能调用。"
        if config.needs_approval
        else ""
    )
    return _done(
        f"已新增模型服务 {config.name}（{config.kind}），密级上限：公开。"
        "如需接收更高密级的数据，请由安全保密管理员调整。" + approval
    )


@router.post(PAGE + "/{name}/approve")
def model_approve(request: Request, principal: SecAdmin, name: str) -> Response:
    """三员分立: the security administrator approves where a provider's key is sent."""
    try:
        with platform_of(request).db.session() as session:
            config = providers.approve_provider(session, principal, name)
    except GovaiError as exc:
        return _page(request, principal, error=exc.message, status_code=exc.status)
    return _done(f"已批准模型服务 {config.name}：密钥将发往 {config.base_url}。")


@router.post(PAGE + "/{name}/level")
def model_level(
    request: Request, principal: SecAdmin, name: str, level: Annotated[str, Form()] = ""
) -> Response:
    try:
        with platform_of(request).db.session() as session:
            config = providers.set_provider_level(session, principal, name, level)
    except GovaiError as exc:
        return _page(
            request, principal, error=exc.message, levels={name: level}, status_code=exc.status
        )
    return _done(f"模型服务 {config.name} 的密级上限已设为“{config.max_level.label}”。")


@router.post(PAGE + "/{name}/enabled")
def model_enabled(
    request: Request, principal: SysAdmin, name: str, enabled: Annotated[bool, Form()] = False
) -> Response:
    try:
        with platform_of(request).db.session() as session:
            providers.set_provider_enabled(session, principal, name, enabled)
    except GovaiError as exc:
        return _page(request, principal, error=exc.message, status_code=exc.status)
    return _done(f"已{'启用' if enabled else '停用'}模型服务 {name}。")


@router.post(PAGE + "/{name}/remove")
def model_remove(request: Request, principal: SysAdmin, name: str) -> Response:
    try:
        with platform_of(request).db.session() as session:
            providers.remove_provider(session, principal, name)
    except GovaiError as exc:
        return _page(request, principal, error=exc.message, status_code=exc.status)
    return _done(f"已删除模型服务 {name}（调用日志保留）。")


@router.post(PAGE + "/{name}/test")
def model_test(request: Request, principal: ModelAdmin, name: str) -> Response:
    """Goes through the gateway like any call: masked, screened, labelled and logged."""
    try:
        result = providers.test_provider(gateway_of(request), principal, name)
    except GovaiError as exc:
        test = {"name": name, "ok": False, "message": exc.message}
        return _page(request, principal, test=test, status_code=exc.status)
    test = {
        "name": result.name,
        "ok": True,
        "latency_ms": result.latency_ms,
        "prompt": providers.TEST_PROMPT,
        "reply": result.reply,
    }
    return _page(request, principal, test=test)
