"""What the spam stage and the embedding stage cost per comment, on this machine.

    .venv/bin/python bench/moderation/speed.py [--texts bench/moderation/dev.jsonl] [--rounds 3]

Comments are the texts of a labelled JSONL file (the dev set by default). The embedding stage is
timed as the worker runs it: AbuseClassifier.predict on batches of 16, one thread; also one
comment at a time (a quiet site). The spam stage is NearDuplicates.check_and_add against a
site index already holding 5,000 comments, plus spam_signals. Medians, in milliseconds.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

from veche.moderation.embedding import AbuseClassifier, Embedder
from veche.moderation.spam import NearDuplicates, spam_signals

HERE = Path(__file__).parent


def timed(fn: Callable[[], object]) -> float:
    t0 = time.perf_counter()
    fn()
    return (time.perf_counter() - t0) * 1000


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--texts", type=Path, default=HERE / "dev.jsonl")
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args(argv)
    if "heldout" in args.texts.name:
        ap.error("use the train or dev file; the held-out file stays unread")
    lines = args.texts.read_text("utf-8").splitlines()
    texts = [json.loads(line)["text"] for line in lines if line.strip()]
    print(
        f"{len(texts)} comments from {args.texts}, median {statistics.median(map(len, texts))} chars"
    )

    model = AbuseClassifier.load(embedder=Embedder(threads=1))
    model.predict(texts[:16])  # warm up
    batched: list[float] = []
    single: list[float] = []
    for _ in range(args.rounds):
        for start in range(0, len(texts), 16):
            chunk = texts[start : start + 16]
            batched.append(timed(lambda c=chunk: model.predict(c)) / len(chunk))
        for text in texts[: min(len(texts), 64)]:
            single.append(timed(lambda t=text: model.predict([t])))
    print(f"embedding stage, batches of 16: {statistics.median(batched):.1f} ms per comment")
    print(f"embedding stage, one at a time: {statistics.median(single):.1f} ms per comment")

    rnd = random.Random(0)
    index = NearDuplicates()
    t0 = datetime(2026, 12, 4, tzinfo=UTC)
    for i in range(5000):  # a busy site's day: shuffled mixes of the corpus
        words = f"{rnd.choice(texts)} {rnd.choice(texts)}".split()
        rnd.shuffle(words)
        index.check_and_add(1, f"filler{i}", " ".join(words), t0)
    checks: list[float] = []
    rules: list[float] = []
    for i, text in enumerate(texts * args.rounds):
        at = t0 + timedelta(seconds=i)
        checks.append(timed(lambda t=text, a=at, n=i: index.check_and_add(1, f"u{n}", t, a)))
        dup = index.check_and_add(2, f"u{i}", text, at)
        rules.append(
            timed(
                lambda t=text, d=dup: spam_signals(
                    t,
                    links_allowed=1,
                    dup=d,
                    is_new_user=True,
                    typing_seconds=None,
                    min_typing_seconds=3.0,
                )
            )
        )
    print(
        f"spam stage: near-duplicate check {statistics.median(checks):.2f} ms "
        f"(p99 {sorted(checks)[int(len(checks) * 0.99)]:.2f}) at 5,000 kept comments, "
        f"rules {statistics.median(rules):.3f} ms"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
