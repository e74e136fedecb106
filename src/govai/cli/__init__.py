"""The `govai` command line, split by command group."""
