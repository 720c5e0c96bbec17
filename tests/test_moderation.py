"""The decision state machine (domain/moderation.py) and the settings' parsing."""

from __future__ import annotations

import pytest

from veche.domain.enums import CommentStatus, Premoderation
from veche.domain.errors import InvalidInput
from veche.domain.moderation import Action, ModerationSettings, next_status, updated

V, P, R, X, D, S = (
    CommentStatus.visible, CommentStatus.pending, CommentStatus.rejected,
    CommentStatus.removed, CommentStatus.deleted, CommentStatus.shadowed,
)  # fmt: skip


@pytest.mark.parametrize(
    ("action", "current", "reports", "before", "expected"),
    [
        (Action.approve, P, 0, None, V),
        (Action.approve, S, 0, None, V),
        (Action.approve, R, 0, P, V),
        (Action.approve, V, 2, None, V),  # dismisses the reports
        (Action.approve, V, 0, None, None),  # nothing to decide
        (Action.reject, P, 0, None, R),
        (Action.reject, V, 0, None, X),  # published: taken down, its place kept
        (Action.reject, R, 0, P, None),
        (Action.remove, V, 0, None, X),
        (Action.remove, X, 0, V, None),
        (Action.remove, D, 0, None, None),  # its author's deletion stands
        (Action.restore, X, 0, V, V),
        (Action.restore, R, 0, P, P),
        (Action.restore, V, 0, P, P),  # an approval undone
        (Action.restore, V, 0, None, None),
        (Action.restore, D, 0, V, None),
    ],
)
def test_next_status(
    action: Action,
    current: CommentStatus,
    reports: int,
    before: CommentStatus | None,
    expected: CommentStatus | None,
) -> None:
    assert next_status(action, current, reports, before) is expected


def test_settings_parse_and_refuse() -> None:
    stored = updated(
        {}, {"premoderation": "NEW", "banned_words": "a, b\nc", "report_threshold": "4"}
    )
    s = ModerationSettings.from_stored(stored)
    assert s.premoderation is Premoderation.new and s.banned_words == ("a", "b", "c")
    assert s.report_threshold == 4 and s.reasons == ModerationSettings().reasons
    for bad in ({"premoderation": "maybe"}, {"report_threshold": "0"}, {"abuse_queue_at": "2"},
                {"banned_words": "<b>"}, {"nonsense": "1"}, {"premod_approved": True}):  # fmt: skip
        with pytest.raises(InvalidInput):
            updated({}, bad)
    # A newer version's setting in the stored JSON does not break an older reader.
    assert ModerationSettings.from_stored({"from_the_future": 1}) == ModerationSettings()
