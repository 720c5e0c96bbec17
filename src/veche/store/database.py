"""One engine and pool per process; SQLite tuned for a small box (WAL, FK checks, busy wait)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from alembic import command
from alembic.config import Config as AlembicConfig
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.orm import Session, sessionmaker

from veche.store.writer import GroupWriter

MIGRATIONS = Path(__file__).with_name("migrations")
T = TypeVar("T")
MIGRATION_LOCK = 0x76656368  # "vech": one advisory lock id for schema changes


def _sqlite_pragmas(busy_ms: int, synchronous: str) -> Callable[[Any, Any], None]:
    """WAL so readers run beside the writer; a bounded wait for the write lock, after
    which the request answers 503. synchronous=NORMAL in WAL mode: a power loss may lose
    the last commits but never corrupts the file; a crashed or killed process loses nothing."""
    if synchronous not in ("NORMAL", "FULL"):
        raise ValueError(f"synchronous must be NORMAL or FULL, not {synchronous!r}")

    def pragmas(dbapi_conn: Any, _record: Any) -> None:
        cur = dbapi_conn.cursor()
        cur.execute(f"PRAGMA busy_timeout={int(busy_ms)}")
        # WAL stays set in the file. Setting it again needs an exclusive lock that SQLite
        # does not wait for: a connection opened while another writes would fail at once
        # with "database is locked", so only a file not yet in WAL is switched.
        if str(cur.execute("PRAGMA journal_mode").fetchone()[0]).lower() != "wal":
            cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute(f"PRAGMA synchronous={synchronous}")
        cur.close()

    return pragmas


def _sqlite_begin(conn: Any) -> None:
    # A writer takes the lock up front: a deferred one that later writes can fail with BUSY.
    # Readers stay deferred so WAL lets them run beside the writer.
    write = conn.get_execution_options().get("veche_write", False)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


def normalise_url(url: str) -> str:
    """Accept postgres:// and postgresql:// and pick the psycopg 3 driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


class Database:
    """Engine plus session factory; `session()` is the unit of work for one request."""

    def __init__(
        self, url: str, *, lock_timeout_ms: int = 10_000, synchronous: str = "NORMAL"
    ) -> None:
        self.url = normalise_url(url)
        self.is_sqlite = self.url.startswith("sqlite")
        # Waiting for a free connection is bounded like waiting for a lock: then a 503.
        kwargs: dict[str, Any] = {"future": True, "pool_timeout": lock_timeout_ms / 1000}
        if self.is_sqlite:
            timeout = lock_timeout_ms / 1000
            kwargs["connect_args"] = {"check_same_thread": False, "timeout": timeout}
            # Enough pooled connections for the threadpool: B2 showed connections beyond
            # a pool of 5 opened, set up and closed on every request under load.
            kwargs.update(pool_size=20, max_overflow=20)
        else:
            # No pre-ping: it cost a round trip on every checkout. A connection the server
            # dropped fails once, invalidates the pool, and the next checkout reconnects.
            # A lock wait that runs out is an error the app answers with 503, not a hang.
            options = f"-c lock_timeout={int(lock_timeout_ms)}"
            kwargs["connect_args"] = {"options": options}
            kwargs.update(pool_size=10, max_overflow=10, pool_recycle=1800)
        self.engine: Engine = create_engine(self.url, **kwargs)
        if self.is_sqlite:
            pragmas = _sqlite_pragmas(lock_timeout_ms, synchronous)
            event.listen(self.engine, "connect", pragmas)
            # pysqlite's own transaction handling is off so BEGIN IMMEDIATE is ours.
            event.listen(
                self.engine,
                "connect",
                lambda c, _r: setattr(c, "isolation_level", None),
            )
            event.listen(self.engine, "begin", _sqlite_begin)
        self._reader = sessionmaker(self.engine, expire_on_commit=False)
        self._writer = sessionmaker(
            self.engine.execution_options(veche_write=True), expire_on_commit=False
        )
        self.group = GroupWriter(self)

    def write(self, job: Callable[[Session], T]) -> T:
        """The hot write path: `job` runs in a shared, group-committed transaction (see
        store.writer) and this returns after its commit. `job` touches the database only."""
        return self.group.submit(job)

    @contextmanager
    def session(self, *, write: bool = True) -> Iterator[Session]:
        """A unit of work, committed on success and rolled back on any error."""
        factory = self._writer if write else self._reader
        with factory() as s:
            try:
                yield s
                s.commit()
            except BaseException:
                s.rollback()
                raise

    def upgrade(self, revision: str = "head") -> None:
        """Migrate; on PostgreSQL under an advisory lock, so nodes starting together take
        turns and the later ones find nothing left to do."""
        if self.is_sqlite:
            command.upgrade(alembic_config(self.url), revision)
            with self.engine.connect():
                pass  # our first connection switches the file to WAL, before any load
            return
        with self.engine.connect() as conn:
            conn.execute(text("SELECT pg_advisory_lock(:key)"), {"key": MIGRATION_LOCK})
            try:
                cfg = alembic_config(self.url)
                cfg.attributes["connection"] = conn
                command.upgrade(cfg, revision)
                conn.commit()
            finally:
                conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": MIGRATION_LOCK})
                conn.commit()

    def dispose(self) -> None:
        self.group.stop()
        self.engine.dispose()


def alembic_config(url: str) -> AlembicConfig:
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", normalise_url(url).replace("%", "%%"))
    return cfg
