"""The prompting method: ask an instruction model for SQL, optionally sample N and vote.

    method = PromptingMethod(PromptingConfig(model="smollm2-135m"))
    for prediction in method.predict(examples, suite): ...

Each batch of ``batch_size`` examples is turned into chat prompts (``harness.generation.prompts``),
sent to the chosen backend in one call (completions are served from the disk cache when the same
model, prompt, sampling parameters and seed were seen before), parsed
(``harness.generation.parsing``) and, with ``samples > 1``, reduced to one SQL by executing every
candidate and voting (``harness.evaluation.voting``). Predictions are yielded as each batch
finishes, so a run that stops keeps what it finished.

Latency
-------
* A sample's ``latency_s`` is the wall time from submitting its batch to the backend to having its
  SQL: parsed, and voted on when several candidates are sampled. It is what a user waiting for that
  answer experiences when questions arrive in batches of ``batch_size``; with batch size 1 it is the
  per-question latency. A backend that runs a batch's prompts one at a time (llama.cpp) times each
  from the start of its own turn instead: the wait behind earlier prompts is queueing.
* ``generation_s`` is the batch's generation wall time (shared by its samples); ``selection_s`` is
  the batch's candidate execution + voting time, kept separate from generation.
* The aggregate "s/sample" is total generation wall time / number of samples (a throughput
  figure, reported with the batch size and the time one batch took); p50/p95 of ``latency_s``
  are reported only when it was measured per question: batch size 1, or a backend that times
  each request (vLLM, openai, llama.cpp) (``summarize_latency``).
* Samples served from the cache are flagged ``from_cache`` and excluded from latency aggregates.
* ``ttft_s`` is the time from submitting the batch to the first generated token (transformers:
  shared by the batch; vLLM and HTTP: per request; llama.cpp: from the start of its own turn).
"""

from __future__ import annotations

import dataclasses
import os
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from harness.core import Example, Execution, Prediction
from harness.errors import ConfigError, GenerationError
from harness.evaluation.voting import DEFAULT_VOTE, NOT_RUN, VOTES, Selection, select
from harness.generation import SamplingParams, load_generator, resolve_backend
from harness.generation.backends import (
    AUTO,
    BACKEND_CHOICES,
    all_setting_names,
    backend_config,
)
from harness.generation.base import BackendConfig, Generator
from harness.generation.cache import GenerationCache, cached_generate
from harness.generation.extractors import EXTRACTORS, get_extractor
from harness.generation.latency import hardware
from harness.generation.parsing import ParsedSQL, extract_sql
from harness.generation.prompt_formats import PROMPT_FORMATS, make_format
from harness.generation.prompts import (
    PROMPT_TEMPLATE_VERSION,
    SCHEMA_FORMATS,
    Prompt,
    PromptBuilder,
    template_hash,
)
from harness.method import Method, MethodConfig
from harness.method import field_meta as _help
from harness.suite import Suite

#: ``execute(queries)`` with ``queries = [(db_path, sql), ...]`` -> one Execution per query.
ExecuteFn = Callable[[list[tuple[Path, str]]], list[Execution]]



