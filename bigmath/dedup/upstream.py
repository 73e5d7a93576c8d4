"""Helpers shared by the dedup stages: read upstream shards, and split a shard by a removal mask."""

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


def _check_ids(path: Path, first_row: int, ids: Sequence[Any], seen: set[str]) -> None:
    for offset, value in enumerate(ids):
        if not isinstance(value, str) or not value:
            raise InputError(str(path), first_row + offset, "id", f"expected a non-empty string id, got {value!r}")
        if value in seen:
            raise InputError(str(path), first_row + offset, "id", f"id {value!r} occurs twice in the input")
        seen.add(value)


def stream_rows(paths: Sequence[Path], columns: Sequence[str]) -> Iterator[dict[str, Any]]:
    """Yield rows (dicts of ``columns``) of the parquet files ``paths`` in order.

    Raises:
        InputError: a file lacks a column, or an id is missing / repeated (names file and row).
    """
    seen: set[str] = set()
    for path in paths:
        parquet = pq.ParquetFile(path)
        missing = [c for c in columns if c not in parquet.schema_arrow.names]
        if missing:
            raise InputError(str(path), None, missing[0], f"column missing (file has {parquet.schema_arrow.names})")
        row = 1
        for batch in parquet.iter_batches(batch_size=_BATCH, columns=list(columns)):
            rows = batch.to_pylist()
            if "id" in columns:
                _check_ids(path, row, [r["id"] for r in rows], seen)
            yield from rows
            row += len(rows)


def read_upstream(paths: Sequence[Path], columns: Sequence[str], optional: Sequence[str] = ()) -> pa.Table:
    """Read ``columns`` of all ``paths`` into one table (input order); ``optional`` columns that a
    file lacks are filled with nulls.

    Raises:
        InputError: a required column is missing, or an id is missing / repeated.
    """
    tables = []
    seen: set[str] = set()
    for path in paths:
        names = pq.read_schema(path).names
        missing = [c for c in columns if c not in names and c not in optional]
        if missing:
            raise InputError(str(path), None, missing[0], f"column missing (file has {names})")
        table = pq.read_table(path, columns=[c for c in columns if c in names])
        for c in columns:
            if c not in names:
                table = table.append_column(c, pa.nulls(table.num_rows, pa.string()))
        table = table.select(list(columns))
        _check_ids(path, 1, table.column("id").to_pylist(), seen)
        tables.append(table)
    if not tables:
        return pa.table({c: pa.array([], pa.string()) for c in columns})
    return pa.concat_tables(tables, promote_options="permissive")


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
