"""The engine setup: SQLite tuned for one small box, PostgreSQL through psycopg 3."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text

from veche.store.database import Database, normalise_url


def test_sqlite_runs_in_wal_mode_with_foreign_keys(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'box.db'}")
    try:
        db.upgrade()
        with db.session(write=False) as s:
            assert s.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            assert s.execute(text("PRAGMA foreign_keys")).scalar() == 1
        with db.session() as s:  # a writer takes the lock up front and still commits
            s.execute(text("INSERT INTO settings (key, value) VALUES ('k', 'v')"))
        with db.session(write=False) as s:
            assert s.execute(text("SELECT value FROM settings WHERE key = 'k'")).scalar() == "v"
    finally:
        db.dispose()


def test_postgres_urls_use_psycopg_3() -> None:
    assert normalise_url("postgres://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalise_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalise_url("sqlite:///x.db") == "sqlite:///x.db"


def test_a_failed_unit_of_work_leaves_nothing(db_url: str) -> None:
    db = Database(db_url)
    try:
        try:
            with db.session() as s:
                s.execute(text("INSERT INTO settings (key, value) VALUES ('half', 'stored')"))
                raise RuntimeError("boom")
        except RuntimeError:
            pass
        with db.session(write=False) as s:
            assert s.execute(text("SELECT count(*) FROM settings WHERE key = 'half'")).scalar() == 0
    finally:
        db.dispose()
