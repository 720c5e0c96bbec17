"""`veche moderation eval`: precision and recall of the scoring pipeline on a labelled file.

Lines are scored in order as if posted to one fresh site by new members, each line its own
author, through the very objects the write path uses: the inline `LocalScorer` (word lists,
lexicons, spam rules and near-duplicates) and then the embedding classifier of the slow stage.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from veche.domain.errors import InvalidInput
from veche.domain.moderation import ModerationSettings
from veche.moderation.embedding import AbuseClassifier
from veche.moderation.scorer import LocalScorer
from veche.service.pipeline import AuthorFacts, Rendered, ScoreInput, render

LABELS = ("ok", "abusive", "spam")


@dataclass(frozen=True)
class Row:
    text: str
    lang: str
    label: str
    campaign: str | None = None  # optional: which spam campaign a variant belongs to


class BadFile(ValueError):
    """A line that is not a labelled comment: the message names the line."""


def load(path: Path) -> list[Row]:
    rows = []
    with path.open(encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                doc = json.loads(line)
            except json.JSONDecodeError as exc:
                raise BadFile(f"{path}:{number}: not JSON ({exc.msg})") from None
            if not isinstance(doc, dict):
                raise BadFile(f"{path}:{number}: each line must be a JSON object")
            text, lang, label = doc.get("text"), doc.get("lang"), doc.get("label")
            if not isinstance(text, str) or not text.strip():
                raise BadFile(f"{path}:{number}: `text` must be a non-empty string")
            if not isinstance(lang, str) or not lang:
                raise BadFile(f"{path}:{number}: `lang` must be a language code such as en")
            if label not in LABELS:
                raise BadFile(f"{path}:{number}: `label` must be one of {', '.join(LABELS)}")
            campaign = doc.get("campaign")
            rows.append(Row(text, lang, label, campaign if isinstance(campaign, str) else None))
    if not rows:
        raise BadFile(f"{path}: no labelled lines")
    return rows


@dataclass
class Tally:
    true_positive: Counter[tuple[str, str]] = field(default_factory=Counter)
    predicted: Counter[tuple[str, str]] = field(default_factory=Counter)
    actual: Counter[tuple[str, str]] = field(default_factory=Counter)

    def add(self, lang: str, label: str, guess: str) -> None:
        self.actual[(lang, label)] += 1
        self.predicted[(lang, guess)] += 1
        if guess == label:
            self.true_positive[(lang, label)] += 1

    def report(self) -> dict[str, dict[str, dict[str, float | int]]]:
        """{lang: {label: {"precision", "recall", "n"}}}; n counts the lines labelled so."""
        out: dict[str, dict[str, dict[str, float | int]]] = {}
        for lang in sorted({lang for lang, _ in self.actual}):
            out[lang] = {}
            for label in LABELS:
                n = self.actual[(lang, label)]
                guessed = self.predicted[(lang, label)]
                if not n and not guessed:
                    continue
                hit = self.true_positive[(lang, label)]
                out[lang][label] = {
                    "precision": round(hit / guessed, 4) if guessed else 0.0,
                    "recall": round(hit / n, 4) if n else 0.0,
                    "n": n,
                }
        return out


def _guess(reasons: Iterable[str], model_p: float | None, settings: ModerationSettings) -> str:
    reasons = list(reasons)
    if any(r.startswith(("abuse ", "banned word")) for r in reasons):
        return "abusive"
    if model_p is not None and model_p >= settings.model_queue_at:
        return "abusive"
    if any(r.startswith("spam:") for r in reasons):
        return "spam"
    return "ok"


def evaluate(
    rows: Sequence[Row],
    *,
    classifier: AbuseClassifier | None = None,
    settings: ModerationSettings | None = None,
) -> dict[str, dict[str, dict[str, float | int]]]:
    return report(rows, guesses(rows, classifier=classifier, settings=settings))


def report(
    rows: Sequence[Row], guessed: Sequence[str]
) -> dict[str, dict[str, dict[str, float | int]]]:
    tally = Tally()
    for row, guess in zip(rows, guessed, strict=True):
        tally.add(row.lang, row.label, guess)
    return tally.report()


def campaigns(rows: Sequence[Row], guessed: Sequence[str]) -> tuple[int, int]:
    """Variants of a campaign after its first post (the first has nothing to match) that
    were held as spam, out of all such variants."""
    seen: set[str] = set()
    caught = total = 0
    for row, guess in zip(rows, guessed, strict=True):
        if row.campaign is None:
            continue
        if row.campaign in seen:
            total += 1
            caught += guess != "ok"
        seen.add(row.campaign)
    return caught, total


def guesses(
    rows: Sequence[Row],
    *,
    classifier: AbuseClassifier | None = None,
    settings: ModerationSettings | None = None,
) -> list[str]:
    """What the pipeline makes of each line: ok, abusive or spam."""
    settings = settings or ModerationSettings()
    scorer = LocalScorer()
    rendered = [_rendered(row.text) for row in rows]
    verdicts = []
    for number, r in enumerate(rendered):
        item = ScoreInput(
            story_id=1, author_id=None, guest_name=None, text=r.body_text, parent_id=None,
            quote_text=None, site_id=1, body_src=r.body_src, settings=settings,
            author=AuthorFacts(f"eval-{number}", new=True),
        )  # fmt: skip
        verdicts.append(scorer.score(item))
    probabilities: list[float | None] = [None] * len(rows)
    if classifier is not None:
        probabilities = list(classifier.predict([r.body_text for r in rendered]))
    return [
        _guess(verdict.reasons, p, settings)
        for verdict, p in zip(verdicts, probabilities, strict=True)
    ]


def table(report: dict[str, dict[str, dict[str, float | int]]]) -> str:
    lines = ["lang  label     precision  recall      n"]
    for lang, labels in report.items():
        for label, m in labels.items():
            lines.append(
                f"{lang:<5} {label:<9} {m['precision']:>9.3f} {m['recall']:>7.3f} {m['n']:>6}"
            )
    return "\n".join(lines)


def _rendered(text: str) -> Rendered:
    """As the write path renders it; a line that is all markup is scored as typed."""
    try:
        return render(text)
    except InvalidInput:
        return Rendered(text, text, text)
