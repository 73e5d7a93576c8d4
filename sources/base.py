"""The ``Source`` base class every adapter builds on, and the small helpers adapters share.

An adapter declares where its dataset lives (Hub id, pinned revision, configs, splits), its
licence and citation, and maps one native row to a :class:`~bigmath.schema.Problem` (or a
:class:`~bigmath.schema.Rejection` with an ``adapter:*`` reason) in :meth:`Source.map_row`.
Reading (Hub or local files) is generic; see :mod:`bigmath.sources.readers`.
"""

from __future__ import annotations

import dataclasses
import itertools
import re
import unicodedata
import warnings
from collections.abc import Iterable, Iterator
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, model_validator

from bigmath.boxed import last_boxed
from bigmath.errors import InputError
from bigmath.schema import Problem, Rejection, make_id
from bigmath.sources.readers import NativeRow, read_hub, read_local

EMPTY_PROBLEM = "adapter:empty_problem"
#: native rows looked at before deciding whether a file has the adapter's fields
FIELD_CHECK_ROWS = 100


class SourceFieldWarning(UserWarning):
    """The rows read lack most of the fields the adapter expects: probably the wrong adapter."""

_BLANK_LINES = re.compile(r"\n{3,}")
# every unicode space separator (category Zs) except the plain space
_UNICODE_SPACE = re.compile("[" + "".join(
    chr(c) for c in range(0x80, 0x3001) if unicodedata.category(chr(c)) == "Zs") + "]")
# "$x$", "$$x$$", "\(x\)", "\[x\]" wrapping a whole answer (HARP writes "$21$", Omni-MATH "\[ x \]")
_MATH_WRAPPERS = (("$$", "$$"), ("$", "$"), ("\\(", "\\)"), ("\\[", "\\]"))
_DELIMITERS = ("$", "\\(", "\\)", "\\[", "\\]")  # inside: two math spans, not one wrapper


def normalize_whitespace(text: str) -> str:
    """Return ``text`` with whitespace normalised and nothing else changed.

    Line endings become ``\\n``; unicode space characters (no-break, thin, ideographic space)
    become a plain space; within a line, each run of spaces/tabs between words becomes one space
    (indentation at line starts is kept, so code blocks survive); spaces at line ends are
    dropped; three or more line breaks become two; the ends are stripped.
    """
    if text.isascii() and "  " not in text and "\t" not in text and "\r" not in text and " \n" not in text \
            and "\n\n\n" not in text:
        return text.strip()  # the common case: nothing to do
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.isascii():
        text = _UNICODE_SPACE.sub(" ", text)
    lines = []
    for line in text.split("\n"):
        words = line.lstrip(" \t")  # only spaces and tabs: a stray form feed ("\x0crac") stays visible
        indent = line[: len(line) - len(words)] if words else ""
        lines.append(indent + " ".join(filter(None, words.replace("\t", " ").split(" "))))
    text = "\n".join(lines)
    if "\n\n\n" in text:
        text = _BLANK_LINES.sub("\n\n", text)
    return text.strip()


def clean_answer(text: str | None) -> str | None:
    r"""Return a final answer without presentation wrappers, or None when nothing is left.

    Strips whitespace; removes one math wrapper around the whole answer (``$21$``, ``\[ x \]``,
    ``\(x\)``) when it holds no other delimiter; takes the last box when the answer holds one
    (Omni-MATH writes ``\(\boxed{4489}\)``). The answer's content is not rewritten.
    """
    if text is None:
        return None
    text = text.strip()
    for left, right in _MATH_WRAPPERS:
        inner = text[len(left) : -len(right)] if len(text) >= len(left) + len(right) else ""
        bare = inner.replace("\\$", "")  # an escaped dollar is money, not a delimiter
        if text.startswith(left) and text.endswith(right) and not any(d in bare for d in _DELIMITERS):
            text = inner.strip()
            break
    if "\\boxed" in text or "\\fbox" in text:
        text = last_boxed(text) or text
    return text or None


def boxed_answer(solution: str | None) -> str | None:
    r"""Return the content of the solution's last ``\boxed{}`` / ``\fbox{}``, or None (no box, empty box)."""
    return last_boxed(solution) or None


def text_field(row: dict[str, Any], field: str, *, required: bool = True) -> str | None:
    """Return ``row[field]`` whitespace-normalised, or None when it is null or blank.

    Raises:
        InputError: the field is missing (when ``required``) or is not a string; the error carries
            the field name, the reader adds file and row.
    """
    if field not in row:
        if not required:
            return None
        raise InputError(None, None, field, f"missing field; the row has {sorted(row)}")
    value = row[field]
    if value is None:
        return None
    if not isinstance(value, str):
        raise InputError(None, None, field, f"expected a string, got {type(value).__name__}: {str(value)[:60]!r}")
    value = normalize_whitespace(value)
    return value or None


