"""Reactions, their count and the top order's key on comments, and the two sort indexes.

Revision ID: 0013
Revises: 0012

`reactions` holds one row per reader and comment (the primary key makes a second one
impossible, also from two requests at once). `comments.reactions` counts them and
`comments.score` is the top order's key (domain.ranking.top_score); existing comments have
no reactions, so their key is their age bonus, computed here once. `ix_comments_story_top`
and `ix_comments_story_replies` page top-level comments by (score, id) and (child_count, id).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from veche.domain.ranking import top_score
from veche.store.models import UTCDateTime

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

BATCH = 1000


def upgrade() -> None:
    with op.batch_alter_table("comments") as batch:
        batch.add_column(sa.Column("reactions", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("score", sa.BigInteger(), nullable=False, server_default="0"))
    _backfill_scores()
    op.create_index("ix_comments_story_top", "comments", ["story_id", "depth", "score", "id"])
    op.create_index(
        "ix_comments_story_replies", "comments", ["story_id", "depth", "child_count", "id"]
    )
    op.create_table(
        "reactions",
        sa.Column(
            "comment_id",
            sa.Integer(),
            sa.ForeignKey("comments.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column(
            "user_id",
            sa.Integer(),
            sa.ForeignKey("users.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_reactions_user_comment", "reactions", ["user_id", "comment_id"])


def _backfill_scores() -> None:
    """Each comment's key from its creation time, in batches by id (the models' UTCDateTime
    reads SQLite's and PostgreSQL's timestamps alike)."""
    conn = op.get_bind()
    comments = sa.table(
        "comments",
        sa.column("id", sa.Integer()),
        sa.column("created_at", UTCDateTime()),
        sa.column("score", sa.BigInteger()),
    )
    last = 0
    while True:
        rows = conn.execute(
            sa.select(comments.c.id, comments.c.created_at)
            .where(comments.c.id > last)
            .order_by(comments.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            return
        conn.execute(
            sa.update(comments)
            .where(comments.c.id == sa.bindparam("b_id"))
            .values(score=sa.bindparam("b_score")),
            [{"b_id": i, "b_score": top_score(0, at)} for i, at in rows],
        )
        last = rows[-1][0]


def downgrade() -> None:
    op.drop_index("ix_reactions_user_comment", table_name="reactions")
    op.drop_table("reactions")
    op.drop_index("ix_comments_story_replies", table_name="comments")
    op.drop_index("ix_comments_story_top", table_name="comments")
    with op.batch_alter_table("comments") as batch:
        batch.drop_column("score")
        batch.drop_column("reactions")
