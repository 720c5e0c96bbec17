"""`make bench`: B1-B4 on this machine, veche side by side with Isso and nginx, and
docs/benchmarks.md rewritten from this one run (ratios hold across machines; absolutes do not).

    .venv/bin/python -m bench.run [--only b1,b2] [--sizes 100,1000] [--duration 10] ...
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import subprocess
import threading
import time
import traceback
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import veche
from bench import b1, b2, load, spy, sse
from bench.procs import ISSO_VENV, ROOT, start_nginx, start_veche
from bench.report import write_report

DATA = ROOT / "bench" / "data"
REDIS_URL = "redis://127.0.0.1:6379/14"
REDIS_URL_B1 = "redis://127.0.0.1:6379/13"  # `veche serve --workers 2` needs a broker


@dataclass
class Run:
    """Everything one `make bench` measured, handed to the report."""

    args: dict[str, Any]
    machine: dict[str, str]
    versions: dict[str, str]
    started: str
    b1: list[b1.SizeResult] = field(default_factory=list)
    b2: list[b2.WriteResult] = field(default_factory=list)
    b3: sse.Delivery | None = None
    b4: sse.Delivery | None = None
    profiles: list[spy.Profile] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)
    load: dict[str, str] = field(default_factory=dict)  # /proc/loadavg as each step began
    finished: str = ""
    seconds: float = 0.0


def _sh(argv: list[str]) -> str:
    try:
        p = subprocess.run(argv, capture_output=True, text=True, timeout=30, check=False)  # noqa: S603
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"unavailable ({exc})"
    return (p.stdout + p.stderr).strip()


def machine() -> dict[str, str]:
    cpu = next(
        (line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
         if line.startswith("model name")), "unknown",
    )  # fmt: skip
    return {
        "nproc": _sh(["nproc"]),
        "cpu": cpu,
        "free -h": _sh(["free", "-h"]),
        "load average at start": Path("/proc/loadavg").read_text().strip(),
        "kernel": _sh(["uname", "-sr"]),
    }


def versions() -> dict[str, str]:
    commit = _sh(["git", "-C", str(ROOT), "rev-parse", "--short=12", "HEAD"])
    dirty = _sh(["git", "-C", str(ROOT), "status", "--porcelain", "--", "src"])
    return {
        "veche": commit + (" (src/ modified)" if dirty else ""),
        "veche package served": str(Path(veche.__file__).parent),
        "isso": _sh(
            [
                str(ISSO_VENV / "bin/python"),
                "-c",
                "import importlib.metadata as m; print(m.version('isso'), 'gunicorn', m.version('gunicorn'))",
            ]
        ),
        "nginx": _sh(["/usr/sbin/nginx", "-v"]),
        "wrk": _sh(["wrk", "-v"]).splitlines()[0] if shutil.which("wrk") else "missing",
        "python": _sh([str(ROOT / ".venv/bin/python"), "-V"]),
        "postgresql": _sh(
            ["psql", "-h", "127.0.0.1", "-U", "postgres", "-tAc", "SHOW server_version"]
        ),
        "redis": _sh(["redis-server", "--version"]).split(" sha=")[0],
        "py-spy": _sh([str(spy.PY_SPY), "--version"]),
    }


def _profile_b1(size: int, run: Path, duration: int, connections: int) -> list[spy.Profile]:
    """py-spy on `veche serve` while its first page (JSON, then HTML) is under load."""
    db, story_id, _ = b1.veche_db(size, DATA)
    served = run / f"veche-profile-{size}.db"
    shutil.copyfile(db, served)
    node = start_veche(f"sqlite:///{served}", run, name=f"veche-profile-{size}")
    out: list[spy.Profile] = []
    try:
        for label, path in (("json", f"/api/v1/stories/{story_id}/comments"),
                            ("html", f"/stories/{story_id}")):  # fmt: skip
            _, seconds = load.probe(node.port, path)

            def drive(path: str = path, seconds: float = seconds) -> None:
                load.measure("profile", node.port, [path], body_bytes=0, walk_seconds=seconds,
                             duration=duration, connections=connections, workdir=run)  # fmt: skip

            out.append(spy.record(
                node.pid, duration, run / f"profile-{label}-{size}.txt",
                f"first page as {label.upper()}, {size:,} comments", threading.Thread(target=drive),
            ))  # fmt: skip
    finally:
        node.stop()
    return out


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--only", default="b1,b2,b3,b4", help="comma list of b1,b2,b3,b4")
    ap.add_argument("--sizes", default="100,1000,10000,100000", help="B1 thread sizes")
    ap.add_argument("--duration", type=int, default=10, help="seconds per load run")
    ap.add_argument("--connections", type=int, default=32, help="wrk connections (B1)")
    ap.add_argument("--writers", type=int, default=32, help="concurrent writers (B2)")
    ap.add_argument("--rounds", type=int, default=2, help="B2 rounds (best round compared)")
    ap.add_argument("--subscribers", type=int, default=10_000, help="SSE subscribers (B3)")
    ap.add_argument(
        "--profile-size",
        type=int,
        default=10_000,
        help="B1 size profiled (B2 is profiled too); 0: no profiles",
    )
    ap.add_argument(
        "--skip-isso-full-over",
        type=int,
        default=10_000,
        help="no Isso full read on threads larger than this",
    )
    ap.add_argument(
        "--skip-walk-load-over",
        type=int,
        default=10_000,
        help="larger threads: one timed walk instead of a load run",
    )
    ap.add_argument(
        "--no-workers-row", action="store_true",
        help="B1 without the `veche serve --workers 2` rows (they need Redis)",
    )  # fmt: skip
    ap.add_argument("--out", default=str(ROOT / "docs/benchmarks.md"))
    ap.add_argument("--keep-run", action="store_true", help="keep logs and run databases")
    args = ap.parse_args(argv)
    only = {x.strip().lower() for x in args.only.split(",") if x.strip()}
    sizes = [int(x) for x in args.sizes.split(",") if x.strip()]

    t_start = time.monotonic()
    DATA.mkdir(parents=True, exist_ok=True)
    run_dir = DATA / ("run-" + dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S"))
    run_dir.mkdir()
    sse.raise_nofile()
    result = Run(
        vars(args), machine(), versions(), dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    )
    print(f"bench: run dir {run_dir}", flush=True)

    def step(name: str, fn: Any) -> None:
        t0 = time.monotonic()
        result.load[name] = Path("/proc/loadavg").read_text().strip()
        print(f"bench: {name} …", flush=True)
        try:
            fn()
        except Exception as exc:  # one benchmark failing must not lose the others
            result.errors[name] = f"{type(exc).__name__}: {exc}"
            traceback.print_exc()
        print(f"bench: {name} done in {time.monotonic() - t0:.0f} s", flush=True)

    if "b1" in only:
        www = run_dir / "www"
        www.mkdir()
        nginx = start_nginx(www, run_dir)
        try:
            for size in sizes:
                step(f"b1 {size}", lambda size=size: result.b1.append(b1.run_size(
                    size, data=DATA, run=run_dir, www=www, nginx=nginx, duration=args.duration,
                    connections=args.connections, skip_isso_full_over=args.skip_isso_full_over,
                    skip_walk_load_over=args.skip_walk_load_over,
                    redis_url=None if args.no_workers_row else REDIS_URL_B1,
                )))  # fmt: skip
        finally:
            nginx.stop()
        if args.profile_size:
            step(
                "profile",
                lambda: result.profiles.extend(
                    _profile_b1(args.profile_size, run_dir, args.duration, args.connections)
                ),
            )

    if "b2" in only:
        # Rounds alternate the systems, so a burst of outside load hits one round, not one
        # system; the report compares each system's best round and lists them all.
        for rnd in range(1, args.rounds + 1):
            profiles = result.profiles if args.profile_size and rnd == 1 else None

            def sqlite(rnd: int = rnd, profiles: list[spy.Profile] | None = profiles) -> None:
                db = run_dir / f"b2-{rnd}.db"
                w = b2.veche_writes("sqlite", f"sqlite:///{db}", run_dir, args.writers,
                                    args.duration, profiles)  # fmt: skip
                w.round = rnd
                result.b2.append(w)

            def pg(rnd: int = rnd, profiles: list[spy.Profile] | None = profiles) -> None:
                url = b2.pg_database("veche_bench")
                try:
                    w = b2.veche_writes("postgresql", url, run_dir, args.writers, args.duration,
                                        profiles)  # fmt: skip
                finally:
                    b2.pg_database("veche_bench", drop_only=True)
                w.round = rnd
                result.b2.append(w)

            def isso(rnd: int = rnd) -> None:
                w = b2.isso_writes(run_dir, args.writers, args.duration, name=f"isso-b2-{rnd}")
                w.round = rnd
                result.b2.append(w)

            step(f"b2 sqlite #{rnd}", sqlite)
            step(f"b2 postgresql #{rnd}", pg)
            step(f"b2 isso #{rnd}", isso)

    if "b3" in only:

        def run_b3() -> None:
            result.b3 = sse.b3(f"sqlite:///{run_dir / 'b3.db'}", run_dir, args.subscribers,
                               profile=bool(args.profile_size))  # fmt: skip
            if result.b3.profile is not None:
                result.profiles.append(result.b3.profile)

        step("b3", run_b3)

    if "b4" in only:

        def run_b4() -> None:
            url = b2.pg_database("veche_bench_b4")
            try:
                result.b4 = sse.b4(url, REDIS_URL, run_dir)
            finally:
                b2.pg_database("veche_bench_b4", drop_only=True)

        step("b4", run_b4)

    result.load["end"] = Path("/proc/loadavg").read_text().strip()
    result.finished = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    result.seconds = time.monotonic() - t_start
    (DATA / "last-run.json").write_text(json.dumps(asdict(result), indent=1, default=str))
    write_report(result, Path(args.out))
    print(f"bench: wrote {args.out} ({result.seconds / 60:.1f} min)", flush=True)
    if not args.keep_run:
        shutil.rmtree(run_dir, ignore_errors=True)
    os.sync()


if __name__ == "__main__":
    main()
