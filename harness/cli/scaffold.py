"""``harness methods new NAME``: a working method skeleton and its test, ready to edit."""

from __future__ import annotations

import keyword
import re
from pathlib import Path

from harness.errors import ConfigError

METHOD_TEMPLATE = '''"""{title}: a text2sql-harness method.

Run it:   harness run --method {module_path}:{class_name} --suite sample
Register it for `--method {name}` from a package: in its pyproject.toml,

    [project.entry-points."harness.methods"]
    {name} = "your_package.{module}:{class_name}"
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Sequence

from harness.core import Example, Prediction
from harness.method import Method, MethodConfig
from harness.suite import Suite


@dataclasses.dataclass
class {class_name}Config(MethodConfig):
    """Settings of {class_name}; every field needs a default (YAML and flags can override)."""

    table_hint: bool = dataclasses.field(
        default=True, metadata={{"help": "Example setting: query the first table of the schema."}}
    )


class {class_name}(Method):
    name = "{name}"
    description = "Skeleton method: replace predict() with your own."
    config_class = {class_name}Config
    # A method that learns: subclass methods.training.TrainedMethod instead and implement
    # run_training(suite, split, out_dir) -> dict of statistics. Its train() wraps that: a
    # finished out_dir (its completion marker) is reused on resume, never trained again.
    trains = False

    def predict(self, examples: Sequence[Example], suite: Suite) -> Iterator[Prediction]:
        for example in examples:
            schema = suite.schema_entry(example.db_id) or {{}}
            tables = schema.get("table_names_original") or ["sqlite_master"]
            sql = f'SELECT count(*) FROM "{{tables[0]}}"'
            yield Prediction(example.question_id, sql, meta={{"note": "skeleton"}})
'''

TEST_TEMPLATE = '''"""Runs {class_name} end to end on the embedded sample suite."""

from pathlib import Path

from harness.config import resolve_method
from harness.evaluation.config import EvalConfig
from harness.pipeline import evaluate
from harness.suite import load_suite

METHOD_FILE = Path(__file__).with_name("{module}.py")


def test_{module}_runs_on_the_sample_suite():
    method_cls = resolve_method(f"{{METHOD_FILE}}:{class_name}")
    suite = load_suite("sample")
    examples = suite.load_examples("dev")
    method = method_cls()
    predictions = {{p.question_id: p for p in method.predict(examples, suite)}}
    assert set(predictions) == {{e.question_id for e in examples}}
    record, _ = evaluate(suite, EvalConfig(split="dev"), predictions=predictions)
    assert record.counts.total == len(examples)
    assert 0.0 <= record.metrics.ex <= 1.0
'''


def write_method_skeleton(name: str, directory: Path) -> list[Path]:
    if not re.fullmatch(r"[a-z][a-z0-9-]*", name):
        raise ConfigError(
            f"Method name '{name}' must be lower case letters, digits and hyphens, "
            f"starting with a letter (e.g. my-method)."
        )
    module = name.replace("-", "_")
    if keyword.iskeyword(module):
        raise ConfigError(f"Method name '{name}' is a Python keyword; choose another.")
    class_name = "".join(part.capitalize() for part in module.split("_")) + "Method"
    directory.mkdir(parents=True, exist_ok=True)
    method_path = directory / f"{module}.py"
    test_path = directory / f"test_{module}.py"
    for path in (method_path, test_path):
        if path.exists():
            raise ConfigError(f"{path} already exists; choose another name or --dir.")
    values = dict(name=name, module=module, class_name=class_name, title=name,
                  module_path=method_path.as_posix())
    method_path.write_text(METHOD_TEMPLATE.format(**values), encoding="utf-8")
    test_path.write_text(TEST_TEMPLATE.format(**values), encoding="utf-8")
    return [method_path, test_path]
