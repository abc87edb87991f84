"""Every config field is a flag of ``harness run``, with the help and choices of its metadata."""

from __future__ import annotations

import dataclasses
import json
import re

import click
import pytest

from harness.cli import main
from harness.cli.config_options import builtin_methods
from harness.cli.run import RUN_FIELDS, _prepare, run_command, train_command
from harness.config import RunConfig
from harness.core import Prediction
from harness.errors import ConfigError


def parse(command: click.Command, *args: str):
    """(method class, RunConfig, method config) as the command would build them."""
    ctx = command.make_context(command.name, list(args))
    params = dict(ctx.params)
    config_file = params.pop("config_file")
    params.pop("verbose", None)
    return _prepare(config_file, params)


def run_help(capsys, *args: str) -> str:
    assert main(["run", *args, "--help"]) == 0
    return " ".join(capsys.readouterr().out.split())  # help text wraps: compare it unwrapped


def test_help_lists_every_config_field_with_its_help(capsys):
    text = run_help(capsys)
    run_fields = {f.name: f for f in dataclasses.fields(RunConfig)}
    fields = [run_fields[name] for name in RUN_FIELDS]
    for cls in builtin_methods().values():
        fields += list(dataclasses.fields(cls.config_class))
    assert len({f.name for f in fields}) > 80  # the training methods have many knobs
    for field in fields:
        flag = "--" + field.name.replace("_", "-")
        assert flag in text, flag
    for field in fields:
        # a RunConfig flag has RunConfig's help; a method field the help of some method having it
        helps = [run_fields[field.name].metadata["help"]] if field.name in RUN_FIELDS else [
            f.metadata["help"] for cls in builtin_methods().values()
            for f in dataclasses.fields(cls.config_class) if f.name == field.name]
        packed = "".join(text.split())  # the help wraps at spaces and hyphens
        assert any("".join(h.split()) in packed for h in helps), field.name


def test_help_groups_method_options_and_shows_choices(capsys):
    text = run_help(capsys)
    assert "Options of every method:" in text
    assert "Options of grpo, finer-sql:" in text
    assert "--vote [majority|result-set-majority|similarity|value-aware]" in text
    # a default that differs between methods is given per method
    assert "[default: prompting 16, grpo 64, sft 64, finer-sql 64]" in text


def test_help_for_one_method_lists_its_options_with_its_defaults(capsys):
    text = run_help(capsys, "--method", "finer-sql")
    assert "Options of method finer-sql:" in text
    assert "--memory-gate-mentions [column|table.column]" in text
    max_steps = re.search(r"--max-steps INTEGER\s+(.*?)\[default: (\d+)\]", text, re.S)
    assert max_steps and max_steps.group(2) == "2"  # finer-sql's own, not sft's 32
    prompting = run_help(capsys, "--method", "prompting")
    assert "--max-steps" not in prompting and "--samples" in prompting


def test_flags_set_run_and_method_fields():
    method, run, cfg = parse(
        run_command, "--method", "finer-sql", "--timeout", "5", "--limit", "4", "--no-baseline",
        "--max-steps", "7", "--no-cache", "--memory-gate-mentions", "table.column",
        "--trl-args", "{optim: sgd, adam_beta1: 0.8}", "--learning-rate", "1e-5",
    )
    assert method.name == "finer-sql"
    assert (run.timeout_s, run.limit, run.baseline) == (5.0, 4, False)
    assert (cfg.max_steps, cfg.cache, cfg.memory_gate_mentions) == (7, False, "table.column")
    assert cfg.trl_args == {"optim": "sgd", "adam_beta1": 0.8} and cfg.learning_rate == 1e-5


def test_a_flag_overrides_the_config_file(tmp_path):
    config = tmp_path / "c.yaml"
    config.write_text("method: sft\nmax_steps: 9\nbatch_size: 8\n")
    method, _, cfg = parse(run_command, "--config", str(config), "--max-steps", "2")
    assert method.name == "sft" and (cfg.max_steps, cfg.batch_size) == (2, 8)


def test_a_shared_name_sets_both_configs():
    """``rule`` is the run's correctness rule and GRPO's reward rule: one flag sets both."""
    _, run, cfg = parse(run_command, "--method", "grpo", "--rule", "spider-strict")
    assert run.rule == cfg.rule == "spider-strict"


def test_train_takes_its_split_as_before():
    _, run, cfg = parse(train_command, "--method", "sft", "--split", "dev", "--lora-r", "4")
    assert run.train_split == "dev" and cfg.lora_r == 4


