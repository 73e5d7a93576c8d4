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

Every ``path``, ``*_path`` and ``*_dir`` value (at any depth: sources, benchmark files, ...) that
is relative is resolved against the recipe file's folder; ``$VARS`` and ``~`` are expanded. Such
inputs must exist (and variables be set) when the recipe is loaded.
``out`` is relative to the current folder.
Every error names the file and the key (``stages[1].filters[0].type: unknown filter ...``) and is
raised before any work starts.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, SerializeAsAny, ValidationError, model_validator

from bigmath.pipeline.components import RecipeError, build, component_spec, format_validation_error
from bigmath.pipeline.stage import Stage

_UNSET_VARIABLE = re.compile(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)")
_TOP_LEVEL = ("name", "description", "out", "shard_size", "limit", "sources", "stages", "card")


class Recipe(BaseModel):
    """A validated build recipe.

    Attributes:
        name: recipe name (used for the default output folder and the dataset card).
        description: free text for the dataset card.
        out: default output folder (``bigmath build --out`` overrides it); relative to the cwd.
        shard_size: rows per shard, the unit of parallelism, caching and resume (default 10,000).
        limit: read at most this many rows per source (None = all); ``--limit`` replaces it. A
            source's own ``limit`` still applies when it is smaller.
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
    sources: list[SerializeAsAny[BaseModel]]
    stages: list[SerializeAsAny[Stage]] = Field(default_factory=list)
    card: dict[str, Any] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _stages_fit_together(self) -> "Recipe":
        for i, stage in enumerate(self.stages):
            try:
                stage.check_upstream(list(self.stages[:i]))
            except ValueError as exc:
                raise ValueError(f"stages[{i}] ({stage.label()}): {exc}") from None
        return self

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


    def spec(self) -> dict[str, Any]:
        """The recipe as YAML-ready data (short names, only non-default settings): loading it with
        :func:`recipe_from_dict` gives back an equal recipe. ``bigmath <command> --dry-run`` prints it."""
        data: dict[str, Any] = {"name": self.name}
        if self.description:
            data["description"] = self.description
        defaults = {k: f.default for k, f in Recipe.model_fields.items() if k in ("shard_size", "limit")}
        data.update({k: getattr(self, k) for k, v in defaults.items() if getattr(self, k) != v})
        data["sources"] = [component_spec(s) for s in self.sources]
        data["stages"] = [component_spec(s) for s in self.stages]
        if self.card:
            data["card"] = self.card
        return data

    def to_yaml(self) -> str:
        """:meth:`spec` as YAML text, ready to save as ``pipelines/<name>.yaml``."""
        return yaml.safe_dump(self.spec(), sort_keys=False, allow_unicode=True, width=100)


def is_path_key(key: Any) -> bool:
    """Whether a recipe key names a local path (``path``, ``*_path``, ``*_dir``): such values are
    resolved against the recipe's folder, checked before work, and shortened in dataset cards."""
    return isinstance(key, str) and (key == "path" or key.endswith(("_path", "_dir")))


def _resolve_paths(spec: Any, base_dir: Path, where: str, errors: list[str]) -> Any:
    """Resolve every ``path`` / ``*_path`` / ``*_dir`` value (at any depth) against ``base_dir``.

    Appends ``<key path>: ...`` to ``errors`` for a value that names an unset ``$VARIABLE`` or a
    file or folder that does not exist (inputs are checked before any work starts).
    """
    if isinstance(spec, dict):
        out = {}
        for key, value in spec.items():
            at = f"{where}.{key}"
            out[key] = _resolve_path(value, base_dir, at, errors) if is_path_key(key) else \
                _resolve_paths(value, base_dir, at, errors)
        return out
    if isinstance(spec, list):
        return [_resolve_paths(item, base_dir, f"{where}[{i}]", errors) for i, item in enumerate(spec)]
    return spec


def _resolve_path(value: Any, base_dir: Path, where: str, errors: list[str]) -> Any:
    if not isinstance(value, str):
        return value
    expanded = os.path.expandvars(os.path.expanduser(value))
    unset = _UNSET_VARIABLE.search(expanded)
    if unset:
        errors.append(f"{where}: {value!r} uses ${unset.group(1)}, which is not set")
        return value
    path = Path(expanded)
    path = path if path.is_absolute() else (base_dir / path).resolve()
    if not path.exists():
        errors.append(f"{where}: {path} does not exist")
    return str(path)


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
    errors: list[str] = []
    try:  # scalar keys first, so their errors are reported even when a component is also wrong
        Recipe.model_validate({**data, "sources": [], "stages": []})
    except ValidationError as exc:
        errors += [e for e in format_validation_error(exc, "").split("; ") if not e.startswith(".sources")]
    for key, kind in (("sources", "source"), ("stages", "stage")):
        built = []
        for i, spec in enumerate(data.get(key) or []):
            spec = _resolve_paths(spec, base_dir, f"{key}[{i}]", errors)
            try:
                built.append(build(kind, spec, f"{key}[{i}]"))
            except RecipeError as exc:
                errors.append(str(exc))
        data[key] = built
    if not data["sources"] and not errors:
        errors.append("sources: at least one source is needed")
    if errors:
        raise RecipeError(f"{where}: " + "; ".join(e.lstrip(".") for e in errors))
    try:
        recipe = Recipe.model_validate(data)
    except ValidationError as exc:
        raise RecipeError(f"{where}: " + format_validation_error(exc, "").lstrip(".: ")) from None
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
