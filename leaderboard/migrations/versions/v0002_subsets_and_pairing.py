"""Subset results (a run with --limit), a suite's second breakdown, and reworded questions' ids.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("results") as batch:
        batch.add_column(sa.Column("question_limit", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("by_category", sa.JSON(), nullable=True))
    with op.batch_alter_table("sample_verdicts") as batch:
        batch.add_column(sa.Column("original_id", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("sample_verdicts") as batch:
        batch.drop_column("original_id")
    with op.batch_alter_table("results") as batch:
        batch.drop_column("by_category")
        batch.drop_column("question_limit")
