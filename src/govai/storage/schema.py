"""Imports every engine's tables so that ``Base.metadata`` is complete (Alembic, tests)."""

from govai.accounts import models as accounts_models
from govai.gateway import models as gateway_models
from govai.governance import models as governance_models
from govai.knowledge import models as knowledge_models
from govai.scenarios.approval import models as approval_models
from govai.scenarios.drafting import models as drafting_models
from govai.scenarios.messages import models as messages_models
from govai.scenarios.qa import models as qa_models
from govai.storage.base import Base

metadata = Base.metadata

__all__ = [
    "accounts_models",
    "approval_models",
    "drafting_models",
    "gateway_models",
    "governance_models",
    "knowledge_models",
    "messages_models",
    "metadata",
    "qa_models",
]
