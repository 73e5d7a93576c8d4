"""The ``llm_judges`` stage: run the LLM-judge filters over each shard on one backend.

Recipe form::

    - type: llm_judges
      backend: {type: vllm, model: meta-llama/Llama-3.1-70B-Instruct, alias: llama31_70b,
                tensor_parallel_size: 4, max_model_len: 8192}
      judges: [judge_multiple_choice, judge_proof, judge_yes_no, judge_true_false, judge_multi_part]
      # per-judge settings: {type: judge_proof, sampling: {samples: 3}, on_unparseable: drop, drop: false}

The backend is loaded once per worker; every judge shares it and the build's request cache, so
a killed build resumes mid-shard without regenerating (see :class:`~bigmath.stages.llm.LLMStage`).
Without a usable backend the stage is skipped with a message and rows pass through.
"""

from __future__ import annotations

from collections import Counter
from typing import Any, ClassVar

import pyarrow as pa
from pydantic import Field, SerializeAsAny, field_validator

from bigmath.annotate import annotate, split
from bigmath.filter import Filter
from bigmath.filters.judges import JUDGE_NAMES, JudgeFilter
from bigmath.pipeline.components import build_list
from bigmath.pipeline.stage import StageContext, StageResult
from bigmath.registry import register_stage
from bigmath.stages.llm import LLMStage, counted_since


@register_stage("llm_judges")
class LLMJudgeStage(LLMStage):
    """Apply LLM-judge filters (:mod:`bigmath.filters.judges`) to every shard with one shared backend.

    Reasons: those of its judges (``judge_<family>:p_yes>=threshold`` in score mode,
    ``judge_<family>:yes`` in sample mode, ``judge_<family>:undecided``).
    Columns: ``judge_<family>_<alias>`` per judge (struct: label, p_yes, mass, threshold, mode,
    raw, sample_labels; see :mod:`bigmath.filters.judges`).
    Stats: ``judge_<family>:<label>`` counts and the work counters of
    :meth:`~bigmath.stages.llm.LLMStage.counters` (replies and scores cached / computed,
    problems, generated tokens); the rates go in one line printed at teardown.
    Defaults: the five judges of Big-Math (arXiv 2502.17387), scored from next-token
    probabilities at threshold 0.5 where the backend allows, else sampled as Big-Math does
    (temperature 0.2, 5 tokens).

    Attributes:
        judges: judge filters (registry names or ``{type: ..., ...}``; default all five); their
            own ``backend`` must be unset (the stage's is used).
    """

    name: ClassVar[str] = "llm_judges"

    judges: list[SerializeAsAny[Filter]] = Field(default_factory=lambda: list(JUDGE_NAMES), validate_default=True,
                                                 description="judge filters to run (default: all five)")

    @classmethod
    def resolve_components(cls, params: dict[str, Any], where: str) -> dict[str, Any]:
        """Build ``judges`` from registry specs (default: all five), with key paths in errors."""
        specs = params.get("judges") or list(JUDGE_NAMES)
        return {**params, "judges": build_list("filter", specs, f"{where}.judges")}

    @field_validator("judges", mode="before")
    @classmethod
    def _build_judges(cls, value: Any) -> Any:
        specs = value or list(JUDGE_NAMES)
        if all(isinstance(v, Filter) for v in specs):
            return specs
        return build_list("filter", specs, "judges")

    @field_validator("judges")
    @classmethod
    def _only_judges(cls, value: list[Filter]) -> list[Filter]:
        names = [f.name for f in value]
        for flt in value:
            if not isinstance(flt, JudgeFilter):
                raise ValueError(f"{flt.name!r} is not an LLM judge (use a filters stage for rule filters)")
            if flt.backend is not None:
                raise ValueError(f"{flt.name!r}: set backend on the stage, not on the judge")
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"judge(s) listed twice: {dupes}")
        return value

    def config(self) -> dict[str, Any]:
        """Fingerprint config: the base's, with each judge's own config (prompt hash included)."""
        return {**super().config(), "judges": [f.config() for f in self.judges]}

    def setup(self, ctx: StageContext) -> None:
        """Load the backend once and bind every judge to it."""
        super().setup(ctx)
        for judge in self.judges:
            judge.bind(self.generator, self.alias)

    def process(self, table: pa.Table, ctx: StageContext) -> StageResult:
        """Judge every row; route rows by the judges' reasons; count labels."""
        before = self.counters()
        annotated = annotate(table, self.judges)
        kept, rejected = split(annotated, self.label())
        stats: Counter[str] = Counter()
        for judge in self.judges:
            column = annotated.table.column(judge.column(self.alias)).combine_chunks()
            stats.update(f"judge_{judge.family}:{label}" for label in column.field("label").to_pylist())
        stats.update(counted_since(before, self.counters()))
        return StageResult(kept, rejected, dict(stats))

    def teardown(self) -> None:
        """Unbind the judges (so the stage pickles for Ray actors), then close backend and cache."""
        for judge in self.judges:
            judge.bind(None, self.alias)
        super().teardown()
