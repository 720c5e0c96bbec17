"""Three languages: a site's default language, and a reader's language and time zone.

Revision ID: 0018
Revises: 0014

`sites.language` is set by `veche site update --language`; `users.language` and
`users.time_zone` on the account page or through /api/v1/me (NULL: not chosen, so the
browser's Accept-Language and zone apply). veche/i18n.py has the rule.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("sites") as batch:
        batch.add_column(sa.Column("language", sa.String(8), nullable=False, server_default="en"))
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("language", sa.String(8), nullable=True))
        batch.add_column(sa.Column("time_zone", sa.String(64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.drop_column("time_zone")
        batch.drop_column("language")
    with op.batch_alter_table("sites") as batch:
        batch.drop_column("language")
