"""Cross-cutting protections: passwords, rate limits, CSRF tokens, client identity."""
