"""``harness reproduce RUN_FOLDER [--out DIR]``: generate again what a run record describes, score
it, and compare question by question with the original.

The record's ``method`` block holds every setting of the run (model, recipe, prompt format,
decoding, seeds, backend); the method is rebuilt from it with the generation cache off, so every
completion is generated anew on this machine. ``DIR/reproduce.json`` is the reproduction report
the leaderboard reads (format ``reproduce/1``): identical SQL share, verdict agreement, EX of
both and the paired 95% interval of their difference, and the questions whose SQL differs. A
greedy run is reproduced when every SQL is identical; a sampled one when the interval of the EX
difference contains 0.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import click

from harness.errors import HarnessError

FORMAT = "reproduce/1"


@click.command("reproduce")
@click.argument("source", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder for the new run and reproduce.json (default: SOURCE-reproduced).")
@click.option("--data-dir", default=None, help="Benchmark data root (default: as harness run).")
def reproduce_command(source: Path, out: Path | None, data_dir: str | None) -> None:
    """Re-run the generation a run folder (or a submitted run folder) describes and compare.

    Example: harness reproduce runs/omnisql-bird --out runs/omnisql-bird-again
    """
    from harness.evaluation.records import read_record, read_samples

    record = read_record(source)
    original = read_samples(source)
    method_cls, config, limit = _rebuild(source, record)
    out = out or source.with_name(source.name + "-reproduced")
    click.echo(f"Reproducing {source} ({record.suite}/{record.split}, {len(original)} questions, "
               f"method {method_cls.name}, model {getattr(config, 'model', '?')}) into {out}")
    new_record, new_samples = _rerun(method_cls, config, record, limit, out, data_dir)
    report = compare(original, [_sample_dict(s) for s in new_samples],
                     kind="run" if (source / "run.json").is_file() else "submission",
                     ref=str(source), greedy=_greedy(config),
                     backend=str(new_record.method.backend if new_record.method else None),
                     hardware=_hardware_text(new_record.method.hardware
                                             if new_record.method else None))
    (out / "reproduce.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    _print(report, out)


def _rebuild(source: Path, record) -> tuple[type, Any, int | None]:
    """The method class, its config as the record states it (cache off), and the run's limit."""
    from harness.config import build, resolve_method

    name = record.method.method if record.method else None
    settings = record.method.config if record.method else None
    if not isinstance(name, str) or not isinstance(settings, dict):
        raise HarnessError(f"{source} holds no method settings (results.json 'method' block); "
                           "only runs written by `harness run` can be reproduced.")
    method_cls = resolve_method(name)
    fields = {f.name for f in dataclasses.fields(method_cls.config_class)}
    values = {k: v for k, v in settings.items() if k in fields and v != "***"}
    values["cache"] = False  # generate every completion anew
    _, config = build(method_cls, {}, values)
    # The record's own config block (typed): a shared run folder has no run.json.
    return method_cls, config, record.config.limit


def _rerun(method_cls, config, record, limit: int | None, out: Path, data_dir: str | None):
    from harness.config import RunConfig
    from harness.evaluation import run_folder
    from harness.pipeline import run_method
    from harness.suite import load_suite

    suite = load_suite(record.suite, data_dir)
    run = RunConfig(method=method_cls.name, suite=record.suite, split=record.split,
                    data_dir=data_dir, out=str(out), limit=limit, rule=record.rule)
    run_folder.prepare(out, resume=True)
    method = method_cls(config)
    try:
        with run_folder.lock(out):
            return run_method(method, suite, run, out)
    finally:
        method.close()


def _sample_dict(sample) -> dict:
    return {"question_id": sample.example.question_id,
            "pred_sql": sample.prediction.sql if sample.prediction else None,
            "correct": sample.verdict.correct}


def _greedy(config) -> bool:
    return int(getattr(config, "samples", 1) or 1) == 1 or not getattr(config, "temperature", 0)


