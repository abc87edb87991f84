"""Submissions that are seeds of one run (``harness run --seeds``): their group and seed.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("submissions") as batch:
        batch.add_column(sa.Column("seed_group", sa.String(64), nullable=True))
        batch.add_column(sa.Column("seed", sa.Integer(), nullable=True))
        batch.create_index("ix_submissions_seed_group", ["seed_group"])


def downgrade() -> None:
    with op.batch_alter_table("submissions") as batch:
        batch.drop_index("ix_submissions_seed_group")
        batch.drop_column("seed")
        batch.drop_column("seed_group")
