"""Pairing two runs on the questions they share: the paired EX drop behind ``harness compare``.

Two runs share questions when they ran on the same suite and split (paired by ``question_id``),
or when one suite rewords the other (``Suite.derived_from``: Spider-Syn and Spider-Realistic
reword Spider dev), paired by the ``original_id`` each reworded sample carries, or when both
reword the same split. Only questions scorable in both runs count. The drop is EX(A) − EX(B) on
those questions, with the exact paired bootstrap interval and the exact McNemar test.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from harness.errors import ConfigError, DataError
from harness.evaluation.paired import (
    Comparison,
    checked_verdicts,
    compare_verdicts,
    paired_bootstrap_ci,
)

QUESTION_ID, ORIGINAL_ID = "question_id", "original_id"


def origin(suite: str, split: str) -> tuple[str, str] | None:
    """The (suite, split) that ``suite``/``split`` rewords, or None."""
    from harness.suite import SUITES

    try:
        cls = SUITES.get(suite)
    except Exception:  # noqa: BLE001 - an unknown or broken plugin rewords nothing we know
        return None
    derived = getattr(cls, "derived_from", None)
    return derived if derived and split == cls.default_split else None


def pairing_keys(a: tuple[str, str], b: tuple[str, str]) -> tuple[str, str]:
    """Which sample field keys run A's and run B's questions so that they pair.

    >>> pairing_keys(("spider", "dev"), ("spider-syn", "dev"))
    ('question_id', 'original_id')
    >>> pairing_keys(("spider-realistic", "dev"), ("spider-syn", "dev"))
    ('original_id', 'original_id')
    """
    if a == b:
        return QUESTION_ID, QUESTION_ID
    from_a, from_b = origin(*a), origin(*b)
    if from_b == a:
        return QUESTION_ID, ORIGINAL_ID
    if from_a == b:
        return ORIGINAL_ID, QUESTION_ID
    if from_a is not None and from_a == from_b:
        return ORIGINAL_ID, ORIGINAL_ID
    raise ConfigError(
        f"{'/'.join(a)} and {'/'.join(b)} share no questions: compare two runs of the same "
        "split, or a run of Spider dev with one of a set that rewords it (spider-syn, "
        "spider-realistic)."
    )


def keyed_verdicts(samples: Sequence[Mapping], key: str, label: str) -> dict[int, bool]:
    """key → correct for the scorable samples (a reworded question with no source is left out);
    a key given twice or a verdict that is not true/false is refused (checked_verdicts)."""
    pairs = []
    for s in samples:
        if str(s.get("reason", "")).startswith("unscorable:"):
            continue
        if key not in s:
            if key == ORIGINAL_ID:
                raise DataError(
                    f"{label}'s samples do not say which original question each one rewords "
                    "(no original_id): it was scored by an older harness. Re-score it with "
                    "`harness eval` to pair it."
                )
            raise DataError(f"{label}'s samples lack {key}.")
        if s[key] is not None:
            pairs.append((s[key], s.get("correct")))
    return checked_verdicts(pairs, key, f"{label}'s samples")


@dataclass
class PairedReport:
    """EX of A and B on their shared questions and the paired statistics of the difference."""

    a: str  # "suite/split"
    b: str
    keys: tuple[str, str]
    comparison: Comparison

    @property
    def n(self) -> int:
        return self.comparison.n

    @property
    def ex_a(self) -> float | None:
        c = self.comparison
        return (len(c.both_right) + len(c.only_a)) / c.n if c.n else None

    @property
    def ex_b(self) -> float | None:
        c = self.comparison
        return (len(c.both_right) + len(c.only_b)) / c.n if c.n else None

    @property
    def drop(self) -> float | None:
        """EX(A) − EX(B) on the shared questions (positive: B is harder)."""
        c = self.comparison
        return (len(c.only_a) - len(c.only_b)) / c.n if c.n else None

    @property
    def drop_ci95(self) -> tuple[float, float] | None:
        c = self.comparison
        return paired_bootstrap_ci(len(c.only_a), len(c.only_b), c.n)

    @property
    def p_value(self) -> float:
        return self.comparison.p_value

    def to_json(self) -> dict:
        c = self.comparison
        ci = self.drop_ci95
        return {
            "a": self.a,
            "b": self.b,
            "paired_on": {"a": self.keys[0], "b": self.keys[1]},
            "shared": c.n,
            "ex_a": _round(self.ex_a),
            "ex_b": _round(self.ex_b),
            "drop": _round(self.drop),
            "drop_ci95": list(ci) if ci else None,
            "mcnemar_p": round(self.p_value, 6),
            "only_a_right": len(c.only_a),
            "only_b_right": len(c.only_b),
            "both_right": len(c.both_right),
            "both_wrong": len(c.both_wrong),
            "only_in_a": len(c.only_in_a),
            "only_in_b": len(c.only_in_b),
        }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 6)


def paired_report(
    a: tuple[str, str], samples_a: Sequence[Mapping], b: tuple[str, str],
    samples_b: Sequence[Mapping],
) -> PairedReport:
    """Pair run A ((suite, split) and its samples) with run B's on their shared questions."""
    keys = pairing_keys(a, b)
    label_a, label_b = "/".join(a), "/".join(b)
    comparison = compare_verdicts(
        keyed_verdicts(samples_a, keys[0], f"run A ({label_a})"),
        keyed_verdicts(samples_b, keys[1], f"run B ({label_b})"),
    )
    if comparison.n == 0:
        raise DataError(
            f"Runs A ({label_a}) and B ({label_b}) have no scorable question in common "
            f"({len(comparison.only_in_a)} only in A, {len(comparison.only_in_b)} only in B)."
        )
    return PairedReport(label_a, label_b, keys, comparison)
