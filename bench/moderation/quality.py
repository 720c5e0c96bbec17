"""Quality of the three scoring variants on one labelled set, through the eval's own
functions (`veche.moderation.evaluate`), and plain precision/recall for the peer."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from veche.moderation.embedding import AbuseClassifier
from veche.moderation.evaluate import Row, _rendered, campaigns, guesses, load, report

HERE = Path(__file__).parent

Report = dict[str, dict[str, dict[str, float | int]]]


class _Known:
    """Hands `guesses` the probabilities already computed, so each set is embedded once; it
    checks that the pipeline asks about the very texts they were computed for."""

    def __init__(self, bodies: list[str], probabilities: list[float]) -> None:
        self.bodies, self.probabilities = bodies, probabilities

    def predict(self, texts: Sequence[str]) -> list[float]:
        if list(texts) != self.bodies:
            raise RuntimeError("the eval rendered other texts than the report did")
        return self.probabilities


@dataclass
class SetResult:
    name: str
    rows: list[Row]
    guessed: dict[str, list[str]] = field(default_factory=dict)
    reports: dict[str, Report] = field(default_factory=dict)
    caught: dict[str, tuple[int, int]] = field(default_factory=dict)
    peer: list[float] | None = None  # alt-profanity-check on this set's English lines


def quality(name: str, model: AbuseClassifier) -> SetResult:
    rows = load(HERE / f"{name}.jsonl")
    bodies = [_rendered(r.text).body_text for r in rows]
    probabilities = model.predict(bodies)
    out = SetResult(name, rows)
    out.guessed["inline"] = guesses(rows)
    out.guessed["model"] = ["abusive" if p >= 0.5 else "ok" for p in probabilities]
    out.guessed["both"] = guesses(rows, classifier=_Known(bodies, probabilities))  # type: ignore[arg-type]
    for key, g in out.guessed.items():
        out.reports[key] = report(rows, g)
        out.caught[key] = campaigns(rows, g)
    return out


def binary(rows: Sequence[Row], positive: Sequence[bool]) -> tuple[float, float, float]:
    """(precision, recall, F1) of calling lines abusive."""
    tp = sum(p and r.label == "abusive" for r, p in zip(rows, positive, strict=True))
    called = sum(positive)
    actual = sum(r.label == "abusive" for r in rows)
    precision = tp / called if called else 0.0
    recall = tp / actual if actual else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1
