"""The ``solve_rate`` stage: n rollouts per problem, graded by the bundled verifier.

Big-Math (Albalak et al. 2025, arXiv 2502.17387, section 4) measures difficulty as the share of
64 Llama-3.1-8B-Instruct rollouts (temperature 0.8, top-p 0.95) whose answer matches the
reference; those are the defaults here. Each rollout goes through the request cache, so a
killed run resumes without regenerating; each is graded with
:func:`bigmath.verify.check_many` (gold first, whole response as the prediction, the problem given
so a rollout that restates it is wrong: docs/verifier.md, "Echoes of the problem").

Recipe form::

    - type: solve_rate
      backend: {type: vllm, model: meta-llama/Llama-3.1-8B-Instruct, alias: llama31_8b}
      sampling: {samples: 64, temperature: 0.8, top_p: 0.95, max_tokens: 4096}
      drop_at_or_below: 0.0     # optional: drop problems no rollout solved
      drop_at_or_above: null    # optional: e.g. 1.0 drops problems every rollout solved

Columns (``<a>`` = backend alias): ``solve_rate_<a>`` (float64, null when nothing was graded),
``solve_rate_<a>_n_samples``, ``_n_graded`` (correct + wrong + no readable answer),
``_n_correct``, ``_n_no_answer`` (unparseable prediction), ``_n_timeout`` and
``_n_unparseable_gold`` (int32), ``solve_rate_<a>_outcomes`` (list<string>: the verifier's
outcome of every rollout, in sample order: ``correct``, ``wrong``, ``unparseable_prediction``,
``timeout``, ``unparseable_gold``; every rollout's text stays in the request cache) and
``solve_rate_<a>_correct_rollouts`` (list<string>: the first ``keep_correct_rollouts``
verified-correct rollouts, for SFT exports). Problems without a reference answer get no rollouts.
Reasons: ``solve_rate:too_hard``, ``solve_rate:too_easy``, ``solve_rate:ungradable``.
By default every row is kept and the measurement recorded (decide later, re-threshold freely).
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any, ClassVar

import pyarrow as pa
from pydantic import Field, model_validator

from bigmath.annotate import set_column, to_ledger
from bigmath.llm.config import SamplingConfig, reject_flat_sampling
from bigmath.llm.prompts import PromptTemplate, load_template, resolve_template
from bigmath.pipeline.stage import StageContext, StageResult
from bigmath.registry import register_stage
from bigmath.stages.llm import LLMStage, counted_since
from bigmath.verify.types import DEFAULT_TIMEOUT_S

#: Folder of the bundled solve-rate prompt (``solve_rate.txt``).
PROMPTS_DIR = Path(__file__).parent / "prompts"

_COUNTS = ("n_samples", "n_graded", "n_correct", "n_no_answer", "n_timeout", "n_unparseable_gold")


def tally(outcomes: list[str]) -> dict[str, Any]:
    """Solve rate and counts of one problem from its rollouts' verifier outcomes.

    Args:
        outcomes: :class:`bigmath.verify.Outcome` values (strings), one per rollout.

    Returns:
        ``solve_rate`` (float or None when nothing was graded) and the :data:`_COUNTS` counters.
    """
    counts = Counter(outcomes)
    graded = counts["correct"] + counts["wrong"] + counts["unparseable_prediction"]
    return {
        "solve_rate": counts["correct"] / graded if graded else None,
        "n_samples": len(outcomes),
        "n_graded": graded,
        "n_correct": counts["correct"],
        "n_no_answer": counts["unparseable_prediction"],
        "n_timeout": counts["timeout"],
        "n_unparseable_gold": counts["unparseable_gold"],
    }


class RolloutSampling(SamplingConfig):
    """Solve-rate rollouts: Big-Math's 64 samples at temperature 0.8, top-p 0.95 (arXiv
    2502.17387, section 4); 4096 tokens per rollout is our choice."""

    samples: int = Field(64, ge=1, description="rollouts per problem")
    temperature: float = Field(0.8, ge=0, description="softmax temperature (0 = greedy)")
    top_p: float = Field(0.95, gt=0, le=1, description="nucleus-sampling probability mass")
    max_tokens: int = Field(4096, ge=1, description="most tokens per rollout")


@register_stage("solve_rate")
class SolveRateStage(LLMStage):
    """Measure each problem's solve rate with ``sampling.samples`` rollouts of ``backend``.

    Attributes:
        backend, chunk_size, progress: see :class:`~bigmath.stages.llm.LLMStage`.
        sampling: rollout sampling (:class:`RolloutSampling`).
        prompt: template name in ``bigmath/stages/prompts`` or a ``.txt`` file (default the
            bundled zero-shot ``solve_rate``).
        drop_at_or_below: reject rows whose solve rate is <= this (``solve_rate:too_hard``).
        drop_at_or_above: reject rows whose solve rate is >= this (``solve_rate:too_easy``).
        drop_ungradable: reject rows with no graded rollout (no answer, unparseable gold).
        grade_workers: verifier worker processes; grade_timeout_s: seconds per pair.
        keep_correct_rollouts: how many verified-correct rollouts to keep per problem (in sample
            order) in ``solve_rate_<a>_correct_rollouts``; ``bigmath export --format sft`` uses
            them for problems without a reference solution. 0 keeps none.
    """

    name: ClassVar[str] = "solve_rate"
    reasons: ClassVar[tuple[str, ...]] = ("solve_rate:too_hard", "solve_rate:too_easy", "solve_rate:ungradable")
    runtime_fields: ClassVar[frozenset[str]] = LLMStage.runtime_fields | {"grade_workers"}

    sampling: RolloutSampling = Field(default_factory=RolloutSampling, description="rollout sampling")
    prompt: str = Field("solve_rate", description="prompt template name or .txt file")
    drop_at_or_below: float | None = Field(None, ge=0, le=1, description="reject rows with solve rate <= this")
    drop_at_or_above: float | None = Field(None, ge=0, le=1, description="reject rows with solve rate >= this")
    drop_ungradable: bool = Field(False, description="reject rows with no graded rollout")
    grade_workers: int = Field(2, ge=1, description="verifier worker processes")
    grade_timeout_s: float = Field(DEFAULT_TIMEOUT_S, gt=0, description="verifier seconds per (gold, rollout) pair")
    keep_correct_rollouts: int = Field(1, ge=0, description="verified-correct rollouts kept per problem (SFT)")

    @model_validator(mode="before")
    @classmethod
    def _sampling_is_nested(cls, data: Any) -> Any:
        return reject_flat_sampling(data)

    def template(self) -> PromptTemplate:
        """The rollout prompt (``prompt`` resolved in :data:`PROMPTS_DIR` or as a file)."""
        return load_template(resolve_template(self.prompt, PROMPTS_DIR))

    def column(self, suffix: str = "") -> str:
        """``solve_rate_<alias>`` or ``solve_rate_<alias>_<suffix>``."""
        return f"solve_rate_{self.alias}" + (f"_{suffix}" if suffix else "")

    def config(self) -> dict[str, Any]:
        """Fingerprint config: the base's plus the prompt hash."""
        return {**super().config(), "prompt_sha256": self.template().sha256}

    def measure(self, ids: list[str], problems: list[str], answers: list[str | None]) -> list[dict[str, Any]]:
        """Roll out and grade; one :func:`tally` dict per problem (no rollouts without an answer)."""
        from bigmath.verify import check_many

        gradable = [i for i, a in enumerate(answers) if a is not None and str(a).strip()]
        replies = self.generator.run(self.template(), [(ids[i], problems[i]) for i in gradable],
                                     self.sampling.params(), description="solve-rate rollouts")
        golds = [answers[i] for i, texts in zip(gradable, replies) for _ in texts]
        asked = [problems[i] for i, texts in zip(gradable, replies) for _ in texts]  # echo rule
        predictions = [text for texts in replies for text in texts]
        verdicts = check_many(golds, predictions, problems=asked, workers=self.grade_workers,
                              timeout_s=self.grade_timeout_s)
        outcomes = [str(getattr(v.outcome, "value", v.outcome)) for v in verdicts]
        results = [{**tally([]), "outcomes": [], "correct_rollouts": []} for _ in ids]
        for k, i in enumerate(gradable):
            mine = slice(k * self.sampling.samples, (k + 1) * self.sampling.samples)
            correct = [text for text, outcome in zip(predictions[mine], outcomes[mine]) if outcome == "correct"]
            results[i] = {**tally(outcomes[mine]), "outcomes": outcomes[mine],
                          "correct_rollouts": correct[: self.keep_correct_rollouts]}
        return results

    def _reason(self, result: dict[str, Any]) -> str | None:
        rate = result["solve_rate"]
        if rate is None:
            return "solve_rate:ungradable" if self.drop_ungradable else None
        if self.drop_at_or_below is not None and rate <= self.drop_at_or_below:
            return "solve_rate:too_hard"
        if self.drop_at_or_above is not None and rate >= self.drop_at_or_above:
            return "solve_rate:too_easy"
        return None

    def process(self, table: pa.Table, ctx: StageContext) -> StageResult:
        ids = [str(v) for v in table.column("id").to_pylist()]
        problems = [v or "" for v in table.column("problem").to_pylist()]
        answers = table.column("answer").to_pylist() if "answer" in table.column_names else [None] * len(ids)
        before = self.counters()
        results = self.measure(ids, problems, answers)
        out = table
        columns = {self.column(): pa.array([r["solve_rate"] for r in results], pa.float64())}
        columns.update({self.column(c): pa.array([r[c] for r in results], pa.int32()) for c in _COUNTS})
        columns[self.column("outcomes")] = pa.array([r["outcomes"] for r in results], pa.list_(pa.string()))
        columns[self.column("correct_rollouts")] = pa.array([r["correct_rollouts"] for r in results],
                                                            pa.list_(pa.string()))
        for name, values in columns.items():
            out = set_column(out, name, values)
        reasons = [self._reason(r) for r in results]
        keep = pa.array([r is None for r in reasons], pa.bool_())
        rejected_idx = pa.array([i for i, r in enumerate(reasons) if r], pa.int64())
        rejected_reasons = [r for r in reasons if r]
        ledger = {"stage": pa.array([self.label()] * len(rejected_reasons), pa.string()),
                  "reason": pa.array(rejected_reasons, pa.string()),
                  "reasons": pa.array([[r] for r in rejected_reasons], pa.list_(pa.string()))}
        stats: Counter[str] = Counter()
        stats["solve_rate_rollouts"] = sum(r["n_samples"] for r in results)
        stats["solve_rate_correct"] = sum(r["n_correct"] for r in results)
        stats.update(counted_since(before, self.counters()))
        return StageResult(out.filter(keep), to_ledger(out.take(rejected_idx), ledger), dict(stats))
