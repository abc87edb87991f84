"""Recipes: evaluate a published checkpoint as its authors did (see :mod:`.base`, :mod:`.builtin`).

``RECIPES`` maps a name to its :class:`Recipe`; :func:`get_recipe` refuses an unknown name with
the list of known ones; :func:`merge_settings` layers config file < recipe < flags and says where
each value came from.
"""

from __future__ import annotations

from typing import Any

from harness.errors import ConfigError
from harness.generation.recipes.base import Decoding, Published, Recipe
from harness.generation.recipes.builtin import BUILTIN

RECIPES: dict[str, Recipe] = {r.name: r for r in BUILTIN}


def get_recipe(name: str) -> Recipe:
    """The recipe called ``name``; an unknown one is a ConfigError naming every known recipe."""
    if name not in RECIPES:
        raise ConfigError(f"Unknown recipe '{name}'. Known recipes: {', '.join(RECIPES)}.")
    return RECIPES[name]


def merge_settings(
    recipe: Recipe, file_values: dict[str, Any], flags: dict[str, Any]
) -> tuple[dict[str, Any], list[str], list[str]]:
    """Config-file values under the recipe's, flags over both.

    Returns (values for the config file layer, names set by the recipe and kept, names the
    flags set over the recipe)."""
    given = {k.replace("-", "_") for k, v in flags.items() if v is not None}
    settings = recipe.settings()
    merged = {**file_values, **settings, "recipe": recipe.name}
    kept = sorted(k for k in settings if k not in given)
    overridden = sorted(k for k in settings if k in given)
    return merged, kept, overridden


def reproduce_command(recipe: Recipe, suite: str, split: str) -> str:
    """The command line that reproduces one of the recipe's published numbers."""
    return f"harness run --recipe {recipe.name} --suite {suite} --split {split}"


__all__ = ["RECIPES", "Decoding", "Published", "Recipe", "get_recipe", "merge_settings",
           "reproduce_command"]