class Source(BaseModel):
    """Base of every source adapter (a pydantic model, so recipes validate it).

    Class attributes each adapter sets:
        name: registry name, also the ``source`` column value.
        hub_id: Hugging Face dataset id, or None when the data lives elsewhere.
        default_revision: pinned Hub commit sha read when ``revision`` is not given.
        hub_configs: dataset configs read one after the other (``()`` = the default config).
        splits: upstream splits; the first is read when ``split`` is not given.
        license: SPDX id of the upstream licence.
        citation: BibTeX entry of the dataset paper.
        native_fields: the upstream row fields.
        difficulty_scale: name of the upstream difficulty scale, or None.
        reasons: every ``adapter:*`` rejection reason the adapter may emit.
        streaming: stream from the Hub instead of downloading the whole split first.
        collapses_rows: one output Problem may stand for several native rows
            (``meta.num_solutions`` of them; OpenMathInstruct-2).

    Attributes:
        path: local file or folder (jsonl / json / parquet / zip of those); None reads the Hub.
        revision: Hub revision; None means ``default_revision``.
        split: upstream split; None means ``splits[0]``. For local files it names the rows
            in source ids (default: the file name without suffix).
        limit: read at most this many native rows (None = all).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: ClassVar[str] = ""
    hub_id: ClassVar[str | None] = None
    default_revision: ClassVar[str | None] = None
    hub_configs: ClassVar[tuple[str, ...]] = ()
    splits: ClassVar[tuple[str, ...]] = ("train",)
    license: ClassVar[str] = ""
    citation: ClassVar[str] = ""
    native_fields: ClassVar[tuple[str, ...]] = ()
    difficulty_scale: ClassVar[str | None] = None
    reasons: ClassVar[tuple[str, ...]] = (EMPTY_PROBLEM,)
    streaming: ClassVar[bool] = False
    collapses_rows: ClassVar[bool] = False

    path: str | None = None
    revision: str | None = None
    split: str | None = None
    limit: int | None = Field(default=None, ge=0)

    @model_validator(mode="after")
    def _check_split(self) -> "Source":
        if self.path is None and self.split is not None and self.splits and self.split not in self.splits:
            raise ValueError(f"source {self.name!r} has no split {self.split!r}; splits: {', '.join(self.splits)}")
        return self

    # -- reading -----------------------------------------------------------------------------

    def resolved_split(self) -> str:
        """The split read (``split``, else the first of ``splits``)."""
        return self.split or (self.splits[0] if self.splits else "train")

    def resolved_revision(self) -> str | None:
        """The Hub revision read (``revision``, else ``default_revision``); None for local paths."""
        return None if self.path is not None else (self.revision or self.default_revision)

    def read_rows(self) -> Iterator[NativeRow]:
        """Yield native rows from ``path`` or, when it is None, from the Hub (pinned revision)."""
        if self.path is not None:
            return read_local(self.path, self.split)
        return self.read_remote()

    def read_remote(self) -> Iterator[NativeRow]:
        """Yield native rows from the Hub. Raises ValueError when the adapter has no Hub id."""
        if not self.hub_id:
            raise ValueError(f"source {self.name!r} has no Hub dataset; give a local path")
        configs: tuple[str | None, ...] = self.hub_configs or (None,)
        return read_hub(self.hub_id, split=self.resolved_split(), configs=configs,
                        revision=self.resolved_revision(), streaming=self.streaming)

    def limited_rows(self) -> Iterator[NativeRow]:
        """:meth:`read_rows` cut to ``limit`` rows."""
        rows = self.read_rows()
        return rows if self.limit is None else itertools.islice(rows, self.limit)

    def iter_results(self) -> Iterator[Problem | Rejection]:
        """Yield one Problem or Rejection per native row, in input order.

        Source ids are made unique: a repeated id gets ``#2``, ``#3``, ... in input order.

        Raises:
            InputError: a row cannot be read or lacks a required field (names file, row, field).
        """
        return unique_ids(self._mapped(self.limited_rows()))

    def _mapped(self, rows: Iterable[NativeRow]) -> Iterator[Problem | Rejection]:
        seen: set[str] = set()
        n = -1
        for n, native in enumerate(rows):
            if n < FIELD_CHECK_ROWS:
                seen.update(native.row)
                if n + 1 == FIELD_CHECK_ROWS:
                    self._check_fields(seen, native)
            try:
                yield self.map_row(native.row, native.index, native.unit)
            except InputError as err:
                raise err.with_location(native.origin, native.line) from None
        if 0 <= n < FIELD_CHECK_ROWS - 1:  # fewer rows than the check reads: check what there was
            self._check_fields(seen, native)

    def _check_fields(self, seen: set[str], native: NativeRow) -> None:
        """Warn (:class:`SourceFieldWarning`) when at least half of :attr:`native_fields` are absent
        from the first rows: e.g. ``math`` given an Omni-MATH file maps rows, but wrongly."""
        missing = [f for f in self.native_fields if f not in seen]
        if self.native_fields and 2 * len(missing) >= len(self.native_fields):
            warnings.warn(
                f"{native.origin}: fields {', '.join(missing)} that source {self.name!r} expects are in none "
                f"of the first rows (found: {', '.join(sorted(seen))}); is {self.name!r} the right adapter "
                "for this file? (`bigmath sources` lists each adapter's fields; `custom` maps any fields)",
                SourceFieldWarning, stacklevel=2)

    def map_row(self, row: dict[str, Any], index: int, unit: str | None = None) -> Problem | Rejection:
        """Map one native row to a Problem, or to a Rejection with an ``adapter:*`` reason.

        Args:
            row: the native row.
            index: its 0-based position within ``unit``.
            unit: split or file label for default source ids (None = the resolved split).
        """
        raise NotImplementedError

    # -- helpers for adapters -----------------------------------------------------------------

    def row_id(self, index: int, unit: str | None) -> str:
        """Default source id of a row without a native id: ``<split or file label>/<index>``."""
        return f"{unit or self.resolved_split()}/{index}"

    def make_problem(self, *, source_id: str, problem: str, **fields: Any) -> Problem:
        """Return a Problem of this source (name, licence and difficulty scale filled in)."""
        fields.setdefault("difficulty_scale", self.difficulty_scale if fields.get("difficulty") is not None else None)
        return Problem.create(source=self.name, source_id=source_id, problem=problem, license=self.license, **fields)

    def reject(self, reason: str, row: dict[str, Any], source_id: str, problem: str | None = None) -> Rejection:
        """Return a Rejection of ``row`` (kept whole) with ``reason`` (must be in :attr:`reasons`)."""
        if reason not in self.reasons:
            raise ValueError(f"source {self.name!r} emitted undeclared reason {reason!r}")
        return Rejection(source=self.name, source_id=source_id, reason=reason, row=row,
                         problem=problem or "", license=self.license)

    def describe(self) -> dict[str, Any]:
        """Return what was read, for ``build.json`` and the dataset card (JSON-able)."""
        return {
            "name": self.name, "hub_id": self.hub_id, "revision": self.resolved_revision(),
            "configs": list(self.hub_configs), "license": self.license, "citation": self.citation,
            "path": self.path, "split": self.resolved_split() if self.path is None else self.split,
            "limit": self.limit,
        }

    @classmethod
    def info(cls) -> dict[str, Any]:
        """Class-level facts for ``bigmath sources``: name, Hub id, revision, licence, splits, fields."""
        return {"name": getattr(cls, "registry_name", cls.name), "hub_id": cls.hub_id,
                "default_revision": cls.default_revision, "license": cls.license,
                "splits": list(cls.splits), "native_fields": list(cls.native_fields), "reasons": list(cls.reasons),
                "citation": cls.citation, "remote": None, "configurable": []}


def unmapped(row: dict[str, Any], mapped: Iterable[str]) -> dict[str, Any]:
    """Return the fields of ``row`` not in ``mapped`` (they go to ``meta``, so nothing is lost)."""
    skip = set(mapped)
    return {k: v for k, v in row.items() if k not in skip}


def unique_ids(results: Iterable[Problem | Rejection]) -> Iterator[Problem | Rejection]:
    """Make source ids unique in input order: the n-th repeat of ``x`` becomes ``x#n`` (n >= 2)."""
    seen: dict[str, int] = {}
    for item in results:
        count = seen.get(item.source_id, 0) + 1
        seen[item.source_id] = count
        if count > 1:
            new_id = f"{item.source_id}#{count}"
            while new_id in seen:  # "x#2" may itself be a native id
                count += 1
                new_id = f"{item.source_id}#{count}"
            seen[item.source_id] = count
            seen[new_id] = 1
            if isinstance(item, Problem):
                item = dataclasses.replace(item, source_id=new_id, id=make_id(item.source, new_id))
            else:
                item = dataclasses.replace(item, source_id=new_id)
        yield item
