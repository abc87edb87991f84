"""The backend registry: a backend added from outside the core (here, from this test) is
selectable by name in ``harness run`` and ``harness serve``, its settings are flags, ``auto``
follows the priorities, and a setting of another backend is one clear error."""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from typing import Any, ClassVar

import pytest

from harness.cli import main
from harness.errors import ConfigError, UnknownNameError
from harness.evaluation.records import read_record, read_samples
from harness.generation.backends import BACKENDS, backend_config, load_generator, resolve_backend
from harness.generation.base import BackendConfig, Completion, Messages, SamplingParams
from tests.support import REPO
from tests.test_generation_openai import free_port


@dataclass
class CannedConfig(BackendConfig):
    canned_sql: str = dataclasses.field(
        default="SELECT 1", metadata={"help": "canned: the one answer it gives."}
    )


class CannedGenerator:
    """A throwaway backend: answers every prompt with one SQL query, in a ```sql fence."""

    name: ClassVar[str] = "canned"
    Config: ClassVar[type[BackendConfig]] = CannedConfig
    auto_priority: ClassVar[int | None] = 1000

    @classmethod
    def usable(cls, model: str | None = None) -> bool:
        return str(model).endswith(".canned")  # auto picks it only for its own models

    def __init__(self, model: str, canned_sql: str = "SELECT 1", seed: int = 0):
        self.model, self.canned_sql, self.seed = model, canned_sql, seed

    @property
    def identity(self) -> dict[str, Any]:
        return {"backend": "canned", "name": self.model, "model_id": f"canned:{self.canned_sql}"}

    @property
    def context_length(self) -> int | None:
        return 4096

    def generate(self, prompts: list[Messages], params: SamplingParams, cancel=None):
        text = f"```sql\n{self.canned_sql}\n```"
        return [[Completion(text, self.count_tokens(p), 8, 0.001, finish_reason="stop")
                 for _ in range(params.n)] for p in prompts]

    def count_tokens(self, messages: Messages) -> int:
        return sum(len(m["content"].split()) for m in messages)

    def close(self) -> None:
        pass


REGISTER = "tests.test_generation_backends:CannedGenerator"


@pytest.fixture
def canned():
    BACKENDS.register("canned", CannedGenerator, origin="test")
    yield "canned"
    BACKENDS.unregister("canned")


def test_a_registered_backend_runs_harness_run_with_its_own_flag(canned, tmp_path):
    out = tmp_path / "run"
    code = main(["run", "--method", "prompting", "--suite", "sample", "--limit", "3",
                 "--backend", "canned", "--canned-sql", "SELECT 42", "--no-cache",
                 "--out", str(out)])
    assert code == 0
    record = read_record(out)
    assert record.method.model_identity["backend"] == "canned"
    assert record.method.config["backend_options"] == {"canned_sql": "SELECT 42"}
    assert {s["pred_sql"] for s in read_samples(out)} == {"SELECT 42"}


def test_a_registered_backend_serves_over_the_openai_api(tmp_path):
    port = free_port()
    script = ("import sys; from harness.generation.backends import BACKENDS; "
              f"BACKENDS.register('canned', {REGISTER!r}); from harness.cli import main; "
              "sys.exit(main(sys.argv[1:]))")
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    server = subprocess.Popen(
        [sys.executable, "-c", script, "serve", "--model", "m", "--backend", "canned",
         "--canned-sql", "SELECT 7", "--port", str(port)],
        cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    try:
        url = f"http://127.0.0.1:{port}/v1/chat/completions"
        body = json.dumps({"model": "m", "messages": [{"role": "user", "content": "hi"}]})
        deadline = time.monotonic() + 120
        while True:
            try:
                request = urllib.request.Request(url, data=body.encode(),
                                                 headers={"Content-Type": "application/json"})
                with urllib.request.urlopen(request, timeout=10) as response:
                    answer = json.loads(response.read())
                break
            except OSError:
                assert server.poll() is None, server.stdout.read() if server.stdout else ""
                assert time.monotonic() < deadline, "the server did not start"
                time.sleep(0.3)
        assert answer["choices"][0]["message"]["content"] == "```sql\nSELECT 7\n```"
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_auto_follows_priority_and_usability(canned):
    assert resolve_backend("auto", "model.canned") == "canned"
    assert resolve_backend("auto", "smollm2-135m") in {"transformers", "vllm", "llama.cpp"}
    generator = load_generator("x.canned", "auto", batch_size=4, seed=3)
    assert isinstance(generator, CannedGenerator) and generator.seed == 3


def test_settings_belong_to_their_backend(canned):
    assert backend_config("canned", {"canned_sql": "SELECT 2"}).kwargs() == {
        "canned_sql": "SELECT 2"}
    with pytest.raises(ConfigError, match="Backend 'canned' has no setting dtype"):
        backend_config("canned", {"dtype": "float32"})
    with pytest.raises(UnknownNameError, match="Unknown backend 'caned'. Did you mean: canned"):
        resolve_backend("caned")
    assert main(["run", "--suite", "sample", "--backend", "canned", "--dtype", "float32",
                 "--limit", "1"]) == 1


def test_every_builtin_backend_declares_the_contract():
    for name in ("transformers", "vllm", "openai"):
        cls = BACKENDS.get(name)
        assert cls.name == name and issubclass(cls.Config, BackendConfig)
        assert all(f.metadata.get("help") for f in dataclasses.fields(cls.Config))
        assert cls.auto_priority is None or isinstance(cls.auto_priority, int)
