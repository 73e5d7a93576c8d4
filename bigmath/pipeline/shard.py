"""Run one stage over one shard and write its outputs atomically (used by every executor).

Per-shard stats (``part-XXXXX.stats.json``) are mergeable by summing::

    {"input": 5000, "kept": 4900, "rejected": 100,
     "reasons": {"proof:prove_that": 60, ...},
     "sources": {"math": {"input": 5000, "kept": 4900, "rejected": 100}},
     "extra": {"flagged:language:zh": 3}}
"""

from __future__ import annotations

import collections
import dataclasses
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from bigmath.pipeline.stage import Stage, StageContext, StageResult
from bigmath.pipeline.workdir import ShardTask, atomic_write_json, atomic_write_parquet

# Stages set up in this process, keyed by stage folder (one folder = one fingerprint).
_READY: dict[str, Stage] = {}


def _count_sources(table: pa.Table | None) -> collections.Counter:
    if table is None or table.num_rows == 0:
        return collections.Counter()
    return collections.Counter(table.column("source").to_pylist())


def shard_stats(input_table: pa.Table, result: StageResult) -> dict[str, Any]:
    """Return the mergeable counters of one processed shard (see the module docstring)."""
    rejected = result.rejected
    n_rejected = 0 if rejected is None else rejected.num_rows
    if result.kept.num_rows + n_rejected != input_table.num_rows:
        raise RuntimeError(
            f"stage lost rows: {input_table.num_rows} in, {result.kept.num_rows} kept + {n_rejected} rejected"
        )
    reasons = collections.Counter(rejected.column("reason").to_pylist()) if n_rejected else collections.Counter()
    inputs, kept, rej = _count_sources(input_table), _count_sources(result.kept), _count_sources(rejected)
    sources = {s: {"input": inputs[s], "kept": kept[s], "rejected": rej[s]} for s in sorted(inputs)}
    return {
        "input": input_table.num_rows,
        "kept": result.kept.num_rows,
        "rejected": n_rejected,
        "reasons": dict(sorted(reasons.items())),
        "sources": sources,
        "extra": dict(sorted(result.stats.items())),
    }


def merge_stats(parts: list[dict[str, Any]]) -> dict[str, Any]:
    """Sum per-shard stats into one dict of the same shape."""
    total: dict[str, Any] = {"input": 0, "kept": 0, "rejected": 0, "reasons": {}, "sources": {}, "extra": {}}
    for part in parts:
        for key in ("input", "kept", "rejected"):
            total[key] += part[key]
        for key in ("reasons", "extra"):
            for name, count in part[key].items():
                total[key][name] = total[key].get(name, 0) + count
        for source, counts in part["sources"].items():
            into = total["sources"].setdefault(source, {"input": 0, "kept": 0, "rejected": 0})
            for key, count in counts.items():
                into[key] += count
    for key in ("reasons", "extra", "sources"):
        total[key] = dict(sorted(total[key].items()))
    return total


def ready_stage(stage: Stage, ctx: StageContext) -> Stage:
    """Return ``stage`` after running its ``setup`` once in this process (cached by stage dir)."""
    key = str(ctx.stage_dir)
    if key not in _READY:
        stage.setup(ctx)
        _READY[key] = stage
    return _READY[key]


def release_stage(ctx: StageContext) -> None:
    """Tear down the stage set up for ``ctx.stage_dir`` in this process, if any."""
    stage = _READY.pop(str(ctx.stage_dir), None)
    if stage is not None:
        stage.teardown()


def run_shard(stage: Stage, ctx: StageContext, task: ShardTask) -> dict[str, Any]:
    """Process shard ``task`` with ``stage`` and write kept, rejected, stats, then the done marker.

    Returns the shard's stats. Safe to call again after a crash: outputs are replaced atomically
    and the done marker is written last.
    """
    stage = ready_stage(stage, ctx)
    table = pq.read_table(task.input)
    shard_ctx = dataclasses.replace(ctx, shard_index=task.index)
    result = stage.process(table, shard_ctx)
    stats = shard_stats(table, result)
    atomic_write_parquet(result.kept, task.kept)
    if result.rejected is not None and result.rejected.num_rows:
        atomic_write_parquet(result.rejected, task.rejected)
    else:
        task.rejected.unlink(missing_ok=True)
    atomic_write_json(stats, task.stats)
    task.done.write_text("ok\n")
    return stats
