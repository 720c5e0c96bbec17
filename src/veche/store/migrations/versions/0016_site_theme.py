"""A site's theme: the CSS custom properties its pages and embeds are shown with.

Revision ID: 0016
Revises: 0014

`sites.theme` holds domain.theme.ThemeSettings as stored (only what the site set), set by
`veche site update --theme-…` and served as /sites/{name}/theme.css. Empty: veche.css's own.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("sites") as batch:
        batch.add_column(sa.Column("theme", sa.JSON(), nullable=False, server_default="{}"))


def downgrade() -> None:
    with op.batch_alter_table("sites") as batch:
        batch.drop_column("theme")
