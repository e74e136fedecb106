"""Governance: the audit trail (and, later, review queues and feedback)."""
