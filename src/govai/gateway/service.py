"""Provider configuration, used by the CLI and the console.

三员分立: the system administrator configures providers (addresses, models, keys' variable names);
the security administrator decides which data level each may receive (《政务领域人工智能大模型部署
应用指引》: 涉密不上网、上网不涉密) and approves every provider that sends a key before it is
called, so a system administrator alone cannot send a key to an address of their choosing. The
shell operator may do all of it. Every change is audited.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from govai.accounts.principal import Principal
from govai.accounts.roles import Role
from govai.classification import Level
from govai.errors import Conflict, PermissionDenied, UnknownProvider, ValidationError
from govai.gateway.models import ModelProvider
from govai.gateway.providers import ProviderConfig, provider_kinds
from govai.governance import audit

if TYPE_CHECKING:
    from govai.gateway.gateway import ModelGateway

BUILTIN = ProviderConfig(
    name="extractive",
    kind="extractive",
    model="extractive",
    max_level=Level.SECRET,
    is_local=True,
    builtin=True,
)
_NAME = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,63}$")
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
KEY_ENV_PREFIX = "GOVAI_KEY_"


def check_api_key_env(env: str) -> str:
    """The name of the variable holding a key, never a govai setting (GOVAI_DATABASE_URL …)."""
    if env and not _ENV_NAME.match(env):
        raise ValidationError(
            f"--api-key-env 应为环境变量的名字（如 DEEPSEEK_API_KEY），而不是密钥本身：{env[:4]}…"
        )
    upper = env.upper()  # govai reads its settings whatever their case
    if upper.startswith("GOVAI_") and not upper.startswith(KEY_ENV_PREFIX):
        raise ValidationError(
            f"环境变量 {env} 是 govai 自身的配置项，不是模型服务的密钥，不能用作 --api-key-env"
            f"（否则其值会作为密钥发往模型服务的地址）。请另起变量名，如 DEEPSEEK_API_KEY "
            f"或 {KEY_ENV_PREFIX}DEEPSEEK。"
        )
    return env


def _require(actor: Principal, role: Role, what: str) -> None:
    if actor.via in ("cli", "system") or actor.has(role):
        return
    raise PermissionDenied(f"{what}由{role.label}负责，您无权操作。")


def to_config(row: ModelProvider) -> ProviderConfig:
    return ProviderConfig(
        name=row.name,
        kind=row.kind,
        base_url=row.base_url,
        model=row.model,
        api_key_env=row.api_key_env,
        max_level=Level(row.max_level),
        is_local=row.is_local,
        timeout_seconds=row.timeout_seconds,
        enabled=row.enabled,
        approved=row.approved,
    )


def _row(session: Session, name: str) -> ModelProvider | None:
    return session.execute(
        select(ModelProvider).where(ModelProvider.name == name)
    ).scalar_one_or_none()


def list_providers(session: Session) -> list[ProviderConfig]:
    """Every provider, the built-in ``extractive`` first unless a row overrides it."""
    rows = session.execute(select(ModelProvider).order_by(ModelProvider.name)).scalars()
    configs = [to_config(r) for r in rows]
    if not any(c.name == BUILTIN.name for c in configs):
        configs.insert(0, BUILTIN)
    return configs


def get_provider(session: Session, name: str) -> ProviderConfig:
    row = _row(session, name)
    if row is not None:
        return to_config(row)
    if name == BUILTIN.name:
        return BUILTIN
    names = "、".join(c.name for c in list_providers(session))
    raise UnknownProvider(
        f"没有名为 {name!r} 的模型服务。已配置：{names}。用 `govai model add` 添加。",
        provider=name,
    )


@dataclass(frozen=True)
class NewProvider:
    name: str
    kind: str
    base_url: str = ""
    model: str = ""
    api_key_env: str = ""
    is_local: bool = False
    timeout_seconds: float | None = None


def add_provider(
    session: Session, actor: Principal, new: NewProvider, *, default_timeout: float = 60.0
) -> ProviderConfig:
    """Add a provider; it starts at 公开 — raising its level is the security admin's decision."""
    _require(actor, Role.SYS_ADMIN, "模型服务配置")
    name = new.name.strip()
    if not _NAME.match(name):
        raise ValidationError(
            f"模型服务名 {name!r} 无效：请用小写字母、数字、点、下划线或连字符，不超过 64 个字符。"
        )
    if new.kind not in provider_kinds():
        raise ValidationError(
            f"未知的模型服务类型 {new.kind!r}，可选：{'、'.join(provider_kinds())}。"
        )
    if new.kind == "openai" and not (new.base_url and new.model):
        raise ValidationError(
            "openai 类型须给出 --base-url（如 http://127.0.0.1:8001/v1）和 --model。"
        )
    check_api_key_env(new.api_key_env)
    timeout = new.timeout_seconds if new.timeout_seconds is not None else default_timeout
    if timeout <= 0:
        raise ValidationError("超时时间须为正数（秒）。")
    if _row(session, name) is not None:
        raise Conflict(f"模型服务 {name} 已存在。如需修改，请先 `govai model remove {name}`。")
    row = ModelProvider(
        name=name,
        kind=new.kind,
        base_url=new.base_url,
        model=new.model,
        api_key_env=new.api_key_env,
        max_level=int(Level.PUBLIC),
        is_local=new.is_local,
        timeout_seconds=float(timeout),
        enabled=True,
        approved=False,  # a re-added provider starts unapproved too
    )
    session.add(row)
    session.flush()
    where = "本地部署" if new.is_local else "非本地"
    audit.record(
        session,
        "model.add",
        actor=actor,
        object_type="model_provider",
        object_id=name,
        summary=f"新增模型服务 {name}（{new.kind}，{new.model or '-'}，{where}，"
        f"{new.base_url or '内置'}），密级上限 公开"
        + (f"，密钥变量 {new.api_key_env}，待安全保密管理员批准" if new.api_key_env else ""),
    )
    return to_config(row)


