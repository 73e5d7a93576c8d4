"""The filter API: a filter reads a few columns of an Arrow batch and returns a verdict per row.

A filter never drops rows itself. It returns :class:`Verdicts` (a reason or ``None`` per row,
optional scores and signal columns); the pipeline counts the reasons, routes rejected rows to the
ledger and keeps every signal as a column, on kept and rejected rows alike (measure first,
decide second; the pattern follows datatrove's ``BaseFilter`` and NeMo Curator's
``DocumentFilter``).

Filters are pydantic models: their parameters are validated fields, ``model_dump()`` is the
config that goes into a stage fingerprint, and ``pipelines/*.yaml`` builds them by registry name
(``{type: proof, drop: false}``).

Writing a filter::

    @register_filter("hyperlink")
    class Hyperlink(Filter):
        '''Rejects problems with links. Reasons: ``hyperlink:url``. Rule: ...'''
        name: ClassVar[str] = "hyperlink"
        reasons: ClassVar[tuple[str, ...]] = ("hyperlink:url",)
        columns: ClassVar[tuple[str, ...]] = ("problem",)
        signal: ClassVar[str | None] = "has_hyperlink"

        def apply(self, batch):
            return Verdicts([... for text in batch.column("problem").to_pylist()])

or, for a rule over one row, :func:`row_filter`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from typing import Any, ClassVar

import pyarrow as pa
from pydantic import BaseModel, ConfigDict

Batch = pa.Table | pa.RecordBatch


class UndeclaredReasonError(ValueError):
    """Raised when a filter emits a reason code missing from its declared ``reasons``."""


@dataclasses.dataclass
class Verdicts:
    """Per-row output of :meth:`Filter.apply`; every list has one entry per input row.

    Attributes:
        reasons: reason code (``family:detail``) to reject the row, or None to keep it.
        scores: optional float score per row (the measurement behind the decision), or None.
        signals: extra columns to append, name -> Arrow array (or Python list) of row length.
            When empty, the pipeline adds the filter's default boolean ``signal`` column.
        duplicate_of: for duplicate filters, the id each rejected row duplicates.
        similarity: for duplicate filters, similarity to ``duplicate_of`` (cosine, 0..1).
    """

    reasons: list[str | None]
    scores: list[float | None] | None = None
    signals: dict[str, Any] = dataclasses.field(default_factory=dict)
    duplicate_of: list[str | None] | None = None
    similarity: list[float | None] | None = None

    def __len__(self) -> int:
        return len(self.reasons)


class Filter(BaseModel):
    """Base class of every filter (rule-based and LLM-judge).

    Class attributes each subclass sets:
        name: registry name and reason family default, e.g. ``multiple_choice``.
        reasons: every reason code the filter may emit (``family:detail``); emitting any other
            raises :class:`UndeclaredReasonError` in :meth:`verdicts`.
        columns: input columns :meth:`apply` reads (the pipeline passes only these).
        optional_columns: columns read when the table has them, else passed as nulls (lineage
            columns such as ``reformulated_from``, which only later stages write).
        signal: name of the boolean signal column (True where a reason was emitted), or None.
        score_column: name of the score column written when scores are returned, or None.
        extra_signals: other columns :meth:`apply` adds through ``Verdicts.signals`` (listed by
            ``bigmath filters``; ``<alias>`` stands for a model alias).

    Attributes:
        drop: when False the filter only annotates; its rows are kept and its reasons are
            recorded in the ``flags`` column instead of rejecting.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: ClassVar[str] = ""
    reasons: ClassVar[tuple[str, ...]] = ()
    columns: ClassVar[tuple[str, ...]] = ("problem",)
    optional_columns: ClassVar[tuple[str, ...]] = ()
    signal: ClassVar[str | None] = None
    score_column: ClassVar[str | None] = None
    extra_signals: ClassVar[tuple[str, ...]] = ()
    #: Devices the filter needs: "cpu" filters run in any worker, "gpu" ones are skipped with a
    #: message when no GPU backend is configured.
    device: ClassVar[str] = "cpu"

    drop: bool = True

    def unavailable_reason(self, gpu_available: bool) -> str | None:
        """Why this filter cannot run here, or None when it can.

        Default: a ``device = "gpu"`` filter needs ``gpu_available``. Filters that call a model
        through a configurable backend override this (an OpenAI-compatible server needs no GPU).
        """
        if self.device == "gpu" and not gpu_available:
            return f"filter {self.name!r} needs a GPU and none is available"
        return None

    def setup(self) -> None:
        """Load heavy state (models, indexes) once per worker. Default: nothing."""

    def teardown(self) -> None:
        """Release what :meth:`setup` loaded. Default: nothing."""

    def apply(self, batch: Batch) -> Verdicts:
        """Return one verdict per row of ``batch`` (which holds at least :attr:`columns`)."""
        raise NotImplementedError

    def config(self) -> dict[str, Any]:
        """Return the JSON-able config that identifies this filter in a stage fingerprint."""
        return {"type": type(self).name, **self.model_dump(mode="json")}

    def verdicts(self, batch: Batch) -> Verdicts:
        """Call :meth:`apply` and check its output: row count and declared reasons.

        Raises:
            ValueError: a list in the verdicts has the wrong length.
            UndeclaredReasonError: a reason is not in :attr:`reasons`.
        """
        result = self.apply(batch)
        n = batch.num_rows
        for field in ("reasons", "scores", "duplicate_of", "similarity"):
            values = getattr(result, field)
            if values is not None and len(values) != n:
                raise ValueError(f"filter {self.name!r}: {field} has {len(values)} entries for {n} rows")
        declared = set(self.reasons)
        for reason in set(result.reasons):
            if reason is not None and reason not in declared:
                raise UndeclaredReasonError(
                    f"filter {self.name!r} emitted undeclared reason {reason!r}; declared: {sorted(declared)}"
                )
        return result


