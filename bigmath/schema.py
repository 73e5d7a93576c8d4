"""The common problem schema: one frozen dataclass for row code, one Arrow schema for batches.

Every source adapter maps its native rows to :class:`Problem`; every pipeline stage reads and
writes Arrow tables whose first columns are :data:`PROBLEM_SCHEMA`. Stages append *signal*
columns (``is_multiple_choice``, ``semdedup_cluster``, ...) after these; they never rename or
drop the core columns.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Iterable, Sequence
from typing import Any

import pyarrow as pa

#: Arrow schema of the core columns, in this order. ``meta`` is a JSON object serialised as a
#: string, holding every native field the adapter did not map, so nothing upstream is lost.
PROBLEM_SCHEMA = pa.schema(
    [
        pa.field("id", pa.string(), nullable=False),
        pa.field("source", pa.string(), nullable=False),
        pa.field("subset", pa.string()),
        pa.field("source_id", pa.string(), nullable=False),
        pa.field("problem", pa.string(), nullable=False),
        pa.field("answer", pa.string()),
        pa.field("solution", pa.string()),
        pa.field("domain", pa.list_(pa.string())),
        pa.field("difficulty", pa.float64()),
        pa.field("difficulty_scale", pa.string()),
        pa.field("license", pa.string(), nullable=False),
        pa.field("meta", pa.string(), nullable=False),
    ]
)

#: Core column names, in schema order.
CORE_COLUMNS: tuple[str, ...] = tuple(PROBLEM_SCHEMA.names)

#: Columns the rejected ledger adds in front of the row it rejects.
REJECTION_FIELDS = pa.schema(
    [
        pa.field("stage", pa.string(), nullable=False),
        pa.field("reason", pa.string(), nullable=False),
        pa.field("reasons", pa.list_(pa.string())),
        pa.field("duplicate_of", pa.string()),
        pa.field("similarity", pa.float64()),
    ]
)


def make_id(source: str, source_id: str) -> str:
    """Return the stable problem id: the first 16 hex digits of sha256(``source`` NUL ``source_id``).

    The id never changes between runs or machines, so caches, duplicate ledgers and exports
    can refer to a problem by it. 64 bits keep the collision chance below 1e-7 at 2M rows.
    """
    digest = hashlib.sha256(f"{source}\x00{source_id}".encode("utf-8")).hexdigest()
    return digest[:16]


def dumps_meta(meta: dict[str, Any] | None) -> str:
    """Serialise native fields to the ``meta`` JSON string (sorted keys, UTF-8 kept, deterministic)."""
    return json.dumps(meta or {}, ensure_ascii=False, sort_keys=True, default=str)


def loads_meta(meta: str | None) -> dict[str, Any]:
    """Parse a ``meta`` JSON string (None or empty: ``{}``).

    Raises:
        ValueError: ``meta`` is not a JSON object (the message names the field ``meta``).
    """
    if not meta:
        return {}
    try:
        data = json.loads(meta)
    except json.JSONDecodeError as exc:
        raise ValueError(f"field meta: not a JSON object ({exc})") from None
    if not isinstance(data, dict):
        raise ValueError(f"field meta: not a JSON object (a {type(data).__name__})")
    return data


@dataclasses.dataclass(frozen=True, slots=True)
class Problem:
    """One math problem in the common schema (see ``../shared/DESIGN.md``).

    Attributes:
        id: stable hash of (source, source_id), see :func:`make_id`.
        source: adapter name, e.g. ``math``, ``numinamath_cot``, ``harp``.
        subset: native sub-source (NuminaMath ``source``, MATH ``type``, ...), or None.
        source_id: native id or row index; enough to find the row upstream.
        problem: problem statement, whitespace-normalised only.
        answer: closed-form ground truth, or None when upstream has none.
        solution: reference solution, or None.
        domain: topic labels (possibly empty).
        difficulty: upstream difficulty on its own scale, or None.
        difficulty_scale: names that scale, e.g. ``math_level_1_5``, or None.
        license: SPDX id of the upstream licence.
        meta: JSON object string of every unmapped native field.
    """

    id: str
    source: str
    subset: str | None
    source_id: str
    problem: str
    answer: str | None
    solution: str | None
    domain: tuple[str, ...]
    difficulty: float | None
    difficulty_scale: str | None
    license: str
    meta: str

    @classmethod
    def create(
        cls,
        *,
        source: str,
        source_id: str,
        problem: str,
        license: str,
        answer: str | None = None,
        solution: str | None = None,
        subset: str | None = None,
        domain: Iterable[str] = (),
        difficulty: float | None = None,
        difficulty_scale: str | None = None,
        meta: dict[str, Any] | None = None,
    ) -> "Problem":
        """Build a Problem, computing ``id`` and serialising ``meta``."""
        source_id = str(source_id)
        return cls(
            id=make_id(source, source_id),
            source=source,
            subset=subset,
            source_id=source_id,
            problem=problem,
            answer=answer,
            solution=solution,
            domain=tuple(domain),
            difficulty=None if difficulty is None else float(difficulty),
            difficulty_scale=difficulty_scale,
            license=license,
            meta=dumps_meta(meta),
        )

    def to_dict(self) -> dict[str, Any]:
        """Return the row as a plain dict matching :data:`PROBLEM_SCHEMA` (domain as a list)."""
        row = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        row["domain"] = list(self.domain)
        return row

    @classmethod
    def from_dict(cls, row: dict[str, Any]) -> "Problem":
        """Rebuild a Problem from a table row; extra (signal) columns are ignored."""
        values = {name: row.get(name) for name in CORE_COLUMNS}
        values["domain"] = tuple(values["domain"] or ())
        return cls(**values)


@dataclasses.dataclass(frozen=True, slots=True)
class Rejection:
    """A native row an adapter could not map, with the reason (``adapter:<detail>``).

    Attributes:
        source: adapter name.
        source_id: native id or row index.
        reason: reason code, e.g. ``adapter:empty_problem``.
        row: the native row as it was read (kept whole in ``meta`` of the ledger row).
        problem: whatever problem text was present ("" when none).
    """

    source: str
    source_id: str
    reason: str
    row: dict[str, Any]
    problem: str = ""
    license: str = ""

    def to_dict(self, stage: str = "ingest") -> dict[str, Any]:
        """Return a rejected-ledger row: core columns (meta = native row) plus stage/reason."""
        row = {name: None for name in CORE_COLUMNS}
        row.update(
            id=make_id(self.source, self.source_id),
            source=self.source,
            source_id=str(self.source_id),
            problem=self.problem or "",
            domain=[],
            license=self.license,
            meta=dumps_meta(self.row),
            stage=stage,
            reason=self.reason,
            reasons=[self.reason],
            duplicate_of=None,
            similarity=None,
        )
        return row


def problems_to_table(problems: Sequence[Problem]) -> pa.Table:
    """Return an Arrow table with :data:`PROBLEM_SCHEMA` holding ``problems`` in order."""
    columns = {name: [getattr(p, name) for p in problems] for name in CORE_COLUMNS}
    columns["domain"] = [list(d) for d in columns["domain"]]
    return pa.table(columns, schema=PROBLEM_SCHEMA)


def rejections_to_table(rejections: Sequence[Rejection], stage: str = "ingest") -> pa.Table:
    """Return rejected-ledger rows (:func:`rejected_schema` of the core columns) for adapter rejections."""
    schema = rejected_schema(PROBLEM_SCHEMA)
    rows = [r.to_dict(stage) for r in rejections]
    return pa.Table.from_pylist(rows, schema=schema)


def rejected_schema(row_schema: pa.Schema) -> pa.Schema:
    """Schema of a rejected-ledger table: ``id, source``, then :data:`REJECTION_FIELDS`, then the
    rest of ``row_schema`` (the original row, signal columns included)."""
    head = [row_schema.field("id"), row_schema.field("source")]
    rest = [f for f in row_schema if f.name not in ("id", "source") and f.name not in REJECTION_FIELDS.names]
    return pa.schema(head + list(REJECTION_FIELDS) + rest)


def table_to_problems(table: pa.Table) -> list[Problem]:
    """Return the rows of ``table`` (which must hold the core columns) as Problems."""
    missing = [c for c in CORE_COLUMNS if c not in table.column_names]
    if missing:
        raise ValueError(f"table lacks core columns {missing}")
    return [Problem.from_dict(r) for r in table.select(list(CORE_COLUMNS)).to_pylist()]
