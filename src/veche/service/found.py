"""Lookups every use case starts with, each a clear 404 when the row is not there."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy.orm import Session

from veche.domain.errors import NotFound
from veche.i18n import gettext as _
from veche.service import policy
from veche.store import comments as store
from veche.store import threads
from veche.store.models import Comment, Event, Story


def last_seq(events: Iterable[Event]) -> int:
    return max((e.seq for e in events), default=0)


def refuse(refusal: policy.Refusal | None) -> None:
    if refusal is not None:
        raise refusal.exception()


def story_of(s: Session, story_id: int) -> Story:
    story = s.get(Story, story_id)
    if story is None:
        raise NotFound(_("There is no such story."))
    return story


def comment_of(s: Session, comment_id: int) -> Comment:
    comment = threads.get(s, comment_id)
    if comment is None:
        raise NotFound(_("There is no such comment."))
    return comment


def for_write(s: Session, comment_id: int) -> Comment:
    comment = store.get_for_write(s, comment_id)
    if comment is None:
        raise NotFound(_("There is no such comment."))
    return comment
