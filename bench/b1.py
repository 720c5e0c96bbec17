"""B1: reads. First page as JSON and as the hosted HTML page, and a client walking the whole
thread by next_cursor; veche next to Isso's reads and nginx serving veche's own bytes."""

from __future__ import annotations

import asyncio
import hashlib
import json
import shutil
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

from bench import load
from bench.client import Conn
from bench.procs import (
    HOST,
    ISSO_VENV,
    ROOT,
    Server,
    free_port,
    isso_config,
    start_isso,
    start_veche,
)
from bench.threads import author_handle, make_thread

WALK_CAP_S = 180.0  # a whole-thread walk that takes longer is reported as unfinished


@dataclass
class Walk:
    """One client reading the whole thread page by page, sequentially."""

    paths: list[str]
    bodies: list[bytes]
    seconds: float
    finished: bool


@dataclass
class SizeResult:
    size: int
    seed_seconds: dict[str, float] = field(default_factory=dict)
    single_ms: dict[str, float] = field(default_factory=dict)  # one unloaded request
    results: dict[str, load.Result] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)
    walk_pages: int = 0
    walk_finished: bool = True


def _digest(*parts: str | bytes) -> str:
    h = hashlib.sha256()
    for p in parts:
        h.update(p if isinstance(p, bytes) else p.encode())
    return h.hexdigest()[:12]


def _veche_key(size: int) -> str:
    # The schema of the veche that seeds and serves (the harness's venv), which need not be
    # this checkout's: a file seeded by another build must not be served by this one.
    import veche

    versions = Path(veche.__file__).parent / "store" / "migrations" / "versions"
    migrations = sorted(versions.glob("*.py"))
    return _digest(
        str(size), (ROOT / "bench/threads.py").read_bytes(), (ROOT / "bench/seed_veche.py").read_bytes(),
        *(m.read_bytes() for m in migrations),
    )  # fmt: skip


def story_url(size: int) -> str:
    return f"https://news.example.com/bench/{size}"


def isso_uri(size: int) -> str:
    return f"/bench/{size}"


def veche_db(size: int, data: Path) -> tuple[Path, int, float]:
    """The seeded SQLite file for this size, reused while threads, seeding and schema hold."""
    from bench.seed_veche import seed_thread

    db = data / f"veche-{size}-{_veche_key(size)}.db"
    meta = db.with_suffix(".json")
    if db.exists() and meta.exists():
        return db, int(json.loads(meta.read_text())["story_id"]), 0.0
    for old in data.glob(f"veche-{size}-*"):
        old.unlink()
    tmp = db.with_suffix(".tmp")
    for p in tmp.parent.glob(tmp.name + "*"):
        p.unlink()
    seeded = seed_thread(f"sqlite:///{tmp}", make_thread(size), base_url="http://127.0.0.1:8000",
                         url=story_url(size))  # fmt: skip
    tmp.rename(db)
    meta.write_text(json.dumps({"story_id": seeded.story_id, "seconds": seeded.seconds}))
    return db, seeded.story_id, seeded.seconds


def isso_db(size: int, data: Path) -> tuple[Path, float]:
    """Isso's SQLite file for this size (its schema from Isso's code, rows inserted directly)."""
    key = _digest(str(size), (ROOT / "bench/threads.py").read_bytes(),
                  (ROOT / "bench/isso_seed.py").read_bytes())  # fmt: skip
    db = data / f"isso-{size}-{key}.db"
    if db.exists():
        return db, 0.0
    for old in data.glob(f"isso-{size}-*"):
        old.unlink()
    tmp = data / f"isso-{size}.tmp"
    tmp.unlink(missing_ok=True)
    cfg = isso_config(data, tmp, 0)
    thread = data / f"isso-{size}.json"
    thread.write_text(json.dumps({
        "uri": isso_uri(size), "title": f"Bench thread of {size} comments",
        "rows": [[r.parent, author_handle(r.author), r.body, r.created] for r in make_thread(size)],
    }))  # fmt: skip
    t0 = time.monotonic()
    # -I: isolated, so bench/ (whose module names could shadow the stdlib) is not on sys.path
    subprocess.run(  # noqa: S603 - fixed argv
        [str(ISSO_VENV / "bin/python"), "-I", str(ROOT / "bench/isso_seed.py"), str(cfg), str(thread)],
        check=True, timeout=600, capture_output=True,
    )  # fmt: skip
    seconds = time.monotonic() - t0
    thread.unlink()
    cfg.unlink()
    tmp.rename(db)
    return db, seconds


async def _walk(port: int, first: str) -> Walk:
    conn = Conn(HOST, port, timeout=load.REQUEST_TIMEOUT_S)
    paths, bodies = [first], []
    t0 = time.perf_counter()
    try:
        while True:
            r = await conn.request("GET", paths[-1])
            if r.status != 200:
                raise RuntimeError(f"GET {paths[-1]} answered {r.status}")
            bodies.append(r.body)
            cursor = r.json().get("next_cursor")
            if not cursor:
                return Walk(paths, bodies, time.perf_counter() - t0, True)
            if time.perf_counter() - t0 > WALK_CAP_S:
                return Walk(paths, bodies, time.perf_counter() - t0, False)
            paths.append(f"{first}?after={cursor}")
    finally:
        await conn.close()