def _hardware_text(info) -> str:
    if not isinstance(info, dict):
        return "unknown"
    gpus = info.get("gpus") or []
    cpu = f"{info.get('cpu') or 'CPU'} ({info.get('cpu_count')} cores)"
    return f"{', '.join(gpus)}; {cpu}" if gpus else cpu


def compare(original: list[dict], reproduced: list[dict], *, kind: str, ref: str, greedy: bool,
            backend: str, hardware: str) -> dict:
    """The reproduction report over the questions both runs answered (samples.jsonl dicts)."""
    from harness.evaluation.paired import compare_verdicts, paired_bootstrap_ci
    from harness.evaluation.records import predictions_digest

    before = {int(s["question_id"]): s for s in original}
    after = {int(s["question_id"]): s for s in reproduced}
    shared = sorted(set(before) & set(after))
    same_sql = [q for q in shared if (before[q].get("pred_sql") or "") == (after[q].get("pred_sql")
                                                                          or "")]
    verdicts = compare_verdicts({q: bool(after[q].get("correct")) for q in shared},
                                {q: bool(before[q].get("correct")) for q in shared})
    n = len(shared)
    ex_before = sum(bool(before[q].get("correct")) for q in shared) / n if n else 0.0
    ex_after = sum(bool(after[q].get("correct")) for q in shared) / n if n else 0.0
    ci = paired_bootstrap_ci(len(verdicts.only_a), len(verdicts.only_b), n) or (0.0, 0.0)
    identical = len(same_sql) == n and n > 0
    reproduced_ok = identical if greedy else (n > 0 and ci[0] <= 0 <= ci[1])
    return {
        "format": FORMAT,
        "original": {"kind": kind, "ref": ref, "predictions_digest": predictions_digest(
            (q, s.get("pred_sql")) for q, s in before.items())},
        "questions": n,
        "identical_sql": len(same_sql),
        "identical_sql_share": round(len(same_sql) / n, 6) if n else 0.0,
        "verdict_agreement": round((len(verdicts.both_right) + len(verdicts.both_wrong)) / n, 6)
        if n else 0.0,
        "ex_original": round(ex_before, 6),
        "ex_reproduced": round(ex_after, 6),
        "ex_diff": round(ex_after - ex_before, 6),
        "ex_diff_ci95": [ci[0], ci[1]],
        "greedy": greedy,
        "reproduced": reproduced_ok,
        "differing_question_ids": sorted(set(shared) - set(same_sql)),
        "backend": backend,
        "hardware": hardware,
    }


def _print(report: dict, out: Path) -> None:
    n = report["questions"]
    click.echo(
        f"identical SQL: {report['identical_sql']} of {n} questions "
        f"({100 * report['identical_sql_share']:.1f}%); verdicts agree on "
        f"{100 * report['verdict_agreement']:.1f}%\n"
        f"EX original {100 * report['ex_original']:.2f}% · reproduced "
        f"{100 * report['ex_reproduced']:.2f}% · difference {100 * report['ex_diff']:+.2f} "
        f"points (paired 95% CI [{100 * report['ex_diff_ci95'][0]:+.1f}, "
        f"{100 * report['ex_diff_ci95'][1]:+.1f}])"
    )
    ids = report["differing_question_ids"]
    if ids:
        shown = ", ".join(map(str, ids[:20])) + (" …" if len(ids) > 20 else "")
        click.echo(f"questions whose SQL differs ({len(ids)}): {shown}")
    rule = "every SQL identical" if report["greedy"] else "the interval contains 0"
    verdict = "REPRODUCED" if report["reproduced"] else "NOT reproduced"
    click.echo(f"{verdict} ({'greedy' if report['greedy'] else 'sampled'} run: {rule}); "
               f"backend {report['backend']} on {report['hardware']}")
    click.echo(f"Report: {out / 'reproduce.json'}")
