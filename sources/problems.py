"""The ``problems`` source: rows already in the common schema, read as they are (ids kept).

This is how every single-stage command (``bigmath filter``, ``dedup``, ``decontaminate``,
``judge``, ...) feeds the build engine: the input is a build's ``kept.parquet`` (or any parquet
of problems), so the stage runs with the engine's shards, resume, progress and ledger.

Input: a parquet file, or a folder: a build's output folder gives its ``kept.parquet``, any
other folder every ``*.parquet`` in it (sorted by name). Columns:

* ``id`` and ``problem`` (strings) are required; a null or empty value, or a repeated ``id``, is an
  :class:`~bigmath.errors.InputError` naming file, row and field.
* the other core columns of :data:`~bigmath.schema.PROBLEM_SCHEMA` are cast to their types and,
  when absent, filled: ``source`` = :attr:`ProblemsSource.source_name`, ``source_id`` = ``id``,
  ``license`` = ``NOASSERTION`` (SPDX's "not stated"), ``meta`` = ``{}``, ``domain`` = ``[]``, the
  rest null;
* every other column (signals of earlier stages, ``flags``, ...) is kept, after the core columns.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from pydantic import Field

from bigmath.errors import InputError
from bigmath.registry import register_source
from bigmath.schema import CORE_COLUMNS, PROBLEM_SCHEMA
from bigmath.sources.base import Source

REQUIRED = ("id", "problem")
#: SPDX's value for "the licence is not stated".
UNKNOWN_LICENSE = "NOASSERTION"


def problem_files(path: str | Path) -> list[Path]:
    """The parquet files a ``problems`` path stands for (see the module docstring).

    Raises:
        InputError: the path does not exist, or a folder holds no parquet file.
    """
    path = Path(path)
    if path.is_file():
        return [path]
    if not path.is_dir():
        raise InputError(str(path), None, None, "no such file or folder")
    if (path / "kept.parquet").is_file():
        return [path / "kept.parquet"]
    files = sorted(path.glob("*.parquet"))
    if not files:
        raise InputError(str(path), None, None, "folder holds no .parquet file")
    return files


@register_source("problems")
class ProblemsSource(Source):
    """Common-schema problems from parquet, ids kept (see the module docstring).

    Attributes:
        path: parquet file or folder (required).
        source_name: ``source`` value for files without a ``source`` column.
        limit: read at most this many rows (None = all).
    """

    name: ClassVar[str] = "problems"
    license: ClassVar[str] = UNKNOWN_LICENSE
    native_fields: ClassVar[tuple[str, ...]] = CORE_COLUMNS
    reasons: ClassVar[tuple[str, ...]] = ()
    splits: ClassVar[tuple[str, ...]] = ()

    path: str = Field(description="parquet file, folder of parquet files, or a build's output folder")
    source_name: str = Field("problems", min_length=1, description="source value when the file has no source column")

    def iter_results(self) -> Iterator[Any]:
        """Not used: the engine reads this source with :meth:`iter_tables` (columns are kept)."""
        raise TypeError("the problems source yields tables; use iter_tables()")

    def iter_tables(self, rows_per_table: int) -> Iterator[pa.Table]:
        """Yield the input in tables of at most ``rows_per_table`` rows, in file order.

        Returns tables whose first columns are :data:`~bigmath.schema.PROBLEM_SCHEMA` (types
        cast, absent optional columns filled), followed by every other input column.

        Raises:
            InputError: unreadable file, a required column missing, a null/empty ``id`` or
                ``problem``, a repeated ``id``, or a core column of the wrong type.
        """
        seen: set[str] = set()
        left = self.limit
        for path in problem_files(self.path):
            try:
                reader = pq.ParquetFile(path)
            except (OSError, pa.ArrowInvalid) as exc:
                raise InputError(str(path), None, None, f"not a readable parquet file: {exc}; read a dataset file with "
                                 "`bigmath ingest` first (its kept.parquet is the input here)") from None
            for column in REQUIRED:
                if column not in reader.schema_arrow.names:
                    raise InputError(str(path), None, column,
                                     f"column missing (file has {', '.join(reader.schema_arrow.names)})")
            first_row = 1
            for batch in reader.iter_batches(batch_size=rows_per_table):
                table = pa.Table.from_batches([batch])
                if left is not None:
                    table = table.slice(0, left)
                    left -= table.num_rows
                _check_rows(path, first_row, table, seen)
                first_row += table.num_rows
                if table.num_rows:
                    yield self._conform(path, table)
                if left is not None and left <= 0:
                    return

    def _conform(self, path: Path, table: pa.Table) -> pa.Table:
        n = table.num_rows
        fill: dict[str, pa.Array] = {
            "source": pa.array([self.source_name] * n, pa.string()),
            "source_id": table.column("id"),
            "license": pa.array([UNKNOWN_LICENSE] * n, pa.string()),
            "meta": pa.array(["{}"] * n, pa.string()),
            "domain": pa.array([[]] * n, pa.list_(pa.string())),
        }
        columns, fields = [], []
        for field in PROBLEM_SCHEMA:
            if field.name in table.column_names:
                try:
                    column = table.column(field.name).cast(field.type)
                except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
                    raise InputError(str(path), None, field.name, f"expected {field.type}, got "
                                     f"{table.schema.field(field.name).type}") from None
                if not field.nullable and column.null_count:  # id and problem were checked: fill the others
                    column = pc.coalesce(column, fill[field.name])
            else:
                column = fill.get(field.name, pa.nulls(n, field.type))
            columns.append(column)
            fields.append(field)
        for name in table.column_names:
            if name not in CORE_COLUMNS:
                columns.append(table.column(name))
                fields.append(table.schema.field(name))
        return pa.Table.from_arrays(columns, schema=pa.schema(fields))

    def describe(self) -> dict[str, Any]:
        """What was read, for ``build.json`` (path, row limit, source name)."""
        return {**super().describe(), "source_name": self.source_name}


def _check_rows(path: Path, first_row: int, table: pa.Table, seen: set[str]) -> None:
    """Raise InputError for a null/empty id or problem, or an id seen before (rows 1-based)."""
    for column in REQUIRED:
        for offset, value in enumerate(table.column(column).to_pylist()):
            if value is None or not str(value).strip():
                raise InputError(str(path), first_row + offset, column, "empty value")
    for offset, value in enumerate(table.column("id").to_pylist()):
        if value in seen:
            raise InputError(str(path), first_row + offset, "id", f"id {value!r} repeated")
        seen.add(value)
