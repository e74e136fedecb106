"""Who is acting: a logged-in user, an API token, the CLI operator, or an anonymous citizen."""

from __future__ import annotations

from dataclasses import dataclass, field

from govai.accounts.roles import Role
from govai.classification import Level


@dataclass(frozen=True)
class Principal:
    username: str
    user_id: int | None = None
    display_name: str = ""
    org_id: int | None = None
    roles: frozenset[Role] = field(default_factory=frozenset)
    via: str = "anonymous"  # session | token | cli | anonymous | system
    ip: str = ""
    session_id: str = ""
    csrf_token: str = ""
    clearance: Level = Level.PUBLIC

    @property
    def is_anonymous(self) -> bool:
        return self.user_id is None and self.via == "anonymous"

    def has(self, *roles: Role) -> bool:
        return bool(self.roles & set(roles))


ANONYMOUS = Principal(username="public", roles=frozenset({Role.PUBLIC}))
SYSTEM = Principal(username="system", via="system", clearance=Level.SECRET)


def cli_principal(username: str = "cli") -> Principal:
    """The operator at the server's shell: trusted like the system, recorded under their name."""
    return Principal(username=username, via="cli", clearance=Level.SECRET)
