"""Aggregate metrics: execution accuracy with bootstrap intervals, Soft-F1, R-VES.

EX is reported over the *scorable* examples (those whose database exists), with the number left
out beside it; ``ex_over_total`` counts unscorable examples as wrong, as a run of the official
script on the full split would (if it did not crash on the missing database).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from typing import TYPE_CHECKING

from harness.evaluation.records import CandidatesInfo, CleanEX, Counts, Metrics
from harness.evaluation.voting import pass_at_k

if TYPE_CHECKING:
    from harness.evaluation.scorer import ScoredSample


def _log_binom_pmf(k: int, n: int, p: float) -> float:
    if p <= 0.0:
        return 0.0 if k == 0 else -math.inf
    if p >= 1.0:
        return 0.0 if k == n else -math.inf
    return (
        math.lgamma(n + 1)
        - math.lgamma(k + 1)
        - math.lgamma(n - k + 1)
        + k * math.log(p)
        + (n - k) * math.log1p(-p)
    )


def bootstrap_ci(correct: int, n: int, level: float = 0.95) -> tuple[float, float] | None:
    """The percentile bootstrap interval of a proportion, computed exactly.

    Resampling n outcomes of which ``correct`` are 1 gives a count that is exactly
    Binomial(n, correct/n), so the bootstrap distribution's quantiles come from the binomial
    CDF instead of from random resamples: no seed, no Monte-Carlo noise.

    >>> bootstrap_ci(50, 100)
    (0.4, 0.6)
    >>> bootstrap_ci(100, 100)
    (1.0, 1.0)
    >>> bootstrap_ci(0, 0) is None
    True
    """
    if n == 0:
        return None
    p = correct / n
    lo_q, hi_q = (1 - level) / 2, 1 - (1 - level) / 2
    cdf, lo, hi = 0.0, None, None
    for k in range(n + 1):
        cdf += math.exp(_log_binom_pmf(k, n, p))
        if lo is None and cdf >= lo_q - 1e-12:
            lo = k
        if cdf >= hi_q - 1e-12:
            hi = k
            break
    lo, hi = (0 if lo is None else lo), (n if hi is None else hi)
    return (round(lo / n, 6), round(hi / n, 6))


def accuracy_block(outcomes: Sequence[bool]) -> dict:
    """{n, correct, ex, ex_ci95} for a list of 0/1 outcomes."""
    n, correct = len(outcomes), sum(bool(o) for o in outcomes)
    ci = bootstrap_ci(correct, n)
    return {
        "n": n,
        "correct": correct,
        "ex": round(correct / n, 6) if n else None,
        "ex_ci95": list(ci) if ci else None,
    }


def summarize(
    samples: Sequence[ScoredSample], levels: tuple[str, ...] = ()
) -> tuple[Counts, dict[str, int], Metrics]:
    """(counts, unscorable reason -> examples, metrics) for a list of scored samples."""
    scored = [s for s in samples if s.verdict.scorable]
    reasons = Counter(s.verdict.reason for s in samples)
    counts = Counts(
        total=len(samples),
        scored=len(scored),
        correct=sum(s.verdict.correct for s in scored),
        unscorable=len(samples) - len(scored),
        missing_predictions=reasons.get("missing_prediction", 0),
        gold_errors=sum(n for r, n in reasons.items() if r.startswith("gold_")),
        quirk_decided=sum(n for r, n in reasons.items() if r.startswith("quirk:")),
    )
    unscorable = {
        r.removeprefix("unscorable:"): n for r, n in reasons.items() if r.startswith("unscorable:")
    }
    overall = accuracy_block([s.verdict.correct for s in scored])
    metrics = Metrics(
        ex=overall["ex"],
        ex_ci95=overall["ex_ci95"],
        ex_over_total=round(counts.correct / len(samples), 6) if samples else None,
        by_difficulty=_blocks(scored, lambda e: e.difficulty or "unlabelled", levels),
        by_category=_blocks(scored, lambda e: e.category, sort=True) or None,
    )
    strict = [s.verdict.strict_correct for s in scored if s.verdict.strict_correct is not None]
    if len(strict) == len(scored):
        metrics.strict_ex = accuracy_block(strict)["ex"]
    f1 = [s.soft_f1 for s in scored if s.soft_f1 is not None]
    if f1:
        metrics.soft_f1 = round(sum(f1) / len(scored), 6)
    voted = [s.selection["strategy"] for s in scored if s.selection]
    if voted:
        metrics.candidates = candidates_block([candidate_verdicts(s) for s in scored], voted[0])
    return counts, unscorable, metrics


def _blocks(scored, key, order: tuple[str, ...] = (), sort: bool = False) -> dict[str, dict]:
    """An accuracy block per group (``key`` of the example; None: left out): ``order`` first,
    then the others as met (or sorted)."""
    groups: dict[str, list[bool]] = {name: [] for name in order}
    for s in scored:
        name = key(s.example)
        if name is not None:
            groups.setdefault(name, []).append(s.verdict.correct)
    names = sorted(groups) if sort else list(groups)
    return {n: accuracy_block(groups[n]) for n in names if groups[n]}


def candidate_verdicts(sample: ScoredSample) -> list[bool]:
    """Each candidate's verdict for one question (none for a missing prediction)."""
    if sample.candidates is not None:
        return [c.verdict.correct for c in sample.candidates]
    return [] if sample.prediction is None else [sample.verdict.correct]


