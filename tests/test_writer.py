"""The group writer: queued store steps share one transaction, each in its own savepoint."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import psycopg
import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from veche.store.database import Database
from veche.store.models import Setting


@contextmanager
def held_write_lock(db: Database) -> Iterator[None]:
    """Another process holding the write lock, so writes queue up behind it."""
    if db.is_sqlite:
        path = db.url.removeprefix("sqlite:///")
        conn = sqlite3.connect(path, isolation_level=None)
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield
        finally:
            conn.execute("ROLLBACK")
            conn.close()
    else:
        dsn = db.url.replace("postgresql+psycopg://", "postgresql://")
        with psycopg.connect(dsn) as pg:
            pg.execute("LOCK TABLE settings IN EXCLUSIVE MODE")
            yield
            pg.rollback()


def put(key: str) -> Callable[[Session], str]:
    def job(s: Session) -> str:
        s.add(Setting(key=key, value="v"))
        return key

    return job


def run_all(db: Database, jobs: list[Callable[[Session], str]]) -> list[object]:
    results: list[object] = [None] * len(jobs)

    def go(i: int) -> None:
        try:
            results[i] = db.write(jobs[i])
        except Exception as exc:
            results[i] = exc

    threads = [threading.Thread(target=go, args=(i,)) for i in range(len(jobs))]
    with held_write_lock(db):
        threads[0].start()
        deadline = time.monotonic() + 10
        while db.group._jobs.qsize() or db.group._thread is None:
            assert time.monotonic() < deadline
            time.sleep(0.01)  # the first job is in the writer, waiting on the lock
        time.sleep(0.1)
        for t in threads[1:]:
            t.start()
        while db.group._jobs.qsize() < len(jobs) - 1:
            assert time.monotonic() < deadline
            time.sleep(0.01)  # the rest queue behind it
    for t in threads:
        t.join(timeout=30)
    return results


@pytest.fixture
def db(db_url: str) -> Iterator[Database]:
    database = Database(db_url, lock_timeout_ms=20_000)
    with database.session(write=False):
        pass  # connected before the lock is taken, as a running node is
    yield database
    database.dispose()


def test_writes_queued_behind_a_lock_commit_together(db: Database) -> None:
    keys = [f"k{i}" for i in range(12)]
    assert run_all(db, [put(k) for k in keys]) == keys
    with db.session(write=False) as s:
        assert sorted(s.scalars(select(Setting.key))) == sorted(keys)
    # One batch was waiting on the lock; everything queued behind it went in one more.
    assert db.group.batches <= 2


def test_a_failing_write_rolls_back_alone(db: Database) -> None:
    db.write(put("taken"))
    results = run_all(db, [put("a"), put("taken"), put("b")])
    assert results[0] == "a" and results[2] == "b"
    assert isinstance(results[1], IntegrityError)
    with db.session(write=False) as s:
        assert sorted(s.scalars(select(Setting.key))) == ["a", "b", "taken"]
