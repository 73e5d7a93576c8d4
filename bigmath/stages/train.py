"""The ``train`` stage: SFT or GRPO on the rows that reach it, so a recipe ends in a trained model.

Recipe form (the settings are those of ``bigmath train sft|grpo``, :mod:`bigmath.train.settings`)::

    - type: train
      stage_name: sft                 # the model lands in OUT/models/sft/model
      method: sft
      settings: {max_steps: 20, batch_size: 4, learning_rate: 1.0e-4, threads: 1}
    - type: train
      stage_name: rl
      method: grpo
      start_from: sft                 # begin from the model of the stage labelled sft
      settings: {max_steps: 3, prompts_per_step: 4, num_generations: 4, max_completion_length: 64}

``prepare`` (once, on the driver) writes the upstream rows as a build folder
(``<stage dir>/input/``: ``kept.parquet``, ``build.json``) and runs
:func:`bigmath.train.sft.train_sft` or :func:`bigmath.train.grpo.train_grpo` on it into
``OUT/models/<label>/`` (the run folder of ``bigmath train``: ``model/``, ``train.json``,
``trainer_log.jsonl``, the curve plot). Rows pass through unchanged; shard 0 records
``train_rows`` and ``train_steps`` in ``stats.json``. A changed setting or upstream stage gives the
stage a new fingerprint, so the model is trained again; an unchanged rerun reuses it.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from typing import Any, ClassVar, Literal

import pyarrow as pa
from pydantic import Field, model_validator

from bigmath.pipeline.stage import Resources, Stage, StageContext, StageResult, StageSkipped
from bigmath.registry import register_stage
from bigmath.train.settings import GRPOSettings, SFTSettings

_SETTINGS = {"sft": SFTSettings, "grpo": GRPOSettings}


def check_model_label(stage: Stage, key: str, label: str | None, upstream: list[Stage]) -> None:
    """Raise ValueError unless ``label`` (when given) is the label of a ``train`` stage in ``upstream``."""
    if label is None:
        return
    trained = [s.label() for s in upstream if s.name == "train"]
    if label not in trained:
        raise ValueError(f"stage {stage.label()!r}: {key} {label!r} is not the label of a train stage before it "
                         f"(train stages before it: {', '.join(trained) or 'none'})")


def run_dir(out_dir: Path, label: str) -> Path:
    """The run folder of train stage ``label`` in build ``out_dir``: ``OUT/models/<label>``."""
    return Path(out_dir) / "models" / label


def write_stage_input(ctx: StageContext, name: str) -> Path:
    """Write the upstream shards as a build folder a trainer reads (``kept.parquet``, ``build.json``)
    into ``<stage dir>/input``; return that folder."""
    from bigmath import __version__
    from bigmath.pipeline.outputs import concat_parquet, library_versions
    from bigmath.schema import PROBLEM_SCHEMA

    folder = ctx.stage_dir / "input"
    folder.mkdir(parents=True, exist_ok=True)
    concat_parquet(ctx.inputs, folder / "kept.parquet", PROBLEM_SCHEMA)
    info = {"bigmath_version": __version__, "recipe": {"name": name}, "sources": [], "stages": [],
            "versions": library_versions()}
    (folder / "build.json").write_text(json.dumps(info, indent=2) + "\n", encoding="utf-8")
    return folder


@register_stage("train")
class TrainStage(Stage):
    """Train a model on the rows that reach this stage (SFT on solutions, or GRPO with the verifier).

    Attributes:
        method: ``sft`` (TRL SFTTrainer) or ``grpo`` (TRL GRPOTrainer).
        start_from: label of an earlier ``train`` stage whose trained model this one starts from
            (overrides ``settings.model``).
        settings: the method's settings (:class:`~bigmath.train.settings.SFTSettings` or
            :class:`~bigmath.train.settings.GRPOSettings`).
    """

    name: ClassVar[str] = "train"
    global_step: ClassVar[bool] = True

    method: Literal["sft", "grpo"] = Field("sft", description="sft (solutions) or grpo (verifier reward)")
    start_from: str | None = Field(None, description="label of an earlier train stage whose model to start from")
    settings: SFTSettings | GRPOSettings = Field(default_factory=SFTSettings, description="trainer settings")

    def check_upstream(self, upstream: list[Stage]) -> None:
        """``start_from`` names an earlier ``train`` stage (checked when the recipe is read, so a
        typo does not cost the stages before it)."""
        check_model_label(self, "start_from", self.start_from, upstream)

    @model_validator(mode="before")
    @classmethod
    def _settings_of_method(cls, data: Any) -> Any:
        if isinstance(data, dict):
            settings = data.get("settings")
            kind = _SETTINGS.get(data.get("method", "sft"))
            if kind is not None and (settings is None or isinstance(settings, dict)):
                data = {**data, "settings": kind(**(settings or {}))}
        return data

    @model_validator(mode="after")
    def _settings_match_method(self) -> "TrainStage":
        if not isinstance(self.settings, _SETTINGS[self.method]):
            raise ValueError(f"method {self.method!r} needs {_SETTINGS[self.method].__name__} settings")
        return self

    def resources(self) -> Resources:
        """One trainer in the driver process; a GPU when the settings train on CUDA."""
        return Resources(cpus=1.0, gpus=1.0 if self.settings.on_cuda() else 0.0, concurrency=1, in_driver=True)

    def check(self, ctx: StageContext) -> None:
        if importlib.util.find_spec("trl") is None:
            raise StageSkipped("the train stage needs TRL: pip install 'bigmath[train]'")
        if isinstance(self.settings, GRPOSettings):
            from bigmath.train.grpo import check_vllm

            try:
                check_vllm(self.settings)
            except ValueError as err:
                raise StageSkipped(str(err)) from None

    def prepare(self, ctx: StageContext) -> None:
        settings = self.settings
        if self.start_from:
            start = run_dir(ctx.out_dir, self.start_from)
            if not (start / "model").is_dir():
                raise ValueError(f"stage {self.label()!r}: start_from {self.start_from!r} has no trained model "
                                 f"at {start}; put that train stage earlier in the recipe")
            settings = settings.model_copy(update={"model": str(start)})
        echo = ctx.progress.console.print if ctx.progress is not None else None
        data = write_stage_input(ctx, f"input of stage {self.label()}")
        if self.method == "sft":
            from bigmath.train.sft import train_sft

            train_sft(data, run_dir(ctx.out_dir, self.label()), settings, echo=echo)
        else:
            from bigmath.train.grpo import train_grpo

            train_grpo(data, run_dir(ctx.out_dir, self.label()), settings, echo=echo)

    def process(self, table: pa.Table, ctx: StageContext) -> StageResult:
        stats: dict[str, int] = {}
        if ctx.shard_index == 0:  # once per build: what was trained
            info = json.loads((run_dir(ctx.out_dir, self.label()) / "train.json").read_text(encoding="utf-8"))
            stats = {"train_rows": info["data"]["rows"], "train_steps": info["steps"]}
        return StageResult(kept=table, stats=stats)
