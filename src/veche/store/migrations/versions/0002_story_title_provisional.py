"""Story titles sent by a reader's browser stay provisional until the publisher confirms.

Revision ID: 0002_story_title_provisional
Revises: 0001

Stories veche hosts (with an article body) were made by the publisher: confirmed. Stories
first seen through an embed were titled by whichever browser loaded them first: provisional.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_story_title_provisional"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("stories") as batch:
        batch.add_column(
            sa.Column("title_confirmed", sa.Boolean(), server_default=sa.true(), nullable=False)
        )
    op.execute("UPDATE stories SET title_confirmed = false WHERE body_html IS NULL")


def downgrade() -> None:
    with op.batch_alter_table("stories") as batch:
        batch.drop_column("title_confirmed")
