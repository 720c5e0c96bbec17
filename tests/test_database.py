"""The engine setup: SQLite tuned for one small box, PostgreSQL through psycopg 3."""

from __future__ import annotations

import threading
import uuid
from pathlib import Path

import psycopg
from sqlalchemy import text

from tests.conftest import PG_ADMIN_URL
from veche.config import Config
from veche.service.runtime import Runtime
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


def test_nodes_starting_together_agree_on_the_generated_secret(db_url: str) -> None:
    """Without VECHE_SECRET_KEY each node reads or makes one; racing first starts must not
    leave two nodes signing CSRF tokens with different keys."""
    nodes = [Runtime.build(Config(database_url=db_url)) for _ in range(6)]
    secrets: list[str] = []
    barrier = threading.Barrier(len(nodes))

    def start(rt: Runtime) -> None:
        barrier.wait()
        secrets.append(rt.secret)

    threads = [threading.Thread(target=start, args=(rt,)) for rt in nodes]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=30)
    finally:
        for rt in nodes:
            rt.db.dispose()
    assert len(secrets) == len(nodes) and len(set(secrets)) == 1


def test_concurrent_migrations_on_postgresql_take_turns(pg_database: str) -> None:
    """Two nodes first started together on an empty database: the advisory lock makes
    them take turns, so both succeed and the schema is made once."""
    name = f"veche_migrate_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    dbs = [Database(url) for _ in range(2)]
    errors: list[BaseException] = []
    barrier = threading.Barrier(len(dbs))

    def upgrade(db: Database) -> None:
        barrier.wait()
        try:
            db.upgrade()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=upgrade, args=(db,)) for db in dbs]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
        with dbs[0].session(write=False) as s:
            assert s.execute(text("SELECT count(*) FROM alembic_version")).scalar() == 1
    finally:
        for db in dbs:
            db.dispose()
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    assert errors == []
