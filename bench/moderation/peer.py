"""The peer: alt-profanity-check (an English linear model shipped in its wheel), run in its own
venv (bench/.venv-profanity, `make bench-moderation` installs it) so its scikit-learn never
mixes with veche's packages. Texts go in on stdin and probabilities come out on stdout."""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
VENV = ROOT / "bench" / ".venv-profanity"

# Runs inside the peer's venv: a JSON list of texts in, probabilities and timing out.
_CHILD = """
import json, sys, time
import importlib.metadata as m
from profanity_check import predict_prob
texts = json.load(sys.stdin)
predict_prob(texts[:8])  # the first call loads the model from the wheel
t0 = time.perf_counter()
p = [float(x) for x in predict_prob(texts)]
ms = (time.perf_counter() - t0) * 1000
print(json.dumps({"p": p, "ms": ms, "version": m.version("alt-profanity-check")}))
"""


@dataclass(frozen=True)
class PeerScores:
    probabilities: list[float]
    ms_per_comment: float
    version: str


class PeerUnavailable(RuntimeError):
    """Not installed or not importable here; the report says so and goes on."""


def score(texts: list[str], venv: Path = VENV) -> PeerScores:
    python = venv / "bin" / "python"
    if not python.exists():
        raise PeerUnavailable(f"{python} is missing (make bench/.venv-profanity/.installed)")
    try:
        p = subprocess.run(  # noqa: S603 - our own venv's interpreter, fixed code
            [str(python), "-c", _CHILD], input=json.dumps(texts), capture_output=True,
            text=True, timeout=300, check=False,
        )  # fmt: skip
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise PeerUnavailable(f"could not run it: {exc}") from exc
    if p.returncode != 0:
        last = (p.stderr.strip().splitlines() or ["no output"])[-1]
        raise PeerUnavailable(f"it failed: {last}")
    doc = json.loads(p.stdout)
    probabilities = [float(x) for x in doc["p"]]
    if len(probabilities) != len(texts):
        raise PeerUnavailable(f"{len(probabilities)} scores for {len(texts)} texts")
    return PeerScores(probabilities, doc["ms"] / max(len(texts), 1), str(doc["version"]))
