"""The ``evaluate`` stage: a model on a benchmark, graded by the verifier, inside a recipe.

Recipe form (the settings are those of ``bigmath eval``, :class:`bigmath.train.evaluate.EvalSettings`)::

    - type: evaluate
      stage_name: eval_base
      model: smollm2-135m-instruct
      settings: {benchmark: math500, n: 20, max_tokens: 256}
    - type: train
      stage_name: sft
      method: sft
    - type: evaluate
      stage_name: eval_sft
      model_from: sft                 # the model the train stage labelled sft wrote
      settings: {benchmark: math500, n: 20, max_tokens: 256}

``prepare`` runs :func:`bigmath.train.evaluate.evaluate` into ``OUT/eval/<label>/``
(``results.jsonl``, ``eval.json``). Rows pass through unchanged; shard 0 records
``eval_problems``, ``eval_samples`` and ``eval_correct`` (answers graded correct) in ``stats.json``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import ClassVar

import pyarrow as pa
from pydantic import Field, model_validator

from bigmath.pipeline.stage import Resources, Stage, StageContext, StageResult
from bigmath.registry import register_stage
from bigmath.stages.train import check_model_label, run_dir
from bigmath.train.evaluate import EvalSettings


def eval_dir(out_dir: Path, label: str) -> Path:
    """The output folder of evaluate stage ``label``: ``OUT/eval/<label>``."""
    return Path(out_dir) / "eval" / label


@register_stage("evaluate")
class EvaluateStage(Stage):
    """Evaluate a model (given, or trained by an earlier ``train`` stage) on a benchmark.

    Attributes:
        model: local model name, Hub id or folder.
        model_from: label of an earlier ``train`` stage whose model to evaluate (instead of ``model``).
        settings: benchmark, problem count, samples, generation (see ``bigmath eval --help``).
    """

    name: ClassVar[str] = "evaluate"
    global_step: ClassVar[bool] = True

    model: str | None = Field(None, description="model to evaluate (name, Hub id or folder)")
    model_from: str | None = Field(None, description="label of an earlier train stage whose model to evaluate")
    settings: EvalSettings = Field(default_factory=EvalSettings, description="evaluation settings")

    @model_validator(mode="after")
    def _one_model(self) -> "EvaluateStage":
        if (self.model is None) == (self.model_from is None):
            raise ValueError("give exactly one of model (a name or folder) and model_from (a train stage label)")
        return self

    def check_upstream(self, upstream: list[Stage]) -> None:
        """``model_from`` names an earlier ``train`` stage (checked when the recipe is read)."""
        check_model_label(self, "model_from", self.model_from, upstream)

    def resources(self) -> Resources:
        """One generator in the driver process; a GPU with the vLLM backend or a CUDA device."""
        from bigmath.llm.config import cuda_available

        settings = self.settings
        on_gpu = settings.backend == "vllm" or settings.device == "cuda" \
            or (settings.device == "auto" and cuda_available())
        return Resources(cpus=1.0, gpus=1.0 if on_gpu else 0.0, concurrency=1, in_driver=True)

    def prepare(self, ctx: StageContext) -> None:
        from bigmath.train.evaluate import evaluate

        model = self.model
        if self.model_from is not None:
            run = run_dir(ctx.out_dir, self.model_from)
            if not (run / "model").is_dir():
                raise ValueError(f"stage {self.label()!r}: model_from {self.model_from!r} has no trained model "
                                 f"in {run}; put that train stage earlier in the recipe")
            model = str(run)
        result = evaluate(model, eval_dir(ctx.out_dir, self.label()), self.settings)
        if ctx.progress is not None:
            s = result.summary
            low, high = s["interval_95"]
            ctx.progress.console.print(f"{self.label()}: {s['benchmark']['name']} accuracy {s['accuracy']:.1%} "
                                       f"(95 % CI {low:.1%}-{high:.1%}) on {s['problems']} problems",
                                       highlight=False)

    def process(self, table: pa.Table, ctx: StageContext) -> StageResult:
        stats: dict[str, int] = {}
        if ctx.shard_index == 0:  # once per build: the evaluation's counts
            summary = json.loads((eval_dir(ctx.out_dir, self.label()) / "eval.json").read_text(encoding="utf-8"))
            rows = [json.loads(line) for line in (eval_dir(ctx.out_dir, self.label()) / "results.jsonl")
                    .read_text(encoding="utf-8").splitlines() if line.strip()]
            stats = {"eval_problems": summary["problems"], "eval_samples": summary["samples"],
                     "eval_correct": sum(r["correct"] for r in rows)}
        return StageResult(kept=table, stats=stats)
