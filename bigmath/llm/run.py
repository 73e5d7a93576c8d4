"""Run the LLM judges and/or solve rate over one parquet file (``bigmath judge``, benchmarks).

Outside a build there is no engine: :func:`judge_table` calls the stages' ``check``, ``setup``,
``process`` and ``teardown`` itself on the whole table, with the request cache in
``<out>/cache/llm/``, so rerunning the same command reuses every reply already generated.
"""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from bigmath.errors import InputError
from bigmath.pipeline.stage import Stage, StageContext
from bigmath.schema import rejected_schema


@dataclasses.dataclass
class StageRun:
    """What one stage did: rows in/kept/rejected, its counters and wall time (seconds)."""

    name: str
    rows: int
    kept: int
    rejected: int
    stats: dict[str, int]
    seconds: float


def read_problems(path: str | Path, *, need_answer: bool, limit: int | None = None) -> pa.Table:
    """Read a parquet file of problems and check the columns the LLM stages read.

    Args:
        path: parquet file with at least ``id`` (string) and ``problem`` (string), plus
            ``answer`` when ``need_answer`` (solve rate).
        need_answer: require an ``answer`` column.
        limit: keep only the first ``limit`` rows.

    Raises:
        InputError: the file is missing or unreadable, a column is missing, or a row has an
            empty ``id``/``problem`` (the message names file, row and field).
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(str(path), None, None, "file not found")
    try:
        table = pq.read_table(path)
    except (pa.ArrowInvalid, OSError) as exc:
        raise InputError(str(path), None, None, f"not a readable parquet file: {exc}") from None
    if limit is not None:
        table = table.slice(0, limit)
    required = ["id", "problem"] + (["answer"] if need_answer else [])
    for column in required:
        if column not in table.column_names:
            raise InputError(str(path), None, column, f"column missing (columns: {', '.join(table.column_names)})")
    for column in ("id", "problem"):
        for row, value in enumerate(table.column(column).to_pylist(), start=1):
            if value is None or not str(value).strip():
                raise InputError(str(path), row, column, "empty value")
    return table


def judge_table(table: pa.Table, stages: list[Stage], out_dir: str | Path, *,
                gpu_available: bool = False) -> tuple[pa.Table, list[pa.Table], list[StageRun]]:
    """Run ``stages`` in order over ``table``; rejected rows of one stage do not reach the next.

    Returns:
        ``(kept, rejected_tables, runs)``: the rows every stage kept (with all LLM columns),
        each stage's rejected-ledger table, and per-stage :class:`StageRun` records.

    Raises:
        bigmath.pipeline.stage.StageSkipped: a stage cannot run here (no GPU, no vllm).
    """
    out = Path(out_dir)
    rejected: list[pa.Table] = []
    runs: list[StageRun] = []
    for stage in stages:
        ctx = StageContext(stage_dir=out / stage.label(), inputs=[], cache_dir=out / "cache", out_dir=out,
                           gpu_available=gpu_available)
        stage.check(ctx)
    for stage in stages:
        ctx = StageContext(stage_dir=out / stage.label(), inputs=[], cache_dir=out / "cache", out_dir=out,
                           gpu_available=gpu_available)
        start = time.perf_counter()
        stage.setup(ctx)
        try:
            result = stage.process(table, ctx)
        finally:
            stage.teardown()
        n_rejected = 0 if result.rejected is None else result.rejected.num_rows
        runs.append(StageRun(stage.label(), table.num_rows, result.kept.num_rows, n_rejected, dict(result.stats),
                             time.perf_counter() - start))
        if n_rejected:
            rejected.append(result.rejected)
        table = result.kept
    return table, rejected, runs


def write_outputs(out_dir: str | Path, kept: pa.Table, rejected: list[pa.Table], runs: list[StageRun],
                  extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """Write ``kept.parquet``, ``rejected.parquet`` (empty when nothing was rejected) and
    ``summary.json`` to ``out_dir``.

    Timings are left out of ``summary.json`` so the same inputs give byte-identical files.
    """
    import json

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    pq.write_table(kept, out / "kept.parquet")
    ledger = pa.concat_tables(rejected, promote_options="permissive") if rejected else \
        rejected_schema(kept.schema).empty_table()
    pq.write_table(ledger, out / "rejected.parquet")
    summary = {**(extra or {}), "kept": kept.num_rows, "rejected": sum(t.num_rows for t in rejected),
               "stages": [{k: v for k, v in dataclasses.asdict(r).items() if k != "seconds"} for r in runs]}
    (out / "summary.json").write_text(json.dumps(summary, indent=2, sort_keys=True) + "\n")
    return summary
