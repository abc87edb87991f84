"""The leaderboard's tables, declared once; ``leaderboard/migrations`` creates them.

Every change here needs a new Alembic revision (``tests/test_store.py`` checks that the
migrations build exactly these tables).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

VERSION_TABLE = "harness_leaderboard_version"


class Base(DeclarativeBase):
    metadata = MetaData(
        naming_convention={
            "pk": "pk_%(table_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s",
            "uq": "uq_%(table_name)s_%(column_0_N_name)s",
            "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        }
    )


class Submission(Base):
    __tablename__ = "submissions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16))  # "verified" | "reported"
    verified: Mapped[bool] = mapped_column(Boolean)  # re-executed and re-scored by the harness
    flagged: Mapped[bool] = mapped_column(Boolean, default=False)  # claims differ from ours
    flags: Mapped[list | None] = mapped_column(JSON)  # why, one sentence each
    method: Mapped[str | None] = mapped_column(String(200))
    base_model: Mapped[str | None] = mapped_column(String(200))
    params_b: Mapped[float | None] = mapped_column(Float)  # parameters, billions
    size_bucket: Mapped[str] = mapped_column(String(16))  # see SIZE_BUCKETS
    decoding: Mapped[str | None] = mapped_column(String(100))  # greedy, maj@8, vav@30 …
    # The decoding as fields (leaderboard.decoding): strategy, samples, temperature, extra models.
    decoding_strategy: Mapped[str | None] = mapped_column(String(20))
    decoding_n: Mapped[int | None] = mapped_column(Integer)
    decoding_temperature: Mapped[float | None] = mapped_column(Float)
    decoding_extra_models: Mapped[str | None] = mapped_column(String(200))
    review: Mapped[str] = mapped_column(String(16), default="public")  # public|pending|hidden
    published: Mapped[str | None] = mapped_column(String(20))  # a reported row's date, YYYY-MM
    source_kind: Mapped[str | None] = mapped_column(String(16))  # primary | second-hand
    training_data: Mapped[str | None] = mapped_column(Text)
    hardware: Mapped[str | None] = mapped_column(String(200))
    backend: Mapped[str | None] = mapped_column(String(100))
    s_per_sample: Mapped[float | None] = mapped_column(Float)  # throughput mode, as reported
    p50_s: Mapped[float | None] = mapped_column(Float)
    p95_s: Mapped[float | None] = mapped_column(Float)
    tokens_per_s: Mapped[float | None] = mapped_column(Float)
    latency: Mapped[dict | None] = mapped_column(JSON)  # the run's whole latency block
    method_info: Mapped[dict | None] = mapped_column(JSON)  # the run's whole method block
    link: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str | None] = mapped_column(Text)  # where a reported number was published
    harness_version: Mapped[str | None] = mapped_column(String(50))  # the run's
    git_commit: Mapped[str | None] = mapped_column(String(64))  # the run's
    verifier_version: Mapped[str | None] = mapped_column(String(50))  # ours, when re-scored
    data_hashes: Mapped[dict | None] = mapped_column(JSON)  # "suite/split" -> {run, verified}
    claimed_metrics: Mapped[dict | None] = mapped_column(JSON)  # "suite/split" -> metrics
    recomputed_metrics: Mapped[dict | None] = mapped_column(JSON)  # "suite/split" -> metrics
    created: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # One seed of a `harness run --seeds` run: the seeds of a run share seed_group, and the
    # board shows them as one row (mean ± spread) with the per-seed rows on demand.
    seed_group: Mapped[str | None] = mapped_column(String(64), index=True)
    seed: Mapped[int | None] = mapped_column(Integer)
    # Trust tier above "verified": a maintainer re-ran the generation (`harness reproduce`) and
    # got the stored predictions back; the reproduce.json report is kept whole.
    reproduced: Mapped[bool] = mapped_column(Boolean, default=False)
    reproduction: Mapped[dict | None] = mapped_column(JSON)


class Result(Base):
    __tablename__ = "results"
    __table_args__ = (UniqueConstraint("submission_id", "suite", "split"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    submission_id: Mapped[int] = mapped_column(
        ForeignKey("submissions.id", ondelete="CASCADE"), index=True
    )
    suite: Mapped[str] = mapped_column(String(50))
    split: Mapped[str] = mapped_column(String(50))
    rule: Mapped[str | None] = mapped_column(String(50))
    n_total: Mapped[int | None] = mapped_column(Integer)
    n_scored: Mapped[int | None] = mapped_column(Integer)
    n_correct: Mapped[int | None] = mapped_column(Integer)
    ex: Mapped[float | None] = mapped_column(Float)  # a fraction, over scored examples
    ex_ci_low: Mapped[float | None] = mapped_column(Float)
    ex_ci_high: Mapped[float | None] = mapped_column(Float)
    ex_over_total: Mapped[float | None] = mapped_column(Float)
    strict_ex: Mapped[float | None] = mapped_column(Float)
    by_difficulty: Mapped[dict | None] = mapped_column(JSON)  # level -> {n, correct, ex, ex_ci95}
    by_category: Mapped[dict | None] = mapped_column(JSON)  # e.g. Spider-DK's knowledge type
    # A run made with --limit N: its first N questions only. Shown apart, never ranked.
    question_limit: Mapped[int | None] = mapped_column(Integer)
    s_per_sample: Mapped[float | None] = mapped_column(Float)
    claimed_ex: Mapped[float | None] = mapped_column(Float)
    source: Mapped[str | None] = mapped_column(Text)
    note: Mapped[str | None] = mapped_column(Text)
    metric: Mapped[str] = mapped_column(String(16), default="EX")  # EX | TS | EM (see METRICS)
    dataset_version: Mapped[str | None] = mapped_column(String(50))
    # Share of predictions whose normalised text equals the gold SQL (verified results only).
    gold_copy_share: Mapped[float | None] = mapped_column(Float)
    # EX on the questions with no gold flag (metrics.clean) and how many they are; the data
    # release the result was scored on is dataset_version.
    clean_ex: Mapped[float | None] = mapped_column(Float)
    n_clean: Mapped[int | None] = mapped_column(Integer)


class SampleVerdict(Base):
    __tablename__ = "sample_verdicts"
    __table_args__ = (UniqueConstraint("result_id", "question_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    result_id: Mapped[int] = mapped_column(ForeignKey("results.id", ondelete="CASCADE"))
    question_id: Mapped[int] = mapped_column(Integer)
    db_id: Mapped[str] = mapped_column(String(200))
    difficulty: Mapped[str | None] = mapped_column(String(50))
    # The question this one rewords in the suite it derives from (Spider-Syn → Spider dev).
    original_id: Mapped[int | None] = mapped_column(Integer)
    question: Mapped[str | None] = mapped_column(Text)
    evidence: Mapped[str | None] = mapped_column(Text)
    correct: Mapped[bool] = mapped_column(Boolean)
    strict_correct: Mapped[bool | None] = mapped_column(Boolean)
    reason: Mapped[str] = mapped_column(Text)
    pred_sql: Mapped[str | None] = mapped_column(Text)
    gold_sql: Mapped[str | None] = mapped_column(Text)
    pred_rows: Mapped[int | None] = mapped_column(Integer)
    gold_rows: Mapped[int | None] = mapped_column(Integer)
    pred_preview: Mapped[list | None] = mapped_column(JSON)
    gold_preview: Mapped[list | None] = mapped_column(JSON)
    exec_ms: Mapped[float | None] = mapped_column(Float)
    gold_exec_ms: Mapped[float | None] = mapped_column(Float)
    latency_s: Mapped[float | None] = mapped_column(Float)  # generation, as the run recorded it


class Provenance(Base):
    __tablename__ = "provenance"

    result_id: Mapped[int] = mapped_column(
        ForeignKey("results.id", ondelete="CASCADE"), primary_key=True
    )
    claimed_results: Mapped[dict | None] = mapped_column(JSON)  # results.json as submitted
    verified_results: Mapped[dict | None] = mapped_column(JSON)  # results.json of our re-scoring