@dataclasses.dataclass
class PromptingConfig(MethodConfig):
    """Configuration of :class:`PromptingMethod`. ``model`` and ``seed`` come from MethodConfig."""

    # > Which model, and where it runs
    backend: str = dataclasses.field(
        default="auto",
        metadata=_help(
            "Generation backend: auto (the first usable: vLLM on a CUDA GPU with vllm "
            "installed; llama.cpp for a GGUF model without a GPU when llama-cpp-python is "
            "installed; else transformers) or a registered name.", BACKEND_CHOICES,
        ),
    )
    backend_options: dict = dataclasses.field(
        default_factory=dict,
        metadata=_help(
            "Settings of the chosen backend (its own flags, such as --dtype or "
            "--tensor-parallel-size, land here)."
        ),
    )
    # > Sampling and selection
    samples: int = dataclasses.field(
        default=1,
        metadata=_help("Candidates per question (1 = one greedy answer; FINER-SQL uses 30)."),
    )
    vote: str = dataclasses.field(
        default=DEFAULT_VOTE,
        metadata=_help(
            "With samples > 1: value-aware (FINER-SQL's vav), majority, result-set-majority "
            "(OmniSQL's) or similarity (Arctic-Text2SQL-R1's).", VOTES.choices(),
        ),
    )
    temperature: float | None = dataclasses.field(
        default=None, metadata=_help("Default 0 (greedy) when samples == 1, else 1.0.")
    )
    top_p: float = dataclasses.field(default=1.0, metadata=_help("Nucleus sampling threshold."))
    top_k: int = dataclasses.field(
        default=0, metadata=_help("Sample from the k most likely tokens only (0 = off).")
    )
    repetition_penalty: float = dataclasses.field(
        default=1.0, metadata=_help("Penalty on repeated tokens (1.0 = off).")
    )
    max_new_tokens: int = dataclasses.field(
        default=2048,
        metadata=_help(
            "Completion budget per candidate (2048: what OmniSQL and FINER-SQL allow, so a model "
            "that reasons first is not cut off; the run summary counts completions that hit it)."
        ),
    )
    stop: str | None = dataclasses.field(
        default=None, metadata=_help("A stop string (default: none; the end of turn stops).")
    )
    extractor: str = dataclasses.field(
        default="lenient",
        metadata=_help(
            "How SQL is taken from a completion: lenient (the harness parser) or an upstream "
            "pipeline's rule; with one other than lenient, the lenient EX is reported beside it.",
            EXTRACTORS.choices(),
        ),
    )
    recipe: str | None = dataclasses.field(
        default=None,
        metadata=_help(
            "A recipe (harness recipes list): model, prompt format, decoding, extractor and "
            "selection as the checkpoint's authors evaluated it; other flags override it."
        ),
    )
    batch_size: int = dataclasses.field(
        default=16,
        metadata=_help("Questions per generation call (measured best for CPU decoding: 16)."),
    )
    # > Prompt
    prompt_format: str = dataclasses.field(
        default="house",
        metadata=_help("Prompt format (harness prompts lists them; house is the harness's own)."),
    )
    prompt_options: dict = dataclasses.field(
        default_factory=dict,
        metadata=_help("Options of the prompt format, e.g. {path: prompts.jsonl} for prebuilt."),
    )
    few_shot: int = dataclasses.field(
        default=0,
        metadata=_help("Train-split examples shown before each question (chosen by seed)."),
    )
    schema_format: str = dataclasses.field(
        default="ddl",
        metadata=_help("ddl (CREATE TABLE) or columns (table.column: type, samples).",
                       SCHEMA_FORMATS),
    )
    max_prompt_tokens: int | None = dataclasses.field(
        default=None,
        metadata=_help(
            "Prompt token budget; the schema is shrunk to fit (default: the model's "
            "context minus max_new_tokens)."
        ),
    )
    cache: bool = dataclasses.field(
        default=True, metadata=_help("Reuse and store completions in the on-disk generation cache.")
    )

    def __post_init__(self) -> None:
        super().__post_init__()  # backend, dtype, schema_format, vote: their choices
        for name in ("samples", "batch_size", "max_new_tokens"):
            if int(getattr(self, name)) < 1:
                raise ConfigError(f"{name} must be >= 1, got {getattr(self, name)}.")
        if self.few_shot < 0:
            raise ConfigError(f"few_shot must be >= 0, got {self.few_shot}.")
        if self.temperature is None:
            self.temperature = 0.0 if self.samples == 1 else 1.0
        if self.temperature < 0 or not 0 < self.top_p <= 1:
            raise ConfigError(
                f"temperature must be >= 0 and top_p in (0, 1]; "
                f"got {self.temperature}, {self.top_p}."
            )
        if self.samples > 1 and self.temperature == 0:
            raise ConfigError(
                f"samples ({self.samples}) > 1 with temperature 0 gives identical candidates; "
                "set temperature > 0 (FINER-SQL uses 1.0) or samples = 1."
            )
        if self.max_prompt_tokens is not None and self.max_prompt_tokens < 1:
            raise ConfigError(f"max_prompt_tokens must be >= 1, got {self.max_prompt_tokens}.")
        unknown = sorted(set(self.backend_options) - all_setting_names())
        if unknown:
            raise ConfigError(f"No backend has the setting {', '.join(unknown)}.")
        if self.backend != AUTO:  # auto is resolved when the model loads
            backend_config(self.backend, self.backend_options)
        get_extractor(self.extractor)
        if self.prompt_format not in PROMPT_FORMATS.names():
            raise ConfigError(f"Unknown prompt format '{self.prompt_format}'. Known: "
                              f"{', '.join(PROMPT_FORMATS.names())}.")

    @classmethod
    def nested_settings(cls) -> dict[str, set[str]]:
        return {"backend_options": all_setting_names()}

    def backend_settings(self, backend: str) -> BackendConfig:
        """The concrete ``backend``'s Config from ``backend_options``."""
        return backend_config(backend, self.backend_options)

    @property
    def sampling(self) -> SamplingParams:
        return SamplingParams(
            temperature=float(self.temperature or 0.0),
            top_p=self.top_p,
            top_k=self.top_k,
            repetition_penalty=self.repetition_penalty,
            max_new_tokens=self.max_new_tokens,
            n=self.samples,
            seed=self.seed,
            stop=(self.stop,) if self.stop else (),
        )


