"""Model providers behind one small interface (:class:`Provider`).

The built-in kinds register through the same hook a third party uses.
"""

from govai.gateway.providers.base import (
    Chunk,
    Provider,
    ProviderCall,
    ProviderConfig,
    ProviderEvidence,
    ProviderFactory,
    ProviderReply,
    create_provider,
    provider_kinds,
    register_provider_kind,
)
from govai.gateway.providers.extractive import ExtractiveProvider
from govai.gateway.providers.openai_compat import OpenAIChatProvider

register_provider_kind("extractive", ExtractiveProvider)
register_provider_kind("openai", OpenAIChatProvider)

__all__ = [
    "Chunk",
    "ExtractiveProvider",
    "OpenAIChatProvider",
    "Provider",
    "ProviderCall",
    "ProviderConfig",
    "ProviderEvidence",
    "ProviderFactory",
    "ProviderReply",
    "create_provider",
    "provider_kinds",
    "register_provider_kind",
]
