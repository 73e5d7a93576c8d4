"""Recipes: ``pipelines/*.yaml`` validated by pydantic and compiled into sources and stages.

A recipe is the same object a Python user builds by hand::

    Recipe(name="mine", sources=[Math(path="math.jsonl")],
           stages=[FilterStage(filters=[Proof(), MultipleChoice()])])

YAML form (short registry names; see ``bigmath sources`` / ``bigmath filters``)::

    name: samples
    shard_size: 5000              # rows per shard (the unit of parallelism and resume)
    sources:
      - {type: math, path: ../../shared/data/math/sample.jsonl}
    stages:
      - type: filters
        stage_name: rule_filters
        filters: [{type: hyperlink}, {type: proof}]

Relative ``path`` values are resolved against the recipe file's folder; ``$VARS`` are expanded.
Every error names the file and the key (``stages[1].filters[0].type: unknown filter ...``) and is
raised before any work starts.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, SerializeAsAny, ValidationError

from bigmath.pipeline.components import RecipeError, build_list, format_validation_error
from bigmath.pipeline.stage import Stage

_TOP_LEVEL = ("name", "description", "out", "shard_size", "limit", "sources", "stages", "card")


class Recipe(BaseModel):
    """A validated build recipe.

    Attributes:
        name: recipe name (used for the default output folder and the dataset card).
        description: free text for the dataset card.
        out: default output folder (``bigmath build --out`` overrides it); relative to the cwd.
        shard_size: rows per shard, the unit of parallelism, caching and resume (default 10,000).
        limit: read at most this many rows per source (None = all); ``--limit`` overrides it.
        sources: source adapters, in priority order (earlier sources win exact-duplicate ties).
        stages: stages after ingest, in order.
        card: free-form settings for the dataset card (title, pretty_name, ...).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    description: str = ""
    out: str | None = None
    shard_size: int = Field(10_000, gt=0)
    limit: int | None = Field(None, gt=0)
    sources: list[SerializeAsAny[BaseModel]] = Field(min_length=1)
    stages: list[SerializeAsAny[Stage]] = Field(default_factory=list)
    card: dict[str, Any] = Field(default_factory=dict)

    def config(self) -> dict[str, Any]:
        """JSON-able form of the whole recipe (what ``build.json`` records)."""
        return {
            "name": self.name,
            "description": self.description,
            "shard_size": self.shard_size,
            "limit": self.limit,
            "sources": [{"type": type(s).registry_name, **s.model_dump(mode="json")} for s in self.sources],
            "stages": [s.config() for s in self.stages],
            "card": self.card,
        }


def _resolve_path(value: Any, base_dir: Path) -> Any:
    if not isinstance(value, str):
        return value
    value = os.path.expandvars(os.path.expanduser(value))
    path = Path(value)
    return str(path if path.is_absolute() else (base_dir / path).resolve())


def recipe_from_dict(data: Any, *, base_dir: Path | None = None, where: str = "recipe") -> Recipe:
    """Validate a recipe given as a dict (as loaded from YAML).

    Args:
        data: the recipe mapping.
        base_dir: folder that relative source paths are resolved against (default: cwd).
        where: name of the recipe in error messages (the file path).

    Raises:
        RecipeError: unknown top-level key, unknown component name, or invalid value; the
            message names ``where`` and the key path.
    """
    if not isinstance(data, dict):
        raise RecipeError(f"{where}: a recipe must be a mapping, got {type(data).__name__}")
    unknown = sorted(set(data) - set(_TOP_LEVEL))
    if unknown:
        raise RecipeError(f"{where}: {unknown[0]}: unknown key; recipe keys are {', '.join(_TOP_LEVEL)}")
    base_dir = base_dir or Path.cwd()
    data = dict(data)
    try:
        sources = []
        for i, spec in enumerate(data.get("sources") or []):
            if isinstance(spec, dict) and "path" in spec:
                spec = {**spec, "path": _resolve_path(spec["path"], base_dir)}
            sources.append(spec)
        data["sources"] = build_list("source", sources, "sources")
        data["stages"] = build_list("stage", data.get("stages") or [], "stages")
    except RecipeError as exc:
        raise RecipeError(f"{where}: {exc}") from None
    try:
        recipe = Recipe.model_validate(data)
    except ValidationError as exc:
        raise RecipeError(f"{where}: {format_validation_error(exc, '')}".replace(": .", ": ")) from None
    labels = [s.label() for s in recipe.stages]
    dupes = sorted({label for label in labels if labels.count(label) > 1})
    if dupes:
        raise RecipeError(f"{where}: stages: stage name(s) {dupes} used twice; set stage_name to tell them apart")
    return recipe


def load_recipe(path: str | Path) -> Recipe:
    """Read and validate a YAML recipe file (see the module docstring for the format).

    Raises:
        RecipeError: the file is missing, is not valid YAML (line and column given), or fails
            validation (key path given).
    """
    path = Path(path)
    if not path.is_file():
        raise RecipeError(f"{path}: recipe file not found")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        raise RecipeError(f"{path}{at}: invalid YAML: {getattr(exc, 'problem', exc)}") from None
    return recipe_from_dict(data, base_dir=path.resolve().parent, where=str(path))
