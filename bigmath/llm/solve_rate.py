"""The ``solve_rate`` stage: n rollouts per problem, graded by the bundled verifier.

Big-Math (Albalak et al. 2025, arXiv 2502.17387, section 4) measures difficulty as the share of
64 Llama-3.1-8B-Instruct rollouts (temperature 0.8, top-p 0.95) whose answer matches the
reference; those are the defaults here. Each rollout goes through the request cache, so a
killed run resumes without regenerating; each is graded with
:func:`bigmath.verify.check_many` (gold first, whole response as the prediction).

Recipe form::

    - type: solve_rate
      backend: {type: vllm, model: meta-llama/Llama-3.1-8B-Instruct, alias: llama31_8b}
      samples: 64
      drop_at_or_below: 0.0     # optional: drop problems no rollout solved
      drop_at_or_above: null    # optional: e.g. 1.0 drops problems every rollout solved

Columns (``<a>`` = backend alias): ``solve_rate_<a>`` (float64, null when nothing was graded),
``solve_rate_<a>_n_samples``, ``_n_graded`` (correct + wrong + no readable answer),
``_n_correct``, ``_n_no_answer`` (unparseable prediction), ``_n_timeout`` and
``_n_unparseable_gold`` (int32), and ``solve_rate_<a>_correct_rollouts`` (list<string>: the first
``keep_correct_rollouts`` verified-correct rollouts, for SFT exports). Problems without a
reference answer get no rollouts.
Reasons: ``solve_rate:too_hard``, ``solve_rate:too_easy``, ``solve_rate:ungradable``.
By default every row is kept and the measurement recorded (decide later, re-threshold freely).
"""

from __future__ import annotations

from collections import Counter
from typing import Any, ClassVar

import pyarrow as pa
from pydantic import Field, PrivateAttr

from bigmath.annotate import to_ledger
from bigmath.llm.base import SamplingParams
from bigmath.llm.config import BackendConfig
from bigmath.llm.judge_stage import check_backend, open_generator
from bigmath.pipeline.stage import Resources, Stage, StageContext, StageResult
from bigmath.registry import register_stage

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


