"""Imports: import-only identities of foreign authors, and the source ids of imported
stories and comments.

Revision ID: 0015
Revises: 0014

`import_identities` keys a foreign author by (source, external id) to a user who cannot sign
in (no password, no e-mail; the source's address stays on this row). `import_stories` and
`import_comments` map a source's ids to what they became, with a digest of the comment as
last imported, so a re-run duplicates nothing and applies only the source's changes.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "import_identities",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("source", sa.String(40), nullable=False),
        sa.Column("external_id", sa.String(255), nullable=False),
        sa.Column(
            "user_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("name", sa.String(255), nullable=True),
        sa.Column("email", sa.String(254), nullable=True),
        sa.Column("url", sa.String(2048), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index(
        "ix_import_identities_key", "import_identities", ["source", "external_id"], unique=True
    )
    op.create_index("ix_import_identities_user", "import_identities", ["user_id"])
    op.create_table(
        "import_stories",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("source", sa.String(40), nullable=False),
        sa.Column("external_id", sa.String(2048), nullable=False),
        sa.Column(
            "story_id",
            sa.Integer(),
            sa.ForeignKey("stories.id", ondelete="CASCADE"),
            nullable=False,
        ),
    )
    op.create_index(
        "ix_import_stories_key", "import_stories", ["source", "external_id"], unique=True
    )
    op.create_index("ix_import_stories_story", "import_stories", ["story_id"])
    op.create_table(
        "import_comments",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("source", sa.String(40), nullable=False),
        sa.Column(
            "story_id",
            sa.Integer(),
            sa.ForeignKey("stories.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("external_id", sa.String(255), nullable=False),
        sa.Column(
            "comment_id",
            sa.Integer(),
            sa.ForeignKey("comments.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("body_digest", sa.String(32), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
    )
    op.create_index(
        "ix_import_comments_key",
        "import_comments",
        ["source", "story_id", "external_id"],
        unique=True,
    )
    op.create_index("ix_import_comments_comment", "import_comments", ["comment_id"])


def downgrade() -> None:
    op.drop_table("import_comments")
    op.drop_table("import_stories")
    op.drop_table("import_identities")
