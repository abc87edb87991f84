"""EX on the questions with no gold flag, and its denominator, on each result.

``results.dataset_version`` already holds the data release a result was scored on.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("results") as batch:
        batch.add_column(sa.Column("clean_ex", sa.Float(), nullable=True))
        batch.add_column(sa.Column("n_clean", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("results") as batch:
        batch.drop_column("n_clean")
        batch.drop_column("clean_ex")
