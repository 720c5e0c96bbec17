"""A busy database answers 503 with Retry-After (JSON), never a 500 — on both engines."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from tests.conftest import World, bearer, error, with_config
from veche.service.runtime import Runtime
from veche.store.database import Database
from veche.store.overload import is_overload
from veche.web.app import create_app


@contextmanager
def write_lock_held(rt: Runtime, story_id: int) -> Iterator[None]:
    """Another process's writer: SQLite's write lock, or the story's row lock on PostgreSQL."""
    url = rt.config.database_url
    if rt.db.is_sqlite:
        conn = sqlite3.connect(url.removeprefix("sqlite:///"), isolation_level=None)
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield
        finally:
            conn.execute("ROLLBACK")
            conn.close()
        return
    with psycopg.connect(url) as pg:
        pg.execute("SELECT id FROM stories WHERE id = %s FOR UPDATE", (story_id,))
        yield
        pg.rollback()


@pytest.fixture
def impatient(world: World) -> Iterator[tuple[TestClient, Runtime]]:
    """An app whose requests wait 200 ms for a lock instead of 10 s."""
    config = with_config(world.rt, lock_timeout_ms=200).config
    rt = Runtime.build(config)
    with TestClient(create_app(config, rt), base_url="https://veche.test") as c:
        yield c, rt
    rt.db.dispose()


def test_a_held_write_lock_is_a_503_with_retry_after(
    impatient: tuple[TestClient, Runtime], world: World
) -> None:
    client, rt = impatient
    _u, token = world.user("ann")
    url = f"/api/v1/stories/{world.story.id}/comments"
    with write_lock_held(rt, world.story.id):
        r = client.post(url, json={"body": "While someone else writes"}, headers=bearer(token))
        err = error(r, 503, "overloaded")
        assert "try again" in err["message"]
        assert 1 <= int(r.headers["Retry-After"]) <= 30
        assert r.headers["X-Content-Type-Options"] == "nosniff"
        # Readers are not blocked by a writer (WAL; row locks on PostgreSQL).
        assert client.get(url).status_code == 200
        page = client.post(
            f"/stories/{world.story.id}/comments",
            data={"body": "from the form"},
            headers={"Authorization": f"Bearer {token}"},
        )
        assert page.status_code == 503 and "Retry-After" in page.headers
        assert "busy" in page.text and "from the form" not in page.text
    ok = client.post(url, json={"body": "After the lock is gone"}, headers=bearer(token))
    assert ok.status_code == 201, ok.text


def test_no_free_connection_is_a_503(impatient: tuple[TestClient, Runtime], world: World) -> None:
    """Every pooled connection busy for longer than the lock timeout: retry later."""
    client, rt = impatient
    _u, token = world.user("ann")
    held = []
    try:
        while True:
            try:
                held.append(rt.db.engine.connect())
            except PoolTimeout:
                break
        r = client.get(f"/api/v1/stories/{world.story.id}/comments", headers=bearer(token))
        error(r, 503, "overloaded")
        assert int(r.headers["Retry-After"]) >= 1
    finally:
        for conn in held:
            conn.close()
    assert client.get(f"/api/v1/stories/{world.story.id}/comments").status_code == 200


def test_other_database_errors_stay_500(client: TestClient, world: World) -> None:
    """Only busy/locked means "retry": a broken schema is a bug and says so."""
    _u, token = world.user("ann")
    with world.rt.db.engine.begin() as conn:
        conn.exec_driver_sql("ALTER TABLE events RENAME TO events_away")
    try:
        r = client.post(
            f"/api/v1/stories/{world.story.id}/comments", json={"body": "x"}, headers=bearer(token)
        )
    finally:
        with world.rt.db.engine.begin() as conn:
            conn.exec_driver_sql("ALTER TABLE events_away RENAME TO events")
    error(r, 500, "internal")
    assert "Retry-After" not in r.headers


def test_what_counts_as_overload(db_url: str) -> None:
    assert is_overload(PoolTimeout("QueuePool limit of size 10 overflow 10 reached"))
    db = Database(db_url)
    try:
        with db.engine.connect() as conn:
            conn.exec_driver_sql("SELECT 1 FROM no_such_table")
    except OperationalError as exc:
        assert not is_overload(exc)
    except Exception as exc:  # PostgreSQL: ProgrammingError, not an overload either
        assert not is_overload(exc)
    finally:
        db.dispose()
    if db.is_sqlite:
        locked = sqlite3.OperationalError("database is locked")
        assert is_overload(OperationalError("BEGIN IMMEDIATE", None, locked))
