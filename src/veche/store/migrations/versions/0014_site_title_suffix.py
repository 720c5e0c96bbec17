"""A site's title suffix: the site's name as its pages end their titles with.

Revision ID: 0014
Revises: 0013

`sites.title_suffix` is set by `veche site update --title-suffix`, or learned when two
stories of the site arrive with the same " — Name" ending (domain/titles.py). NULL: none
known yet; story titles are then only checked against the site's name.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("sites") as batch:
        batch.add_column(sa.Column("title_suffix", sa.String(120), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("sites") as batch:
        batch.drop_column("title_suffix")
