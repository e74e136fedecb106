"""The model gateway: the only way any code reaches a model.

Public API (what scenarios, engines and the web layer use)::

    from govai.gateway import Evidence, ModelGateway, ModelRequest, ModelResponse

    gateway = ModelGateway(platform.db, platform.settings)
    reply = gateway.complete(ModelRequest("qa", [{"role": "user", "content": q}],
                                          level=Level.INTERNAL, evidence=[...]), actor)
    with gateway.stream(request, actor) as chunks:
        for text in chunks: ...
        chunks.response  # the finished ModelResponse, with the implicit label in .aigc

    # optional capabilities of a provider (dense retrieval, reranking)
    result = gateway.embed(EmbeddingRequest("kb.index", texts, Level.INTERNAL, "bge"), actor)
    result.vectors  # one list[float] per text, input order
    scores = gateway.rerank(RerankRequest("qa", q, passages, Level.INTERNAL, "bge-rerank"), actor)

    # may a scenario hand data of a level to a provider? (the rules every call obeys)
    error = provider_refusal(get_provider(session, name), Level.INTERNAL)  # None: it may
"""

from govai.gateway.gateway import EMBED_BATCH_SIZE, ModelGateway, ModelStream, provider_refusal
from govai.gateway.providers import register_provider_kind
from govai.gateway.providers.base import EmbeddingProvider, RerankProvider
from govai.gateway.types import (
    EmbeddingRequest,
    EmbeddingResult,
    Evidence,
    ModelRequest,
    ModelResponse,
    RerankRequest,
)

__all__ = [
    "EMBED_BATCH_SIZE",
    "EmbeddingProvider",
    "EmbeddingRequest",
    "EmbeddingResult",
    "Evidence",
    "ModelGateway",
    "ModelRequest",
    "ModelResponse",
    "ModelStream",
    "RerankProvider",
    "RerankRequest",
    "provider_refusal",
    "register_provider_kind",
]
