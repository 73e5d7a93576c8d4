"""OpenMathInstruct-2 (Toshniwal et al., 2024): 14M Llama-3.1-405B solutions to ~600k problems."""

from __future__ import annotations

import hashlib
import json
import sqlite3
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

from bigmath.errors import InputError
from bigmath.registry import register_source
from bigmath.schema import Problem, Rejection
from bigmath.sources.base import EMPTY_PROBLEM, Source, clean_answer, text_field, unique_ids, unmapped

_BATCH = 10_000
_SCHEMA = """
CREATE TABLE problems (key BLOB PRIMARY KEY, seq INTEGER, unit TEXT, row INTEGER, problem TEXT,
                       solution TEXT, subset TEXT, extra TEXT, n INTEGER);
CREATE TABLE votes (key BLOB, answer TEXT, n INTEGER, seq INTEGER, PRIMARY KEY (key, answer));
CREATE TABLE subsets (key BLOB, subset TEXT, n INTEGER, seq INTEGER, PRIMARY KEY (key, subset));
"""
_UPSERT = {
    "problems": "INSERT INTO problems VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1) ON CONFLICT(key) DO UPDATE SET n = n + 1",
    "votes": "INSERT INTO votes VALUES (?, ?, 1, ?) ON CONFLICT(key, answer) DO UPDATE SET n = n + 1",
    "subsets": "INSERT INTO subsets VALUES (?, ?, 1, ?) ON CONFLICT(key, subset) DO UPDATE SET n = n + 1",
}
_NATIVE = ("problem", "generated_solution", "expected_answer", "problem_source")


