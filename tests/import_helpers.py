"""What an import wrote, read back by the source's own ids: the source parsers' end-to-end
tests compare it with what the parser read."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from click.testing import CliRunner, Result
from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from veche.cli.main import main
from veche.domain.enums import CommentStatus
from veche.importers.model import ImportedStatus, ImportSource
from veche.service.runtime import Runtime
from veche.store.import_models import ImportedCommentRef, ImportedStoryRef, ImportIdentity
from veche.store.models import Comment, Story, User

STATUS = {
    ImportedStatus.visible: CommentStatus.visible,
    ImportedStatus.pending: CommentStatus.pending,
    ImportedStatus.spam: CommentStatus.rejected,
    ImportedStatus.deleted: CommentStatus.deleted,
}


@dataclass(frozen=True)
class Row:
    """One comment as veche holds it, named by the source's ids."""

    story: str  # the source's thread id
    parent: str | None  # the source's id of its parent
    status: CommentStatus
    author: str | None  # the source's id of the author (None: a guest)
    name: str | None  # display name, or the guest's name
    created_at: dt.datetime


def written(rt: Runtime, source: str) -> dict[tuple[str, str], Row]:
    """Every comment `source` wrote, keyed by (thread id, comment id) there."""
    parent_ref = aliased(ImportedCommentRef)
    parent = aliased(Comment)
    with rt.db.session(write=False) as s:
        rows = s.execute(
            select(
                ImportedStoryRef.external_id, ImportedCommentRef.external_id,
                parent_ref.external_id, Comment.status, ImportIdentity.external_id,
                User.display_name, Comment.guest_name, Comment.created_at,
            )
            .join(Comment, Comment.id == ImportedCommentRef.comment_id)
            .join(ImportedStoryRef, (ImportedStoryRef.story_id == Comment.story_id)
                  & (ImportedStoryRef.source == source))
            .outerjoin(parent, parent.id == Comment.parent_id)
            .outerjoin(parent_ref, parent_ref.comment_id == parent.id)
            .outerjoin(User, User.id == Comment.author_id)
            .outerjoin(ImportIdentity, (ImportIdentity.user_id == User.id)
                       & (ImportIdentity.source == source))
            .where(ImportedCommentRef.source == source)
        ).all()  # fmt: skip
    return {
        (story, cid): Row(story, parent_id, status, author, name or guest, when)
        for story, cid, parent_id, status, author, name, guest, when in rows
    }


def parsed(source: ImportSource) -> dict[tuple[str, str], Row]:
    """What the parser read, in the same shape (the loader's own skips aside)."""
    out = {}
    for thread in source.threads():
        for c in thread.comments:
            out[thread.story.external_id, c.external_id] = Row(
                thread.story.external_id, c.parent_external_id, STATUS[c.status],
                c.author.external_id if c.author else None,
                c.author.name if c.author else c.guest_name, c.created_at,
            )  # fmt: skip
    return out


def counts(rt: Runtime) -> tuple[int, int, int]:
    """(stories, comments, users) in the whole database."""
    with rt.db.session(write=False) as s:
        return (
            s.scalar(select(func.count()).select_from(Story)) or 0,
            s.scalar(select(func.count()).select_from(Comment)) or 0,
            s.scalar(select(func.count()).select_from(User)) or 0,
        )


def run_import(cli: CliRunner, *args: str) -> Result:
    return cli.invoke(main, ["import", *args])
