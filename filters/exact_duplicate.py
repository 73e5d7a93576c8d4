"""Exact-duplicate filter: the second and later copies of a problem within one run.

Two problems are exact duplicates when :func:`bigmath.textnorm.text_hash` of their statements is
equal (case, whitespace, LaTeX spacing and delimiter variants ignored; see that module). The
first occurrence is kept; each later one is rejected with ``duplicate_of`` = the first one's id.
The seen-hash table lives in the filter object, so it carries across the batches of one process
(the pipeline's global exact-dedup stage uses the same hash and the same reason code, so both
agree). Rule source: exact string deduplication after normalisation, as in Big-Math (arXiv
2502.17387, Sec. 2.2) before semantic deduplication.
"""

from __future__ import annotations

import hashlib
from typing import ClassVar

from pydantic import PrivateAttr

from bigmath.filter import Batch, Filter, Verdicts
from bigmath.filters._rules import normalized
from bigmath.registry import register_filter


@register_filter("exact_duplicate")
class ExactDuplicate(Filter):
    """Reject repeated problems (normalised-text hash), keeping the first occurrence.

    Reasons:
        ``duplicate:exact``.

    Reads ``id`` and ``problem``; writes ``is_exact_duplicate`` and returns ``duplicate_of``
    (id of the first occurrence) with similarity 1.0. State persists across :meth:`apply` calls
    of one object; :meth:`reset` (and :meth:`setup`) clears it.
    """

    name: ClassVar[str] = "exact_duplicate"
    reasons: ClassVar[tuple[str, ...]] = ("duplicate:exact",)
    columns: ClassVar[tuple[str, ...]] = ("id", "problem")
    signal: ClassVar[str | None] = "is_exact_duplicate"

    _first_id: dict[str, str] = PrivateAttr(default_factory=dict)

    def setup(self) -> None:
        """Start a fresh run (forget every hash seen)."""
        self.reset()

    def reset(self) -> None:
        """Forget every problem seen so far."""
        self._first_id.clear()

    def apply(self, batch: Batch) -> Verdicts:
        ids = batch.column("id").to_pylist()
        problems = batch.column("problem").to_pylist()
        reasons: list[str | None] = []
        duplicate_of: list[str | None] = []
        seen = self._first_id
        for row_id, problem in zip(ids, problems):
            key = hashlib.sha1(normalized(problem).encode("utf-8")).hexdigest()  # = textnorm.text_hash
            first = seen.setdefault(key, row_id)
            is_duplicate = first != row_id
            reasons.append("duplicate:exact" if is_duplicate else None)
            duplicate_of.append(first if is_duplicate else None)
        similarity = [1.0 if d is not None else None for d in duplicate_of]
        return Verdicts(reasons, duplicate_of=duplicate_of, similarity=similarity)
