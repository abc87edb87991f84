"""The one-screen summary printed at the end of ``harness eval`` and ``harness run``."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from rich.console import Console
from rich.table import Table

from harness.data.releases import UNRECOGNISED
from harness.evaluation.records import CandidatesInfo, CleanEX, RunRecord, as_json


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{100 * value:.2f}"


def _ci(ci: list[float] | None) -> str:
    return "—" if not ci else f"[{100 * ci[0]:.1f}, {100 * ci[1]:.1f}]"


def _reason_group(reason: str) -> str:
    """pred_error:no such column x → pred_error (a short tally key)."""
    return reason.split(":", 1)[0] if not reason.startswith("quirk:") else reason


def print_summary(record: RunRecord, samples, out: Path | None = None) -> None:
    """EX per level as a table, then one line per further figure (percentages, seconds)."""
    console = Console(highlight=False, soft_wrap=True)
    console.print(_accuracy_table(record))
    for note in _notes(record, samples, out):
        console.print(f"  {note}")


def _accuracy_table(record: RunRecord) -> Table:
    m, c = record.metrics, record.counts
    title = f"{record.suite} / {record.split} — rule {record.rule}"
    table = Table(title=title, title_justify="left")
    for col in ("", "n", "correct", "EX %", "95% CI"):
        table.add_column(col, justify="right" if col else "left")
    table.add_row("all (scored)", str(c.scored), str(c.correct), _pct(m.ex), _ci(m.ex_ci95))
    for level, block in m.by_difficulty.items():
        table.add_row(level, str(block["n"]), str(block["correct"]), _pct(block["ex"]),
                      _ci(block["ex_ci95"]))
    for category, block in (m.by_category or {}).items():
        table.add_row(f"type {category}", str(block["n"]), str(block["correct"]),
                      _pct(block["ex"]), _ci(block["ex_ci95"]))
    return table


def _notes(record: RunRecord, samples, out: Path | None) -> list[str]:
    m, c = record.metrics, record.counts
    notes = []
    if record.data.release:
        mark = ("" if record.data.release != UNRECOGNISED
                else " — [yellow]its files match no known release[/yellow]")
        notes.append(f"data release: {record.data.release}{mark}")
    if m.clean is not None:
        notes.extend(clean_notes(m.clean))
    if m.strict_ex is not None:
        notes.append(f"{record.rule}-strict EX {_pct(m.strict_ex)}%; "
                     f"{c.quirk_decided} verdicts decided by an evaluator quirk")
    if c.unscorable:
        why = "; ".join(f"{n} × {r}" for r, n in record.unscorable.items())
        notes.append(
            f"{c.unscorable} of {c.total} examples unscorable ({why}); "
            f"EX over all {c.total}: {_pct(m.ex_over_total)}%"
        )
    if c.missing_predictions:
        notes.append(f"{c.missing_predictions} questions had no prediction (counted wrong)")
    if c.gold_errors:
        notes.append(f"{c.gold_errors} gold queries failed (counted wrong; see samples.jsonl)")
    if m.candidates:
        notes.append(_candidates_note(m.candidates))
    if m.soft_f1 is not None:
        notes.append(f"Soft-F1 {_pct(m.soft_f1)}")
    if m.rves is not None:
        notes.append(f"R-VES {m.rves:.2f}")
    tally = Counter(
        _reason_group(s.verdict.reason)
        for s in samples
        if s.verdict.scorable and not s.verdict.correct
    )
    if tally:
        notes.append("wrong: " + ", ".join(f"{r} {n}" for r, n in tally.most_common(6)))
    notes.append(f"{record.timing.wall_s:.2f} s" + (f" — written to {out}" if out else ""))
    return notes


def clean_notes(clean: CleanEX) -> list[str]:
    """The two EX figures (official on all scored questions, and on those with no gold flag)
    with both denominators and the difference, then what the flags were."""
    diff = "—" if clean.difference is None else f"{100 * clean.difference:+.2f} points"
    lines = [f"EX on the {clean.scored} questions with no gold flag: {_pct(clean.ex)}% "
             f"({clean.correct} correct); official EX on all {clean.scored_all} scored: "
             f"{_pct(clean.ex_all)}%; difference {diff}"]
    if clean.flagged:
        kinds = ", ".join(f"{k} {n}" for k, n in clean.by_flag.items())
        lines.append(f"{clean.flagged} scored questions have a gold flag ({kinds}); flags never "
                     f"change a verdict (samples.jsonl gold_flags)")
    if clean.ties:
        t = clean.ties
        lines.append(f"ties at the LIMIT: {t['flagged']} questions, {t['wrong']} predictions "
                     f"wrong, {t['returned_another_tied_row']} of them returned another of the "
                     f"tied rows")
    return lines


def _candidates_note(block: CandidatesInfo) -> str:
    """One line for several candidates per question: the voting rule, pass@k, recall@n."""
    n = block.n if block.n == block.n_min else f"{block.n_min}–{block.n}"
    curve = ", ".join(f"@{k} {_pct(v)}" for k, v in block.pass_at_k.items())
    return (f"{block.candidates} candidates, n = {n} per question: EX above is the "
            f"{block.vote} vote's; pass{curve}; recall@n {_pct(block.recall_at_n)}%")


def unusable_golds_line(unusable: dict) -> str:
    """One line on the training golds the reward could not use (failing, timed out, over cap).

    >>> unusable_golds_line({"in_training_set": {"gold_error": 2}, "policy": "dropped",
    ...                      "at_reward_time": {}})
    'reward: 2 training golds unusable (gold_error 2): dropped; 0 graded against an unusable gold'
    """
    def tally(counts: dict) -> str:
        return ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))

    listed = unusable.get("in_training_set") or {}
    at_reward = unusable.get("at_reward_time") or {}
    line = f"reward: {sum(listed.values())} training golds unusable"
    if listed:
        line += f" ({tally(listed)})"
    line += f": {unusable.get('policy', '?')}; {sum(at_reward.values())} graded against an " \
            "unusable gold"
    return line + (f" ({tally(at_reward)})" if at_reward else "")


def print_run_extras(record: RunRecord) -> None:
    """What ``harness run`` adds: baseline, training, decoding, pass@N and latency."""
    console = Console(highlight=False, soft_wrap=True)
    base = record.baseline
    if base:
        console.print(
            f"  untrained model: EX {_pct(base.metrics.ex)}% "
            f"{_ci(base.metrics.ex_ci95)} → after training: {_pct(record.metrics.ex)}%"
        )
    training = record.training
    if training:
        reused = (training.wall_s or 0) > (training.this_run_s or 0) + 1
        dtype = (training.stats or {}).get("train_dtype")
        console.print(f"  training: {training.wall_s or 0:.0f} s on split "
                      f"{training.split}" + (f" in {dtype}" if dtype else "")
                      + f"; checkpoint {training.checkpoint}"
                      + (" (finished earlier, reused)" if reused else ""))
        unusable = training.unusable_golds
        if unusable:
            console.print("  " + unusable_golds_line(unusable))
    passes = record.metrics.pass_at_n
    line = f"  decoding: {record.decoding or '?'}"
    if passes:
        line += f"; pass@{passes.n} {_pct(passes.pass_at_n)}%"
    console.print(line)
    for line in generation_lines(record):
        console.print("  " + line)
    lat = as_json(record.latency) if record.latency else {}
    if lat.get("samples"):
        console.print("  " + latency_line(lat))
    elif lat.get("cached_samples"):
        console.print(f"  latency: all {lat['cached_samples']} samples served from the cache")


def generation_lines(record: RunRecord) -> list[str]:
    """Recipe, prompt format, both EX figures (upstream extractor, lenient), budget hits."""
    g = record.generation
    if g is None:
        return []
    fmt = g.prompt_format or {}
    lines = [f"recipe: {g.recipe or 'none'}; prompt format {fmt.get('name')} "
             f"v{fmt.get('version')} (sha256 {str(fmt.get('sha256'))[:12]}); extractor "
             f"{g.extractor}; selection {g.selection}"]
    if g.recipe:
        lines.append(f"from the recipe: {', '.join(g.from_recipe) or 'nothing'}; "
                     f"changed by flags: {', '.join(g.from_flags) or 'nothing'}")
    x = g.extraction
    if x:
        lines.append(
            f"EX under the {g.extractor} extractor (headline): {_pct(x['ex'])}%; under the "
            f"lenient parser: {_pct(x['lenient_ex'])}% {_ci(x['lenient_ex_ci95'])}; the two "
            f"differ in SQL on {x['differing_sql']} of {x['questions']} questions, in verdict "
            f"on {x['differing_verdicts']}")
    lines.append(f"token budget reached (finish_reason length): {g.hit_token_limit} of "
                 f"{g.completions} completions")
    return lines


def latency_line(lat: dict) -> str:
    """Throughput with its batch size and batch time; per-question latency only where measured.

    >>> line = latency_line({"samples": 57, "s_per_sample": 1.208, "batch_size": 57,
    ...                      "batches": 1, "s_per_batch": 68.87, "tokens_per_s": 20.0})
    >>> line.split("; ")[:2]  # doctest: +NORMALIZE_WHITESPACE
    ['latency: 1.208 s/sample throughput at batch size 57 (one batch of 57 took 68.9 s)',
     'no per-question latency (questions were generated in batches)']
    """
    size, batches = lat.get("batch_size"), lat.get("batches") or 0
    line = f"latency: {lat['s_per_sample']:.3f} s/sample throughput"
    if size:
        line += f" at batch size {size}"
    if batches == 1:
        line += f" (one batch of {lat['samples']} took {lat['s_per_batch']:.1f} s)"
    elif batches:
        line += f" ({batches} batches, {lat['s_per_batch']:.1f} s each on average)"
    if lat.get("latency_per_question") and lat.get("latency_p50_s") is not None:
        line += (f"; per question p50 {lat['latency_p50_s']:.3f} s, "
                 f"p95 {lat['latency_p95_s']:.3f} s")
    else:
        line += "; no per-question latency (questions were generated in batches)"
    line += (f"; {lat.get('tokens_per_s') or 0:.1f} tokens/s over {lat['samples']} generated "
             "samples")
    if lat.get("cached_samples"):
        line += f" ({lat['cached_samples']} served from cache)"
    return line


def print_seed_aggregate(aggregate: dict, out: Path | None = None) -> None:
    """The per-seed EX and their mean ± spread, after ``harness run --seeds``."""
    console = Console(highlight=False, soft_wrap=True)
    table = Table(title=f"{aggregate['method']} on {aggregate['suite']} / {aggregate['split']} "
                        f"— {len(aggregate['runs'])} seeds", title_justify="left")
    for col in ("seed", "scored", "correct", "EX %"):
        table.add_column(col, justify="right")
    for r in aggregate["runs"]:
        table.add_row(str(r["seed"]), str(r["scored"]), str(r["correct"]), _pct(r["ex"]))
    console.print(table)
    console.print(f"  EX mean {_pct(aggregate['ex_mean'])}% ± {_pct(aggregate['ex_std'])} (sd), "
                  f"range {_pct(aggregate['ex_min'])}–{_pct(aggregate['ex_max'])}"
                  + (f" — written to {out}" if out else ""))
