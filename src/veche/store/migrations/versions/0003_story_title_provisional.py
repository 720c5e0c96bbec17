"""Story titles sent by a reader's browser stay provisional until the publisher confirms.

Revision ID: 0003
Revises: 0002

Stories veche hosts (with an article body) were made by the publisher: confirmed. Stories
first seen through an embed were titled by whichever browser loaded them first: provisional.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
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
