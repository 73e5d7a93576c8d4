"""NuminaMath-1.5 (Numina, 2025): ~896k problems with answers, problem/question types and validity flags."""

from __future__ import annotations

from typing import Any, ClassVar

from bigmath.registry import register_source
from bigmath.schema import Problem, Rejection
from bigmath.sources.base import EMPTY_PROBLEM, Source, boxed_answer, clean_answer, text_field, unmapped
from bigmath.sources.numinamath_cot import NUMINA_CITATION

SENTINEL_ANSWER = "adapter:sentinel_answer"
INVALID_PROBLEM = "adapter:invalid_problem"
INVALID_SOLUTION = "adapter:invalid_solution"


@register_source("numinamath_1_5")
class NuminaMath15(Source):
    r"""``AI-MO/NuminaMath-1.5`` rows (``problem, solution, answer, problem_type, question_type,
    problem_is_valid, solution_is_valid, source, synthetic``).

    Pinned at commit ``1b05109`` (``main`` since 2025; the revision other projects pin); one split,
    ``train`` (896,215 rows, streamed). Licence Apache-2.0.

    Mapping: answer = the native ``answer`` with a whole-answer ``$...$`` wrapper removed; when it
    is empty the solution's last ``\boxed{}`` is used (``meta.answer_origin`` says which).
    ``subset`` = native ``source`` (``olympiads``, ``cn_contest``, ``amc_aime``, ``number_theory``,
    ...); ``domain`` = ``[problem_type]``; ``source_id`` = ``<split>/<row index>``.

    NuminaMath-1.5 writes ``proof`` (proof problems) and ``notfound`` (no final answer could be
    found) in ``answer``: these are not answers, so such rows are rejected. Rows that NuminaMath's
    own annotators marked ``problem_is_valid: "No"`` / ``solution_is_valid: "No"`` are rejected
    too unless ``reject_invalid`` is False (the flags stay in ``meta`` either way).

    Reasons (checked in this order): ``adapter:empty_problem``, ``adapter:invalid_problem``,
    ``adapter:sentinel_answer``, ``adapter:invalid_solution``.

    Attributes:
        sentinel_answers: answers (compared case-insensitively) that mean "no answer".
        reject_invalid: reject rows whose validity flags say ``"No"``.
    """

    name: ClassVar[str] = "numinamath_1_5"
    hub_id: ClassVar[str | None] = "AI-MO/NuminaMath-1.5"
    default_revision: ClassVar[str | None] = "1b05109f9e5c1ad06c0663519502416c30b300f8"
    splits: ClassVar[tuple[str, ...]] = ("train",)
    license: ClassVar[str] = "Apache-2.0"
    citation: ClassVar[str] = NUMINA_CITATION
    native_fields: ClassVar[tuple[str, ...]] = (
        "problem", "solution", "answer", "problem_type", "question_type",
        "problem_is_valid", "solution_is_valid", "source", "synthetic",
    )
    reasons: ClassVar[tuple[str, ...]] = (EMPTY_PROBLEM, INVALID_PROBLEM, SENTINEL_ANSWER, INVALID_SOLUTION)
    streaming: ClassVar[bool] = True

    sentinel_answers: tuple[str, ...] = ("proof", "notfound")
    reject_invalid: bool = True

    def map_row(self, row: dict[str, Any], index: int, unit: str | None = None) -> Problem | Rejection:
        """Map one NuminaMath-1.5 row (see the class docstring for the rules and their order)."""
        source_id = self.row_id(index, unit)
        problem = text_field(row, "problem")
        if problem is None:
            return self.reject(EMPTY_PROBLEM, row, source_id)
        if self.reject_invalid and _is_no(row.get("problem_is_valid")):
            return self.reject(INVALID_PROBLEM, row, source_id, problem)
        raw_answer = text_field(row, "answer", required=False)
        answer = clean_answer(raw_answer)
        if answer is not None and answer.casefold() in {s.casefold() for s in self.sentinel_answers}:
            return self.reject(SENTINEL_ANSWER, row, source_id, problem)
        if self.reject_invalid and _is_no(row.get("solution_is_valid")):
            return self.reject(INVALID_SOLUTION, row, source_id, problem)
        solution = text_field(row, "solution", required=False)
        meta = unmapped(row, ("problem", "solution", "source", "problem_type", "answer"))
        if raw_answer != answer:
            meta["answer_raw"] = row.get("answer")
        meta["answer_origin"] = "answer_field" if answer else None
        if answer is None:
            answer = boxed_answer(solution)
            meta["answer_origin"] = "solution_box" if answer else None
        problem_type = text_field(row, "problem_type", required=False)
        return self.make_problem(
            source_id=source_id,
            problem=problem,
            answer=answer,
            solution=solution,
            subset=text_field(row, "source", required=False),
            domain=[problem_type] if problem_type else [],
            meta=meta,
        )


def _is_no(flag: Any) -> bool:
    """NuminaMath-1.5 validity flags are the strings "Yes"/"No" (booleans accepted too)."""
    return flag is False or (isinstance(flag, str) and flag.strip().casefold() == "no")
