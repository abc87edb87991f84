"""The leaderboard's commands: ``harness submit``, ``leaderboard`` and ``submissions``.

They live with the leaderboard they drive; ``harness.cli.app.COMMANDS`` registers them by name, so
the core CLI imports nothing of the leaderboard until one of them runs. They raise
:class:`~harness.errors.HarnessError` for every user mistake; ``harness.cli.main`` turns it into
one ``Error: …`` line and exit code 1. Heavy imports (SQLAlchemy, Streamlit) stay inside the
commands, because ``harness --help`` imports this module to list them.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import click

from harness.cli.options import data_dir_option, format_option
from harness.errors import RunFolderError, SubmissionError

APP = Path(__file__).resolve().with_name("app.py")


def _db_option(f):
    return click.option(
        "--db",
        default=None,
        help="Leaderboard database: an SQLite path or URL, or postgresql://user:pw@host/db "
        "(default: $HARNESS_LEADERBOARD_DB, else leaderboard.sqlite in the cache folder).",
    )(f)


@click.command("submit")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--name", required=True, help="The name shown on the leaderboard.")
@click.option("--model-size", default=None, help="Parameters, e.g. 0.5B, 1.5B, 3B, 500M.")
@click.option("--method", default=None, help="Method, e.g. 'GRPO (binary reward)'.")
@click.option("--base-model", default=None, help="Base model, e.g. Qwen2.5-Coder-1.5B.")
@click.option("--decoding", default=None,
              help="greedy, maj@8, vav@30, best-of@6 or pipeline (default: the run's).")
@click.option("--samples", type=click.IntRange(1, 100_000), default=None,
              help="Candidates decoded per question (1 for a single decode).")
@click.option("--temperature", type=click.FloatRange(0, 10), default=None,
              help="Sampling temperature (0 for greedy).")
@click.option("--extra-model", "extra_models", default=None,
              help="Models besides the submitted one, e.g. '7B merge model' or 'PRM-7B'.")
@click.option("--training-data", default=None, help="What the model was trained on.")
@click.option("--hardware", default=None, help="Where the latency was measured.")
@click.option("--link", default=None, help="Paper, code or model page (http/https).")
@click.option("--suite", "suite_name", default=None, help="For a predictions file: its suite.")
@click.option("--split", default=None, help="For a predictions file: its split (default: dev).")
@format_option("For a predictions file: its format (default: from the extension).")
@_db_option
@data_dir_option
@click.option("--workers", type=int, default=None, help="Processes for re-execution.")
@click.option("--json", "as_json", is_flag=True, help="Print the outcome as JSON.")
def submit_command(
    paths, name, model_size, method, base_model, decoding, samples, temperature, extra_models,
    training_data, hardware, link, suite_name, split, fmt, db, data_dir, workers, as_json,
) -> None:
    """Verify a run and add it to the leaderboard: every prediction is re-executed and
    re-scored, and the recomputed numbers are stored (a run whose claims differ is flagged).

    PATHS are run folders (results.json + samples.jsonl; one per suite/split), or one
    predictions file with --suite and --split.

    \b
    Examples:
      harness submit runs/grpo-sample --name "GRPO 0.5B" --model-size 0.5B
      harness submit preds.jsonl --suite spider --split dev --name "Mine" --model-size 1.5B
    """
    from leaderboard.store import open_store
    from leaderboard.verify import SubmissionMeta, submit_predictions, submit_runs

    meta = SubmissionMeta(
        name=name, model_size=model_size, method=method, base_model=base_model,
        decoding=decoding, training_data=training_data, hardware=hardware, link=link,
        samples=samples, temperature=temperature, extra_models=extra_models,
    )
    if len(paths) == 1 and (paths[0] / "aggregate.json").is_file():
        _submit_seeds(paths[0], meta, db, data_dir, workers, as_json)
        return
    predictions_file = _submitted_file(paths, suite_name, split, fmt)
    store = open_store(db)
    try:
        if predictions_file:
            outcome = submit_predictions(
                store, predictions_file, suite_name, split, meta, fmt, data_dir, workers
            )
        else:
            outcome = submit_runs(store, list(paths), meta, data_dir, workers)
    finally:
        store.close()
    _print_outcome(outcome, store.display_url, as_json)


def _submitted_file(paths, suite_name, split, fmt) -> Path | None:
    """The predictions file among ``paths`` (None: they are run folders), options checked."""
    files = [p for p in paths if not p.is_dir()]
    if files and (len(paths) > 1):
        raise SubmissionError("Give either run folders or a single predictions file, not both.")
    if not files and (suite_name or split or fmt):
        _check_run_options(paths, suite_name, split)
    if files and not suite_name:
        raise SubmissionError(
            f"{files[0]} is a predictions file: say which suite it answers with --suite "
            f"(and --split; default dev).", path=files[0], option="--suite",
        )
    return files[0] if files else None


def _print_outcome(outcome, store_url: str, as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps({
            "submission_id": outcome.submission_id, "name": outcome.name,
            "flagged": outcome.flagged, "flags": outcome.flags, "notes": outcome.notes,
            "results": outcome.summary(), "store": store_url,
        }, indent=2, ensure_ascii=False))
        return
    click.echo(f"Stored submission #{outcome.submission_id} {outcome.name!r} as verified "
               f"(every prediction re-executed) in {store_url}")
    for s in outcome.summary():
        claim = "" if s["claimed_ex"] is None else f"; the run claimed {100 * s['claimed_ex']:.2f}%"
        ci = s["ex_ci95"]
        click.echo(
            f"  {s['suite']}/{s['split']}: EX {100 * s['ex']:.2f}% "
            f"[{100 * ci[0]:.1f}, {100 * ci[1]:.1f}] over {s['scored']} scored of "
            f"{s['total']} questions ({s['correct']} correct){claim}"
        )
        if s["gold_copy_share"]:
            click.echo(f"    {100 * s['gold_copy_share']:.1f}% of the predictions are the gold "
                       f"SQL word for word (after normalisation)")
    for flag in outcome.flags:
        click.echo(f"  FLAGGED: {flag}")
    for note in outcome.notes:
        click.echo(f"  note: {note}")


def _submit_seeds(folder: Path, meta, db, data_dir, workers, as_json: bool) -> None:
    """A ``harness run --seeds`` folder: every seed verified, stored as one seed group."""
    import statistics

    from leaderboard.store import open_store
    from leaderboard.verify import submit_seed_runs

    store = open_store(db)
    try:
        outcomes = submit_seed_runs(store, folder, meta, data_dir, workers)
    finally:
        store.close()
    rows = [(o.submission_id, o.verifications[0], o.flags) for o in outcomes]
    exs = [v.results.metrics.ex for _, v, _ in rows]
    if as_json:
        click.echo(json.dumps({
            "name": meta.name, "submission_ids": [i for i, _, _ in rows],
            "ex_mean": statistics.fmean(exs), "ex_sd": statistics.stdev(exs),
            "seeds": [{"submission_id": i, "ex": v.results.metrics.ex, "flags": f}
                      for i, v, f in rows],
            "store": store.display_url,
        }, indent=2, ensure_ascii=False))
        return
    v0 = rows[0][1]
    click.echo(f"Stored {len(rows)} seeds of {meta.name!r} as verified submissions "
               f"#{', #'.join(str(i) for i, _, _ in rows)} (one board row) in {store.display_url}")
    click.echo(f"  {v0.suite}/{v0.split}: EX {100 * statistics.fmean(exs):.2f}% "
               f"± {100 * statistics.stdev(exs):.2f} (sd over {len(exs)} seeds)")
    for i, v, flags in rows:
        click.echo(f"  #{i}: EX {100 * v.results.metrics.ex:.2f}%"
                   + (f"  FLAGGED: {'; '.join(flags)}" if flags else ""))


def _check_run_options(paths, suite_name, split) -> None:
    """--suite/--split with run folders must agree with what the runs say."""
    from harness.evaluation.records import read_record

    for path in paths:
        try:
            record = read_record(path)
        except RunFolderError:
            return  # verify_run explains what is wrong with the folder
        for option, value, actual in (("--suite", suite_name, record.suite),
                                      ("--split", split, record.split)):
            if value and actual != value:
                raise SubmissionError(
                    f"{path} is a run of {record.label}, not {option} {value}.", path=path,
                    option=option,
                )


APPROVAL_ENV = "HARNESS_LEADERBOARD_APPROVAL"


def streamlit_command(
    url: str, host: str = "127.0.0.1", port: int = 8501, data_dir: Path | None = None,
    approval: bool = False,
) -> tuple[list[str], dict[str, str]]:
    """The ``streamlit run`` command line and environment that serve the app over ``url``."""
    argv = [
        sys.executable, "-m", "streamlit", "run", str(APP),
        "--server.headless", "true",
        "--browser.gatherUsageStats", "false",
        "--server.address", host,
        "--server.port", str(port),
        "--server.maxUploadSize", "64",  # MiB, as leaderboard.verify.MAX_SUBMISSION_BYTES
        "--server.fileWatcherType", "none",
        "--client.toolbarMode", "minimal",  # no "Deploy" button on a served board
    ]
    env = dict(os.environ)
    env["HARNESS_LEADERBOARD_DB"] = url
    if approval:
        env[APPROVAL_ENV] = "1"
    if data_dir is not None:
        env["HARNESS_DATA_DIR"] = str(Path(data_dir).resolve())
    # Serve this very copy of the harness, whatever else is installed.
    root = str(APP.parents[1])
    env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH")) if p)
    return argv, env


@click.command("leaderboard")
@_db_option
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=int, default=8501, show_default=True)
@data_dir_option
@click.option("--seed", "seed_only", is_flag=True,
              help="Seed the store (published results, the project's own runs, and --seed-run "
              "folders), then exit.")
@click.option("--seed-run", "seed_runs", multiple=True, type=click.Path(path_type=Path),
              help="A run folder of the project's own to add as a verified submission "
              "(repeatable; e.g. the gold self-test).")
@click.option("--no-seed", is_flag=True,
              help="Do not add the published results and the project's own runs.")
@click.option("--approval", is_flag=True,
              help="Hold web uploads until a maintainer approves them "
              "(harness submissions approve ID).")
def leaderboard_command(db, host, port, data_dir, seed_only, seed_runs, no_seed,
                        approval) -> None:
    """Serve the leaderboard app (Streamlit) over a results store.

    The published results from the literature are added once, marked "reported, not verified",
    together with the project's own runs (packaged models on sample, and Qwen2.5-Coder-0.5B on
    Spider dev and Spider-Realistic when their data is under the data root), verified like any
    submission.

    \b
    Examples:
      harness leaderboard                       # http://127.0.0.1:8501
      harness leaderboard --db postgresql://lb:pw@127.0.0.1:5432/board --port 8600
      harness leaderboard --seed --seed-run runs/gold-sample --seed-run runs/gold-spider
    """
    from leaderboard.seed import seed_own_runs, seed_reported
    from leaderboard.seed import seed_runs as seed_run_folders
    from leaderboard.store import open_store

    if not 0 < port < 65536:
        raise click.BadParameter(f"{port} is not a TCP port.", param_hint="--port")
    store = open_store(db)
    try:
        if not no_seed:
            added = seed_reported(store)
            if added:
                click.echo(f"Added {added} published results (reported, not verified).")
            if added or seed_only:  # a new store, or asked for: verifying takes a while
                click.echo("Verifying the project's own runs…")
                _report(seed_own_runs(store, data_dir))
        _report(seed_run_folders(store, list(seed_runs), data_dir))
    finally:
        store.close()
    if seed_only:
        _print_published(store)
        click.echo(f"Store ready: {store.display_url}")
        return
    argv, env = streamlit_command(store.url, host, port, data_dir, approval)
    click.echo(f"Leaderboard on http://{host}:{port} over {store.display_url}", err=True)
    sys.stdout.flush()
    sys.stderr.flush()
    os.execve(argv[0], argv, env)  # the server replaces this process: signals reach it directly


def _print_published(store) -> None:
    """The published rows in the store: their numbers with metric, decoding and source."""
    from rich.console import Console
    from rich.table import Table

    from leaderboard.decoding import from_row

    store = type(store)(store.url)  # closed above; reopen for reading
    try:
        subs = [s for s in store.submissions() if s["status"] == "reported"]
    finally:
        store.close()
    table = Table("published row", "results (metric)", "decoding", "class", "source",
                  title=f"{len(subs)} published rows: reported, not verified, never ranked")
    for s in sorted(subs, key=lambda s: s["name"].lower()):
        d = from_row(s)
        scores = "\n".join(f"{r['suite']}/{r['split']} {100 * r['ex']:.4g} {r['metric']}"
                            for r in s["results"])
        words = s["decoding"] if s["decoding"] not in (None, d.label) else None
        shown = (d.label + (f" ({words})" if words else "")) if d.strategy else (
            words or "not stated")
        table.add_row(s["name"], scores, shown,
                      d.decoding_class,
                      f"{s['source_kind']}, {s['published'] or 'date not stated'}")
    Console(soft_wrap=True, width=200).print(table)


def _report(seeded) -> None:
    for s in seeded:
        where = "already there" if s.submission_id is None else f"#{s.submission_id}"
        click.echo(f"Seeded {s.name!r} ({where}): {s.message}")


# -- moderation ------------------------------------------------------------------------------


@click.group("submissions")
def submissions_group() -> None:
    """Moderate the leaderboard: list, approve, hide and delete submissions.

    \b
    Examples:
      harness submissions list --pending
      harness submissions approve 42
      harness submissions hide 17
      harness submissions mark-reproduced 42 repro/reproduce.json
    """


@submissions_group.command("list")
@_db_option
@click.option("--pending", is_flag=True, help="Only uploads waiting for approval.")
@click.option("--json", "as_json", is_flag=True, help="Print the rows as JSON.")
def list_command(db, pending, as_json) -> None:
    """Every submission with its status, review state, flags and numbers."""
    from leaderboard.store import open_store

    store = open_store(db)
    try:
        subs = store.submissions(("pending",) if pending else ("public", "pending", "hidden"))
    finally:
        store.close()
    rows = [
        {
            "id": s["id"], "name": s["name"],
            "status": "reproduced" if s.get("reproduced") else s["status"], "review": s["review"],
            "flags": len(s["flags"] or []), "decoding": s["decoding"],
            "created": s["created"].isoformat(timespec="seconds") if s["created"] else None,
            "results": {
                f"{r['suite']}/{r['split']}": None if r["ex"] is None else round(100 * r["ex"], 2)
                for r in s["results"]
            },
        }
        for s in subs
    ]
    if as_json:
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    if not rows:
        click.echo("No submissions." if not pending else "No uploads wait for approval.")
        return
    from rich.console import Console
    from rich.table import Table

    table = Table("id", "name", "status", "review", "flags", "EX %", "created")
    for r in rows:
        scores = ", ".join(f"{k} {v}" for k, v in r["results"].items())
        table.add_row(str(r["id"]), r["name"], r["status"], r["review"], str(r["flags"]),
                      scores, r["created"] or "")
    Console(soft_wrap=False).print(table)


def _moderate(db, submission_id: int, review: str | None) -> None:
    from leaderboard.store import open_store

    if not 1 <= submission_id < 2**63:  # ids are SQLite integers: a larger one names nothing
        raise SubmissionError(f"There is no submission #{submission_id}.")
    store = open_store(db)
    try:
        done = (store.delete(submission_id) if review is None
                else store.set_review(submission_id, review))
    finally:
        store.close()
    if not done:
        raise SubmissionError(f"There is no submission #{submission_id}.")


@submissions_group.command("approve")
@click.argument("submission_id", type=int)
@_db_option
def approve_command(submission_id, db) -> None:
    """Show a pending or hidden submission on the board."""
    _moderate(db, submission_id, "public")
    click.echo(f"Submission #{submission_id} is public.")


@submissions_group.command("hide")
@click.argument("submission_id", type=int)
@_db_option
def hide_command(submission_id, db) -> None:
    """Take a submission off the board; it stays stored, so the same file cannot come back."""
    _moderate(db, submission_id, "hidden")
    click.echo(f"Submission #{submission_id} is hidden (kept, so a re-upload is refused).")


@submissions_group.command("delete")
@click.argument("submission_id", type=int)
@_db_option
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def delete_command(submission_id, db, yes) -> None:
    """Remove a submission with its results and verdicts for good."""
    if not yes:
        click.confirm(f"Delete submission #{submission_id} for good?", abort=True)
    _moderate(db, submission_id, None)
    click.echo(f"Submission #{submission_id} deleted.")


@submissions_group.command("mark-reproduced")
@click.argument("submission_id", type=int)
@click.argument("report", type=click.Path(path_type=Path))
@_db_option
def mark_reproduced_command(submission_id, report, db) -> None:
    """Mark a verified row "reproduced" from the reproduce.json of `harness reproduce`.

    The report must say the run was reproduced (greedy: every SQL identical; sampled: the 95%
    interval of the EX difference holds 0) and be about this row's stored predictions (its
    original.predictions_digest).
    """
    from leaderboard.reproduced import mark_reproduced
    from leaderboard.store import open_store

    store = open_store(db)
    try:
        key = mark_reproduced(store, submission_id, report)
    finally:
        store.close()
    click.echo(f"Submission #{submission_id} is marked reproduced: {report} reproduces its {key} "
               f"predictions (the board shows it as \"reproduced\" from the next page load).")


__all__ = ["leaderboard_command", "streamlit_command", "submissions_group", "submit_command"]
