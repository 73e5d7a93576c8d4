"""HARP (Yue et al., 2024): human-annotated US competition problems (AHSME, AMC, AIME, USA(J)MO), 1950-2024."""

from __future__ import annotations

import os
import re
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

from bigmath.errors import InputError
from bigmath.registry import register_source
from bigmath.schema import Problem, Rejection
from bigmath.sources.base import EMPTY_PROBLEM, Source, clean_answer, text_field, unmapped
from bigmath.sources.readers import NativeRow, read_local

_SOLUTION_KEY = re.compile(r"^solution_(\d+)$")
_REPO = "https://github.com/aadityasingh/HARP/raw"
#: split -> (commit, file) in github.com/aadityasingh/HARP. The zips name their member differently
#: across versions (``HARD-Math.jsonl`` at 36269c7, ``HARP.jsonl`` later); the reader ignores it.
HARP_FILES: dict[str, tuple[str, str]] = {
    "default": ("36269c78e705ed14ac7a1e2a7538da22f74e793c", "HARP.jsonl.zip"),
    "proof_based": ("dac2734ff6443bcaf3bbdcb10f13cf21ae9729c2", "HARP_proof-based.jsonl.zip"),
    "mcq": ("36269c78e705ed14ac7a1e2a7538da22f74e793c", "HARP_mcq.jsonl.zip"),
}


def _solution_number(key: str) -> int:
    match = _SOLUTION_KEY.match(key)
    return int(match.group(1)) if match else 0


def cache_dir() -> Path:
    """Download cache for non-Hub sources: ``$BIGMATH_CACHE`` or ``~/.cache/bigmath``."""
    default = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "bigmath"
    return Path(os.environ.get("BIGMATH_CACHE", default))


@register_source("harp")
class Harp(Source):
    r"""HARP rows (``year, contest, number, level, subject, multiple_choice_only, problem, answer,
    solution_1 ... solution_N, num_solutions``; the ``mcq`` split adds ``choices, answer_choice``).

    HARP is not on the Hugging Face Hub: it is published as zipped jsonl in
    github.com/aadityasingh/HARP. Give ``path`` (a ``.jsonl``, the upstream ``.jsonl.zip``, or a
    folder), or leave it None to download the pinned zip of ``split`` (:data:`HARP_FILES`;
    ``default`` = 4,780 short-answer problems, ``proof_based`` = 310, ``mcq`` = 4,110) into
    :func:`cache_dir`.

    Mapping: ``source_id`` = ``year/contest/number`` (e.g. ``2007/AIME_I/12``), prefixed ``mcq/``
    in the ``mcq`` split, whose problems are the default split's written as multiple choice (so
    both splits can be read in one build, and the dedup stages relate them); answer = native
    ``answer`` without its ``$...$`` wrapper (null in the proof split, which has none);
    ``solution`` = ``solution_1``, and every ``solution_N`` also stays in ``meta``; ``difficulty`` =
    ``level`` (HARP's 1-6 for short-answer problems, up to 9 in the proof split); ``subset`` =
    ``contest``; ``domain`` = ``[subject]``.

    Reasons: ``adapter:empty_problem``.
    """

    name: ClassVar[str] = "harp"
    hub_id: ClassVar[str | None] = None
    default_revision: ClassVar[str | None] = HARP_FILES["default"][0]
    splits: ClassVar[tuple[str, ...]] = tuple(HARP_FILES)
    license: ClassVar[str] = "MIT"
    citation: ClassVar[str] = """@article{yue2024harp,
  title={HARP: A challenging human-annotated math reasoning benchmark},
  author={Yue, Albert S. and Madaan, Lovish and Moskovitz, Ted and Strouse, DJ and Singh, Aaditya K.},
  journal={arXiv preprint arXiv:2412.08819},
  year={2024}
}"""
    native_fields: ClassVar[tuple[str, ...]] = (
        "year", "contest", "number", "level", "subject", "multiple_choice_only", "problem",
        "answer", "solution_1", "num_solutions",
    )
    difficulty_scale: ClassVar[str | None] = "harp_level"
    reasons: ClassVar[tuple[str, ...]] = (EMPTY_PROBLEM,)

    def resolved_revision(self) -> str | None:
        """The GitHub commit of the split's zip (or ``revision``); None for local paths."""
        if self.path is not None:
            return None
        return self.revision or HARP_FILES[self.resolved_split()][0]

    def remote_url(self) -> str:
        """URL of the pinned upstream zip of the split."""
        return f"{_REPO}/{self.resolved_revision()}/{HARP_FILES[self.resolved_split()][1]}"

    def read_remote(self) -> Iterator[NativeRow]:
        """Download the pinned zip once into :func:`cache_dir` and read it."""
        url = self.remote_url()
        target = cache_dir() / "harp" / str(self.resolved_revision()) / HARP_FILES[self.resolved_split()][1]
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            partial = target.with_suffix(".part")
            try:
                urllib.request.urlretrieve(url, partial)  # noqa: S310 (fixed https URL)
            except OSError as err:
                raise InputError(url, None, None, f"cannot download HARP ({err}); give a local path instead") from None
            partial.replace(target)
        return read_local(target, self.resolved_split())

    @classmethod
    def info(cls) -> dict[str, Any]:
        """As :meth:`Source.info`, plus where the data lives (GitHub, not the Hub)."""
        return {**super().info(), "remote": "github.com/aadityasingh/HARP"}

    def describe(self) -> dict[str, Any]:
        """As :meth:`Source.describe`, plus the download ``url`` when reading upstream."""
        info = super().describe()
        info["url"] = self.remote_url() if self.path is None else None
        return info

    def map_row(self, row: dict[str, Any], index: int, unit: str | None = None) -> Problem | Rejection:
        """Map one HARP row (see the class docstring for the rules)."""
        for field in ("year", "contest", "number"):
            if row.get(field) in (None, ""):
                raise InputError(None, None, field, "missing; HARP rows are identified by year/contest/number")
        # the mcq split holds the same contest problems as the default one, in another form
        prefix = "mcq/" if self.resolved_split() == "mcq" else ""
        source_id = f"{prefix}{row['year']}/{row['contest']}/{row['number']}"
        problem = text_field(row, "problem")
        if problem is None:
            return self.reject(EMPTY_PROBLEM, row, source_id)
        solution_keys = sorted((k for k in row if _SOLUTION_KEY.match(k)), key=_solution_number)
        solutions = [text_field(row, k, required=False) for k in solution_keys]
        raw_answer = text_field(row, "answer", required=False)
        answer = clean_answer(raw_answer)
        meta = unmapped(row, ("problem", "answer", "level", "subject"))
        if raw_answer != answer:
            meta["answer_raw"] = row.get("answer")
        level = row.get("level")
        difficulty = float(level) if isinstance(level, (int, float)) and not isinstance(level, bool) else None
        if difficulty is None and level is not None:
            meta["level"] = level  # not a number: keep it as it was
        subject = text_field(row, "subject", required=False)
        return self.make_problem(
            source_id=source_id,
            problem=problem,
            answer=answer,
            solution=next((s for s in solutions if s), None),
            subset=str(row["contest"]),
            domain=[subject] if subject else [],
            difficulty=difficulty,
            meta=meta,
        )