@register_source("openmathinstruct2")
class OpenMathInstruct2(Source):
    r"""``nvidia/OpenMathInstruct-2`` rows (``problem, generated_solution, expected_answer, problem_source``).

    Pinned at commit ``469216e`` (Hub ``main`` since 2024-11-25); splits ``train`` (13,972,791
    rows, the default), ``train_1M``, ``train_2M``, ``train_5M`` (subsets of ``train``: read only
    one). Streamed from the Hub. Licence CC-BY-4.0.

    Collapse: the rows hold several solutions per problem (about 600k distinct problems), so
    :meth:`iter_results` yields **one Problem per distinct problem text** (after whitespace
    normalisation), in order of first occurrence. ``solution`` = the first row's solution;
    ``answer`` = the most frequent ``expected_answer`` (ties: the one seen first); ``meta`` holds
    ``num_solutions``, ``answer_votes`` ({answer: rows}), ``answer_agreement`` (top votes / rows
    with an answer), ``problem_sources`` ({problem_source: rows}) and ``first_row``. ``subset`` =
    the first row's ``problem_source`` (``math``, ``gsm8k``, ``augmented_math``, ``augmented_gsm8k``).
    ``source_id`` = ``<split>/<first row index>``. Rows without problem text are rejected one by
    one (``adapter:empty_problem``) and come first in the output.

    For the augmented problems (``augmented_*``, written by the LLM) ``expected_answer`` is the
    majority vote of 32 sampled solutions, **not ground truth**; ``meta.answer_is_majority_vote``
    marks them. Only ``math``/``gsm8k`` problems carry their original dataset's answer.

    Memory: the collapse runs in an on-disk SQLite table (in ``work_dir`` or the system temp
    folder), so RAM stays constant however many rows are read; disk use is about the size of the
    distinct problems plus one first solution each (~1 GB for the full ``train`` split).

    Reasons: ``adapter:empty_problem``.
    """

    name: ClassVar[str] = "openmathinstruct2"
    hub_id: ClassVar[str | None] = "nvidia/OpenMathInstruct-2"
    default_revision: ClassVar[str | None] = "469216e3f46f4dacf476b382e192485ea51a143e"
    splits: ClassVar[tuple[str, ...]] = ("train", "train_1M", "train_2M", "train_5M")
    license: ClassVar[str] = "CC-BY-4.0"
    citation: ClassVar[str] = """@article{toshniwal2024openmath2,
  title={OpenMathInstruct-2: Accelerating AI for Math with Massive Open-Source Instruction Data},
  author={Shubham Toshniwal and Wei Du and Ivan Moshkov and Branislav Kisacanin and Alexan Ayrapetyan and Igor Gitman},
  journal={arXiv preprint arXiv:2410.01560},
  year={2024}
}"""
    native_fields: ClassVar[tuple[str, ...]] = ("problem", "generated_solution", "expected_answer", "problem_source")
    reasons: ClassVar[tuple[str, ...]] = (EMPTY_PROBLEM,)
    streaming: ClassVar[bool] = True
    #: one output Problem stands for ``meta.num_solutions`` native rows
    collapses_rows: ClassVar[bool] = True

    work_dir: str | None = None

    def map_row(self, row: dict[str, Any], index: int, unit: str | None = None) -> Problem | Rejection:
        """Map ONE native row (no collapse; :meth:`iter_results` collapses rows per problem)."""
        source_id = self.row_id(index, unit)
        problem, solution, answer, subset, extra = _fields(row)
        if problem is None:
            return self.reject(EMPTY_PROBLEM, row, source_id)
        extra.update(num_solutions=1, answer_votes={answer: 1} if answer else {},
                     answer_is_majority_vote=bool(subset and subset.startswith("augmented_")))
        return self.make_problem(source_id=source_id, problem=problem, answer=answer, subset=subset,
                                 solution=solution, meta=extra)

    def iter_results(self) -> Iterator[Problem | Rejection]:
        """Yield rejections (in row order), then one collapsed Problem per distinct problem."""
        return unique_ids(self._collapsed())

    def _collapsed(self) -> Iterator[Problem | Rejection]:
        with tempfile.TemporaryDirectory(prefix="bigmath-omi2-", dir=self.work_dir) as tmp:
            db = sqlite3.connect(Path(tmp) / "collapse.sqlite")
            try:
                db.executescript("PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;" + _SCHEMA)
                pending: dict[str, list[tuple]] = {table: [] for table in _UPSERT}
                for seq, native in enumerate(self.limited_rows()):
                    try:
                        fields = _fields(native.row)
                    except InputError as err:
                        raise err.with_location(native.origin, native.line) from None
                    if fields[0] is None:
                        yield self.reject(EMPTY_PROBLEM, native.row, self.row_id(native.index, native.unit))
                        continue
                    _stage(fields, seq, native.unit, native.index, pending)
                    if len(pending["problems"]) >= _BATCH:
                        _flush(db, pending)
                _flush(db, pending)
                yield from self._problems(db)
            finally:
                db.close()

    def _problems(self, db: sqlite3.Connection) -> Iterator[Problem]:
        order = "JOIN problems p USING (key) ORDER BY p.seq, t.n DESC, t.seq"
        votes = db.execute(f"SELECT p.seq, t.answer, t.n FROM votes t {order}")
        subsets = db.execute(f"SELECT p.seq, t.subset, t.n FROM subsets t {order}")
        next_vote, next_subset = next(votes, None), next(subsets, None)
        for seq, unit, row, problem, solution, subset, extra, n in db.execute(
            "SELECT seq, unit, row, problem, solution, subset, extra, n FROM problems ORDER BY seq"
        ):
            answer_votes: dict[str, int] = {}
            while next_vote is not None and next_vote[0] == seq:
                answer_votes[next_vote[1]] = next_vote[2]
                next_vote = next(votes, None)
            sources: dict[str, int] = {}
            while next_subset is not None and next_subset[0] == seq:
                sources[next_subset[1]] = next_subset[2]
                next_subset = next(subsets, None)
            answer = next(iter(answer_votes), None)  # highest count first, then first seen
            voted = sum(answer_votes.values())
            meta = json.loads(extra)
            meta.update({
                "num_solutions": n, "answer_votes": answer_votes, "problem_sources": sources,
                "answer_agreement": round(answer_votes[answer] / voted, 6) if answer else None,
                "answer_is_majority_vote": bool(subset and subset.startswith("augmented_")),
                "first_row": row,
            })
            yield self.make_problem(source_id=f"{unit}/{row}", problem=problem, answer=answer,
                                    solution=solution, subset=subset, meta=meta)


def _fields(row: dict[str, Any]) -> tuple[str | None, str | None, str | None, str | None, dict[str, Any]]:
    """(problem, solution, answer, problem_source, unmapped fields) of one native row."""
    problem = text_field(row, "problem")
    solution = text_field(row, "generated_solution", required=False)
    answer = clean_answer(text_field(row, "expected_answer", required=False))
    subset = text_field(row, "problem_source", required=False)
    return problem, solution, answer, subset, unmapped(row, _NATIVE)


def _stage(fields: tuple, seq: int, unit: str, row: int, pending: dict[str, list[tuple]]) -> None:
    """Queue one row for the collapse tables (key = sha1 of the normalised problem text)."""
    problem, solution, answer, subset, extra = fields
    key = hashlib.sha1(problem.encode("utf-8")).digest()
    pending["problems"].append((key, seq, unit, row, problem, solution, subset, json.dumps(extra) if extra else "{}"))
    if answer:
        pending["votes"].append((key, answer, seq))
    pending["subsets"].append((key, subset or "", seq))


def _flush(db: sqlite3.Connection, pending: dict[str, list[tuple]]) -> None:
    for table, rows in pending.items():
        db.executemany(_UPSERT[table], rows)
        rows.clear()
    db.commit()
