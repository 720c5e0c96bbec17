"""Disqus import speed and memory: a generated export of N comments, imported into SQLite.

    .venv/bin/python -m bench.import_disqus [--comments 1000000] [--per-thread 50] [--keep DIR]
        [--out docs/benchmarks.md]

The export is written to disk as a stream (tests/disqus_files.py: every thread first, then
every post, as Disqus writes them), then `veche import disqus` runs in a child process on a
fresh SQLite database, so its peak RSS (getrusage of the child) is the import's alone. Prints
comments per second for the whole import (parse, spool, write) and the peak RSS, and the
same for a tenth of the file, to show memory does not grow with the file. With --out, the
"Import speed" section of that file (between its markers) is rewritten from this run.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from tests.disqus_files import write_export

ROOT = Path(__file__).resolve().parents[1]


def run(comments: int, per_thread: int, workdir: Path) -> dict[str, float]:
    export = workdir / f"disqus-{comments}.xml"
    t0 = time.perf_counter()
    threads = write_export(export, comments, per_thread)
    written = time.perf_counter() - t0
    db = workdir / f"import-{comments}.db"
    env = dict(os.environ, VECHE_DATABASE_URL=f"sqlite:///{db}")
    env.setdefault("VECHE_SECRET_KEY", "bench-" + "x" * 32)
    veche = str(ROOT / ".venv" / "bin" / "veche")
    site = [veche, "site", "create", "bench"]
    subprocess.run(site, env=env, check=True, capture_output=True)  # noqa: S603 - fixed argv
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    done = subprocess.run(  # noqa: S603 - fixed argv
        [veche, "import", "disqus", str(export), "--site", "bench"],
        env=env, capture_output=True, text=True,
    )  # fmt: skip
    seconds = time.perf_counter() - t0
    if done.returncode != 0:
        sys.exit(f"the import failed:\n{done.stdout}\n{done.stderr}")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    return {
        "comments": comments,
        "threads": threads,
        "file_mb": export.stat().st_size / 1e6,
        "write_s": written,
        "import_s": seconds,
        "per_s": comments / seconds,
        # ru_maxrss (KiB) is the largest child's so far: runs go smallest first.
        "peak_rss_mb": after.ru_maxrss / 1024,
        "cpu_ms": cpu / comments * 1000,
        "db_mb": db.stat().st_size / 1e6,
    }


START, END = "<!-- import:start -->", "<!-- import:end -->"


def section(results: list[dict[str, float]], args: argparse.Namespace, began: str) -> str:
    commit = subprocess.run(  # noqa: S603 - fixed argv
        ["git", "-C", str(ROOT), "rev-parse", "--short=12", "HEAD"],  # noqa: S607
        capture_output=True, text=True,
    ).stdout.strip()  # fmt: skip
    load = Path("/proc/loadavg").read_text().split()[:3]
    rows = [
        f"| {int(r['comments']):,} | {int(r['threads']):,} | {r['file_mb']:.0f} MB "
        f"| {r['import_s']:.0f} s | {r['per_s']:,.0f} | {r['cpu_ms']:.2f} ms "
        f"| {r['peak_rss_mb']:.0f} MB | {r['db_mb']:.0f} MB |"
        for r in results
    ]
    return "\n".join(
        [
            START,
            "## Import speed (issue 8)",
            "",
            "Written by `bench/import_disqus.py`; rerun it rather than edit this section. A "
            "generated Disqus export (tests/disqus_files.py: all threads first, then all posts, "
            "replies to depth 4, some anonymous, deleted and spam posts, HTML messages) is "
            "imported by `veche import disqus` into a fresh SQLite database, in a child process "
            "whose peak RSS is the import's own. *CPU* is the child's user+system time per "
            "comment: on a shared machine it holds better than comments/s.",
            "",
            f"Run {began}, veche {commit}, nproc {os.cpu_count()}, shared with other jobs; "
            f"load average at end {' '.join(load)}.",
            "",
            "```sh",
            f".venv/bin/python -m bench.import_disqus --comments {args.comments} "
            f"--per-thread {args.per_thread} --out docs/benchmarks.md",
            "```",
            "",
            "| comments | threads | file | import | comments/s | CPU per comment | peak RSS | database |",
            "|---:|---:|---:|---:|---:|---:|---:|---:|",
            *rows,
            "",
            "Peak RSS that stays the same for a tenth of the file and the whole of it is the "
            "point: the parser holds one thread at a time (posts are spooled to a temporary "
            "SQLite file, since Disqus lists every thread before any post) and the loader "
            "commits each thread. Most of the RSS is the `veche` process itself (its "
            "libraries and moderation models). Time per comment is mostly the write pipeline "
            "(markdown render and sanitising, the ordinal and counter UPDATEs, the comment row "
            "and its event); the smaller run pays more per comment for creating its authors "
            "(the same thousand or so in both files).",
            "",
            END,
        ]
    )


def write_section(out: Path, text: str) -> None:
    """Replace the section between the markers, or add it before the moderation section."""
    old = out.read_text("utf-8") if out.exists() else ""
    i, j = old.find(START), old.find(END)
    if i != -1 and j > i:
        new = old[:i] + text + old[j + len(END) :]
    else:
        at = old.find("<!-- moderation:start -->")
        at = len(old) if at == -1 else at
        new = old[:at] + text + "\n\n" + old[at:]
    out.write_text(new, encoding="utf-8")


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--comments", type=int, default=1_000_000)
    ap.add_argument("--per-thread", type=int, default=50)
    ap.add_argument("--keep", type=Path, default=None, help="write files here and keep them")
    ap.add_argument("--out", type=Path, default=None, help="rewrite this file's Import section")
    args = ap.parse_args(argv)
    began = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    results: list[dict[str, float]] = []
    with tempfile.TemporaryDirectory(prefix="veche-bench-import-") as tmp:
        workdir = args.keep or Path(tmp)
        workdir.mkdir(parents=True, exist_ok=True)
        # The smaller run first: RUSAGE_CHILDREN keeps the largest child's peak so far.
        for n in (args.comments // 10, args.comments):
            r = run(n, args.per_thread, workdir)
            results.append(r)
            print(
                f"{int(r['comments']):>9,} comments in {int(r['threads']):,} threads "
                f"({r['file_mb']:.0f} MB): imported in {r['import_s']:.0f} s, "
                f"{r['per_s']:,.0f} comments/s, {r['cpu_ms']:.2f} ms CPU per comment, "
                f"peak RSS {r['peak_rss_mb']:.0f} MB, "
                f"database {r['db_mb']:.0f} MB",
                flush=True,
            )
    if args.out is not None:
        write_section(args.out, section(results, args, began))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
