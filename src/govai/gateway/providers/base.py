"""The provider interface and the registry of provider kinds.

A provider kind is a factory ``(ProviderConfig) -> Provider``. The built-in kinds (``extractive``
and ``openai``) register through :func:`register_provider_kind` exactly as a third-party package
would, either by calling it at import time or through the ``govai.providers`` entry-point group
(each entry point names a callable that registers its kinds).

Beyond chat, a provider may offer optional capabilities, each a small protocol it implements by
simply having the method: :class:`EmbeddingProvider` (texts to vectors, for dense retrieval) and
:class:`RerankProvider` (relevance scores of passages for a question). The gateway checks for the
capability before it sends anything and names the provider when it is missing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from typing import Protocol, runtime_checkable

from govai.classification import Level
from govai.errors import ValidationError


@dataclass(frozen=True)
class ProviderConfig:
    """One configured provider as the gateway sees it (a ModelProvider row, or the built-in)."""

    name: str
    kind: str
    base_url: str = ""
    model: str = ""
    api_key_env: str = ""  # the NAME of the environment variable holding the key, never the key
    max_level: Level = Level.PUBLIC
    is_local: bool = False
    timeout_seconds: float = 60.0
    enabled: bool = True
    builtin: bool = False
    approved: bool = False  # by the security admin; required before a key (api_key_env) is sent

    @property
    def needs_approval(self) -> bool:
        """Sends a key and the security administrator has not approved where it goes."""
        return bool(self.api_key_env) and not self.approved


@dataclass(frozen=True)
class ProviderEvidence:
    """Evidence as it leaves the gateway: already masked."""

    id: str
    text: str
    citation: str = ""


@dataclass(frozen=True)
class ProviderCall:
    """What a provider receives: masked messages and masked evidence, nothing else."""

    messages: list[dict[str, str]]
    evidence: list[ProviderEvidence] = field(default_factory=list)
    temperature: float | None = None
    max_tokens: int | None = None
    focus: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class ProviderReply:
    text: str
    model: str
    tokens_in: int = 0
    tokens_out: int = 0


@dataclass(frozen=True)
class Chunk:
    """A piece of a streamed reply; the last chunk may carry only token usage."""

    text: str = ""
    tokens_in: int | None = None
    tokens_out: int | None = None


class Provider(Protocol):
    """A model provider. Implementations raise ProviderTimeout / ProviderBadResponse /
    ProviderError (govai.errors) for their failures and nothing else."""

    config: ProviderConfig

    def complete(self, call: ProviderCall) -> ProviderReply: ...

    def stream(self, call: ProviderCall) -> Iterator[Chunk]: ...


@runtime_checkable
class EmbeddingProvider(Protocol):
    """Optional capability: one vector per text, in input order, all of one length.

    ``texts`` arrive masked and in batches the gateway sized; ``model`` is never empty (the
    gateway substitutes the configured model). Failures raise ProviderError subclasses."""

    config: ProviderConfig

    def embed(self, texts: list[str], model: str) -> list[list[float]]: ...


@runtime_checkable
class RerankProvider(Protocol):
    """Optional capability: one relevance score per document, in input order (higher is more
    relevant; the scale is the provider's own). Failures raise ProviderError subclasses."""

    config: ProviderConfig

    def rerank(self, query: str, documents: list[str], model: str) -> list[float]: ...


ProviderFactory = Callable[[ProviderConfig], Provider]

_KINDS: dict[str, ProviderFactory] = {}
_plugins_loaded = False


def register_provider_kind(kind: str, factory: ProviderFactory) -> None:
    """Make ``kind`` available to ``govai model add --kind``; a later call replaces the factory."""
    if not kind or not kind.replace("_", "").replace("-", "").isalnum():
        raise ValueError(f"invalid provider kind name: {kind!r}")
    _KINDS[kind] = factory


def _load_plugins() -> None:
    global _plugins_loaded
    if _plugins_loaded:
        return
    _plugins_loaded = True
    for ep in entry_points(group="govai.providers"):
        ep.load()()


def provider_kinds() -> list[str]:
    _load_plugins()
    return sorted(_KINDS)


def create_provider(config: ProviderConfig) -> Provider:
    _load_plugins()
    factory = _KINDS.get(config.kind)
    if factory is None:
        choices = "、".join(sorted(_KINDS))
        raise ValidationError(
            f"模型服务 {config.name} 的类型 {config.kind!r} 未注册，可用类型：{choices}。"
            "请安装提供该类型的插件，或用 `govai model remove` 删除该配置。"
        )
    return factory(config)
