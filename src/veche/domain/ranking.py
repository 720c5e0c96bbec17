"""The "top" score of a comment: a lower bound on how well it is liked, plus a fixed time bonus.

Readers only *add* reactions ("respect"); nobody records who read a comment and did not
react, so there is no true proportion to estimate. Each comment is taken as read by its
reactors plus `PRIOR` silent readers, and its quality is the Wilson score lower bound (95%)
of reactions / (reactions + PRIOR): 0 for none, rising steeply for the first few and
levelling off below 1, so ten reactions are worth much more than one, and a thousand not
much more than a hundred.

Time decays the score the way HN's and Reddit's "hot" do, but additively: a comment's age
bonus is fixed when it is written (`(created_at - EPOCH) / DECAY`), so a newer comment starts
ahead and an old one falls behind without any stored score ever being recomputed: the order
of two comments changes only when one of them gets or loses a reaction. With DECAY of a day,
one reaction is worth about 43 minutes of recency, ten about 10 hours, a hundred about 21.

Scores are whole numbers (millionths), so the keyset cursor compares exactly on every engine.
"""

from __future__ import annotations

import datetime as dt
import math

EPOCH = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
DECAY = dt.timedelta(days=1)  # a day newer is worth a full unit of quality
PRIOR = 5  # silent readers assumed per comment
Z = 1.96  # 95% confidence
UNIT = 1_000_000


def wilson_lower_bound(positive: int, total: int, z: float = Z) -> float:
    """The lower bound of the Wilson score interval for positive / total."""
    if total <= 0:
        return 0.0
    p = positive / total
    z2 = z * z
    centre = p + z2 / (2 * total)
    margin = z * math.sqrt((p * (1 - p) + z2 / (4 * total)) / total)
    return max(0.0, (centre - margin) / (1 + z2 / total))


def quality(reactions: int) -> float:
    """How surely readers like it, from 0 (no reactions) towards 1."""
    reactions = max(0, reactions)
    return wilson_lower_bound(reactions, reactions + PRIOR)


def top_score(reactions: int, created_at: dt.datetime) -> int:
    """The stored sort key of the top order: quality plus the age bonus, in millionths.
    Comments from before EPOCH (imports) share its bonus of 0."""
    age = max(0.0, (created_at - EPOCH) / DECAY)
    return round((quality(reactions) + age) * UNIT)
