"""Your own data: any jsonl / json / parquet / zip file, folder, or Hub dataset, with a field mapping."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from typing import Any, ClassVar

from pydantic import Field, model_validator

from bigmath.errors import InputError
from bigmath.registry import register_source
from bigmath.schema import Problem, Rejection
from bigmath.sources.base import EMPTY_PROBLEM, Source, boxed_answer, clean_answer, text_field, unmapped
from bigmath.sources.readers import NativeRow, read_hub

with warnings.catch_warnings():
    # ``name``, ``license``, ``hub_id`` are class attributes in other adapters and user fields here
    warnings.filterwarnings("ignore", message=r"Field name \"(name|license|hub_id)\"")

    @register_source("custom")
    class Custom(Source):
        r"""Rows of any layout, mapped by field names you give (answer optional).

        Read from ``path`` (local file or folder) or, when ``path`` is None, from the Hub dataset
        ``hub_id`` (``config``, ``split``, ``revision``; pin a commit sha for reproducible builds).

        Mapping: ``problem`` = ``problem_field`` (required); ``answer`` = ``answer_field`` (a whole
        ``$...$`` wrapper removed) or, when there is no answer field and ``boxed_answer`` is true,
        the last ``\boxed{}`` of the solution; ``solution`` = ``solution_field``; ``subset`` =
        ``subset_field``; ``source_id`` = ``id_field`` (repeats get ``#2``, ``#3``, ...) or
        ``<split or file label>/<row index>``. Every other field goes to ``meta``. Problems carry
        ``source = name`` and the ``license`` you record.

        Reasons: ``adapter:empty_problem``.

        Attributes:
            name: value of the ``source`` column (default ``custom``).
            license: SPDX id to record (default ``unknown``: set it before publishing).
            hub_id: Hugging Face dataset id, read when ``path`` is None.
            config: Hub dataset config, or None.
            problem_field: the field holding the problem (required in every row).
            answer_field: the field holding the final answer (None: the solution's last box).
            solution_field: the field holding a reference solution.
            id_field: the field holding a stable row id (None: file label and row number).
            subset_field: the field naming the native sub-source.
            boxed_answer: take the answer from the solution's last box when ``answer_field`` is None.
        """

        hub_id: str | None = None  # type: ignore[assignment]
        splits: ClassVar[tuple[str, ...]] = ()
        native_fields: ClassVar[tuple[str, ...]] = ()
        reasons: ClassVar[tuple[str, ...]] = (EMPTY_PROBLEM,)

        name: str = Field(default="custom", pattern=r"^[A-Za-z0-9_.\-]+$")  # type: ignore[assignment]
        license: str = "unknown"  # type: ignore[assignment]
        config: str | None = None
        problem_field: str = "problem"
        answer_field: str | None = None
        solution_field: str | None = None
        id_field: str | None = None
        subset_field: str | None = None
        boxed_answer: bool = True

        @model_validator(mode="after")
        def _check_input(self) -> "Custom":
            if self.path is None and not self.hub_id:
                raise ValueError("custom source needs a path (local file or folder) or a hub_id")
            return self

        def read_remote(self) -> Iterator[NativeRow]:
            """Read the Hub dataset ``hub_id`` (config ``config``, split ``split`` or ``train``)."""
            return read_hub(str(self.hub_id), split=self.resolved_split(), configs=(self.config,),
                            revision=self.revision, streaming=False)

        def resolved_revision(self) -> str | None:
            """The Hub revision given (None = the Hub's ``main``, not reproducible)."""
            return None if self.path is not None else self.revision

        @classmethod
        def info(cls) -> dict[str, Any]:
            """Listing for ``bigmath sources``: Hub id and licence are whatever you give."""
            return {**super().info(), "hub_id": None, "license": "unknown", "native_fields": [],
                    "configurable": ["path", "hub_id", "config", "license", "name", "problem_field",
                                     "answer_field", "solution_field", "id_field", "subset_field"]}

        def describe(self) -> dict[str, Any]:
            """As :meth:`Source.describe`, plus the field mapping."""
            info = super().describe()
            info.update(configs=[self.config] if self.config else [], mapping={
                "problem": self.problem_field, "answer": self.answer_field, "solution": self.solution_field,
                "id": self.id_field, "subset": self.subset_field,
            })
            return info

        def map_row(self, row: dict[str, Any], index: int, unit: str | None = None) -> Problem | Rejection:
            """Map one row by the configured field names (see the class docstring)."""
            source_id = self._source_id(row, index, unit)
            problem = text_field(row, self.problem_field)
            if problem is None:
                return self.reject(EMPTY_PROBLEM, row, source_id)
            solution = text_field(row, self.solution_field) if self.solution_field else None
            if self.answer_field:
                answer = clean_answer(_as_text(row, self.answer_field))
            else:
                answer = boxed_answer(solution) if self.boxed_answer else None
            mapped = [f for f in (self.problem_field, self.answer_field, self.solution_field, self.subset_field,
                                  self.id_field) if f]
            return self.make_problem(
                source_id=source_id,
                problem=problem,
                answer=answer,
                solution=solution,
                subset=text_field(row, self.subset_field, required=False) if self.subset_field else None,
                meta=unmapped(row, mapped),
            )

        def _source_id(self, row: dict[str, Any], index: int, unit: str | None) -> str:
            if not self.id_field:
                return self.row_id(index, unit)
            if self.id_field not in row:
                raise InputError(None, None, self.id_field, f"missing id field; the row has {sorted(row)}")
            value = row[self.id_field]
            if value is None or (isinstance(value, str) and not value.strip()):
                raise InputError(None, None, self.id_field, "empty id")
            return str(value).strip()


def _as_text(row: dict[str, Any], field: str) -> str | None:
    """The answer field as text: numbers (GSM8K-style ints, AMC floats) are written out."""
    if field not in row:
        raise InputError(None, None, field, f"missing field; the row has {sorted(row)}")
    value = row[field]
    if isinstance(value, bool):
        raise InputError(None, None, field, f"expected a string or number, got {value!r}")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return text_field(row, field)
