"""govai: a self-hosted platform for safe use of large language models in government."""

__version__ = "0.1.0"
