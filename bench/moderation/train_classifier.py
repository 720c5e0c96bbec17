"""Train the shipped abuse classifier from labelled JSONL files and say how good it is.

    .venv/bin/python bench/moderation/train_classifier.py          # reproduces the shipped model
    .venv/bin/python bench/moderation/train_classifier.py --train FILE [FILE ...] --dev FILE --out FILE

The default training files are train.jsonl (comment-sized texts), short.jsonl (1-12 word
replies, without which short neutral comments score as abusive) and tune.jsonl (written later
to tune the rules on new text; once spent on that, it is training data like the others):
every labelled file but dev.jsonl, kept to check on, and heldout.jsonl, never used.

Rows: one JSON object per line with `text`, `lang` and `label` (ok | abusive | spam); abusive is
1, ok and spam are 0. Prints, per language: precision and recall from nested cross-validation
on the training files (C and the calibration are fitted inside each outer fold, so the numbers
are honest), then on
the dev file at several thresholds, recall per dev category, and the embedding time per comment.
Never point --dev at the held-out file: it measures what nobody tuned on.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from veche.moderation.embedding import (
    DEFAULT_MODEL_PATH,
    Embedder,
    fit_embeddings,
)

HERE = Path(__file__).parent
LABELS = {"ok": 0, "spam": 0, "abusive": 1}
THRESHOLDS = (0.3, 0.4, 0.5, 0.6, 0.7)


def read_rows(path: Path) -> list[dict[str, Any]]:
    rows = []
    for n, line in enumerate(path.read_text("utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as err:
            raise SystemExit(f"{path}:{n}: not JSON: {err}") from None
        if not isinstance(row, dict) or not isinstance(row.get("text"), str):
            raise SystemExit(f"{path}:{n}: expected an object with a text")
        if row.get("label") not in LABELS:
            raise SystemExit(f"{path}:{n}: label must be one of {sorted(LABELS)}")
        rows.append(row)
    if not rows:
        raise SystemExit(f"{path}: no rows")
    return rows


def precision_recall(y: np.ndarray, p: np.ndarray, threshold: float) -> tuple[float, float]:
    flagged = p >= threshold
    tp = int(np.sum(flagged & (y == 1)))
    precision = tp / max(1, int(flagged.sum()))
    recall = tp / max(1, int(np.sum(y == 1)))
    return precision, recall


def per_language(
    title: str,
    rows: Sequence[dict[str, Any]],
    y: np.ndarray,
    p: np.ndarray,
    thresholds: Sequence[float],
) -> dict[str, dict[str, dict[str, float]]]:
    print(f"\n{title}")
    out: dict[str, dict[str, dict[str, float]]] = {}
    langs = sorted({str(r.get("lang", "?")) for r in rows})
    for lang in [*langs, "all"]:
        mask = np.array([lang in ("all", r.get("lang")) for r in rows])
        cells = []
        out[lang] = {}
        for t in thresholds:
            pr, rc = precision_recall(y[mask], p[mask], t)
            out[lang][f"{t:.2f}"] = {"precision": round(pr, 3), "recall": round(rc, 3)}
            cells.append(f"t={t:.1f} P={pr:.3f} R={rc:.3f}")
        n_pos = int(y[mask].sum())
        print(f"  {lang:>3} (n={int(mask.sum())}, abusive={n_pos}): " + "  ".join(cells))
    return out


def category_recall(rows: Sequence[dict[str, Any]], p: np.ndarray, threshold: float) -> None:
    """Share flagged per category: recall for abusive ones, false-positive rate for the rest."""
    seen: dict[tuple[str, str], list[bool]] = defaultdict(list)
    for row, score in zip(rows, p, strict=True):
        seen[(str(row.get("lang")), str(row.get("category")))].append(bool(score >= threshold))
    print(f"\n  flagged per category at t={threshold}:")
    for (lang, cat), hits in sorted(seen.items()):
        print(f"    {lang} {cat:<18} {sum(hits):>3}/{len(hits):<3}")


def nested_cv(x: np.ndarray, y: np.ndarray, folds: int, seed: int) -> np.ndarray:
    from sklearn.model_selection import StratifiedKFold

    p = np.zeros(len(y))
    outer = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed + 1)
    for train, test in outer.split(x, y):
        clf = fit_embeddings(x[train], y[train].tolist(), folds=folds, seed=seed)
        p[test] = clf.predict_embeddings(x[test])
    return p


def timed_embedding(embed: Embedder, texts: Sequence[str]) -> np.ndarray:
    """Embeds in the worker's batches of 16; prints the median time per comment over batches."""
    out = []
    per_comment = []
    for start in range(0, len(texts), 16):
        chunk = list(texts[start : start + 16])
        t0 = time.perf_counter()
        out.append(embed(chunk))
        per_comment.append((time.perf_counter() - t0) * 1000 / len(chunk))
    print(
        f"  embedding: {statistics.median(per_comment):.1f} ms per comment "
        f"(median over {len(per_comment)} batches of up to 16, one thread; "
        f"median text {statistics.median(len(t) for t in texts):.0f} chars)"
    )
    return np.vstack(out)


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--train",
        type=Path,
        nargs="+",
        default=[HERE / "train.jsonl", HERE / "short.jsonl", HERE / "tune.jsonl"],
        help="one or more JSONL files, used together",
    )
    # Path("") is ".", which is truthy, so '' is turned into None here.
    ap.add_argument(
        "--dev",
        type=lambda s: Path(s) if s else None,
        default=HERE / "dev.jsonl",
        help="'' to skip",
    )
    ap.add_argument("--out", type=Path, default=DEFAULT_MODEL_PATH)
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--report", type=Path, help="also write the numbers as JSON here")
    args = ap.parse_args(argv)
    if any("heldout" in p.name for p in [*args.train, args.dev] if p):
        ap.error("the held-out file is for the final report only; never tune or train on it")

    embed = Embedder(threads=1)
    rows: list[dict[str, Any]] = []
    origin: list[str] = []
    for path in args.train:
        part = read_rows(path)
        rows.extend(part)
        origin.extend([path.name] * len(part))
    y = np.array([LABELS[r["label"]] for r in rows])
    names = ", ".join(str(p) for p in args.train)
    print(f"train: {names} ({len(rows)} rows, {int(y.sum())} abusive)")
    x = timed_embedding(embed, [r["text"] for r in rows])

    report: dict[str, Any] = {}
    cv = nested_cv(x, y, args.folds, args.seed)
    report["cv"] = per_language(
        f"nested {args.folds}-fold cross-validation on the training files:",
        rows,
        y,
        cv,
        THRESHOLDS,
    )
    if len(args.train) > 1:
        for name in dict.fromkeys(origin):
            mask = np.array([o == name for o in origin])
            report[f"cv {name}"] = per_language(
                f"  the same, {name} rows only:",
                [r for r, m in zip(rows, mask, strict=True) if m],
                y[mask],
                cv[mask],
                THRESHOLDS,
            )
    clf = fit_embeddings(x, y.tolist(), folds=args.folds, seed=args.seed)
    clf.meta["trained"]["source"] = " + ".join(p.name for p in args.train)
    cal = clf.meta["regression"]["calibration"]
    print(
        f"\nchosen C = {clf.meta['regression']['C']}; "
        f"calibration slope {cal['slope']:.3f}, offset {cal['offset']:.3f}"
    )

    if args.dev and args.dev.exists():
        dev = read_rows(args.dev)
        dy = np.array([LABELS[r["label"]] for r in dev])
        print(f"\ndev: {args.dev} ({len(dev)} rows, {int(dy.sum())} abusive)")
        dp = clf.predict_embeddings(timed_embedding(embed, [r["text"] for r in dev]))
        report["dev"] = per_language("dev:", dev, dy, dp, THRESHOLDS)
        category_recall(dev, dp, 0.5)

    args.out.parent.mkdir(parents=True, exist_ok=True)
    clf.save(args.out)
    print(f"\nwrote {args.out}")
    if args.report:
        args.report.write_text(json.dumps(report, indent=1) + "\n", "utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