def approve_provider(session: Session, actor: Principal, name: str) -> ProviderConfig:
    """The security administrator approves sending the provider's key to its address."""
    _require(actor, Role.SEC_ADMIN, "批准模型服务")
    row = _row(session, name)
    if row is None:
        get_provider(session, name)  # raises UnknownProvider for a name that does not exist
        raise ValidationError("内置的 extractive 模型服务不发送密钥，无需批准。")
    if row.approved:
        return to_config(row)
    row.approved = True
    session.flush()
    key = f"密钥变量 {row.api_key_env}" if row.api_key_env else "不发送密钥"
    audit.record(
        session,
        "model.approve",
        actor=actor,
        object_type="model_provider",
        object_id=name,
        summary=f"批准模型服务 {name}（{row.base_url or '-'}，{key}）",
    )
    return to_config(row)


def set_provider_level(
    session: Session, actor: Principal, name: str, level: Level | str
) -> ProviderConfig:
    _require(actor, Role.SEC_ADMIN, "模型服务的数据密级")
    level = Level.parse(level)
    config = get_provider(session, name)
    if level is Level.SECRET and not config.is_local:
        raise ValidationError(
            f"模型服务 {name} 不是本地部署的模型，不能接收涉密数据（涉密不上网）。"
            f"涉密数据只能交给本地部署的模型（`govai model add … --local`）。"
        )
    row = _row(session, name)
    if row is None:  # the built-in: materialise it so the level can be lowered
        row = ModelProvider(
            name=BUILTIN.name,
            kind=BUILTIN.kind,
            model=BUILTIN.model,
            is_local=True,
            max_level=int(BUILTIN.max_level),
        )
        session.add(row)
    old = Level(row.max_level)
    row.max_level = int(level)
    session.flush()
    audit.record(
        session,
        "model.level",
        actor=actor,
        object_type="model_provider",
        object_id=name,
        summary=f"模型服务 {name} 的密级上限：{old.label} → {level.label}",
    )
    return to_config(row)


def set_provider_enabled(
    session: Session, actor: Principal, name: str, enabled: bool
) -> ProviderConfig:
    _require(actor, Role.SYS_ADMIN, "模型服务配置")
    row = _row(session, name)
    if row is None:
        get_provider(session, name)  # raises UnknownProvider for a name that does not exist
        raise ValidationError("内置的 extractive 模型服务始终可用，不能停用。")
    row.enabled = enabled
    session.flush()
    audit.record(
        session,
        "model.enable" if enabled else "model.disable",
        actor=actor,
        object_type="model_provider",
        object_id=name,
        summary=f"{'启用' if enabled else '停用'}模型服务 {name}",
    )
    return to_config(row)


def remove_provider(session: Session, actor: Principal, name: str) -> None:
    _require(actor, Role.SYS_ADMIN, "模型服务配置")
    row = _row(session, name)
    if row is None:
        get_provider(session, name)
        raise ValidationError("内置的 extractive 模型服务不能删除。")
    session.delete(row)
    audit.record(
        session,
        "model.remove",
        actor=actor,
        object_type="model_provider",
        object_id=name,
        summary=f"删除模型服务 {name}",
    )


@dataclass(frozen=True)
class ProviderTest:
    name: str
    latency_ms: int
    reply: str


TEST_PROMPT = "请用一句话介绍你自己。"


def test_provider(gateway: ModelGateway, actor: Principal, name: str) -> ProviderTest:
    """Send a short prompt through the gateway (so it is masked, screened and logged)."""
    if not (actor.via in ("cli", "system") or actor.has(Role.SYS_ADMIN, Role.SEC_ADMIN)):
        raise PermissionDenied("测试模型服务须由系统管理员或安全保密管理员操作。")
    from govai.gateway.types import ModelRequest

    response = gateway.complete(
        ModelRequest(
            scenario="model.test",
            messages=[{"role": "user", "content": TEST_PROMPT}],
            provider=name,
        ),
        actor,
    )
    # The reply is shown to a person, so it keeps its explicit label (GB 45438-2025).
    return ProviderTest(name=name, latency_ms=response.latency_ms, reply=response.text)


test_provider.__test__ = False  # type: ignore[attr-defined]  # not a pytest test
