"""A site's moderation settings, each declared once: name, default, help and parser.

The declarations generate the `veche site update` options, the admin form and the docs, and
the values live in one JSON column of the site, so a new setting needs no migration.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from enum import StrEnum
from typing import Any

from veche.domain.declared import Declared, declared
from veche.domain.declared import setting as _setting
from veche.domain.enums import CommentStatus, Premoderation
from veche.domain.errors import InvalidInput
from veche.i18n import N_
from veche.i18n import gettext as _

WORD_MAX = 80
WORDS_MAX = 1000
REASON_MAX = 120


def _premoderation(raw: object) -> Premoderation:
    try:
        return Premoderation(str(raw).strip().lower())
    except ValueError:
        raise InvalidInput(
            _("Pre-moderation is one of: off, all, new."), field="premoderation"
        ) from None


def _one_of(name: str, *allowed: str) -> Callable[[object], str]:
    def parse(raw: object) -> str:
        value = str(raw).strip().lower()
        if value not in allowed:
            raise InvalidInput(
                _("%(name)s is one of: %(join)s.") % {"name": name, "join": ", ".join(allowed)},
                field=name,
            )
        return value

    return parse


def _count(name: str, low: int, high: int) -> Callable[[object], int]:
    def parse(raw: object) -> int:
        try:
            value = int(str(raw).strip()) if not isinstance(raw, int) else raw
        except ValueError:
            value = low - 1
        if isinstance(raw, bool) or not low <= value <= high:
            raise InvalidInput(
                _("%(name)s is a whole number from %(low)s to %(high)s.")
                % {"name": name, "low": low, "high": high},
                field=name,
            )
        return value

    return parse


def _share(name: str) -> Callable[[object], float]:
    def parse(raw: object) -> float:
        try:
            value = float(str(raw).strip())
        except ValueError:
            value = -1.0
        if isinstance(raw, bool) or not 0.0 <= value <= 1.0:
            raise InvalidInput(_("%(name)s is a number from 0 to 1.") % {"name": name}, field=name)
        return value

    return parse


def _lines(name: str, item_max: int, count_max: int) -> Callable[[object], tuple[str, ...]]:
    """A list from a list, or from text with one entry per line or comma."""

    def parse(raw: object) -> tuple[str, ...]:
        if isinstance(raw, str):
            items = [p for line in raw.splitlines() for p in line.split(",")]
        elif isinstance(raw, list | tuple):
            items = [str(p) for p in raw]
        else:
            raise InvalidInput(_("%(name)s is a list.") % {"name": name}, field=name)
        seen: dict[str, None] = {}
        for item in items:
            entry = " ".join(item.split())
            if not entry:
                continue
            if len(entry) > item_max or any(ch in entry for ch in "<>\x00"):
                raise InvalidInput(
                    _("Each entry of %(name)s is at most %(item_max)s characters, without < or >.")
                    % {"name": name, "item_max": item_max},
                    field=name,
                )
            seen.setdefault(entry, None)
        if len(seen) > count_max:
            raise InvalidInput(
                _("%(name)s holds at most %(count_max)s entries.")
                % {"name": name, "count_max": count_max},
                field=name,
            )
        return tuple(seen)

    return parse


# Marked for the catalog: shown translated where a moderator picks and a reader reads them.
DEFAULT_REASONS = (
    N_("Abuse or insult"),
    N_("Threat or call to violence"),
    N_("Spam"),
    N_("Off-topic"),
    N_("Misinformation"),
    N_("Personal information"),
)


@dataclass(frozen=True)
class ModerationSettings:
    """One site's values, every one present: defaults fill what the site never set."""

    premoderation: Premoderation = _setting(
        Premoderation.off,
        "hold comments for a moderator: off, all, or new (authors with fewer than "
        "premod_approved approved comments)",
        _premoderation,
    )
    premod_approved: int = _setting(
        3,
        "approved comments an author needs before `new` pre-moderation lets them through",
        _count("premod_approved", 1, 1000),
    )
    banned_words: tuple[str, ...] = _setting(
        (),
        "words or phrases that get a comment rejected (one per line or comma-separated; `word*` "
        "is a prefix), "
        "matched on word boundaries through look-alike letters, leetspeak and spacing",
        _lines("banned_words", WORD_MAX, WORDS_MAX),
    )
    suspect_words: tuple[str, ...] = _setting(
        (),
        "words or phrases that send a comment to the moderation queue, matched the same way",
        _lines("suspect_words", WORD_MAX, WORDS_MAX),
    )
    report_threshold: int = _setting(
        3,
        "open reports that put a published comment in the queue's Reported tab",
        _count("report_threshold", 1, 100),
    )
    reasons: tuple[str, ...] = _setting(
        DEFAULT_REASONS,
        "the reasons a moderator picks from when rejecting or removing (one per line or "
        "comma-separated)",
        _lines("reasons", REASON_MAX, 50),
    )
    abuse_queue_at: float = _setting(
        0.5, "abuse score (0-1) from which a comment waits in the queue", _share("abuse_queue_at")
    )
    abuse_reject_at: float = _setting(
        0.97, "abuse score (0-1) from which a comment is rejected outright",
        _share("abuse_reject_at"),
    )  # fmt: skip
    model_queue_at: float = _setting(
        0.5,
        "abuse model probability (0-1, the background stage) from which a published comment "
        "is moved to the queue",
        _share("model_queue_at"),
    )
    spam_queue_at: float = _setting(
        0.5, "spam score (0-1) from which a comment waits in the queue", _share("spam_queue_at")
    )
    new_user_links: int = _setting(
        1,
        "links a new author (fewer than premod_approved approved comments) may post",
        _count("new_user_links", 0, 100),
    )
    min_typing_seconds: int = _setting(
        3,
        "a first comment typed faster than this many seconds is treated as a bot's",
        _count("min_typing_seconds", 0, 600),
    )
    deleted_accounts: str = _setting(
        "placeholder",
        'what a deleted account leaves of its comments: placeholder ("The comment was '
        'deleted.", words erased) or anonymise (words kept, author shown as [deleted])',
        _one_of("deleted_accounts", "placeholder", "anonymise"),
    )

    @classmethod
    def from_stored(cls, stored: Mapping[str, Any] | None) -> ModerationSettings:
        """Stored values were parsed when set; an unknown key (a newer version's) is ignored."""
        values = {k: BY_NAME[k].parse(v) for k, v in (stored or {}).items() if k in BY_NAME}
        return cls(**values)

    def as_stored(self) -> dict[str, Any]:
        """JSON-ready: tuples become lists."""
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            out[f.name] = list(value) if isinstance(value, tuple) else value
        return out


