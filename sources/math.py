"""MATH (Hendrycks et al., 2021): 12,500 competition problems, 7 subjects, levels 1-5."""

from __future__ import annotations

import re
from typing import Any, ClassVar

from bigmath.registry import register_source
from bigmath.schema import Problem, Rejection
from bigmath.sources.base import EMPTY_PROBLEM, Source, boxed_answer, text_field, unmapped

_LEVEL = re.compile(r"^\s*Level\s+(\d+)\s*$")


@register_source("math")
class Math(Source):
    r"""Hendrycks MATH rows (``problem, level, type, solution``).

    ``hendrycks/competition_math`` was taken down upstream (DMCA, 2024); the default is the live
    mirror ``EleutherAI/hendrycks_math`` (one config per subject, read in :attr:`hub_configs`
    order, ``train`` 7,500 / ``test`` 5,000 rows), pinned at commit ``21a5633`` (the revision the
    Marin project pins for the same mirror). ``DigitalLearningGmbH/MATH-lighteval`` holds the same
    rows in one config; read it with ``custom`` or a local ``path``.

    Mapping: answer = content of the **last** ``\boxed{...}`` / ``\fbox{...}`` / ``\boxed 5`` of
    the solution (as the MATH paper's ``last_boxed_only_string``), null when there is none;
    ``subset`` and ``domain`` = ``type``; ``difficulty`` = the number in ``"Level N"``
    (``"Level ?"``, present in the train split, gives null; the raw string stays in ``meta``).
    ``source_id`` = MATH-500's ``unique_id`` (``test/algebra/1.json``) when the row has one, else
    ``<split>/<row index>``. The test split contains MATH-500: decontaminate before training.

    Reasons: ``adapter:empty_problem``.
    """

    name: ClassVar[str] = "math"
    hub_id: ClassVar[str | None] = "EleutherAI/hendrycks_math"
    default_revision: ClassVar[str | None] = "21a5633873b6a120296cce3e2df9d5550074f4a3"
    hub_configs: ClassVar[tuple[str, ...]] = (
        "algebra", "counting_and_probability", "geometry", "intermediate_algebra",
        "number_theory", "prealgebra", "precalculus",
    )
    splits: ClassVar[tuple[str, ...]] = ("train", "test")
    license: ClassVar[str] = "MIT"
    citation: ClassVar[str] = """@article{hendrycksmath2021,
  title={Measuring Mathematical Problem Solving With the MATH Dataset},
  author={Dan Hendrycks and Collin Burns and Saurav Kadavath and Akul Arora and Steven Basart and Eric Tang and Dawn Song and Jacob Steinhardt},
  journal={NeurIPS},
  year={2021}
}"""
    native_fields: ClassVar[tuple[str, ...]] = ("problem", "level", "type", "solution")
    difficulty_scale: ClassVar[str | None] = "math_level_1_5"
    reasons: ClassVar[tuple[str, ...]] = (EMPTY_PROBLEM,)

    def map_row(self, row: dict[str, Any], index: int, unit: str | None = None) -> Problem | Rejection:
        """Map one MATH row (see the class docstring for the rules)."""
        unique_id = row.get("unique_id")
        source_id = str(unique_id) if unique_id else self.row_id(index, unit)
        problem = text_field(row, "problem")
        if problem is None:
            return self.reject(EMPTY_PROBLEM, row, source_id)
        solution = text_field(row, "solution")
        subject = text_field(row, "type", required=False) or text_field(row, "subject", required=False)
        level = row.get("level")
        match = _LEVEL.match(level) if isinstance(level, str) else None
        difficulty = float(match.group(1)) if match else (float(level) if isinstance(level, int) else None)
        return self.make_problem(
            source_id=source_id,
            problem=problem,
            answer=boxed_answer(solution),
            solution=solution,
            subset=subject,
            domain=[subject] if subject else [],
            difficulty=difficulty,
            meta=unmapped(row, ("problem", "solution", "type")),
        )