def test_a_field_of_another_method_is_a_clear_error(capsys):
    assert main(["run", "--method", "prompting", "--max-steps", "3"]) == 1
    assert "Unknown setting 'max_steps' for method 'prompting'" in capsys.readouterr().err


def test_a_value_outside_the_choices_is_refused(capsys):
    assert main(["run", "--vote", "loudest"]) == 2
    assert "'loudest' is not one of 'majority', 'result-set-majority'" in capsys.readouterr().err
    with pytest.raises(ConfigError, match="vote 'loudest' is unknown; choose one of"):
        builtin_methods()["prompting"].config_class(vote="loudest")  # YAML goes this way


def test_a_method_files_own_fields_are_flags(tmp_path, capsys):
    path = tmp_path / "mine.py"
    path.write_text(
        "import dataclasses\n"
        "from harness.method import Method, MethodConfig\n\n"
        "@dataclasses.dataclass\n"
        "class MineConfig(MethodConfig):\n"
        "    depth: int = dataclasses.field(default=2, metadata={'help': 'How deep to think.'})\n\n"
        "class Mine(Method):\n"
        "    name = 'mine'\n"
        "    config_class = MineConfig\n"
        "    def predict(self, examples, suite):\n"
        "        return iter(())\n"
    )
    spec = f"{path}:Mine"
    _, _, cfg = parse(run_command, "--method", spec, "--depth", "5")
    assert cfg.depth == 5
    assert "--depth INTEGER How deep to think. [default: 2]" in run_help(capsys, "--method", spec)


# -- choices are the registries' names when the command line is read -----------------------------


@pytest.fixture
def registered():
    """A rule, a vote, an extractor and a predictions format registered after the commands were
    built (as a plugin or a test would), named ``test-*``; removed afterwards."""
    import harness.cli.eval  # noqa: F401  (harness eval's options are built when it is imported)
    from harness.evaluation.predictions import PREDICTION_FORMATS
    from harness.evaluation.rules import RULES, BirdRule
    from harness.evaluation.voting import VOTES, majority_vote
    from harness.generation.extractors import EXTRACTORS, Extractor

    class TestRule(BirdRule):  # BIRD's comparison under its own name
        def __init__(self):
            super().__init__(strict=True)
            self.name, self.official = "test-rule", False

    def read_one_sql(examples, path, many):  # the file's text is every question's SQL
        sql = path.read_text(encoding="utf-8").strip()
        return {e.question_id: [Prediction(e.question_id, sql)] for e in examples}

    entries = [(RULES, "test-rule", TestRule), (VOTES, "test-vote", majority_vote),
               (EXTRACTORS, "test-extractor", Extractor("test-extractor", "test", "all", str)),
               (PREDICTION_FORMATS, "test-format", read_one_sql)]
    for registry, name, target in entries:
        registry.register(name, target, origin="test")
    yield
    for registry, name, _ in entries:
        registry.unregister(name)


def test_a_registered_name_is_a_choice_of_eval_and_run(registered, capsys, tmp_path):
    assert main(["eval", "--help"]) == 0
    eval_help = " ".join(capsys.readouterr().out.split())
    for name in ("test-rule", "test-vote", "test-format"):
        assert re.search(rf"\[[a-z|-]*\b{name}\b[a-z|-]*\]", eval_help), name
    text = run_help(capsys)
    for name in ("test-rule", "test-vote", "test-extractor"):
        assert re.search(rf"\[[a-z|-]*\b{name}\b[a-z|-]*\]", text), name
    _, run, cfg = parse(run_command, "--rule", "test-rule", "--vote", "test-vote",
                        "--extractor", "test-extractor")
    assert (run.rule, cfg.vote, cfg.extractor) == ("test-rule", "test-vote", "test-extractor")

    predictions = tmp_path / "p.txt"
    predictions.write_text("SELECT 1\n", encoding="utf-8")
    assert main(["eval", "--suite", "sample", "--predictions", str(predictions), "--format",
                 "test-format", "--rule", "test-rule", "--vote", "test-vote", "--json",
                 "--out", str(tmp_path / "run")]) == 0
    record = json.loads(capsys.readouterr().out)
    assert record["rule"] == "test-rule" and record["config"]["vote"] == "test-vote"


def test_an_unregistered_name_is_no_longer_a_choice(capsys):
    assert main(["eval", "--suite", "sample", "--gold", "--rule", "test-rule"]) == 2
    assert "'test-rule' is not one of 'bird', 'bird-strict'" in capsys.readouterr().err
