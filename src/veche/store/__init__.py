"""Persistence: SQLAlchemy models, the engine, migrations and the only read/write paths."""