@register_stage("solve_rate")
class SolveRateStage(Stage):
    """Measure each problem's solve rate with ``samples`` rollouts of ``backend``.

    Attributes:
        backend: the solver model (None = skip the stage).
        samples, temperature, top_p, max_tokens, seed: rollout sampling (defaults: Big-Math's
            64 rollouts at temperature 0.8, top-p 0.95; 4096 tokens is our choice).
        prompt: template name or file (default the bundled zero-shot ``solve_rate.txt``).
        drop_at_or_below: reject rows whose solve rate is <= this (``solve_rate:too_hard``).
        drop_at_or_above: reject rows whose solve rate is >= this (``solve_rate:too_easy``).
        drop_ungradable: reject rows with no graded rollout (no answer, unparseable gold).
        grade_workers: verifier worker processes; grade_timeout_s: seconds per pair.
        chunk_size: rollouts per backend call and cache commit.
        keep_correct_rollouts: how many verified-correct rollouts to keep per problem (in sample
            order) in ``solve_rate_<a>_correct_rollouts``; ``bigmath export --format sft`` uses
            them for problems without a reference solution. 0 keeps none.
    """

    name: ClassVar[str] = "solve_rate"
    resources: ClassVar[Resources] = Resources(cpus=1, gpus=1)
    stateful: ClassVar[bool] = True
    reasons: ClassVar[tuple[str, ...]] = ("solve_rate:too_hard", "solve_rate:too_easy", "solve_rate:ungradable")

    backend: BackendConfig | None = None
    samples: int = Field(64, ge=1)
    temperature: float = Field(0.8, ge=0)
    top_p: float = Field(0.95, gt=0, le=1)
    max_tokens: int = Field(4096, ge=1)
    seed: int = 0
    prompt: str = "solve_rate"
    drop_at_or_below: float | None = Field(None, ge=0, le=1)
    drop_at_or_above: float | None = Field(None, ge=0, le=1)
    drop_ungradable: bool = False
    grade_workers: int = Field(2, ge=1)
    grade_timeout_s: float = Field(5.0, gt=0)
    chunk_size: int = Field(2048, ge=1)
    keep_correct_rollouts: int = Field(1, ge=0)
    progress: bool = True

    _backend: Any = PrivateAttr(default=None)
    _cache: Any = PrivateAttr(default=None)
    _generator: Any = PrivateAttr(default=None)

    def sampling(self) -> SamplingParams:
        """Rollout sampling params."""
        return SamplingParams(n=self.samples, temperature=self.temperature, top_p=self.top_p,
                              max_tokens=self.max_tokens, seed=self.seed)

    def column(self, suffix: str = "") -> str:
        """``solve_rate_<alias>`` or ``solve_rate_<alias>_<suffix>``."""
        alias = self.backend.alias if self.backend is not None else "model"
        return f"solve_rate_{alias}" + (f"_{suffix}" if suffix else "")

    def config(self) -> dict[str, Any]:
        """Fingerprint config: every field that changes the result, plus the prompt hash."""
        from bigmath.llm.prompts import load_template

        skip = {"grade_workers", "chunk_size", "progress"}
        data = {k: v for k, v in self.model_dump(mode="json").items() if k not in skip}
        if self.backend is not None:
            data["backend"] = self.backend.identity()
        return {"type": self.name, **data, "prompt_sha256": load_template(self.prompt).sha256}

    def check(self, ctx: StageContext) -> None:
        check_backend(self.label(), self.backend, ctx)

    def setup(self, ctx: StageContext) -> None:
        assert self.backend is not None  # check() ran first
        self._backend, self._cache, self._generator = open_generator(
            self.backend, ctx, chunk_size=self.chunk_size, progress=self.progress)

    def measure(self, ids: list[str], problems: list[str], answers: list[str | None]) -> list[dict[str, Any]]:
        """Roll out and grade; one :func:`tally` dict per problem (no rollouts without an answer)."""
        from bigmath.llm.prompts import load_template
        from bigmath.verify import check_many

        gradable = [i for i, a in enumerate(answers) if a is not None and str(a).strip()]
        replies = self._generator.run(load_template(self.prompt), [(ids[i], problems[i]) for i in gradable],
                                      self.sampling(), description="solve-rate rollouts")
        golds = [answers[i] for i, texts in zip(gradable, replies) for _ in texts]
        predictions = [text for texts in replies for text in texts]
        verdicts = check_many(golds, predictions, workers=self.grade_workers, timeout_s=self.grade_timeout_s)
        outcomes = [str(getattr(v.outcome, "value", v.outcome)) for v in verdicts]
        results = [{**tally([]), "correct_rollouts": []} for _ in ids]
        for k, i in enumerate(gradable):
            mine = slice(k * self.samples, (k + 1) * self.samples)
            correct = [text for text, outcome in zip(predictions[mine], outcomes[mine]) if outcome == "correct"]
            results[i] = {**tally(outcomes[mine]), "correct_rollouts": correct[: self.keep_correct_rollouts]}
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
        before = (self._generator.stats.cached, self._generator.stats.generated)
        results = self.measure(ids, problems, answers)
        out = table
        columns = {self.column(): pa.array([r["solve_rate"] for r in results], pa.float64())}
        columns.update({self.column(c): pa.array([r[c] for r in results], pa.int32()) for c in _COUNTS})
        columns[self.column("correct_rollouts")] = pa.array([r["correct_rollouts"] for r in results],
                                                            pa.list_(pa.string()))
        for name, values in columns.items():
            if name in out.column_names:
                out = out.set_column(out.column_names.index(name), name, values)
            else:
                out = out.append_column(name, values)
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
        stats["llm_replies_cached"] = self._generator.stats.cached - before[0]
        stats["llm_replies_generated"] = self._generator.stats.generated - before[1]
        return StageResult(out.filter(keep), to_ledger(out.take(rejected_idx), ledger), dict(stats))

    def teardown(self) -> None:
        if self._backend is not None:
            self._backend.close()
            self._cache.close()
            self._backend = self._cache = self._generator = None
