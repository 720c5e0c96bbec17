"""Disqus import speed and memory, veche beside Isso: one generated export of N comments,
imported by each into a fresh SQLite database.

    .venv/bin/python -m bench.import_disqus [--comments 1000000] [--per-thread 50] [--keep DIR]
        [--out docs/benchmarks.md]

The export is written to disk as a stream (tests/disqus_files.py: every thread first, then
every post, as Disqus writes them), then `veche import disqus` and Isso's own importer
(`isso -c CONF import --type disqus --empty-id`, from bench/.venv-isso: `make
bench/.venv-isso/.installed`) each run in a child process on a fresh database; os.wait4
gives that child's own peak RSS and CPU. Prints comments per second for the whole import
(parse, write) and the peak RSS for both, the same for a tenth of the file, and what each
database kept (read back from it). With --out, the "Import speed" section of that file
(between its markers) is rewritten from this run.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from tests.disqus_files import write_export

ROOT = Path(__file__).resolve().parents[1]
VECHE = ROOT / ".venv" / "bin" / "veche"
ISSO = ROOT / "bench" / ".venv-isso" / "bin" / "isso"


@dataclasses.dataclass
class Result:
    engine: str
    comments: int
    threads: int
    file_mb: float
    import_s: float
    peak_rss_mb: float
    cpu_ms: float
    db_mb: float
    kept: str  # what the database holds afterwards, read back from it

    @property
    def per_s(self) -> float:
        return self.comments / self.import_s


def child(argv: list[str], env: dict[str, str], log: Path) -> tuple[float, float, float]:
    """Run argv to completion; (wall seconds, CPU seconds, peak RSS MB) of that child alone."""
    t0 = time.perf_counter()
    with log.open("wb") as out:
        proc = subprocess.Popen(argv, env=env, stdout=out, stderr=subprocess.STDOUT)  # noqa: S603
        _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        sys.exit(f"{argv[0]} failed ({proc.returncode}):\n{log.read_text('utf-8', 'replace')}")
    return seconds, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def _rows(db: Path, sql: str) -> list[tuple[object, ...]]:
    con = sqlite3.connect(db)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def veche_kept(db: Path) -> str:
    ((stories, comments, replies, depth, users),) = _rows(
        db,
        "SELECT (SELECT count(*) FROM stories), count(*), count(parent_id), max(depth),"
        " (SELECT count(*) FROM users) FROM comments",
    )
    statuses = ", ".join(f"{n:,} {s}" for s, n in _rows(
        db, "SELECT status, count(*) FROM comments GROUP BY status ORDER BY count(*) DESC"
    ))  # fmt: skip
    return (
        f"{comments:,} comments in {stories:,} stories ({statuses}); {replies:,} replies, "
        f"deepest at depth {depth}; {users:,} users"
    )


def isso_kept(db: Path) -> str:
    ((threads, comments, replies, nested, authors),) = _rows(
        db,
        "SELECT (SELECT count(*) FROM threads), count(*), count(parent),"
        " (SELECT count(*) FROM comments c JOIN comments p ON c.parent = p.id"
        "  WHERE p.parent IS NOT NULL), count(DISTINCT author) FROM comments",
    )
    modes = {1: "accepted", 2: "pending", 4: "deleted"}
    statuses = ", ".join(f"{n:,} {modes.get(int(str(m)), m)}" for m, n in _rows(
        db, "SELECT mode, count(*) FROM comments GROUP BY mode ORDER BY count(*) DESC"
    ))  # fmt: skip
    return (
        f"{comments:,} comments in {threads:,} threads ({statuses}); {replies:,} replies, "
        f"{nested:,} of them under a reply (one level kept); {authors:,} author names, no accounts"
    )


def run_veche(export: Path, comments: int, threads: int, workdir: Path) -> Result:
    db = workdir / f"veche-{comments}.db"
    env = dict(os.environ, VECHE_DATABASE_URL=f"sqlite:///{db}")
    env.setdefault("VECHE_SECRET_KEY", "bench-" + "x" * 32)
    site = [str(VECHE), "site", "create", "bench"]
    subprocess.run(site, env=env, check=True, capture_output=True)  # noqa: S603 - fixed argv
    argv = [str(VECHE), "import", "disqus", str(export), "--site", "bench"]
    seconds, cpu, rss = child(argv, env, workdir / f"veche-{comments}.log")
    return Result(
        "veche", comments, threads, export.stat().st_size / 1e6, seconds, rss,
        cpu / comments * 1000, db.stat().st_size / 1e6, veche_kept(db),
    )  # fmt: skip


def isso_config(workdir: Path, db: Path) -> Path:
    """As bench/procs.py configures Isso, minus the server (the importer needs none)."""
    cfg = workdir / f"{db.stem}.cfg"
    cfg.write_text(
        f"[general]\ndbpath = {db}\nhost = http://127.0.0.1/\nnotify = stdout\n"
        "gravatar = false\n[admin]\nenabled = false\n[moderation]\nenabled = false\n"
        "[guard]\nenabled = false\n",
        encoding="utf-8",
    )
    return cfg


def run_isso(export: Path, comments: int, threads: int, workdir: Path) -> Result:
    db = workdir / f"isso-{comments}.db"
    cfg = isso_config(workdir, db)
    # --empty-id: Isso 0.14.0 tests the thread's <id> element for truth, and an Element
    # with no children is false whatever its text, so without it every thread is skipped.
    argv = [str(ISSO), "-c", str(cfg), "import", "--type", "disqus", "--empty-id", str(export)]
    seconds, cpu, rss = child(argv, dict(os.environ), workdir / f"isso-{comments}.log")
    return Result(
        "Isso 0.14.0", comments, threads, export.stat().st_size / 1e6, seconds, rss,
        cpu / comments * 1000, db.stat().st_size / 1e6, isso_kept(db),
    )  # fmt: skip


def run(comments: int, per_thread: int, workdir: Path) -> list[Result]:
    export = workdir / f"disqus-{comments}.xml"
    threads = write_export(export, comments, per_thread)
    return [
        run_veche(export, comments, threads, workdir),
        run_isso(export, comments, threads, workdir),
    ]


START, END = "<!-- import:start -->", "<!-- import:end -->"


def section(results: list[Result], args: argparse.Namespace, began: str) -> str:
    commit = subprocess.run(  # noqa: S603 - fixed argv
        ["git", "-C", str(ROOT), "rev-parse", "--short=12", "HEAD"],  # noqa: S607
        capture_output=True, text=True,
    ).stdout.strip()  # fmt: skip
    load = Path("/proc/loadavg").read_text().split()[:3]
    isso = {r.comments: r for r in results if r.engine != "veche"}

    def ratios(r: Result) -> str:
        if r.engine != "veche":
            return "1 | 1 | 1"
        i = isso[r.comments]
        speed, cpu, rss = r.per_s / i.per_s, r.cpu_ms / i.cpu_ms, r.peak_rss_mb / i.peak_rss_mb
        return f"{speed:.2f} | {cpu:.2f} | {rss:.2f}"

    rows = [
        f"| {r.engine} | {r.comments:,} | {r.threads:,} | {r.file_mb:.0f} MB "
        f"| {r.import_s:.0f} s | {r.per_s:,.0f} | {r.cpu_ms:.2f} ms "
        f"| {r.peak_rss_mb:.0f} MB | {r.db_mb:.0f} MB | {ratios(r)} |"
        for r in results
    ]
    kept = [f"| {r.engine} | {r.comments:,} | {r.kept} |" for r in results]
    return "\n".join(
        [
            START,
            "## Import speed (issue 8)",
            "",
            "Written by `bench/import_disqus.py`; rerun it rather than edit this section. A "
            "generated Disqus export (tests/disqus_files.py: all threads first, then all posts, "
            "replies to depth 4, some anonymous, deleted and spam posts, HTML messages) is "
            "imported, in the same run, by `veche import disqus` and by Isso's own importer "
            "(`isso -c CONF import --type disqus --empty-id FILE`, Isso 0.14.0 from "
            "bench/.venv-isso), each into a fresh SQLite database in a child process whose "
            "peak RSS and CPU (os.wait4) are the import's own. *CPU* is the child's "
            "user+system time per comment: on a shared machine it holds better than "
            "comments/s. Rates and CPU are per comment in the file, for both importers. "
            "The ratio columns are veche ÷ Isso (above 1: veche imports faster; above 1 "
            "for CPU and RSS: veche spends more).",
            "",
            f"Run {began}, veche {commit}, nproc {os.cpu_count()}, shared with other jobs; "
            f"load average at end {' '.join(load)}.",
            "",
            "```sh",
            "make bench/.venv-isso/.installed",
            f".venv/bin/python -m bench.import_disqus --comments {args.comments} "
            f"--per-thread {args.per_thread} --out docs/benchmarks.md",
            "```",
            "",
            "| importer | comments | threads | file | import | comments/s | CPU per comment "
            "| peak RSS | database | comments/s ÷ Isso | CPU ÷ Isso | peak RSS ÷ Isso |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
            *rows,
            "",
            "What each database holds afterwards (read back from it by the script):",
            "",
            "| importer | comments in the file | kept |",
            "|---|---:|---|",
            *kept,
            "",
            "They do not do the same work, so the ratios are of two different imports of one "
            "file. **veche** keeps the whole tree (replies nested as they came, to depth 200, with "
            "path, ordinal and counters), makes a user per Disqus identity (username or e-mail; "
            "guests stay guest names), turns each HTML message into its markdown source and "
            "renders and sanitises it to stored HTML and text, keeps deleted posts as "
            "deleted and spam as rejected, writes each comment's event, and commits per "
            "thread, recording each Disqus id so that a rerun updates rather than "
            "duplicates; it runs no scorers on import (`scores` stays null). Its parser "
            "holds one thread at a time (posts are spooled to a temporary SQLite file, "
            "since Disqus lists every thread "
            "before any post), which is why its peak RSS stays the same for a tenth of the "
            "file and the whole; most of that RSS is the `veche` process itself (its "
            "libraries and moderation models). **Isso** parses the whole file into an "
            "ElementTree (its RSS grows with the file), stores each message's HTML as it "
            "is (it renders markdown when a page asks, not on import), flattens replies to "
            "one level (a reply to a reply hangs under the top comment), ignores "
            "`isSpam` (spam is imported as accepted), stores deleted posts then drops those "
            "without replies, keeps author name and e-mail on the comment (no accounts), "
            "and opens a new SQLite connection and commits for every statement. Without "
            "`--empty-id` Isso 0.14.0 imports nothing from this file: it tests the "
            "thread's `<id>` element for truth, and an element without children is false.",
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
    if not ISSO.exists():
        sys.exit(f"{ISSO} is missing: make bench/.venv-isso/.installed")
    began = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    results: list[Result] = []
    with tempfile.TemporaryDirectory(prefix="veche-bench-import-") as tmp:
        workdir = args.keep or Path(tmp)
        workdir.mkdir(parents=True, exist_ok=True)
        for n in (args.comments // 10, args.comments):
            for r in run(n, args.per_thread, workdir):
                results.append(r)
                print(
                    f"{r.engine:>11}: {r.comments:>9,} comments in {r.threads:,} threads "
                    f"({r.file_mb:.0f} MB): imported in {r.import_s:.0f} s, "
                    f"{r.per_s:,.0f} comments/s, {r.cpu_ms:.2f} ms CPU per comment, "
                    f"peak RSS {r.peak_rss_mb:.0f} MB, database {r.db_mb:.0f} MB\n"
                    f"{'':>13}kept {r.kept}",
                    flush=True,
                )
    if args.out is not None:
        write_section(args.out, section(results, args, began))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