RowResult = str | None | tuple[str | None, float | None]


def row_filter(
    name: str,
    reasons: Sequence[str],
    *,
    columns: Sequence[str] = ("problem",),
    signal: str | None = None,
    score_column: str | None = None,
    doc: str | None = None,
) -> Callable[[Callable[..., RowResult]], type[Filter]]:
    """Lift a plain row function to a :class:`Filter` class.

    The function gets one row as a dict of the declared ``columns`` and returns a reason (or
    None), or a ``(reason, score)`` pair. Register the result like any filter::

        @register_filter("hyperlink")
        @row_filter("hyperlink", ["hyperlink:url"], signal="has_hyperlink")
        def hyperlink(row): ...
    """

    def decorator(func: Callable[..., RowResult]) -> type[Filter]:
        def apply(self: Filter, batch: Batch) -> Verdicts:
            data = {c: batch.column(c).to_pylist() for c in columns}
            rows = [dict(zip(data, values)) for values in zip(*data.values())] if data else []
            reasons_out: list[str | None] = []
            scores: list[float | None] = []
            for row in rows:
                out = func(row)
                reason, score = out if isinstance(out, tuple) else (out, None)
                reasons_out.append(reason)
                scores.append(score)
            return Verdicts(reasons_out, scores if score_column else None)

        attrs = {
            "__doc__": doc or func.__doc__,
            "__module__": func.__module__,
            "__annotations__": {},
            "name": name,
            "reasons": tuple(reasons),
            "columns": tuple(columns),
            "signal": signal,
            "score_column": score_column,
            "apply": apply,
        }
        for key in ("name", "reasons", "columns", "signal", "score_column"):
            attrs["__annotations__"][key] = ClassVar[Any]
        cls = type(func.__name__, (Filter,), attrs)
        cls.row_function = staticmethod(func)  # type: ignore[attr-defined]
        return cls

    return decorator
