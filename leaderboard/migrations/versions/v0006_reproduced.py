"""The "reproduced" trust tier: a flag and the reproduction report on each submission.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("submissions") as batch:
        batch.add_column(
            sa.Column("reproduced", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch.add_column(sa.Column("reproduction", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("submissions") as batch:
        batch.drop_column("reproduction")
        batch.drop_column("reproduced")
