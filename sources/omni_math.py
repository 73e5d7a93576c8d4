"""Omni-MATH (Gao et al., 2024): 4,428 olympiad-level problems with domains and difficulty 1-10."""

from __future__ import annotations

from typing import Any, ClassVar

from bigmath.errors import InputError
from bigmath.registry import register_source
from bigmath.schema import Problem, Rejection
from bigmath.sources.base import EMPTY_PROBLEM, Source, clean_answer, text_field, unmapped


@register_source("omni_math")
class OmniMath(Source):
    r"""``KbsdJames/Omni-MATH`` rows (``domain, difficulty, problem, solution, answer, source``).

    Pinned at commit ``0000b6b`` (2024-09-14, the commit that renamed the data file to
    ``test.jsonl``); one split, ``test`` (4,428 rows). Licence Apache-2.0 (dataset card). The
    rule-gradable subset (``KbsdJames/omni-math-rule``, 2,821 rows) has the same layout.

    Mapping: answer = native ``answer`` with a whole-answer math wrapper (``$x$``, ``\[x\]``,
    ``\(x\)``) removed and, when it holds a box, the box's content (the raw value stays in
    ``meta.answer_raw``); ``domain`` = the native list (``"Mathematics -> Algebra -> ..."``);
    ``difficulty`` = native float on Omni-MATH's 1-10 scale; ``subset`` = native ``source``
    (competition, e.g. ``HMMT_2``); ``source_id`` = ``<split>/<row index>`` (upstream has no id).
    Omni-MATH is an evaluation set: decontaminate other sources against it before training.

    Reasons: ``adapter:empty_problem``.
    """

    name: ClassVar[str] = "omni_math"
    hub_id: ClassVar[str | None] = "KbsdJames/Omni-MATH"
    default_revision: ClassVar[str | None] = "0000b6bc8be4aa61655413073c3645ae4b3b30e8"
    splits: ClassVar[tuple[str, ...]] = ("test",)
    license: ClassVar[str] = "Apache-2.0"
    citation: ClassVar[str] = """@article{gao2024omnimath,
  title={Omni-MATH: A Universal Olympiad Level Mathematic Benchmark For Large Language Models},
  author={Gao, Bofei and Song, Feifan and Yang, Zhe and Cai, Zefan and Miao, Yibo and Dong, Qingxiu and Li, Lei and Ma, Chenghao and Chen, Liang and Xu, Runxin and Tang, Zhengyang and Wang, Benyou and Zan, Daoguang and Quan, Shanghaoran and Zhang, Ge and Sha, Lei and Zhang, Yichang and Ren, Xuancheng and Liu, Tianyu and Chang, Baobao},
  journal={arXiv preprint arXiv:2410.07985},
  year={2024}
}"""
    native_fields: ClassVar[tuple[str, ...]] = ("domain", "difficulty", "problem", "solution", "answer", "source")
    difficulty_scale: ClassVar[str | None] = "omni_math_1_10"
    reasons: ClassVar[tuple[str, ...]] = (EMPTY_PROBLEM,)

    def map_row(self, row: dict[str, Any], index: int, unit: str | None = None) -> Problem | Rejection:
        """Map one Omni-MATH row (see the class docstring for the rules)."""
        source_id = self.row_id(index, unit)
        problem = text_field(row, "problem")
        if problem is None:
            return self.reject(EMPTY_PROBLEM, row, source_id)
        raw_answer = text_field(row, "answer", required=False)
        answer = clean_answer(raw_answer)
        meta = unmapped(row, ("domain", "difficulty", "problem", "solution", "answer", "source"))
        if raw_answer != answer:
            meta["answer_raw"] = row.get("answer")
        difficulty = row.get("difficulty")
        if difficulty is not None and (isinstance(difficulty, bool) or not isinstance(difficulty, (int, float))):
            raise InputError(None, None, "difficulty", f"expected a number, got {difficulty!r}")
        return self.make_problem(
            source_id=source_id,
            problem=problem,
            answer=answer,
            solution=text_field(row, "solution", required=False),
            subset=text_field(row, "source", required=False),
            domain=_domain_list(row.get("domain")),
            difficulty=difficulty,
            meta=meta,
        )


def _domain_list(value: Any) -> list[str]:
    """Omni-MATH ``domain`` is a list of strings; a bare string or null is accepted too."""
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return list(value)
    raise InputError(None, None, "domain", f"expected a list of strings, got {value!r:.80}")
