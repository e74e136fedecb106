"""Approval engines: service items, rules as code, material checks, working-day deadlines."""
