"""智能问答 + 资料检索: grounded answers with clause-level citations (see :mod:`.service`)."""

from govai.scenarios.qa.service import Answer, Citation, QaService

__all__ = ["Answer", "Citation", "QaService"]
