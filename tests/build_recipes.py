"""Test helper: small recipes over the shared samples, and the bytes a build's outputs hold.

Used by the engine and Ray executor tests through the ``build_recipes`` fixture
(``tests/conftest.py``; ``--import-mode=importlib`` means test modules cannot import each other).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml


def write_recipe(tmp_path: Path, shared: Path, *, name: str, filters: list[dict[str, Any]],
                 stage_type: str = "filters", shard_size: int = 1000, extra_stages=(),
                 limit: int | None = None) -> Path:
    """Write ``tmp_path/recipe.yaml``: MATH, HARP proof and Omni-MATH samples, then a rule-filter
    stage named ``rule_filters`` (of type ``stage_type``) with ``filters``, then ``extra_stages``."""
    data = {
        "name": name,
        "shard_size": shard_size,
        "sources": [
            {"type": "math", "path": str(shared / "math" / "sample.jsonl")},
            {"type": "harp", "path": str(shared / "harp" / "proof_based.jsonl")},
            {"type": "omni_math", "path": str(shared / "omni_math" / "sample.jsonl")},
        ],
        "stages": [{"type": stage_type, "stage_name": "rule_filters", "filters": filters}, *extra_stages],
    }
    if limit:
        data["limit"] = limit
    path = tmp_path / "recipe.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def digest(out: Path) -> tuple[bytes, bytes]:
    """The bytes of a finished build's ``kept.parquet`` and ``rejected.parquet``."""
    return (out / "kept.parquet").read_bytes(), (out / "rejected.parquet").read_bytes()
