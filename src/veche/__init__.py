"""veche: a self-hosted discussion platform for news sites."""

__version__ = "0.1.0"
