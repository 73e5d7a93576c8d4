"""Run a list of filters over a table: append their signal columns and collect reasons per row.

This is the one place that turns :class:`~bigmath.filter.Verdicts` into columns; the rule-filter
stage, the ``bigmath filter`` command and the LLM-judge stage all call :func:`annotate`, then
:func:`split` to route rows to kept and rejected.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import pyarrow as pa

from bigmath.filter import Filter, Verdicts
from bigmath.schema import REJECTION_FIELDS, rejected_schema


@dataclasses.dataclass
class Annotated:
    """A table with signal columns appended, plus per-row reasons.

    Attributes:
        table: input rows, input columns first, then each filter's signal/score columns.
        reasons: per row, every reason of a filter with ``drop=True`` (in filter order).
        flags: per row, every reason of a filter with ``drop=False`` (annotation only).
        duplicate_of: per row, id the row duplicates (from the first dropping duplicate filter).
        similarity: per row, similarity to ``duplicate_of``.
    """

    table: pa.Table
    reasons: list[list[str]]
    flags: list[list[str]]
    duplicate_of: list[str | None]
    similarity: list[float | None]


def _as_array(values, length: int) -> pa.Array:
    array = values if isinstance(values, (pa.Array, pa.ChunkedArray)) else pa.array(values)
    if len(array) != length:
        raise ValueError(f"signal column has {len(array)} rows, table has {length}")
    return array


def set_column(table: pa.Table, name: str, values) -> pa.Table:
    """``table`` with column ``name`` set to ``values`` (replaced in place when it exists, else
    appended): a stage rerun on its own output rewrites its signal columns instead of doubling them.

    Raises:
        ValueError: ``values`` does not have one entry per row.
    """
    array = _as_array(values, table.num_rows)
    if name in table.column_names:
        return table.set_column(table.column_names.index(name), name, array)
    return table.append_column(name, array)


def annotate(table: pa.Table, filters: Sequence[Filter]) -> Annotated:
    """Apply ``filters`` in order to every row of ``table``.

    Every filter sees every row (so signals exist for all rows); a row's rejection reason is the
    first reason in ``reasons``. Signal columns are named by each filter (``signal``,
    ``score_column`` and any extra ``Verdicts.signals``); a column a filter writes again is replaced.
    """
    n = table.num_rows
    reasons: list[list[str]] = [[] for _ in range(n)]
    flags: list[list[str]] = [[] for _ in range(n)]
    duplicate_of: list[str | None] = [None] * n
    similarity: list[float | None] = [None] * n
    for flt in filters:
        needed = [c for c in flt.columns if c in table.column_names]
        missing = sorted(set(flt.columns) - set(needed))
        if missing:
            raise KeyError(f"filter {flt.name!r} reads missing columns {missing}")
        view = table.select(needed)
        for column in flt.optional_columns:
            present = column in table.column_names
            view = view.append_column(column, table.column(column) if present else pa.nulls(n, pa.string()))
        verdicts: Verdicts = flt.verdicts(view)
        target = reasons if flt.drop else flags
        for i, reason in enumerate(verdicts.reasons):
            if reason is None:
                continue
            target[i].append(reason)
            if flt.drop and verdicts.duplicate_of is not None and duplicate_of[i] is None:
                duplicate_of[i] = verdicts.duplicate_of[i]
                similarity[i] = verdicts.similarity[i] if verdicts.similarity is not None else None
        if flt.signal and flt.signal not in verdicts.signals:
            table = set_column(table, flt.signal, pa.array([r is not None for r in verdicts.reasons], pa.bool_()))
        if flt.score_column and verdicts.scores is not None:
            table = set_column(table, flt.score_column, pa.array(verdicts.scores, pa.float64()))
        for name, values in verdicts.signals.items():
            table = set_column(table, name, values)
    return Annotated(table, reasons, flags, duplicate_of, similarity)


def with_flags(annotated: Annotated) -> pa.Table:
    """Return the annotated table with a ``flags`` column (list<string>) of non-dropping reasons,
    merged into any ``flags`` column an earlier stage wrote."""
    table = annotated.table
    if "flags" in table.column_names:
        earlier = table.column("flags").to_pylist()
        merged = [(old or []) + new for old, new in zip(earlier, annotated.flags)]
    else:
        merged = annotated.flags
    return set_column(table, "flags", pa.array(merged, pa.list_(pa.string())))


def split(annotated: Annotated, stage: str) -> tuple[pa.Table, pa.Table]:
    """Split annotated rows into (kept, rejected) tables.

    ``kept`` holds rows with no dropping reason, all columns plus ``flags``. ``rejected`` holds
    the others in the ledger layout of :func:`bigmath.schema.rejected_schema`: ``stage``,
    ``reason`` (the first reason), ``reasons`` (all), ``duplicate_of`` and ``similarity``.
    """
    missing = [c for c in ("id", "source") if c not in annotated.table.column_names]
    if missing:
        raise KeyError(f"split needs the columns id and source (the rejected ledger's keys); the table lacks {missing}")
    table = with_flags(annotated)
    keep_mask = pa.array([not r for r in annotated.reasons], pa.bool_())
    kept = table.filter(keep_mask)
    rejected_idx = [i for i, r in enumerate(annotated.reasons) if r]
    rows = table.take(pa.array(rejected_idx, pa.int64()))
    ledger = {
        "stage": pa.array([stage] * len(rejected_idx), pa.string()),
        "reason": pa.array([annotated.reasons[i][0] for i in rejected_idx], pa.string()),
        "reasons": pa.array([annotated.reasons[i] for i in rejected_idx], pa.list_(pa.string())),
        "duplicate_of": pa.array([annotated.duplicate_of[i] for i in rejected_idx], pa.string()),
        "similarity": pa.array([annotated.similarity[i] for i in rejected_idx], pa.float64()),
    }
    return kept, to_ledger(rows, ledger)


def to_ledger(rows: pa.Table, ledger: dict[str, pa.Array]) -> pa.Table:
    """Assemble rejected-ledger rows from the rejected ``rows`` and the :data:`REJECTION_FIELDS`
    arrays in ``ledger`` (missing ones are filled with nulls)."""
    columns = {name: rows.column(name) for name in rows.column_names}
    for field in REJECTION_FIELDS:
        columns[field.name] = ledger.get(field.name, pa.nulls(rows.num_rows, field.type))
    schema = rejected_schema(rows.schema)
    return pa.table({name: columns[name] for name in schema.names}, schema=schema)
