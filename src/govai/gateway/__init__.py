"""The model gateway: the only way any code reaches a model.

Public API (what scenarios and the web layer use)::

    from govai.gateway import Evidence, ModelGateway, ModelRequest, ModelResponse

    gateway = ModelGateway(platform.db, platform.settings)
    reply = gateway.complete(ModelRequest("qa", [{"role": "user", "content": q}],
                                          level=Level.INTERNAL, evidence=[...]), actor)
    with gateway.stream(request, actor) as chunks:
        for text in chunks: ...
        chunks.response  # the finished ModelResponse, with the implicit label in .aigc
"""

from govai.gateway.gateway import ModelGateway, ModelStream
from govai.gateway.providers import register_provider_kind
from govai.gateway.types import Evidence, ModelRequest, ModelResponse

__all__ = [
    "Evidence",
    "ModelGateway",
    "ModelRequest",
    "ModelResponse",
    "ModelStream",
    "register_provider_kind",
]
