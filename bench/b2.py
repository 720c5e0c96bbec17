"""B2: comments accepted per second with 32 concurrent writers through the HTTP API, on
veche (SQLite, PostgreSQL; signed-in, bearer tokens, idempotency keys) and Isso (POST /new)."""

from __future__ import annotations

import asyncio
import random
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench import spy
from bench.client import Conn, percentile
from bench.procs import HOST, free_port, isso_config, start_isso, start_veche
from bench.threads import SEED, TOP_LEVEL_SHARE, make_thread

MAX_POSTS = 200_000  # a hard bound on top of the duration
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"


@dataclass
class WriteResult:
    label: str
    accepted: int
    seconds: float
    p50_ms: float
    p99_ms: float
    statuses: dict[int, int]
    errors: int
    command: str
    notes: list[str] = field(default_factory=list)
    round: int = 1

    @property
    def rate(self) -> float:
        return self.accepted / self.seconds if self.seconds else 0.0


Make = Any  # (writer index, parent id or None, body) -> (path, json body, headers)


async def _writers(port: int, make: Make, writers: int, duration: float,
                   id_of: Any) -> tuple[list[float], Counter[int], int, float]:  # fmt: skip
    """`writers` tasks posting until the time is up; replies go to random accepted comments."""
    bodies = [r.body for r in make_thread(1000, SEED + 1)]
    rng = random.Random(SEED)
    accepted: list[int] = []
    latencies: list[float] = []
    statuses: Counter[int] = Counter()
    errors = 0
    sent = 0
    deadline = time.monotonic() + duration

    async def writer(n: int) -> None:
        nonlocal errors, sent
        conn = Conn(HOST, port, timeout=30)
        try:
            while time.monotonic() < deadline and sent < MAX_POSTS:
                sent += 1
                parent = None
                if accepted and rng.random() >= TOP_LEVEL_SHARE:
                    parent = rng.choice(accepted)
                path, body, headers = make(n, parent, bodies[sent % len(bodies)])
                t0 = time.perf_counter()
                try:
                    r = await conn.request("POST", path, body=body, headers=headers)
                except (TimeoutError, OSError, asyncio.IncompleteReadError):
                    errors += 1
                    await conn.close()
                    continue
                statuses[r.status] += 1
                if r.status in (200, 201):
                    latencies.append(time.perf_counter() - t0)
                    accepted.append(id_of(r.json()))
        finally:
            await conn.close()

    # One post first, not counted: Isso makes its thread on the first post (concurrent
    # first posts race on threads.uri), and both get their caches warm.
    warm = Conn(HOST, port, timeout=30)
    path, body, headers = make(0, None, bodies[0])
    r = await warm.request("POST", path, body=body, headers=headers)
    await warm.close()
    if r.status not in (200, 201):
        raise RuntimeError(f"warm-up POST {path} answered {r.status}: {r.body[:300]!r}")
    accepted.append(id_of(r.json()))
    t0 = time.monotonic()
    await asyncio.gather(*(writer(n) for n in range(writers)))
    return latencies, statuses, errors, time.monotonic() - t0


def _run(label: str, port: int, make: Make, writers: int, duration: float, id_of: Any,
         command: str) -> WriteResult:  # fmt: skip
    lat, statuses, errors, seconds = asyncio.run(_writers(port, make, writers, duration, id_of))
    accepted = statuses.get(201, 0) + statuses.get(200, 0)
    return WriteResult(label, accepted, seconds, percentile(lat, 50) * 1000,
                       percentile(lat, 99) * 1000, dict(statuses), errors, command)  # fmt: skip


def veche_writes(
    label: str, db_url: str, run: Path, writers: int, duration: float,
    profiles: list[spy.Profile] | None = None,
) -> WriteResult:  # fmt: skip
    """With `profiles`, py-spy samples the server during the run and the summary is added."""
    from bench.seed_veche import seed_writers

    story_id, tokens = seed_writers(db_url, writers, base_url="http://127.0.0.1:8000",
                                    url=f"https://news.example.com/bench/writes-{label}")  # fmt: skip
    server = start_veche(db_url, run, name=f"veche-b2-{label}")

    def make(n: int, parent: int | None, body: str) -> tuple[str, dict[str, Any], dict[str, str]]:
        payload: dict[str, Any] = {"body": body, "idempotency_key": uuid.uuid4().hex}
        if parent is not None:
            payload["parent_id"] = parent
        return (f"/api/v1/stories/{story_id}/comments", payload,
                {"Authorization": f"Bearer {tokens[n]}"})  # fmt: skip

    command = (
        f"{writers} asyncio writers, POST /api/v1/stories/{{id}}/comments, bearer, {duration:.0f} s"
    )
    try:
        if profiles is None:
            return _run(label, server.port, make, writers, duration, lambda j: j["id"], command)
        box: list[WriteResult] = []
        load = threading.Thread(target=lambda: box.append(
            _run(label, server.port, make, writers, duration, lambda j: j["id"], command)))  # fmt: skip
        profiles.append(spy.record(server.pid, int(duration), run / f"profile-b2-{label}.txt",
                                   f"B2 writes on {label}", load))  # fmt: skip
        if not box:
            raise RuntimeError("the write load did not finish")
        return box[0]
    finally:
        server.stop()


def isso_writes(run: Path, writers: int, duration: float, name: str = "isso-b2") -> WriteResult:
    port = free_port()
    cfg = isso_config(run, run / f"{name}.db", port)
    server = start_isso(cfg, port, run)
    uri = "/bench/writes"

    def make(n: int, parent: int | None, body: str) -> tuple[str, dict[str, Any], dict[str, str]]:
        payload: dict[str, Any] = {
            "text": body,
            "author": f"writer{n:03d}",
            "title": "Bench writes",
        }
        if parent is not None:
            payload["parent"] = parent
        return f"/new?uri={uri.replace('/', '%2F')}", payload, {}

    try:
        return _run(
            "isso",
            port,
            make,
            writers,
            duration,
            lambda j: j["id"],
            f"{writers} asyncio writers, POST /new?uri=…, guard off, {duration:.0f} s",
        )
    finally:
        server.stop()


def pg_database(name: str, *, drop_only: bool = False) -> str:
    """Create (or drop) our own database on the local PostgreSQL; returns its URL."""
    import psycopg

    with psycopg.connect(PG_ADMIN, autocommit=True) as con:
        con.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if not drop_only:
            con.execute(f'CREATE DATABASE "{name}"')
    return f"postgresql://postgres@127.0.0.1:5432/{name}"
