"""Lookups and writes of the import tables (store/import_models.py), inside the loader's
per-thread transaction."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from veche.store.import_models import ImportedCommentRef, ImportedStoryRef, ImportIdentity
from veche.store.models import User


def identity_user(s: Session, source: str, external_id: str) -> int | None:
    return s.scalar(
        select(ImportIdentity.user_id).where(
            ImportIdentity.source == source, ImportIdentity.external_id == external_id
        )
    )


def handle_taken(s: Session, handle_key: str) -> bool:
    return s.scalar(select(User.id).where(User.handle_key == handle_key)) is not None


def story_ref(s: Session, source: str, external_id: str) -> int | None:
    return s.scalar(
        select(ImportedStoryRef.story_id).where(
            ImportedStoryRef.source == source, ImportedStoryRef.external_id == external_id
        )
    )


def add_story_ref(s: Session, source: str, external_id: str, story_id: int) -> None:
    s.add(ImportedStoryRef(source=source, external_id=external_id, story_id=story_id))


def comment_refs(s: Session, source: str, story_id: int) -> dict[str, ImportedCommentRef]:
    """Every comment this source imported into the story, by its id there."""
    rows = s.scalars(
        select(ImportedCommentRef).where(
            ImportedCommentRef.source == source, ImportedCommentRef.story_id == story_id
        )
    )
    return {row.external_id: row for row in rows}