@dataclasses.dataclass
class _Generated:
    """One batch's generation: completions per ready prompt, whether each came from the cache."""

    completions: list = dataclasses.field(default_factory=list)
    from_cache: list[bool] = dataclasses.field(default_factory=list)
    seconds: float = 0.0
    failure: str | None = None
    finished_at: float = 0.0


@dataclasses.dataclass
class _Votes:
    selections: dict[int, Selection] = dataclasses.field(default_factory=dict)
    seconds: float = 0.0
    failure: str | None = None


class PromptingMethod(Method):
    """Zero- or few-shot prompting, greedy or N samples with execution-based voting.

    Args:
        config: a :class:`PromptingConfig`.
        generator: an already loaded Generator (default: loaded from the config on first use).
        cache: a GenerationCache (default: the one under ``cache_dir()`` when ``config.cache``).
        execute: runs candidate SQL for voting (default: the harness executor).
    """

    name = "prompting"
    description = "Prompt an instruction model (zero/few-shot); optional N-sample voting"
    config_class = PromptingConfig

    def __init__(
        self,
        config: PromptingConfig | None = None,
        *,
        generator: Generator | None = None,
        cache: GenerationCache | None = None,
        execute: ExecuteFn | None = None,
    ):
        super().__init__(config)
        self.config: PromptingConfig
        self._generator = generator
        self._cache = cache
        self._execute = execute
        self._run_id = uuid.uuid4().hex[:8]
        self._batches = 0
        self.metas: list[dict[str, Any]] = []  # meta of every prediction made, for summaries

    # -- resources --------------------------------------------------------------------------------
    @property
    def generator(self) -> Generator:
        if self._generator is None:
            self._generator = _load(self.config)
        return self._generator

    @property
    def cache(self) -> GenerationCache | None:
        if self._cache is None and self.config.cache:
            self._cache = GenerationCache()
        return self._cache if self.config.cache else None

    def close(self) -> None:
        if self._generator is not None:
            self._generator.close()
            self._generator = None
        if self._cache is not None:
            self._cache.close()
            self._cache = None

    # -- predictions ------------------------------------------------------------------------------
    def prompt_builder(self, suite: Suite, examples: Sequence[Example] = ()) -> PromptBuilder:
        cfg = self.config
        budget = cfg.max_prompt_tokens
        ctx = self.generator.context_length
        if ctx:
            room = ctx - cfg.max_new_tokens
            budget = room if budget is None else min(budget, room)
        return PromptBuilder(
            suite,
            schema_format=cfg.schema_format,
            few_shot=cfg.few_shot,
            seed=cfg.seed,
            budget=budget,
            count_tokens=self.generator.count_tokens if budget is not None else None,
            exclude=examples,
        )

    def prompt_source(self, suite: Suite, examples: Sequence[Example] = ()) -> Any:
        """What builds each question's prompt: the house builder (which subclasses shape), or
        the named prompt format (``build(example) -> Prompt`` either way)."""
        if self.config.prompt_format == "house":
            return self.prompt_builder(suite, examples)
        builder = self.prompt_builder(suite, examples)
        fmt = make_format(self.config.prompt_format, suite, budget=builder.budget,
                          count_tokens=builder.count_tokens, exclude=examples,
                          seed=self.config.seed, **self.config.prompt_options)
        fmt.prepare(examples)  # e.g. a prebuilt file missing questions: refused before any work
        return fmt

    def prompt_identity(self, suite: Suite) -> dict[str, Any]:
        """Name, version and SHA-256 of the prompt format (what the run record names)."""
        if self.config.prompt_format == "house":
            options = {"schema_format": self.config.schema_format, "few_shot": self.config.few_shot}
            fmt = make_format("house", suite, seed=self.config.seed, **options)
        else:
            fmt = make_format(self.config.prompt_format, suite, seed=self.config.seed,
                              **self.config.prompt_options)
        return fmt.identity()

    def predict(self, examples: Sequence[Example], suite: Suite) -> Iterator[Prediction]:
        builder = self.prompt_source(suite, examples)
        size = self.config.batch_size
        if getattr(self.generator, "prefix_reuse", False):
            examples = by_database(examples)
        for start in range(0, len(examples), size):
            yield from self._predict_batch(list(examples[start : start + size]), builder, suite)

    def _predict_batch(
        self, batch: list[Example], builder: Any, suite: Suite
    ) -> Iterator[Prediction]:
        """One batch: prompts → generate (or the cache) → parse → vote → one Prediction each."""
        batch_id = f"{self._run_id}-{self._batches}"
        self._batches += 1
        prompts: list[Prompt] = [builder.build(e) for e in batch]
        ready = [i for i, p in enumerate(prompts) if p.error is None]
        gen = self._generate(prompts, ready)
        parsed: dict[int, list] = {}  # every candidate parsed, then (samples > 1) voted on
        lenient: dict[int, list] = {}  # the harness parser's reading, when another extractor rules
        if gen.failure is None:
            for k, i in enumerate(ready):
                texts = [c.text for c in gen.completions[k]]
                parsed[i] = [self._extract(t) for t in texts]
                if self.config.extractor != "lenient":
                    lenient[i] = [extract_sql(t) for t in texts]
        parse_s = time.perf_counter() - gen.finished_at
        vote = self._select(batch, parsed, suite)
        lenient_vote = self._select(batch, lenient, suite) if lenient else _Votes()
        shared = {
            "batch_id": batch_id,
            "batch_size": sum(1 for c in gen.from_cache if not c),
            # vLLM, HTTP servers and llama.cpp time each request: latency per question, not batch
            "per_request_latency": bool(getattr(self.generator, "per_request_latency", False)),
            "generation_s": gen.seconds if any(not c for c in gen.from_cache) else 0.0,
            "selection_s": vote.seconds,
            "from_cache": False,
        }
        for i, example in enumerate(batch):
            meta: dict[str, Any] = {
                "prompt_hash": prompts[i].hash if prompts[i].messages else None,
                "schema_step": prompts[i].schema_step,
                **shared,
                "error": prompts[i].error or (gen.failure if i in ready else None),
            }
            sql = ""
            if i in parsed:
                k = ready.index(i)
                sql = self._fill_meta(meta, gen.completions[k], parsed[i], gen.from_cache[k],
                                      vote, i, parse_s)
                if i in lenient:
                    meta["lenient_sql"] = _chosen(lenient[i], lenient_vote, i)
            self.metas.append(meta)
            yield Prediction(example.question_id, sql, meta)

    def _extract(self, text: str) -> ParsedSQL:
        """One completion's SQL under the configured extractor (lenient: with its reason)."""
        if self.config.extractor == "lenient":
            return extract_sql(text)
        sql = get_extractor(self.config.extractor)(text)
        reason = None if sql else f"no SQL under the {self.config.extractor} extractor"
        return ParsedSQL(sql, self.config.extractor, reason, text)

    def _generate(self, prompts: list[Prompt], ready: list[int]) -> _Generated:
        """The completions of the prompts that could be built (from the cache where it has them).

        A model or server that is gone stops the run (finished batches are saved); any other
        failure marks this batch's questions and the run goes on."""
        out = _Generated()
        if ready:
            try:
                out.completions, out.from_cache, out.seconds = cached_generate(
                    self.generator, [prompts[i].messages for i in ready], self.config.sampling,
                    self.cache,
                )
            except GenerationError:
                raise
            except Exception as exc:  # noqa: BLE001 - one bad batch must not end the run
                out.failure = f"generation_failed: {type(exc).__name__}: {exc}"
        out.finished_at = time.perf_counter()
        return out

    def _select(self, batch: list[Example], parsed: dict[int, list], suite: Suite) -> _Votes:
        """Several samples per question: execute every candidate together and vote."""
        votes = _Votes()
        if self.config.sampling.n > 1 and parsed:
            started = time.perf_counter()
            try:
                votes.selections = self._vote(batch, parsed, suite)
            except Exception as exc:  # noqa: BLE001 - keep the batch's completions all the same
                votes.failure = f"selection_failed: {type(exc).__name__}: {exc}"
            votes.seconds = time.perf_counter() - started
        return votes

    def _fill_meta(self, meta: dict, comps: list, cands: list, from_cache: bool, votes: _Votes,
                   i: int, parse_s: float) -> str:
        """Record one question's completions, candidates and latency in ``meta``; its SQL."""
        n = self.config.sampling.n
        meta.update(
            raw=[c.text for c in comps] if n > 1 else comps[0].text,
            candidates=[p.sql for p in cands],
            parse_reasons=[p.reason for p in cands],
            prompt_tokens=comps[0].prompt_tokens,
            completion_tokens=sum(c.completion_tokens for c in comps),
            from_cache=from_cache,
            finish_reasons=[c.finish_reason for c in comps],
        )
        if n > 1:
            chosen = votes.selections.get(i)
            sql = chosen.sql if chosen else ""
            meta["selection"] = chosen.to_dict() if chosen else None
            if not sql:
                meta["error"] = votes.failure or "no_candidate_executed"
        else:
            sql = cands[0].sql
            meta["error"] = cands[0].reason
        gen_latency = max(c.latency_s for c in comps)
        ttfts = [c.ttft_s for c in comps if c.ttft_s is not None]
        if from_cache:
            meta.update(latency_s=None, ttft_s=None, cached_latency_s=gen_latency)
        else:
            meta.update(latency_s=gen_latency + parse_s + votes.seconds,
                        ttft_s=min(ttfts) if ttfts else None)
        return sql

    def _vote(
        self, batch: list[Example], parsed: dict[int, list], suite: Suite
    ) -> dict[int, Selection]:
        queries: list[tuple[Path, str]] = []
        owners: list[tuple[int, int]] = []
        for i, cands in parsed.items():
            db_path = suite.database(batch[i].db_id).path
            for j, p in enumerate(cands):
                if p.sql:
                    queries.append((db_path, p.sql))
                    owners.append((i, j))
        results = self._run_queries(queries) if queries else []
        by_candidate = dict(zip(owners, results))
        selections = {}
        for i, cands in parsed.items():
            sqls = [p.sql for p in cands]
            execs = [by_candidate.get((i, j), NOT_RUN) for j in range(len(cands))]
            selections[i] = select(self.config.vote, sqls, execs)
        return selections

    def _run_queries(self, queries: list[tuple[Path, str]]) -> list[Execution]:
        if self._execute is not None:
            return self._execute(queries)
        try:
            from harness.evaluation.execution import ExecutionSettings, Executor, Query
        except ImportError as exc:  # pragma: no cover - the executor is part of the core
            raise ConfigError(
                f"Voting needs the harness executor (harness.evaluation.execution): {exc}"
            ) from exc
        executor = Executor(ExecutionSettings(), workers=os.cpu_count() or 1)
        try:
            return executor.run([Query(path, sql) for path, sql in queries])
        finally:
            close = getattr(executor, "close", None)
            if close:
                close()

    # -- provenance -------------------------------------------------------------------------------
    def provenance(self) -> dict[str, Any]:
        out = super().provenance()
        options = out["config"].get("backend_options") or {}
        if options.get("api_key"):
            out["config"]["backend_options"] = {**options, "api_key": "***"}
        identity = self._generator.identity if self._generator is not None else None
        out.update(
            backend=resolve_backend(self.config.backend, self.config.model)
            if identity is None
            else identity.get("backend"),
            model_identity=identity,
            dtype=(identity or {}).get("dtype", options.get("dtype", "auto")),
            batch_size=self.config.batch_size,
            hardware=hardware(),
            prompt_template={"version": PROMPT_TEMPLATE_VERSION, "sha256": template_hash()},
            prompt_format=self.config.prompt_format,
            extractor=self.config.extractor,
            sampling=self.config.sampling.to_dict(),
        )
        stats = getattr(self._generator, "stats", None)  # a backend that reuses prompt prefixes
        if stats is not None:
            out["prefix_reuse"] = {"prompt_tokens": stats.prompt_tokens,
                                   "evaluated_prompt_tokens": stats.evaluated_tokens}
        return out


def _chosen(cands: list[ParsedSQL], votes: _Votes, i: int) -> str:
    """The SQL one question ends with: its only candidate, or the vote's choice."""
    if len(cands) == 1:
        return cands[0].sql
    chosen = votes.selections.get(i)
    return chosen.sql if chosen else ""


def by_database(examples: Sequence[Example]) -> list[Example]:
    """The examples grouped by database, in order of each database's first question (a stable
    sort): a backend that reuses the KV state of a shared prompt prefix then evaluates each
    schema once. Predictions are keyed by question id, so their order does not matter.

    >>> [e.db_id for e in by_database([Example(1, "a", "q", ""), Example(2, "b", "q", ""),
    ...                                  Example(3, "a", "q", "")])]
    ['a', 'a', 'b']
    """
    first: dict[str, int] = {}
    for i, e in enumerate(examples):
        first.setdefault(e.db_id, i)
    return sorted(examples, key=lambda e: first[e.db_id])


def _load(cfg: PromptingConfig) -> Generator:
    backend = resolve_backend(cfg.backend, cfg.model)
    return load_generator(
        cfg.model, backend, cfg.backend_settings(backend),
        batch_size=cfg.batch_size, seed=cfg.seed,
    )
