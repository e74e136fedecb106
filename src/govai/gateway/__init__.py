"""The model gateway: the only way any code reaches a model."""
