"""Who may call each route.

Every route declares its policy as a dependency — :data:`PUBLIC`, :data:`ANY_USER` or
``allow(Role.SEC_ADMIN, …)`` — which resolves the caller, refuses the wrong ones and checks the
CSRF token of state-changing session requests. :func:`collect_policies` walks the app's routes
when it is built and raises if any route has none, so an undeclared route cannot ship (and
``tests/web/test_route_roles.py`` checks every route against every role).

Usage::

    @router.get("/admin/users")
    def users_page(principal: Principal = Depends(allow(Role.SEC_ADMIN, Role.DEPT_ADMIN))): ...
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Request
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, APIRouter
from starlette.concurrency import run_in_threadpool
from starlette.routing import BaseRoute, Mount

from govai.accounts.principal import Principal
from govai.accounts.roles import ASSIGNABLE, Role
from govai.errors import AuthenticationError, PermissionDenied
from govai.web.auth import check_csrf, has_credentials, resolve_principal

POLICY_ATTR = "__govai_policy__"


@dataclass(frozen=True)
class Policy:
    """``roles`` empty and ``public`` false means: any logged-in user."""

    roles: frozenset[Role] = frozenset()
    public: bool = False

    def permits(self, principal: Principal) -> bool:
        if self.public:
            return True
        if principal.is_anonymous or principal.user_id is None:
            return False
        return not self.roles or principal.has(*self.roles)

    def permitted_roles(self) -> frozenset[Role]:
        """Roles this policy lets in (PUBLIC stands for the anonymous visitor)."""
        if self.public:
            return frozenset(Role)
        return self.roles or frozenset(ASSIGNABLE)

    def describe(self) -> str:
        if self.public:
            return "PUBLIC"
        if not self.roles:
            return "ANY_USER"
        return "allow(" + ", ".join(sorted(r.value for r in self.roles)) + ")"


PolicyDependency = Callable[[Request], Awaitable[Principal]]


def _make(policy: Policy) -> PolicyDependency:
    async def dependency(request: Request) -> Principal:
        # Database work runs in the thread pool so a waiting SQLite lock never stalls the loop;
        # an anonymous caller needs none, and skips the hop to a thread.
        if has_credentials(request):
            principal = await run_in_threadpool(resolve_principal, request)
        else:
            principal = resolve_principal(request)
        if not policy.permits(principal):
            if principal.is_anonymous:
                raise AuthenticationError("请先登录。")
            names = "、".join(r.label for r in sorted(policy.roles)) or "已登录用户"
            raise PermissionDenied(
                f"您的角色无权访问此功能（需要：{names}）。如需开通，请联系安全保密管理员。"
            )
        await check_csrf(request, principal)
        return principal

    setattr(dependency, POLICY_ATTR, policy)
    dependency.__name__ = f"policy_{policy.describe()}"
    return dependency


PUBLIC: PolicyDependency = _make(Policy(public=True))
ANY_USER: PolicyDependency = _make(Policy())
_ALLOW_CACHE: dict[frozenset[Role], PolicyDependency] = {}


def allow(*roles: Role) -> PolicyDependency:
    """Only principals holding at least one of ``roles``."""
    if not roles:
        raise ValueError("allow() needs at least one role; use ANY_USER or PUBLIC instead")
    key = frozenset(roles)
    if key not in _ALLOW_CACHE:
        _ALLOW_CACHE[key] = _make(Policy(roles=key))
    return _ALLOW_CACHE[key]


def policy_of(dependant: Dependant) -> Policy | None:
    """The policy declared by a route's dependency tree, if any."""
    for dep in dependant.dependencies:
        policy: Any = getattr(dep.call, POLICY_ATTR, None)
        if isinstance(policy, Policy):
            return policy
        found = policy_of(dep)
        if found is not None:
            return found
    return None


class UndeclaredPolicy(RuntimeError):
    """A route was registered without PUBLIC, ANY_USER or allow(...)."""


def _api_routes(routes: Iterable[BaseRoute]) -> Iterator[APIRoute | BaseRoute]:
    """Every route, descending into included routers (whatever FastAPI calls them)."""
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        elif isinstance(route, Mount):
            continue  # static files: public by nature
        elif isinstance(getattr(route, "original_router", None), APIRouter):
            yield from _api_routes(route.original_router.routes)  # type: ignore[attr-defined]
        elif isinstance(route, APIRouter):
            yield from _api_routes(route.routes)
        else:
            yield route  # unknown kind: reported as undeclared


def collect_policies(app: FastAPI) -> dict[tuple[str, str], Policy]:
    """The registry ``(method, path) → Policy`` for every route of ``app``.

    Raises :class:`UndeclaredPolicy` naming each route that declares none.
    """
    registry: dict[tuple[str, str], Policy] = {}
    missing: list[str] = []
    for route in _api_routes(app.routes):
        if not isinstance(route, APIRoute):
            missing.append(repr(route))
            continue
        policy = policy_of(route.dependant)
        for method in sorted(route.methods or ()):
            if policy is None:
                missing.append(f"{method} {route.path}")
            else:
                registry[(method, route.path)] = policy
    if missing:
        raise UndeclaredPolicy(
            "These routes declare no access policy (use PUBLIC, ANY_USER or allow(...)): "
            + ", ".join(missing)
        )
    return registry


# Annotated parameter types for route signatures, e.g. ``def page(principal: AnyUser)``.
Anyone = Annotated[Principal, Depends(PUBLIC)]
AnyUser = Annotated[Principal, Depends(ANY_USER)]