# -- BIRD Soft-F1 (mini_dev evaluation/evaluation_f1.py) --------------------------------------


def _row_match(pred_row: tuple, gold_row: tuple) -> tuple[float, float, float]:
    total = len(gold_row)
    matches = sum(1 for v in pred_row if v in gold_row)
    pred_only = len(pred_row) - matches
    gold_only = sum(1 for v in gold_row if v not in pred_row)
    return matches / total, pred_only / total, gold_only / total


def soft_f1(gold: list[tuple] | None, pred: list[tuple] | None) -> float:
    """BIRD Mini-Dev's Soft-F1 for one pair (0 when either query failed).

    Rows are de-duplicated keeping first-seen order, then paired *by position*: the official
    metric is lenient on column order but sensitive to row order.

    >>> soft_f1([(1, 'a'), (2, 'b')], [('a', 1), ('b', 2)])
    1.0
    >>> soft_f1([], [])
    1.0
    >>> round(soft_f1([(1, 'a')], [(1, 'x')]), 3)
    0.5
    """
    if gold is None or pred is None:
        return 0.0
    if not pred and not gold:
        return 1.0
    pred, gold = list(dict.fromkeys(pred)), list(dict.fromkeys(gold))
    tp = fp = fn = 0.0
    for i, gold_row in enumerate(gold):
        if i >= len(pred):
            fn += 1
            continue
        m, p_only, g_only = _row_match(pred[i], gold_row)
        tp, fp, fn = tp + m, fp + p_only, fn + g_only
    fp += max(0, len(pred) - len(gold))
    precision = tp / (tp + fp) if tp + fp > 0 else 0.0
    recall = tp / (tp + fn) if tp + fn > 0 else 0.0
    return 2 * precision * recall / (precision + recall) if precision + recall > 0 else 0.0


# -- BIRD R-VES (mini_dev evaluation/evaluation_ves.py) ---------------------------------------


