"""Use cases: each checks rules and permissions, then calls the store in one transaction."""
