"""A py-spy profile of the veche process under B1 load, summarised as top functions, so a
missed target is explained by where the time goes rather than by a guess."""

from __future__ import annotations

import re
import subprocess
import threading
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from bench.procs import ISSO_VENV

PY_SPY = ISSO_VENV / "bin" / "py-spy"  # a standalone binary; it shares nothing with Isso


@dataclass
class Profile:
    label: str
    samples: int
    self_top: list[tuple[str, float]] = field(default_factory=list)  # share of samples
    inclusive_top: list[tuple[str, float]] = field(default_factory=list)
    packages: list[tuple[str, float]] = field(default_factory=list)  # self time by package
    command: str = ""
    error: str = ""


_FRAME = re.compile(r"^(?P<fn>.*?) \((?P<file>[^():]+)(?::\d+)?\)$")


def _name(frame: str) -> str:
    """`func (path/to/module.py:123)` → `func (module/path.py)`, shortened to the package."""
    m = _FRAME.match(frame.strip())
    if not m:
        return frame.strip()
    path = m.group("file")
    for marker in ("site-packages/", "src/", "lib/python3.11/"):
        if marker in path:
            path = path.split(marker, 1)[1]
            break
    return f"{m.group('fn')} ({path})"


def package(name: str) -> str:
    """The package a shortened frame belongs to: `veche/web/views.py` → `veche.web`."""
    path = name.rsplit(" (", 1)[-1].rstrip(")")
    parts = path.split("/")
    if len(parts) == 1:
        return "stdlib " + parts[0].removesuffix(".py")
    if parts[0] == "veche" and len(parts) > 2:
        return "veche." + parts[1]
    return parts[0] if parts[0] not in ("asyncio", "concurrent", "json") else "stdlib " + parts[0]


def summarise(raw: Path, label: str, top: int = 15) -> Profile:
    """py-spy's raw (collapsed) output: self time by leaf frame, inclusive by any frame."""
    selfc: Counter[str] = Counter()
    incl: Counter[str] = Counter()
    total = 0
    for line in raw.read_text(encoding="utf-8", errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        n = int(count)
        frames = [_name(f) for f in stack.split(";") if f.strip()]
        frames = [f for f in frames if not f.startswith("process ") and not f.startswith("thread ")]
        if not frames:
            continue
        total += n
        selfc[frames[-1]] += n
        for f in set(frames):
            incl[f] += n
    if not total:
        return Profile(label, 0, error="no samples")
    plumbing = (
        "(threading.py)", "(anyio/_backends", "(asyncio/", "(concurrent/", "(selectors.py)",
        "(click/", "(uvicorn/main.py)", "(uvicorn/server.py)", "(uvicorn/_compat.py)",
        "(veche)", "(veche/cli/main.py)",
    )  # fmt: skip
    inclusive = [
        (f, c / total)
        for f, c in incl.most_common()
        if not f.endswith(plumbing) and not any(p in f for p in plumbing)
    ]
    by_package: Counter[str] = Counter()
    for f, c in selfc.items():
        by_package[package(f)] += c
    return Profile(
        label, total, [(f, c / total) for f, c in selfc.most_common(top)],
        [x for x in inclusive if x[1] < 0.999][:top],
        [(k, c / total) for k, c in by_package.most_common(12)],
    )  # fmt: skip


def start(pid: int, seconds: int, out: Path) -> subprocess.Popen[bytes]:
    """py-spy sampling `pid` for `seconds` in the background; see finish()."""
    argv = [str(PY_SPY), "record", "-p", str(pid), "-d", str(seconds), "-r", "100",
            "-f", "raw", "-o", str(out), "--nonblocking"]  # fmt: skip
    return subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)  # noqa: S603


def finish(proc: subprocess.Popen[bytes], out: Path, label: str, seconds: int) -> Profile:
    try:
        log, _ = proc.communicate(timeout=seconds + 60)
    except subprocess.TimeoutExpired:
        proc.kill()
        log, _ = proc.communicate()
    argv = proc.args if isinstance(proc.args, list) else [str(proc.args)]
    command = " ".join(str(a) for a in argv).replace(str(out.parent), "$RUN")
    if proc.returncode != 0 or not out.exists():
        return Profile(label, 0, command=command, error=log.decode(errors="replace")[-500:])
    p = summarise(out, label)
    p.command = command
    return p


def record(pid: int, seconds: int, out: Path, label: str, load: threading.Thread) -> Profile:
    """Sample `pid` for `seconds` while `load` (already built, not started) runs."""
    proc = start(pid, seconds, out)
    load.start()
    profile = finish(proc, out, label, seconds)
    load.join(timeout=seconds + 180)
    return profile
