"""Routers of the console and the API, one module per area."""
