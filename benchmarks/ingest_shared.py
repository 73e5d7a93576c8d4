"""Per-file ingest figures for every file in ``../shared/data/{math,harp,omni_math}/``.

Prints, per file: native rows, kept, rejected by reason, rows upstream gives an answer for, and
the share of those that became a Problem with a non-empty answer. Also times the whole ingest
per file, run by the build engine as ``bigmath ingest`` runs it (read, map, shards, outputs).

Usage::

    .venv/bin/python benchmarks/ingest_shared.py [SHARED_DATA_DIR]
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path

import pyarrow.parquet as pq
from rich.console import Console

from bigmath.pipeline.engine import build
from bigmath.pipeline.recipe import Recipe
from bigmath.registry import get_source

FOLDERS = ("math", "harp", "omni_math")


def upstream_has_answer(folder: str, row: dict) -> bool:
    """MATH: the solution has a box; HARP / Omni-MATH: a non-empty ``answer`` field."""
    if folder == "math":
        return "\\boxed" in row["solution"] or "\\fbox" in row["solution"]
    return bool(str(row.get("answer") or "").strip())


def native_key(folder: str, row: dict, index: int, unit: str) -> str:
    """The source_id the adapter gives this row (HARP: year/contest/number; else unit/index)."""
    return f"{row['year']}/{row['contest']}/{row['number']}" if folder == "harp" else f"{unit}/{index}"


def main(shared: Path) -> None:
    print(f"{'file':<26} {'rows':>6} {'kept':>6} {'rejected (reasons)':<22} {'answered':>8} "
          f"{'with answer':>12} {'rows/s':>8}")
    for folder in FOLDERS:
        for file in sorted((shared / folder).iterdir()):
            native = [json.loads(x) for x in file.read_text(encoding="utf-8").split("\n") if x.strip()]
            with tempfile.TemporaryDirectory() as tmp:
                start = time.perf_counter()
                recipe = Recipe(name="ingest", sources=[get_source(folder)(path=str(file))])
                stats = build(recipe, tmp, console=Console(quiet=True)).stats  # what `bigmath ingest` runs
                seconds = time.perf_counter() - start
                kept = {p["source_id"]: p for p in pq.read_table(Path(tmp) / "kept.parquet").to_pylist()}
            unit = file.name.split(".")[0]
            answered = [native_key(folder, r, i, unit) for i, r in enumerate(native) if upstream_has_answer(folder, r)]
            with_answer = sum(1 for key in answered if key in kept and kept[key]["answer"])
            share = f"{with_answer / len(answered):.2%}" if answered else "n/a"
            reasons = ", ".join(f"{k}: {v}" for k, v in stats["reasons"].items()) or "0"
            print(f"{folder + '/' + file.name:<26} {len(native):>6} {stats['kept']:>6} {reasons:<22} "
                  f"{len(answered):>8} {share:>12} {len(native) / seconds:>8.0f}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parents[2] / "shared" / "data")
