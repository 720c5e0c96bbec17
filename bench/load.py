"""Load generation for reads: wrk at 32 connections when the server is fast enough for it,
and a bounded closed loop of 2 clients (the Isso worker count) when one request takes long
enough that 32 queued connections would only measure time-outs."""

from __future__ import annotations

import asyncio
import re
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from bench.client import Conn, percentile
from bench.procs import HOST

SLOW_PROBE_S = 0.15  # one request slower than this: 32 connections would queue > 5 s each
SLOW_CLIENTS = 2
REQUEST_TIMEOUT_S = 120.0


@dataclass
class Result:
    """One measured request kind; `rate` is requests (or whole-thread walks) per second."""

    label: str
    method: str  # "wrk -c32" or "loop -c2"
    rate: float
    p50_ms: float
    p99_ms: float
    requests: int
    errors: int
    body_bytes: int
    command: str
    raw: str = ""
    notes: list[str] = field(default_factory=list)


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def _ms(text: str) -> float:
    m = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text.strip())
    if not m:
        return float("nan")
    return float(m.group(1)) * _UNITS[m.group(2)]


def parse_wrk(out: str) -> tuple[float, float, float, int, int]:
    """(req/s, p50 ms, p99 ms, requests, errors) from `wrk --latency` output."""
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p50 = re.search(r"^\s+50%\s+(\S+)", out, re.M)
    p99 = re.search(r"^\s+99%\s+(\S+)", out, re.M)
    total = re.search(r"(\d+) requests in", out)
    errors = 0
    sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    if sock:
        errors += sum(int(x) for x in sock.groups())
    non2 = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if non2:
        errors += int(non2.group(1))
    return (
        rate,
        _ms(p50.group(1)) if p50 else float("nan"),
        _ms(p99.group(1)) if p99 else float("nan"),
        int(total.group(1)) if total else 0,
        errors,
    )


def wrk(
    label: str, port: int, paths: list[str], *, body_bytes: int, duration: int,
    connections: int, workdir: Path,
) -> Result:  # fmt: skip
    """wrk -t2 -cN -dDs --latency; several paths are cycled by a Lua script, in order."""
    url = f"http://{HOST}:{port}{paths[0]}"
    argv = [
        "wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--latency", "--timeout", "30s",
    ]  # fmt: skip
    if len(paths) > 1:
        script = workdir / f"cycle-{abs(hash(tuple(paths)))}.lua"
        listed = ",\n".join(f'  "{p}"' for p in paths)
        script.write_text(
            f"local paths = {{\n{listed}\n}}\nlocal i = 0\n"
            "request = function()\n  i = i % #paths + 1\n"
            '  return wrk.format("GET", paths[i])\nend\n',
            encoding="utf-8",
        )
        argv += ["-s", str(script)]
    argv.append(url)
    proc = subprocess.run(  # noqa: S603 - fixed argv
        argv, capture_output=True, text=True, timeout=duration + 60, check=False
    )
    out = proc.stdout + proc.stderr
    rate, p50, p99, n, errors = parse_wrk(out)
    shown = " ".join(argv).replace(str(workdir), "$RUN")
    return Result(label, f"wrk -c{connections}", rate, p50, p99, n, errors, body_bytes, shown, out)


async def _loop(
    port: int, paths: list[str], duration: float, clients: int
) -> tuple[list[float], int, float]:
    """`clients` connections, each walking `paths` in order until the time is up; the
    latency sample is one walk (all paths), so a walk of many pages counts once."""
    samples: list[float] = []
    errors = 0
    deadline = time.monotonic() + duration

    async def client() -> None:
        nonlocal errors
        conn = Conn(HOST, port, timeout=REQUEST_TIMEOUT_S)
        try:
            while True:
                t0 = time.perf_counter()
                ok = True
                for p in paths:
                    try:
                        r = await conn.request("GET", p)
                        ok = ok and r.status == 200
                    except (TimeoutError, OSError, asyncio.IncompleteReadError):
                        ok = False
                        await conn.close()
                        break
                if ok:
                    samples.append(time.perf_counter() - t0)
                else:
                    errors += 1
                if time.monotonic() >= deadline:
                    return
        finally:
            await conn.close()

    t0 = time.monotonic()
    await asyncio.gather(*(client() for _ in range(clients)))
    return samples, errors, time.monotonic() - t0


def loop(label: str, port: int, paths: list[str], *, body_bytes: int, duration: float,
         clients: int = SLOW_CLIENTS) -> Result:  # fmt: skip
    samples, errors, elapsed = asyncio.run(_loop(port, paths, duration, clients))
    what = f"{len(paths)} pages per walk" if len(paths) > 1 else "1 request"
    return Result(
        label, f"loop -c{clients}", len(samples) / elapsed if elapsed else 0.0,
        percentile(samples, 50) * 1000, percentile(samples, 99) * 1000, len(samples), errors,
        body_bytes,
        f"python closed loop: {clients} keep-alive clients, {duration:.0f} s, {what}",
    )  # fmt: skip


async def fetch(
    port: int, path: str, timeout: float = REQUEST_TIMEOUT_S
) -> tuple[int, bytes, float]:
    """One request: (status, body, seconds)."""
    conn = Conn(HOST, port, timeout=timeout)
    try:
        t0 = time.perf_counter()
        r = await conn.request("GET", path)
        return r.status, r.body, time.perf_counter() - t0
    finally:
        await conn.close()


def probe(port: int, path: str, budget: float = 5.0, tries: int = 5) -> tuple[bytes, float]:
    """Warm once, then the median of up to `tries` sequential requests within `budget`
    seconds (at least one): one request alone is at the mercy of the machine's other load."""
    status, body, _ = asyncio.run(fetch(port, path))
    if status != 200:
        raise RuntimeError(f"GET {path} answered {status}: {body[:200]!r}")
    times: list[float] = []
    t0 = time.monotonic()
    while len(times) < tries and (not times or time.monotonic() - t0 < budget):
        times.append(asyncio.run(fetch(port, path))[2])
    return body, percentile(times, 50)


def measure(
    label: str, port: int, paths: list[str], *, body_bytes: int, walk_seconds: float,
    duration: int, connections: int, workdir: Path,
) -> Result:  # fmt: skip
    """wrk when a walk is fast, else the bounded loop; wrk rates over a cycled multi-page
    walk are pages/s, turned into walks/s here so both methods report the same unit."""
    if walk_seconds / max(1, len(paths)) > SLOW_PROBE_S:
        r = loop(label, port, paths, body_bytes=body_bytes, duration=duration)
        r.notes.append(f"one request took {walk_seconds / len(paths) * 1000:.0f} ms alone")
        return r
    r = wrk(label, port, paths, body_bytes=body_bytes, duration=duration,
            connections=connections, workdir=workdir)  # fmt: skip
    if len(paths) > 1:
        r.notes.append(f"{r.rate:.1f} pages/s over {len(paths)} pages; p50/p99 per page")
        r.rate /= len(paths)
    return r
