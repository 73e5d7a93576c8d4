"""What SFT and GRPO runs share: set-up (threads, seed, model), saving, ``train.json``.

:func:`prepare` runs before a TRL trainer is built, :func:`finish` after ``trainer.train()``;
between them :mod:`bigmath.train.sft` and :mod:`bigmath.train.grpo` only build their trainer.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bigmath.train.data import TrainingData
from bigmath.train.run import (hardware, hyperparameters, log_callback, model_identity, read_log,
                               resolve_run_model, step_records, versions, write_json)
from bigmath.train.settings import TrainSettings


@dataclasses.dataclass
class RunSetup:
    """A run being prepared: its folder, the resolved model and the log callback.

    Attributes:
        out_dir: the run folder (see :mod:`bigmath.train.run`).
        model_path: what ``from_pretrained`` loads (a local model name resolved to its folder).
        callback: the ``TrainerCallback`` writing ``trainer_log.jsonl``.
        timings: wall-clock records the callback collects (written to ``timings.json``).
    """

    out_dir: Path
    model_path: str
    callback: Any
    timings: list[dict[str, Any]]

    @property
    def log_path(self) -> Path:
        """``trainer_log.jsonl`` of this run."""
        return self.out_dir / "trainer_log.jsonl"


@dataclasses.dataclass(frozen=True)
class TrainResult:
    """A finished run.

    Attributes:
        out_dir: the run folder.
        model_dir: the trained model (``out_dir/model``), loadable with ``from_pretrained`` and
            by ``bigmath eval``.
        log: per-step log records (``step``, ``loss``, ... ; GRPO adds ``reward``, ``verify/*``).
        info: the content of ``train.json``.
        plot: the loss (SFT) or reward (GRPO) curve PNG.
    """

    out_dir: Path
    model_dir: Path
    log: list[dict[str, Any]]
    info: dict[str, Any]
    plot: Path


def ready(args: Any) -> Any:
    """Set up the devices of TRL arguments now (``args.device``; under ``accelerate launch`` or
    torchrun this joins the process group), so the run can coordinate its processes; return ``args``."""
    args.device  # noqa: B018 - a cached property with the side effect wanted here
    return args


def load_data(input_path: str | Path, format_name: str, setup: RunSetup, args: Any, options: Any,
              **kwargs: Any) -> TrainingData:
    """:func:`bigmath.train.data.load_training_data` into ``<run>/data``. With several processes
    (``args`` from :func:`ready`), the main one writes the export first and the others read it."""
    from bigmath.train.data import load_training_data

    with args.main_process_first(desc="bigmath export"):
        return load_training_data(input_path, format_name, setup.out_dir / "data", options,
                                  write=args.process_index == 0, **kwargs)


def world_size() -> int:
    """Processes in this run (``WORLD_SIZE`` set by ``accelerate launch`` / torchrun; 1 otherwise)."""
    return int(os.environ.get("WORLD_SIZE", "1"))


def prepare(settings: TrainSettings, out_dir: str | Path, echo: Callable[[str], None] | None = None) -> RunSetup:
    """Create the run folder, set torch threads and every seed, resolve the model (a local name,
    Hub id, folder, or an earlier run folder: see :func:`bigmath.train.run.resolve_run_model`).

    ``echo`` receives one line per logged step (see :func:`bigmath.train.run.format_record`).

    Raises:
        bigmath.llm.models.ModelNotAvailableError: a local model name whose package is missing.
    """
    import torch
    from transformers import set_seed

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    if settings.threads is not None:
        torch.set_num_threads(settings.threads)
    set_seed(settings.seed)  # before the trainer builds the model: LoRA weights are drawn at init
    model_path = resolve_run_model(settings.model)
    timings: list[dict[str, Any]] = []
    return RunSetup(out, model_path, log_callback(out / "trainer_log.jsonl", timings, echo), timings)


def quiet(trainer: Any) -> Any:
    """Remove transformers' ``PrinterCallback`` (it prints every log dict; the run log and the
    ``echo`` lines replace it); return the trainer."""
    from transformers.trainer_callback import PrinterCallback, ProgressCallback

    trainer.remove_callback(PrinterCallback)
    trainer.remove_callback(ProgressCallback)
    return trainer


def save_model(trainer: Any, settings: TrainSettings, out_dir: Path) -> Path:
    """Save the trained model and tokenizer to ``out_dir/model``; with LoRA, the adapter alone to
    ``out_dir/adapter`` and the base with the adapter merged into ``model`` (so ``bigmath eval``,
    vLLM and ``from_pretrained`` read it like any model)."""
    model_dir = out_dir / "model"
    if not settings.lora_r:
        trainer.save_model(str(model_dir))
        return model_dir
    if trainer.accelerator.is_main_process:
        trainer.model.save_pretrained(str(out_dir / "adapter"))
        merged = trainer.accelerator.unwrap_model(trainer.model).merge_and_unload()
        merged.save_pretrained(str(model_dir))
        trainer.processing_class.save_pretrained(str(model_dir))
    return model_dir


def finish(trainer: Any, kind: str, settings: TrainSettings, data: TrainingData, setup: RunSetup,
           extra: dict[str, Any] | None = None) -> TrainResult:
    """Save the model, write ``train.json``, ``timings.json`` and the curve plot; return the result.

    Args:
        trainer: the TRL trainer after ``train()``.
        kind: ``sft`` or ``grpo``.
        settings: the run's settings.
        data: the training rows and their identity.
        setup: what :func:`prepare` returned.
        extra: more JSON-able facts for ``train.json`` (e.g. the reward function).
    """
    from bigmath.train.plots import loss_curve, reward_curve

    out = setup.out_dir
    model_dir = save_model(trainer, settings, out)
    log = step_records(read_log(setup.log_path)) if setup.log_path.is_file() else []
    info = {
        "kind": kind,
        "command": f"bigmath train {kind}",
        "model": model_identity(settings.model, setup.model_path),
        "data": data.describe(),
        "settings": settings.model_dump(mode="json"),
        "trainer": {"class": type(trainer).__name__, "arguments": hyperparameters(trainer.args)},
        **(extra or {}),
        "hardware": hardware(world_size()),
        "versions": versions(),
        "outputs": {"model": "model", "adapter": "adapter" if settings.lora_r else None,
                    "log": "trainer_log.jsonl", "timings": "timings.json",
                    "plot": "loss.png" if kind == "sft" else "reward.png"},
        "steps": trainer.state.global_step,
    }
    checkpoints = out / "checkpoints"
    if checkpoints.is_dir() and not any(checkpoints.iterdir()):
        checkpoints.rmdir()
    plot = out / info["outputs"]["plot"]
    if trainer.accelerator.is_main_process:  # one writer under accelerate launch
        write_json(out / "train.json", info)
        write_json(out / "timings.json", {"steps": setup.timings})
        (loss_curve if kind == "sft" else reward_curve)(log, plot, title=f"{kind}: {settings.model}")
    return TrainResult(out, model_dir, log, info, plot)
