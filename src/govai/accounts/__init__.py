"""People: the organisation tree, users and roles, login sessions, API tokens."""
