"""The initial leaderboard schema: submissions, results, sample_verdicts, provenance.

Revision ID: 0001
Revises:
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "submissions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("verified", sa.Boolean(), nullable=False),
        sa.Column("flagged", sa.Boolean(), nullable=False),
        sa.Column("flags", sa.JSON(), nullable=True),
        sa.Column("method", sa.String(200), nullable=True),
        sa.Column("base_model", sa.String(200), nullable=True),
        sa.Column("params_b", sa.Float(), nullable=True),
        sa.Column("size_bucket", sa.String(16), nullable=False),
        sa.Column("decoding", sa.String(100), nullable=True),
        sa.Column("training_data", sa.Text(), nullable=True),
        sa.Column("hardware", sa.String(200), nullable=True),
        sa.Column("backend", sa.String(100), nullable=True),
        sa.Column("s_per_sample", sa.Float(), nullable=True),
        sa.Column("p50_s", sa.Float(), nullable=True),
        sa.Column("p95_s", sa.Float(), nullable=True),
        sa.Column("samples_per_s", sa.Float(), nullable=True),
        sa.Column("tokens_per_s", sa.Float(), nullable=True),
        sa.Column("latency", sa.JSON(), nullable=True),
        sa.Column("method_info", sa.JSON(), nullable=True),
        sa.Column("link", sa.Text(), nullable=True),
        sa.Column("source", sa.Text(), nullable=True),
        sa.Column("harness_version", sa.String(50), nullable=True),
        sa.Column("git_commit", sa.String(64), nullable=True),
        sa.Column("verifier_version", sa.String(50), nullable=True),
        sa.Column("data_hashes", sa.JSON(), nullable=True),
        sa.Column("claimed_metrics", sa.JSON(), nullable=True),
        sa.Column("recomputed_metrics", sa.JSON(), nullable=True),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_submissions"),
        sa.UniqueConstraint("fingerprint", name="uq_submissions_fingerprint"),
    )
    op.create_table(
        "results",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("submission_id", sa.Integer(), nullable=False),
        sa.Column("suite", sa.String(50), nullable=False),
        sa.Column("split", sa.String(50), nullable=False),
        sa.Column("rule", sa.String(50), nullable=True),
        sa.Column("n_total", sa.Integer(), nullable=True),
        sa.Column("n_scored", sa.Integer(), nullable=True),
        sa.Column("n_correct", sa.Integer(), nullable=True),
        sa.Column("ex", sa.Float(), nullable=True),
        sa.Column("ex_ci_low", sa.Float(), nullable=True),
        sa.Column("ex_ci_high", sa.Float(), nullable=True),
        sa.Column("ex_over_total", sa.Float(), nullable=True),
        sa.Column("strict_ex", sa.Float(), nullable=True),
        sa.Column("by_difficulty", sa.JSON(), nullable=True),
        sa.Column("s_per_sample", sa.Float(), nullable=True),
        sa.Column("claimed_ex", sa.Float(), nullable=True),
        sa.Column("source", sa.Text(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["submission_id"], ["submissions.id"],
            name="fk_results_submission_id", ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_results"),
        sa.UniqueConstraint(
            "submission_id", "suite", "split", name="uq_results_submission_id_suite_split"
        ),
    )
    op.create_index("ix_results_submission_id", "results", ["submission_id"])
    op.create_table(
        "sample_verdicts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("result_id", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.Integer(), nullable=False),
        sa.Column("db_id", sa.String(200), nullable=False),
        sa.Column("difficulty", sa.String(50), nullable=True),
        sa.Column("question", sa.Text(), nullable=True),
        sa.Column("evidence", sa.Text(), nullable=True),
        sa.Column("correct", sa.Boolean(), nullable=False),
        sa.Column("strict_correct", sa.Boolean(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("pred_sql", sa.Text(), nullable=True),
        sa.Column("gold_sql", sa.Text(), nullable=True),
        sa.Column("pred_rows", sa.Integer(), nullable=True),
        sa.Column("gold_rows", sa.Integer(), nullable=True),
        sa.Column("pred_preview", sa.JSON(), nullable=True),
        sa.Column("gold_preview", sa.JSON(), nullable=True),
        sa.Column("exec_ms", sa.Float(), nullable=True),
        sa.Column("gold_exec_ms", sa.Float(), nullable=True),
        sa.Column("latency_s", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(
            ["result_id"], ["results.id"], name="fk_sample_verdicts_result_id", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_sample_verdicts"),
        sa.UniqueConstraint(
            "result_id", "question_id", name="uq_sample_verdicts_result_id_question_id"
        ),
    )
    op.create_table(
        "provenance",
        sa.Column("result_id", sa.Integer(), nullable=False),
        sa.Column("claimed_results", sa.JSON(), nullable=True),
        sa.Column("verified_results", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(
            ["result_id"], ["results.id"], name="fk_provenance_result_id", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("result_id", name="pk_provenance"),
    )


def downgrade() -> None:
    op.drop_table("provenance")
    op.drop_table("sample_verdicts")
    op.drop_index("ix_results_submission_id", table_name="results")
    op.drop_table("results")
    op.drop_table("submissions")