def rves_reward(time_ratios: Sequence[float]) -> float:
    """The reward for one correct prediction from its gold_time/pred_time ratios.

    Ratios outside mean ± 3σ are dropped (``clean_abnormal``), the rest averaged, then bucketed.
    Its bounds are strict, so ratios that are all identical keep nothing: the official script then
    divides by zero and scores 0, and so do we.

    >>> rves_reward([2.4, 2.6]), rves_reward([0.9, 1.1]), rves_reward([0.3, 0.31]), rves_reward([])
    (1.25, 1, 0.5, 0)
    >>> rves_reward([1.0, 1.0])
    0
    """
    if not time_ratios:
        return 0
    import statistics  # only R-VES needs it; kept out of every evaluation's start-up

    mean, std = statistics.fmean(time_ratios), statistics.pstdev(time_ratios)
    kept = [r for r in time_ratios if mean - 3 * std < r < mean + 3 * std]
    ratio = sum(kept) / len(kept) if kept else 0
    if ratio == 0:
        return 0
    if ratio >= 2:
        return 1.25
    if ratio >= 1:
        return 1
    if ratio >= 0.5:
        return 0.75
    if ratio >= 0.25:
        return 0.5
    return 0.25


def rves(rewards: Sequence[float]) -> float | None:
    """R-VES = mean(√reward) × 100 over all examples (incorrect ones have reward 0)."""
    if not rewards:
        return None
    return round(sum(math.sqrt(r) for r in rewards) * 100 / len(rewards), 4)


def pass_at_k_ks(n: int) -> list[int]:
    """The k of a pass@k curve over n candidates: 1, 2, 4, … up to n, and n itself.

    >>> pass_at_k_ks(30)
    [1, 2, 4, 8, 16, 30]
    """
    ks = [1 << i for i in range(n.bit_length()) if 1 << i <= n]
    return ks + [n] if n and ks[-1] != n else ks


def candidates_block(per_question: Sequence[Sequence[bool]], vote: str) -> CandidatesInfo:
    """Several candidates per question: n, the voting rule, the pass@k curve and recall@n.

    ``per_question`` holds each scored question's candidate verdicts, in candidate order (an
    empty list for a question without any, which counts as wrong at every k). pass@k is the
    unbiased estimator of Chen et al. (2021), averaged over questions, for k up to the smallest
    number of candidates a question has (``n_min``); recall@n is the share of questions with at
    least one correct candidate, however many they have.

    >>> block = candidates_block([[True, False], [False, False]], "majority")
    >>> block.pass_at_k, block.recall_at_n
    ({'1': 0.25, '2': 0.5}, 0.5)
    """
    sizes = [len(c) for c in per_question if c]
    n_min = min(sizes, default=0)
    total = len(per_question)
    curve = {
        str(k): round(sum(pass_at_k(c, k) for c in per_question if c) / total, 6)
        for k in pass_at_k_ks(n_min)
    }
    return CandidatesInfo(
        n=max(sizes, default=0),
        n_min=n_min,
        vote=vote,
        candidates=sum(sizes),
        pass_at_k=curve,
        recall_at_n=round(sum(any(c) for c in per_question) / total, 6) if total else None,
    )


def clean_block(scored: Sequence[ScoredSample], ties: dict[int, bool | None] | None = None
                ) -> CleanEX:
    """EX on the scored samples whose ``extra["gold_flags"]`` is empty, beside EX on all.

    ``ties``: for each question flagged ``limit_tie`` in its outermost query, whether the
    prediction returned another of the tied rows (None: the prediction was right).
    """
    clean = [s for s in scored if not s.extra.get("gold_flags")]
    correct = sum(s.verdict.correct for s in clean)
    all_correct = sum(s.verdict.correct for s in scored)
    ex = round(correct / len(clean), 6) if clean else None
    ex_all = round(all_correct / len(scored), 6) if scored else None
    by_flag: Counter[str] = Counter()
    for s in scored:
        by_flag.update({f.get("category", "?") for f in s.extra.get("gold_flags", [])})
    block = CleanEX(
        ex=ex, scored=len(clean), correct=correct, ex_all=ex_all, scored_all=len(scored),
        difference=None if ex is None or ex_all is None else round(ex - ex_all, 6),
        flagged=len(scored) - len(clean), by_flag=dict(sorted(by_flag.items())),
    )
    if ties:
        wrong = [other for other in ties.values() if other is not None]
        block.ties = {"flagged": len(ties), "wrong": len(wrong),
                      "returned_another_tied_row": sum(wrong)}
    return block
