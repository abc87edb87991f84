"""Training configurations: presets load, cross-field rules give TRL-style messages."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from harness.errors import ConfigError
from harness.method import METHODS

CONFIGS = Path(__file__).resolve().parents[1] / "configs"


def load_preset(path: Path):
    """(RunConfig, method config) as `harness run --config <path>` builds them."""
    from harness.config import build

    values = yaml.safe_load(path.read_text())
    return build(METHODS.get(values["method"]), values, {})


@pytest.mark.parametrize("path", sorted(CONFIGS.glob("*.yaml")), ids=lambda p: p.name)
def test_every_preset_builds_its_config(path):
    run, config = load_preset(path)
    assert run.method in ("sft", "grpo", "finer-sql") and config.model
    assert path.stem.startswith(("ci-", run.method))


def test_paper_presets_carry_the_released_settings():
    _, three = load_preset(CONFIGS / "finer-sql-3b.yaml")
    assert (three.num_generations, three.gradient_accumulation_steps) == (16, 16)
    assert (three.learning_rate, three.beta, three.max_steps) == (5e-6, 0.04, 1000)
    assert not three.memory and three.use_vllm and three.vllm_mode == "server"
    _, half = load_preset(CONFIGS / "finer-sql-0.5b.yaml")
    assert half.num_generations == half.gradient_accumulation_steps == 32
    assert half.max_steps == 1500
    assert half.vllm_mode == "colocate" and half.vllm_enable_sleep_mode


def test_generation_batch_must_divide_by_num_generations():
    cls = METHODS.get("grpo").config_class
    with pytest.raises(ConfigError, match=r"\(6\) must be divisible by num_generations \(4\)"):
        cls(per_device_train_batch_size=3, gradient_accumulation_steps=2, num_generations=4)
    with pytest.raises(ConfigError, match="num_generations must be >= 2"):
        cls(num_generations=1, per_device_train_batch_size=2)


def test_grpo_can_warm_start_like_finer_sql():
    """Binary GRPO takes the same warm-start stage, so both GRPO variants can start alike: the
    stage's settings agree; only the number of steps is each CPU recipe's own (FINER-SQL's is
    cut to keep `make demo` within minutes)."""
    grpo = METHODS.get("grpo").config_class
    finer = METHODS.get("finer-sql").config_class()
    assert grpo().warm_start == "sql"
    stage = ("warm_start_learning_rate", "warm_start_batch_size", "warm_start_max_length")
    assert [getattr(grpo(), f) for f in stage] == [getattr(finer, f) for f in stage]
    with pytest.raises(ConfigError, match="warm_start 'teacher' is unknown"):
        grpo(warm_start="teacher")


@pytest.mark.parametrize("method", ["sft", "grpo", "finer-sql"])
def test_cpu_presets_spell_out_the_defaults(method):
    """`configs/<method>-smollm2-cpu.yaml` is the method's defaults written out (what `make demo`
    and `harness run --method <method>` use): every value it sets equals the default, except
    the two it pins to what `auto` picks on a CPU."""
    path = CONFIGS / f"{method}-smollm2-cpu.yaml"
    _, preset = load_preset(path)
    defaults = METHODS.get(method).config_class()
    pinned = {"method", "reward_workers", "memory_embedding_model"}
    for name in yaml.safe_load(path.read_text()):
        if name not in pinned:
            assert getattr(preset, name) == getattr(defaults, name), name


def test_finer_sql_settings_are_checked():
    cls = METHODS.get("finer-sql").config_class
    with pytest.raises(ConfigError, match="warm_start 'teacher' is unknown"):
        cls(warm_start="teacher")
    with pytest.raises(ConfigError, match="needs warm_start_traces_path"):
        cls(warm_start="dataset")
    with pytest.raises(ConfigError, match="format gate would zero every reward"):
        cls(warm_start="sql")  # plain SQL targets teach no <think> format
    with pytest.raises(ConfigError, match="custom needs"):
        cls(atomic_shaping="custom", atomic_e=0.1)
    custom = cls(atomic_shaping="custom", atomic_e=1.0, atomic_beta=0.0, atomic_gamma=1.0)
    assert custom.shaping(0.4) == pytest.approx(0.4)
    assert cls().weights == {"format": 1.0, "execution": 1.0, "atomic": 1.0, "memory": 1.0}
    assert cls(memory_weight=0).uses_memory is False


def test_training_settings_are_checked():
    cls = METHODS.get("sft").config_class
    with pytest.raises(ConfigError, match="max_steps must be -1"):
        cls(max_steps=0)
    with pytest.raises(ConfigError, match="traces=dataset needs traces_path"):
        cls(traces="dataset")
    with pytest.raises(ConfigError, match="train_dtype"):
        cls(train_dtype="float8")
