"""Test helper: real builds (through the engine) of slices of the shared data, for export/card/push tests.

``real_build`` runs ``bigmath.pipeline.engine.build`` on the first rows of MATH test, Omni-MATH
and HARP's proof split with real filters, so ``kept.parquet``, ``rejected.parquet``,
``stats.json`` and ``build.json`` are exactly what users get. With ``tiny_model`` it adds a real
``solve_rate`` stage (transformers backend, the random-weight test model, alias ``tiny``).

Tests get it through the ``export_helpers`` fixture (``tests/conftest.py``): pytest runs with
``--import-mode=importlib``, so test modules cannot import each other.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from rich.console import Console

from bigmath.pipeline.engine import build
from bigmath.pipeline.recipe import recipe_from_dict
from bigmath.schema import PROBLEM_SCHEMA


def real_build(
    out: Path,
    shared_data: Path,
    *,
    n_math: int = 80,
    n_omni: int = 40,
    n_harp_proof: int = 6,
    filters: tuple[str, ...] = ("proof", "multiple_choice"),
    tiny_model: Path | None = None,
) -> Path:
    """Build the first ``n_*`` rows of MATH test, Omni-MATH and the HARP proof split into ``out``.

    Stages: a ``filters`` stage named ``rule_filters`` with ``filters``; with ``tiny_model``, a
    ``solve_rate`` stage (2 rollouts of 8 tokens, alias ``tiny``; a random model solves nothing,
    so rates are 0.0 and no rollout is kept). Returns ``out``.
    """
    sources = [
        {"type": "math", "path": str(shared_data / "math" / "sample.jsonl"), "limit": n_math},
        {"type": "omni_math", "path": str(shared_data / "omni_math" / "sample.jsonl"), "limit": n_omni},
    ]
    if n_harp_proof:
        sources.append({"type": "harp", "path": str(shared_data / "harp" / "proof_based.jsonl"), "limit": n_harp_proof})
    stages: list[dict] = [{"type": "filters", "stage_name": "rule_filters", "filters": [{"type": f} for f in filters]}]
    if tiny_model is not None:
        stages.append({"type": "solve_rate", "sampling": {"samples": 2, "max_tokens": 8}, "grade_workers": 1,
                       "backend": {"type": "transformers", "model": str(tiny_model), "alias": "tiny", "device": "cpu",
                                   "threads": 1}})
    recipe = recipe_from_dict({"name": "export-test", "description": "Real MATH, Omni-MATH and HARP rows.",
                               "card": {"pretty_name": "bigmath export test"}, "sources": sources, "stages": stages})
    build(recipe, out, console=Console(quiet=True))
    return out


def rewrite_kept(build_dir: Path, out: Path, table: pa.Table) -> Path:
    """Copy the build folder ``build_dir`` to ``out`` with ``kept.parquet`` replaced by ``table``
    (for tests of hand-edited or damaged build outputs). Returns ``out``."""
    shutil.copytree(build_dir, out, ignore=shutil.ignore_patterns("[0-9][0-9]_*", "cache", "card", "hub"))
    pq.write_table(table, out / "kept.parquet")
    return out


def core_schema_names() -> list[str]:
    """Core column names (for assertions)."""
    return list(PROBLEM_SCHEMA.names)
