"""Write one source's rows to ``problems.parquet`` + ``rejected.parquet`` (what ``bigmath ingest`` does).

The build pipeline has its own sharded ingest stage (``bigmath.pipeline.ingest``); this is the
single-source, single-file version for looking at a source on its own.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from bigmath.schema import PROBLEM_SCHEMA, Problem, Rejection, problems_to_table, rejected_schema, rejections_to_table

PROBLEMS_FILE = "problems.parquet"
REJECTED_FILE = "rejected.parquet"
SUMMARY_FILE = "summary.json"
_BATCH_ROWS = 5_000


class _BatchedWriter:
    """Parquet writer that buffers rows and writes row groups of ``_BATCH_ROWS`` (to a temp name)."""

    def __init__(self, path: Path, schema: pa.Schema, to_table: Callable[[list], pa.Table]):
        self.path = path
        self.partial = path.with_name(path.name + ".partial")
        self.writer = pq.ParquetWriter(self.partial, schema)
        self.to_table = to_table
        self.rows: list = []

    def add(self, item: Any) -> None:
        self.rows.append(item)
        if len(self.rows) >= _BATCH_ROWS:
            self.flush()

    def flush(self) -> None:
        if self.rows:
            self.writer.write_table(self.to_table(self.rows))
            self.rows = []

    def close(self) -> None:
        self.flush()
        self.writer.close()
        self.partial.replace(self.path)

    def abort(self) -> None:
        self.writer.close()
        self.partial.unlink(missing_ok=True)


def ingest_to_dir(source: Any, out_dir: str | Path, on_rows: Callable[[int], None] | None = None) -> dict[str, Any]:
    """Read ``source`` (a :class:`~bigmath.sources.base.Source`) and write its rows under ``out_dir``.

    Writes ``problems.parquet`` (:data:`~bigmath.schema.PROBLEM_SCHEMA`), ``rejected.parquet``
    (the rejected-ledger schema, ``stage = "ingest"``) and ``summary.json`` (the returned dict).
    Files are written under a temporary name and renamed when complete. Same input and source
    settings give byte-identical files.

    Args:
        source: the adapter instance to read.
        out_dir: output folder (created if missing).
        on_rows: called with the number of native rows read since the last call (progress).

    Returns:
        ``{"source": describe(), "rows", "native_rows", "kept", "rejected", "reasons": {reason: n},
        "kept_with_answer", "answer_rate"}``. ``rows`` = kept + rejected; ``native_rows`` = upstream
        rows read (larger than ``rows`` only for sources that collapse rows, OpenMathInstruct-2);
        ``answer_rate`` = kept_with_answer / rows.

    Raises:
        bigmath.errors.InputError: a row cannot be read (names file, row and field).
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    kept = _BatchedWriter(out / PROBLEMS_FILE, PROBLEM_SCHEMA, problems_to_table)
    rejected = _BatchedWriter(out / REJECTED_FILE, rejected_schema(PROBLEM_SCHEMA), rejections_to_table)
    reasons: Counter[str] = Counter()
    n_kept = n_answer = pending = 0
    collapses = source.collapses_rows
    native_rows = 0
    try:
        for item in source.iter_results():
            if isinstance(item, Problem):
                kept.add(item)
                n_kept += 1
                n_answer += item.answer is not None
                native_rows += json.loads(item.meta).get("num_solutions", 1) if collapses else 1
            elif isinstance(item, Rejection):
                rejected.add(item)
                reasons[item.reason] += 1
                native_rows += 1
            else:
                raise TypeError(f"source {source.name!r} yielded {type(item).__name__}, not Problem/Rejection")
            pending += 1
            if on_rows is not None and pending >= 1000:
                on_rows(pending)
                pending = 0
    except BaseException:
        kept.abort()
        rejected.abort()
        raise
    kept.close()
    rejected.close()
    if on_rows is not None and pending:
        on_rows(pending)
    rows = n_kept + sum(reasons.values())
    summary = {
        "source": source.describe(), "rows": rows, "native_rows": native_rows,
        "kept": n_kept, "rejected": rows - n_kept,
        "reasons": dict(sorted(reasons.items())), "kept_with_answer": n_answer,
        "answer_rate": round(n_answer / rows, 6) if rows else None,
    }
    (out / SUMMARY_FILE).write_text(json.dumps(summary, indent=2, ensure_ascii=False, sort_keys=True) + "\n")
    return summary
