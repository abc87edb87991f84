"""``harness prompts``: the exact messages a model would be sent, without loading a model.

With no format or recipe it lists the prompt formats. Otherwise it renders one question after
another: as text, or with ``--jsonl`` one JSON object per line
(``{"question_id": …, "messages": [{"role": …, "content": …}, …], "messages_sha256": …}``, the
hash being the ``prompt_hash`` a run records for that sample; plus ``"text"`` — the
chat-templated prompt — when ``--tokenizer`` is given, and ``"error"`` when a prompt cannot be
built). What was rendered, and how long it took, goes to standard error.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

import click

from harness.cli.options import data_dir_option
from harness.errors import ConfigError, HarnessError


@click.command("prompts")
@click.option("--suite", default=None, help="Suite whose questions are rendered (default: sample).")
@click.option("--split", default="dev", show_default=True, help="Split of the suite.")
@click.option("--format", "format_name", default=None,
              help="Prompt format (see `harness prompts`).")
@click.option("--recipe", default=None, help="Recipe whose prompt format and options are used.")
@click.option("--option", "options", multiple=True, metavar="KEY=VALUE",
              help="A prompt-format option, e.g. matched_values=false (repeatable).")
@click.option("--limit", type=click.IntRange(min=1), default=None,
              help="Only the first N questions of the split.")
@click.option("--jsonl", is_flag=True, help="One JSON object per question instead of text.")
@click.option("--tokenizer", default=None,
              help="Model alias, folder or .gguf whose tokenizer renders the chat-templated text.")
@data_dir_option
def prompts_command(suite: str | None, split: str, format_name: str | None, recipe: str | None,
                    options: tuple[str, ...], limit: int | None, jsonl: bool,
                    tokenizer: str | None, data_dir: Path | None) -> None:
    """Render each question's prompt messages (no model is loaded).

    Example: harness prompts --suite spider --split dev --format omnisql --limit 3 --jsonl
    """
    if format_name is None and recipe is None:
        _list_formats()
        return
    name, fmt_options = _resolve(format_name, recipe, options)
    from harness.generation.prompt_formats import make_format
    from harness.suite import load_suite

    started = time.perf_counter()
    the_suite = load_suite(suite, data_dir)
    the_suite.check_split(split)
    examples = the_suite.load_examples(split)[:limit]
    fmt = make_format(name, the_suite, **fmt_options)
    fmt.prepare(examples)
    tok = _load_tokenizer(tokenizer) if tokenizer else None
    failed = 0
    for example in examples:
        record = _render(fmt, example, tok)
        failed += "error" in record
        click.echo(json.dumps(record, ensure_ascii=False) if jsonl else _as_text(record))
    seconds = time.perf_counter() - started
    ident = fmt.identity()
    click.echo(
        f"Rendered {len(examples) - failed} of {len(examples)} prompts of {the_suite.name}/{split} "
        f"with format {ident['name']} v{ident['version']} (sha256 {ident['sha256'][:12]}) in "
        f"{seconds:.2f} s wall time; {failed} could not be built (see their \"error\").",
        err=True,
    )


def _resolve(format_name: str | None, recipe: str | None,
             options: tuple[str, ...]) -> tuple[str, dict[str, Any]]:
    """The format name and options from ``--format``/``--recipe`` and ``--option`` pairs."""
    fmt_options: dict[str, Any] = {}
    if recipe is not None:
        try:
            from harness.generation.recipes import get_recipe
        except ImportError as exc:
            raise ConfigError(
                "This installation has no recipes; name a prompt format with --format."
            ) from exc
        chosen = get_recipe(recipe)
        if format_name is not None and format_name != chosen.prompt_format:
            raise ConfigError(
                f"Recipe '{recipe}' uses prompt format '{chosen.prompt_format}'; drop --format "
                f"'{format_name}' or the recipe."
            )
        format_name = chosen.prompt_format
        fmt_options.update(getattr(chosen, "prompt_options", {}) or {})
    for pair in options:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise ConfigError(f"--option takes KEY=VALUE, got '{pair}'.")
        fmt_options[key.strip()] = _option_value(value.strip())
    assert format_name is not None
    return format_name, fmt_options


def _option_value(text: str) -> Any:
    """``true``/``false``, integers and numbers as such; anything else stays text."""
    lowered = text.lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


def _render(fmt, example, tok) -> dict[str, Any]:
    from harness.generation.prompt_formats import render_chat

    prompt = fmt.build(example)
    record: dict[str, Any] = {"question_id": example.question_id, "messages": prompt.messages}
    if prompt.error:
        record["error"] = prompt.error
        return record
    # what a run records per sample as its prompt_hash: a number traces back to these messages
    record["messages_sha256"] = prompt.hash
    if tok is not None:
        record["text"] = render_chat(tok, prompt.messages)
    return record


def _as_text(record: dict[str, Any]) -> str:
    lines = [f"=== question {record['question_id']} ==="]
    if "error" in record:
        lines.append(f"error: {record['error']}")
    for m in record["messages"]:
        lines += [f"--- {m['role']} ---", m["content"]]
    if "text" in record:
        lines += ["--- chat-templated text ---", record["text"]]
    return "\n".join(lines) + "\n"


def _load_tokenizer(name: str):
    """The tokenizer of a model alias, folder, .gguf file or hub id (no weights are loaded)."""
    from harness.errors import GenerationError
    from harness.generation.models import resolve_model

    source = resolve_model(name)
    try:
        from transformers import AutoTokenizer

        if source.kind == "gguf" and source.path is not None:
            return AutoTokenizer.from_pretrained(str(source.path.parent),
                                                 gguf_file=source.path.name)
        return AutoTokenizer.from_pretrained(str(source.path or source.hub_id))
    except Exception as exc:
        raise GenerationError(f"Cannot load the tokenizer of {name}: {exc}") from exc


def _list_formats() -> None:
    from rich.console import Console
    from rich.table import Table

    from harness.generation.prompt_formats import PROMPT_FORMATS

    table = Table("format", "version", "description", "from")
    for name in PROMPT_FORMATS.names():
        try:
            cls = PROMPT_FORMATS.get(name)
        except HarnessError as exc:
            table.add_row(name, "", f"[red]cannot load: {exc}[/red]", PROMPT_FORMATS.origin(name))
            continue
        table.add_row(name, cls.version, cls.description, PROMPT_FORMATS.origin(name))
    Console(file=sys.stdout).print(table)
    click.echo("Render one: harness prompts --suite SUITE --split dev --format NAME --limit 3")
