"""The run record's ``generation`` block: recipe, format, extractor, both EX figures, length hits.

With an extractor other than ``lenient`` the prompting method keeps, per question, the SQL the
harness's lenient parser would have chosen (``meta["lenient_sql"]``); scoring those too gives the
lenient EX beside the headline (upstream extractor) EX, and the questions where the two differ.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from harness.core import Prediction

#: ``rescore(predictions) -> (record, samples)``: the pipeline's scoring of other predictions.
Rescore = Callable[[dict[int, Prediction]], tuple[Any, list[Any]]]


def recipe_sources(config: Any) -> tuple[list[str], list[str]]:
    """(settings that hold the recipe's value, settings a flag or file changed)."""
    from harness.generation.recipes import RECIPES

    recipe = RECIPES.get(getattr(config, "recipe", None) or "")
    if recipe is None:
        return [], []
    settings = recipe.settings()
    kept = sorted(k for k, v in settings.items() if getattr(config, k, None) == v)
    return kept, sorted(set(settings) - set(kept))


def length_hits(predictions: dict[int, Prediction]) -> tuple[int, int]:
    """(completions, completions that stopped at the token budget: finish_reason "length")."""
    reasons = [r for p in predictions.values() for r in (p.meta or {}).get("finish_reasons") or []]
    return len(reasons), sum(r == "length" for r in reasons)


def extraction_block(
    record: Any, samples: list[Any], predictions: dict[int, Prediction], rescore: Rescore
) -> dict | None:
    """EX under the lenient parser beside the headline, and where the two readings differ."""
    lenient = {q: Prediction(q, p.meta["lenient_sql"]) for q, p in predictions.items()
               if "lenient_sql" in (p.meta or {})}
    if not lenient:
        return None
    other, other_samples = rescore(lenient)
    verdicts = {s.example.question_id: s.verdict.correct for s in samples}
    lenient_verdicts = {s.example.question_id: s.verdict.correct for s in other_samples}
    differ_sql = sorted(q for q, p in lenient.items() if p.sql != predictions[q].sql)
    differ_verdict = sorted(q for q in lenient_verdicts
                            if q in verdicts and lenient_verdicts[q] != verdicts[q])
    return {
        "ex": record.metrics.ex,
        "lenient_ex": other.metrics.ex,
        "lenient_ex_ci95": other.metrics.ex_ci95,
        "questions": len(lenient),
        "differing_sql": len(differ_sql),
        "differing_verdicts": len(differ_verdict),
        "differing_question_ids": differ_sql[:200],
    }


def generation_info(
    method: Any, suite: Any, record: Any, samples: list[Any],
    predictions: dict[int, Prediction], rescore: Rescore,
) -> dict | None:
    """The run record's ``generation`` block (the fields of
    :class:`harness.evaluation.records.GenerationInfo`) for a method that builds prompts and
    extracts SQL; None for any other."""
    config = method.config
    if not hasattr(method, "prompt_identity") or not dataclasses.is_dataclass(config):
        return None
    kept, changed = recipe_sources(config)
    completions, hits = length_hits(predictions)
    samples_n = getattr(config, "samples", 1)
    return dict(
        recipe=getattr(config, "recipe", None),
        prompt_format=method.prompt_identity(suite),
        extractor=getattr(config, "extractor", "lenient"),
        selection=getattr(config, "vote", "none") if samples_n > 1 else "none",
        completions=completions,
        hit_token_limit=hits,
        from_recipe=kept,
        from_flags=changed,
        extraction=extraction_block(record, samples, predictions, rescore),
    )
