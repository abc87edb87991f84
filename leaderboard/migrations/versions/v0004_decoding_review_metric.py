"""Decoding as fields, moderation, published rows' metric and sources, the gold-copy share.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("submissions") as batch:
        batch.add_column(sa.Column("decoding_strategy", sa.String(20), nullable=True))
        batch.add_column(sa.Column("decoding_n", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("decoding_temperature", sa.Float(), nullable=True))
        batch.add_column(sa.Column("decoding_extra_models", sa.String(200), nullable=True))
        batch.add_column(
            sa.Column("review", sa.String(16), nullable=False, server_default="public")
        )
        batch.add_column(sa.Column("published", sa.String(20), nullable=True))
        batch.add_column(sa.Column("source_kind", sa.String(16), nullable=True))
    with op.batch_alter_table("results") as batch:
        batch.add_column(sa.Column("metric", sa.String(16), nullable=False, server_default="EX"))
        batch.add_column(sa.Column("dataset_version", sa.String(50), nullable=True))
        batch.add_column(sa.Column("gold_copy_share", sa.Float(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("results") as batch:
        for column in ("gold_copy_share", "dataset_version", "metric"):
            batch.drop_column(column)
    with op.batch_alter_table("submissions") as batch:
        for column in ("source_kind", "published", "review", "decoding_extra_models",
                       "decoding_temperature", "decoding_n", "decoding_strategy"):
            batch.drop_column(column)
