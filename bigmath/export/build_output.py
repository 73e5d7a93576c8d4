"""Read a build output folder (``bigmath build ... --out OUT``) for export, card and push.

The layout is fixed in ``docs/CONTRIBUTING.md`` ("Build outputs")::

    OUT/kept.parquet      kept rows (core columns, signal columns, flags)
    OUT/rejected.parquet  rejected-ledger rows (stage, reason, reasons, ... then the row)
    OUT/stats.json        counts: ingested/kept/rejected, stages, sources, reasons, funnel
    OUT/build.json        bigmath_version, recipe, sources (describe()), stages, versions

Every reader here fails with :class:`BuildOutputError` naming the file and the missing field,
so ``bigmath export/card/push`` on a half-written or foreign folder says what is wrong.
"""

from __future__ import annotations

import dataclasses
import json
from functools import cached_property
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from bigmath.schema import CORE_COLUMNS

#: Keys every ``stats.json`` must hold (see docs/CONTRIBUTING.md, "Build outputs").
STATS_KEYS = ("ingested", "kept", "rejected", "stages", "sources", "reasons", "funnel")
#: Keys every ``build.json`` must hold.
BUILD_KEYS = ("bigmath_version", "recipe", "sources", "stages", "versions")


class BuildOutputError(ValueError):
    """A build folder is missing a file, or a file lacks a field; the message names both."""


def _read_json(path: Path, required: tuple[str, ...]) -> dict[str, Any]:
    if not path.is_file():
        raise BuildOutputError(f"{path}: file not found; is {path.parent} the output folder of `bigmath build`?")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise BuildOutputError(f"{path}: invalid JSON (line {exc.lineno}, column {exc.colno}): {exc.msg}") from None
    if not isinstance(data, dict):
        raise BuildOutputError(f"{path}: expected a JSON object, got {type(data).__name__}")
    missing = [key for key in required if key not in data]
    if missing:
        raise BuildOutputError(f"{path}: missing field(s) {missing}")
    return data


@dataclasses.dataclass(frozen=True)
class BuildOutput:
    """A finished build folder.

    Attributes:
        root: the folder given to ``bigmath build --out``.

    Properties load lazily and are cached: :attr:`stats` and :attr:`build` (dicts from the JSON
    files), :attr:`kept` and :attr:`rejected` (Arrow tables; ``rejected`` is None when the file
    is absent, e.g. a build where nothing was rejected and the engine wrote no ledger).
    """

    root: Path

    @classmethod
    def open(cls, root: str | Path) -> "BuildOutput":
        """Check that ``root`` is a build folder and return it.

        Raises:
            BuildOutputError: ``root`` is not a folder or lacks ``kept.parquet``/``stats.json``.
        """
        root = Path(root)
        if not root.is_dir():
            raise BuildOutputError(f"{root}: not a folder; pass the output folder of `bigmath build`")
        if not (root / "kept.parquet").is_file():
            raise BuildOutputError(f"{root / 'kept.parquet'}: file not found; has `bigmath build` finished?")
        return cls(root)

    @cached_property
    def stats(self) -> dict[str, Any]:
        """``stats.json`` as a dict (keys :data:`STATS_KEYS`)."""
        return _read_json(self.root / "stats.json", STATS_KEYS)

    @cached_property
    def build(self) -> dict[str, Any]:
        """``build.json`` as a dict (keys :data:`BUILD_KEYS`)."""
        return _read_json(self.root / "build.json", BUILD_KEYS)

    @cached_property
    def kept(self) -> pa.Table:
        """``kept.parquet``: at least the core columns of :data:`bigmath.schema.PROBLEM_SCHEMA`.

        Raises:
            BuildOutputError: a core column is missing.
        """
        path = self.root / "kept.parquet"
        table = pq.read_table(path)
        missing = [c for c in CORE_COLUMNS if c not in table.column_names]
        if missing:
            raise BuildOutputError(f"{path}: missing core column(s) {missing}")
        return table

    @cached_property
    def rejected(self) -> pa.Table | None:
        """``rejected.parquet`` (ledger layout), or None when the file does not exist."""
        path = self.root / "rejected.parquet"
        return pq.read_table(path) if path.is_file() else None

    @property
    def recipe(self) -> dict[str, Any]:
        """The validated recipe as recorded in ``build.json``."""
        return self.build.get("recipe") or {}

    @property
    def card_settings(self) -> dict[str, Any]:
        """The recipe's free-form ``card`` mapping (title, pretty_name, language, ...)."""
        return dict(self.recipe.get("card") or {})

    def source_info(self) -> list[dict[str, Any]]:
        """One dict per source in ``build.json`` order: name, hub_id, revision, license, citation.

        Raises:
            BuildOutputError: a source entry has no ``name``.
        """
        out = []
        for i, source in enumerate(self.build.get("sources") or []):
            if not isinstance(source, dict) or not source.get("name"):
                raise BuildOutputError(f"{self.root / 'build.json'}: sources[{i}]: missing field 'name'")
            out.append(source)
        return out
