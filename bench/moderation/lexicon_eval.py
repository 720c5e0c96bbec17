"""Precision and recall of the lexicon scorer (veche.moderation.abuse) on a labelled file.

    python bench/moderation/lexicon_eval.py FILE.jsonl [--errors]

Each line: {"text": ..., "lang": ..., "label": "ok" | "abusive" | "spam", ...}. A comment counts
as flagged when score_abuse returns a hit; "abusive" is the positive class, spam counts as not
abusive. Prints one line per language, then the misses and false alarms with --errors.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

from veche.moderation.abuse import score_abuse


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file", type=Path)
    parser.add_argument("--errors", action="store_true", help="list misses and false alarms")
    args = parser.parse_args(argv)
    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    errors: list[str] = []
    timings: list[float] = []
    score_abuse("warm up")
    for number, line in enumerate(args.file.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        row = json.loads(line)
        if row.get("label") not in ("ok", "abusive", "spam"):
            raise SystemExit(f"{args.file}:{number}: label must be ok, abusive or spam")
        start = time.perf_counter()
        hit = score_abuse(row["text"], row.get("lang"))
        timings.append(time.perf_counter() - start)
        truth = row["label"] == "abusive"
        c = counts[row.get("lang", "?")]
        c["tp" if truth and hit else "fn" if truth else "fp" if hit else "tn"] += 1
        if bool(hit) != truth:
            what = f"{hit.category}:{hit.term!r}" if hit else "missed"
            errors.append(f"{row.get('lang')} {row.get('category')} {what} | {row['text']!r}")
    for lang in sorted(counts):
        c = counts[lang]
        precision = c["tp"] / (c["tp"] + c["fp"]) if c["tp"] + c["fp"] else 0.0
        recall = c["tp"] / (c["tp"] + c["fn"]) if c["tp"] + c["fn"] else 0.0
        print(
            f"{lang}: precision {precision:.3f} recall {recall:.3f} "
            f"(abusive {c['tp'] + c['fn']}, flagged {c['tp'] + c['fp']}, false alarms {c['fp']})"
        )
    ms = sorted(t * 1000 for t in timings)
    print(
        f"time per comment: median {statistics.median(ms):.3f} ms, p95 {ms[int(len(ms) * 0.95)]:.3f} ms"
    )
    if args.errors:
        print("\n".join(errors))
    return 0


if __name__ == "__main__":
    sys.exit(main())
