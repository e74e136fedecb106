"""The knowledge engine: knowledge bases, document import, Chinese lexical search and retrieval.

Engines never import scenarios or the web layer; the 智能问答 scenario (:mod:`govai.scenarios.qa`)
composes this engine with the model gateway.
"""
