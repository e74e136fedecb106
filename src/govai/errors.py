"""The one exception tree of govai.

Every error a person or an API client can see derives from :class:`GovaiError`. Each class has a
stable machine ``code`` and the HTTP ``status`` the web layer answers with; the message is
Simplified Chinese, says what failed, lists the valid choices where there are any, and names the
command or setting that fixes it. The API renders every error in one JSON shape::

    {"error": {"code": "unknown_provider", "message": "…", "detail": {…}}}

Hierarchy::

    GovaiError
    ├── ConfigError                 bad or unknown setting, unreadable govai.toml
    ├── ValidationError             input that cannot be accepted as given
    │   ├── RoleConflict            三员分立: one account may not hold two of the three admin roles
    │   └── SourceUnreadable        an imported file that cannot be read (no text layer, bad format)
    ├── NotFound
    │   ├── UnknownProvider         no model provider of that name
    │   └── UnknownKnowledgeBase    no knowledge base of that name visible to the asker
    ├── Conflict                    the object already exists / was changed meanwhile
    ├── AuthenticationError         not logged in, or could not log in
    │   ├── InvalidCredentials
    │   ├── AccountLocked
    │   └── SessionExpired
    ├── PermissionDenied            logged in, but the role does not allow it
    │   └── CsrfError               missing or forged CSRF token
    ├── GatewayError                anything the model gateway refuses or cannot do
    │   ├── ClassificationRefused   data above the provider's highest level (涉密不上网)
    │   ├── ProviderNotApproved     sends a key, not yet approved by the security admin
    │   ├── ContentBlocked          a sensitive word in the input or the model's output
    │   └── ProviderError           the provider failed
    │       ├── ProviderTimeout
    │       └── ProviderBadResponse
    ├── HttpError                   a protocol-level HTTP error (405 and the like)
    ├── InternalError               an unexpected failure, answered without its details
    ├── AuditChainBroken            the hash chain of the audit trail does not verify
    └── DatabaseUnavailable         the database cannot be reached or is not initialised
"""

from __future__ import annotations

from typing import Any


class GovaiError(Exception):
    """Base of every govai error; ``str(err)`` is the Chinese message."""

    code = "error"
    status = 500

    def __init__(self, message: str, **detail: Any) -> None:
        super().__init__(message)
        self.message = message
        self.detail = detail

    def to_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.detail:
            body["detail"] = self.detail
        return {"error": body}


class ConfigError(GovaiError):
    code = "config_error"
    status = 500


class ValidationError(GovaiError):
    code = "validation_error"
    status = 422


class RoleConflict(ValidationError):
    code = "role_conflict"


class SourceUnreadable(ValidationError):
    """A file given to ``govai kb import`` that has no usable text (scanned PDF, broken .docx…)."""

    code = "source_unreadable"


class NotFound(GovaiError):
    code = "not_found"
    status = 404


class UnknownProvider(NotFound):
    code = "unknown_provider"


class UnknownKnowledgeBase(NotFound):
    code = "unknown_kb"


class Conflict(GovaiError):
    code = "conflict"
    status = 409


class AuthenticationError(GovaiError):
    code = "not_authenticated"
    status = 401


class InvalidCredentials(AuthenticationError):
    code = "invalid_credentials"


class AccountLocked(AuthenticationError):
    code = "account_locked"
    status = 423


class SessionExpired(AuthenticationError):
    code = "session_expired"


class PermissionDenied(GovaiError):
    code = "permission_denied"
    status = 403


class CsrfError(PermissionDenied):
    code = "csrf_failed"


class GatewayError(GovaiError):
    code = "gateway_error"
    status = 502


class ClassificationRefused(GatewayError):
    code = "classification_refused"
    status = 403


class ProviderNotApproved(GatewayError):
    """The provider sends a key (``api_key_env``) and the security administrator has not
    approved it: ``govai model approve NAME``."""

    code = "provider_not_approved"
    status = 403


class ContentBlocked(GatewayError):
    code = "content_blocked"
    status = 422


class ProviderError(GatewayError):
    code = "provider_error"
    status = 502


class ProviderTimeout(ProviderError):
    code = "provider_timeout"
    status = 504


class ProviderBadResponse(ProviderError):
    code = "provider_bad_response"


class HttpError(GovaiError):
    """A protocol-level error without a domain meaning; code and status are per instance."""

    def __init__(self, message: str, *, code: str, status: int, **detail: Any) -> None:
        super().__init__(message, **detail)
        self.code = code
        self.status = status


class InternalError(GovaiError):
    code = "internal_error"
    status = 500


class AuditChainBroken(GovaiError):
    code = "audit_chain_broken"
    status = 500


class DatabaseUnavailable(GovaiError):
    code = "database_unavailable"
    status = 503
