"""Helpers shared by the dedup stages: stream upstream shards, and split a shard by a removal mask."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from bigmath.annotate import to_ledger
from bigmath.errors import InputError

_BATCH = 8192


def stream_rows(paths: Sequence[Path], columns: Sequence[str]) -> Iterator[dict[str, Any]]:
    """Yield rows (dicts of ``columns``) of the parquet files ``paths`` (a stage's upstream shards,
    whose ids the engine made unique) in order.

    Raises:
        InputError: a file lacks a column (names file and column).
    """
    for path in paths:
        parquet = pq.ParquetFile(path)
        missing = [c for c in columns if c not in parquet.schema_arrow.names]
        if missing:
            raise InputError(str(path), None, missing[0], f"column missing (file has {parquet.schema_arrow.names})")
        for batch in parquet.iter_batches(batch_size=_BATCH, columns=list(columns)):
            yield from batch.to_pylist()


def _flat(values: pa.Array | pa.ChunkedArray) -> pa.Array:
    return values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values


def remove_rows(
    table: pa.Table,
    remove: pa.Array | pa.ChunkedArray,
    stage: str,
    reasons: pa.Array | pa.ChunkedArray,
    duplicate_of: pa.Array | pa.ChunkedArray,
    similarity: pa.Array | pa.ChunkedArray,
    all_reasons: list[list[str]] | None = None,
) -> tuple[pa.Table, pa.Table]:
    """Split ``table`` into (kept, rejected-ledger) by the boolean mask ``remove``.

    ``reasons``, ``duplicate_of``, ``similarity`` (and ``all_reasons``) hold one value per
    *removed* row, in table order; the ledger is built with :func:`bigmath.annotate.to_ledger`.
    """
    remove = _flat(remove)
    rows = table.filter(remove)
    reasons = _flat(reasons).cast(pa.string())
    if all_reasons is None:
        all_reasons = [[r] for r in reasons.to_pylist()]
    ledger = {
        "stage": pa.array([stage] * rows.num_rows, pa.string()),
        "reason": reasons,
        "reasons": pa.array(all_reasons, pa.list_(pa.string())),
        "duplicate_of": _flat(duplicate_of).cast(pa.string()),
        "similarity": _flat(similarity).cast(pa.float64()),
    }
    return table.filter(pc.invert(remove)), to_ledger(rows, ledger)