SETTINGS: tuple[Declared, ...] = declared(ModerationSettings)
BY_NAME: Mapping[str, Declared] = {d.name: d for d in SETTINGS}


def docs_table() -> str:
    """The settings as docs/moderation.md shows them (a test keeps the two the same)."""

    def shown(value: Any) -> str:
        if isinstance(value, tuple):
            return "; ".join(value) or "(none)"
        return str(value)

    rows = ["| setting | CLI option | default | meaning |", "|---|---|---|---|"]
    for d in SETTINGS:
        option = "--" + d.name.replace("_", "-")
        rows.append(f"| `{d.name}` | `{option}` | {shown(d.default)} | {d.help} |")
    return "\n".join(rows) + "\n"


def updated(stored: Mapping[str, Any] | None, changes: Mapping[str, object]) -> dict[str, Any]:
    """The stored dict with `changes` parsed in; an unknown name is a clear error."""
    current = ModerationSettings.from_stored(stored).as_stored()
    for name, raw in changes.items():
        declared = BY_NAME.get(name)
        if declared is None:
            raise InvalidInput(
                _("There is no moderation setting “%(name)s”.") % {"name": name}, field=name
            )
        value = declared.parse(raw)
        current[name] = list(value) if isinstance(value, tuple) else value
    settings = ModerationSettings.from_stored(current)
    if settings.abuse_reject_at < settings.abuse_queue_at:
        raise InvalidInput(
            _("abuse_reject_at must not be below abuse_queue_at."), field="abuse_reject_at"
        )
    return settings.as_stored()


class Action(StrEnum):
    approve = "approve"
    reject = "reject"
    remove = "remove"
    restore = "restore"


_TAKES_BACK = frozenset({CommentStatus.visible, CommentStatus.pending, CommentStatus.shadowed})
_UNPUBLISHED = frozenset({CommentStatus.pending, CommentStatus.shadowed})


def next_status(
    action: Action, current: CommentStatus, open_reports: int, before: CommentStatus | None
) -> CommentStatus | None:
    """Where a decision takes a comment, or None when it is already decided that way (or
    gone by its author's hand): a second moderator's click must change nothing.

    Rejecting a published comment takes it down as a removal, so its place and its replies
    stay, marked, as with any removal."""
    if action is Action.approve:
        if current in _UNPUBLISHED or current is CommentStatus.rejected:
            return CommentStatus.visible
        if current is CommentStatus.visible and open_reports > 0:
            return CommentStatus.visible  # the reports are dismissed
        return None
    if action is Action.reject:
        if current in _UNPUBLISHED:
            return CommentStatus.rejected
        return CommentStatus.removed if current is CommentStatus.visible else None
    if action is Action.remove:
        return CommentStatus.removed if current in _TAKES_BACK else None
    if current in (CommentStatus.removed, CommentStatus.rejected):
        return before if before in _TAKES_BACK else CommentStatus.visible
    if current is CommentStatus.visible and before in _UNPUBLISHED:
        return before  # an approval taken back: the comment waits again
    return None


def needs_reason(action: Action) -> bool:
    return action in (Action.reject, Action.remove)
