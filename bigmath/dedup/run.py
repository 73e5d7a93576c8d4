"""Run dedup / decontamination stages over one parquet file of problems (``bigmath dedup``).

Unlike ``bigmath build``, the input is already in the common schema (a build's ``kept.parquet``
or any table with ``id``, ``source`` and ``problem``), so ids are kept as they are. Each stage
runs the way the engine runs it (``prepare`` once, ``setup``, then ``process`` per shard through
:func:`bigmath.pipeline.shard.run_shard`), in one process. Outputs in ``out_dir``::

    kept.parquet, rejected.parquet, duplicates.parquet (id, duplicate_of, similarity, stage),
    stats.json, NN_<stage>/ (shards and the stage's artifacts), cache/ (embedding cache)
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from bigmath.errors import InputError
from bigmath.pipeline.outputs import concat_parquet
from bigmath.pipeline.shard import merge_stats, release_stage, run_shard
from bigmath.pipeline.stage import Stage, StageContext
from bigmath.pipeline.workdir import ShardTask, atomic_write_json, atomic_write_parquet
from bigmath.schema import PROBLEM_SCHEMA, rejected_schema

REQUIRED_COLUMNS = ("id", "source", "problem")


def read_problems(path: str | Path) -> pa.Table:
    """Read a problems parquet file and check its required columns (``id``, ``source``, ``problem``).

    Raises:
        InputError: unreadable file, a missing column, or a null / repeated id (names file, row, field).
    """
    path = Path(path)
    try:
        table = pq.read_table(path)
    except Exception as err:  # pyarrow raises ArrowInvalid / OSError / FileNotFoundError
        raise InputError(str(path), None, None, f"not a readable parquet file: {err}") from None
    for column in REQUIRED_COLUMNS:
        if column not in table.column_names:
            raise InputError(str(path), None, column, f"column missing (file has {table.column_names})")
    seen: set[str] = set()
    for row, value in enumerate(table.column("id").to_pylist(), start=1):
        if not value or value in seen:
            raise InputError(str(path), row, "id", "missing id" if not value else f"id {value!r} repeated")
        seen.add(value)
    return table


def run_stages(table: pa.Table, stages: Sequence[Stage], out_dir: str | Path, *, shard_size: int = 50_000,
               cache_dir: str | Path | None = None, progress: Any = None) -> dict[str, Any]:
    """Run ``stages`` in order over ``table``; write the outputs listed in the module docstring.

    ``cache_dir`` (default ``out_dir/cache``) holds the embedding cache; share it between runs
    so that the same texts are never embedded twice.

    Returns:
        The stats written to ``stats.json``: ``input``, ``kept``, ``rejected``, ``reasons`` and
        per stage its merged shard stats (plus ``prepare`` info such as ``semdedup.json``).
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    for folder in out.glob("[0-9][0-9]_*"):
        shutil.rmtree(folder)
    input_dir = out / "00_input"
    input_dir.mkdir()
    inputs = []
    for index, start in enumerate(range(0, max(1, table.num_rows), shard_size)):
        path = input_dir / f"part-{index:05d}.parquet"
        atomic_write_parquet(table.slice(start, shard_size), path)
        inputs.append(path)
    stage_stats, rejected_parts, duplicate_tables = [], [], []
    for number, stage in enumerate(stages, start=1):
        stage_dir = out / f"{number:02d}_{stage.label()}"
        stage_dir.mkdir()
        ctx = StageContext(stage_dir=stage_dir, inputs=inputs, cache_dir=Path(cache_dir or out / "cache"), out_dir=out,
                           progress=progress)
        ctx.cache_dir.mkdir(parents=True, exist_ok=True)
        stage.check(ctx)
        if stage.global_step:
            stage.prepare(ctx)
        tasks = [ShardTask(i, path, stage_dir) for i, path in enumerate(inputs)]
        try:
            parts = [run_shard(stage, ctx, task) for task in tasks]
        finally:
            release_stage(ctx)
        stats = {"name": stage.label(), **merge_stats(parts)}
        for info in sorted(stage_dir.glob("*.json")):
            if not info.name.startswith("part-"):
                stats[info.stem] = json.loads(info.read_text())
        stage_stats.append(stats)
        rejected_parts += [t.rejected for t in tasks if t.rejected.exists()]
        inputs = [t.kept for t in tasks]
        ledger = [pq.read_table(t.rejected, columns=["id", "duplicate_of", "similarity", "reason"])
                  for t in tasks if t.rejected.exists()]
        if ledger:
            removed = pa.concat_tables(ledger)
            duplicate_tables.append(removed.append_column("stage", pa.array([stage.label()] * removed.num_rows)))
    concat_parquet(inputs, out / "kept.parquet", PROBLEM_SCHEMA)
    concat_parquet(rejected_parts, out / "rejected.parquet", rejected_schema(PROBLEM_SCHEMA))
    duplicates = pa.concat_tables(duplicate_tables) if duplicate_tables else pa.table(
        {"id": pa.array([], pa.string()), "duplicate_of": pa.array([], pa.string()),
         "similarity": pa.array([], pa.float64()), "reason": pa.array([], pa.string()),
         "stage": pa.array([], pa.string())})
    atomic_write_parquet(duplicates, out / "duplicates.parquet")
    reasons: dict[str, int] = {}
    for stats in stage_stats:
        for reason, count in stats["reasons"].items():
            reasons[reason] = reasons.get(reason, 0) + count
    summary = {"input": table.num_rows, "kept": pq.ParquetFile(out / "kept.parquet").metadata.num_rows,
               "rejected": sum(s["rejected"] for s in stage_stats), "reasons": dict(sorted(reasons.items())),
               "stages": stage_stats}
    atomic_write_json(summary, out / "stats.json")
    return summary