def run_size(size: int, *, data: Path, run: Path, www: Path, nginx: Server | None,
             duration: int, connections: int, skip_isso_full_over: int,
             skip_walk_load_over: int, redis_url: str | None = None) -> SizeResult:  # fmt: skip
    """Everything B1 measures on one thread size; servers are started and stopped here.
    With `redis_url`, the first page is also read from `veche serve --workers 2`."""
    out = SizeResult(size)
    db, story_id, secs = veche_db(size, data)
    out.seed_seconds["veche"] = secs
    idb, isecs = isso_db(size, data)
    out.seed_seconds["isso"] = isecs
    # Serve a copy: the server may write (WAL, presence), the cached seed must stay pristine.
    served = run / f"veche-{size}.db"
    shutil.copyfile(db, served)
    veche = start_veche(f"sqlite:///{served}", run, name=f"veche-{size}")
    iport = free_port()
    iserved = run / f"isso-{size}.db"
    shutil.copyfile(idb, iserved)
    cfg = isso_config(run, iserved, iport)
    isso = start_isso(cfg, iport, run)
    veche2: Server | None = None
    try:
        if redis_url:
            served2 = run / f"veche2-{size}.db"
            shutil.copyfile(db, served2)
            veche2 = start_veche(f"sqlite:///{served2}", run, name=f"veche2-{size}",
                                 redis_url=redis_url, workers=2)  # fmt: skip
        json_path = f"/api/v1/stories/{story_id}/comments"
        html_path = f"/stories/{story_id}"
        uri = quote(isso_uri(size), safe="")
        targets = [
            ("veche_json", veche, [json_path]),
            ("veche_html", veche, [html_path]),
            *(
                [("veche2_json", veche2, [json_path]), ("veche2_html", veche2, [html_path])]
                if veche2 is not None
                else []
            ),
            ("isso_first", isso, [f"/?uri={uri}&limit=20&nested_limit=5"]),
            ("isso_full", isso, [f"/?uri={uri}"]),
        ]
        bodies: dict[str, bytes] = {}
        for label, server, paths in targets:
            if label == "isso_full" and size > skip_isso_full_over:
                out.skipped[label] = (
                    f"Isso's full read of {size:,} comments: about 10x its 10,000-comment read "
                    "(seconds each); no target uses it"
                )
                continue
            try:
                body, seconds = load.probe(server.port, paths[0])
                bodies[label] = body
                out.single_ms[label] = seconds * 1000
                out.results[label] = load.measure(
                    label,
                    server.port,
                    paths,
                    body_bytes=len(body),
                    walk_seconds=seconds,
                    duration=duration,
                    connections=connections,
                    workdir=run,
                )
            except (TimeoutError, OSError, RuntimeError) as exc:
                # A server too slow for the bounds (or failing) is a result, not a crash.
                out.skipped[label] = f"failed: {type(exc).__name__} {exc}".strip()
        if size <= skip_walk_load_over:
            asyncio.run(_walk(veche.port, json_path))  # warm, so the timed walk is like the rest
        walk = asyncio.run(_walk(veche.port, json_path))
        out.walk_pages, out.walk_finished = len(walk.bodies), walk.finished
        out.single_ms["veche_walk"] = walk.seconds * 1000
        walk_bytes = sum(len(b) for b in walk.bodies)
        if size > skip_walk_load_over or not walk.finished:
            out.results["veche_walk"] = load.Result(
                "veche_walk", "one walk", 1 / walk.seconds, walk.seconds * 1000, walk.seconds * 1000,
                1, 0, walk_bytes, f"python: one client following next_cursor over {len(walk.bodies)} pages",
                notes=[f"one sequential walk only (over {skip_walk_load_over:,} comments)"],
            )  # fmt: skip
        else:
            out.results["veche_walk"] = load.measure(
                "veche_walk",
                veche.port,
                walk.paths,
                body_bytes=walk_bytes,
                walk_seconds=walk.seconds,
                duration=duration,
                connections=connections,
                workdir=run,
            )
        if nginx is not None and "veche_json" in bodies and "veche_html" in bodies:
            d = www / str(size)
            d.mkdir(parents=True, exist_ok=True)
            (d / "first.json").write_bytes(bodies["veche_json"])
            (d / "first.html").write_bytes(bodies["veche_html"])
            pages = []
            for i, b in enumerate(walk.bodies):
                (d / f"page-{i:04d}.json").write_bytes(b)
                pages.append(f"/{size}/page-{i:04d}.json")
            for p in [d, *d.iterdir()]:
                p.chmod(0o755 if p.is_dir() else 0o644)
            for label, paths, nbytes in (
                ("nginx_json", [f"/{size}/first.json"], len(bodies["veche_json"])),
                ("nginx_html", [f"/{size}/first.html"], len(bodies["veche_html"])),
                ("nginx_walk", pages, walk_bytes),
            ):
                _, seconds = load.probe(nginx.port, paths[0])
                out.single_ms[label] = seconds * 1000
                out.results[label] = load.wrk(
                    label,
                    nginx.port,
                    paths,
                    body_bytes=nbytes,
                    duration=duration,
                    connections=connections,
                    workdir=run,
                )
                if len(paths) > 1:
                    r = out.results[label]
                    r.notes.append(f"{r.rate:.0f} pages/s over {len(paths)} pages")
                    r.rate /= len(paths)
    finally:
        veche.stop()
        if veche2 is not None:
            veche2.stop()
        isso.stop()
    return out
