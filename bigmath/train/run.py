"""The run folder of ``bigmath train sft|grpo --out DIR`` and what identifies a run.

Layout::

    DIR/model/              the trained model and tokenizer (LoRA: the base with the adapter merged in)
    DIR/adapter/            the LoRA adapter alone (only with --lora-r)
    DIR/data/               the export made from a build input (train.parquet, export.json, ...)
    DIR/trainer_log.jsonl   one JSON object per logged step: step, loss, reward, verify/*, ...
    DIR/timings.json        wall-clock figures (runtime, seconds per step): the only run-dependent file
    DIR/train.json          data digest, export options, every hyper-parameter, TRL arguments, versions
    DIR/loss.png            SFT loss curve / DIR/reward.png GRPO reward curve

With the same inputs, seed and thread count on the same machine, ``trainer_log.jsonl`` and
``train.json`` are byte-identical across reruns: wall-clock values are split off into
``timings.json``.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import os
import platform
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

#: Log keys that hold wall-clock measurements (they go to ``timings.json``).
_TIMING = re.compile(r"(runtime|_per_second|_time)$")
#: Libraries whose versions ``train.json`` records (absent ones are left out).
LIBRARIES = ("bigmath", "torch", "transformers", "trl", "peft", "accelerate", "datasets", "math-verify", "sympy",
             "vllm", "deepspeed")
#: TrainingArguments fields that are paths or machine details, not hyper-parameters.
_NOT_HYPERPARAMETERS = {"output_dir", "logging_dir", "hub_token", "push_to_hub_token", "run_name"}


def split_timings(record: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Split a trainer log record into (deterministic values, wall-clock values)."""
    values = {k: v for k, v in record.items() if not _TIMING.search(k)}
    timings = {k: v for k, v in record.items() if _TIMING.search(k)}
    return values, timings


def versions() -> dict[str, str]:
    """Python and library versions (``{"python": "3.11.9", "torch": "2.13.0+cpu", ...}``)."""
    found = {"python": platform.python_version()}
    for name in LIBRARIES:
        try:
            found[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            continue
    return found


def resolve_run_model(model: str) -> str:
    """What ``from_pretrained`` loads for ``model``: a ``bigmath train`` run folder gives its
    ``model/``; a local name (``smollm2-135m-instruct``) its converted folder
    (:func:`bigmath.llm.models.resolve_model`); a Hub id or other folder is kept.

    Raises:
        bigmath.llm.models.ModelNotAvailableError: a local model whose package is missing.
        ValueError: ``model`` is an existing folder that holds no model (a build, export or eval
            folder is named as such), or a local-looking path that does not exist.
    """
    from bigmath.llm.models import resolve_model

    run = Path(model)
    if (run / "train.json").is_file() and (run / "model").is_dir():
        return str(run / "model")
    if run.is_dir() and not (run / "config.json").is_file():
        raise ValueError(f"{model}: {_not_a_model(run)}; give a model folder (with config.json), a "
                         "`bigmath train` run folder, a local name (`bigmath models`) or a Hub id")
    if not run.exists() and (model.startswith((".", "/", "~")) or run.parent.is_dir() and run.parent != Path(".")):
        raise ValueError(f"{model}: no such folder")
    return resolve_model(model)


def _not_a_model(folder: Path) -> str:
    """What ``folder`` is instead of a model, from the files bigmath writes."""
    for marker, kind in (("kept.parquet", "a build folder"), ("export.json", "an export folder"),
                         ("eval.json", "an eval folder"), ("train.json", "a run folder without a model")):
        if (folder / marker).is_file():
            return f"this is {kind}, not a model"
    return "not a model folder (no config.json)"


def model_identity(name: str, resolved: str) -> dict[str, Any]:
    """What the policy model was: the name given, what it resolved to, and for a local folder the
    sha256 of its ``config.json`` and its ``bigmath_model.json`` (upstream of a converted model)."""
    info: dict[str, Any] = {"name": name, "resolved": resolved}
    folder = Path(resolved)
    if folder.is_dir():
        config = folder / "config.json"
        if config.is_file():
            info["config_sha256"] = hashlib.sha256(config.read_bytes()).hexdigest()
        marker = folder / "bigmath_model.json"
        if marker.is_file():
            info["local_model"] = json.loads(marker.read_text(encoding="utf-8"))
    return info


def hyperparameters(trainer_args: Any) -> dict[str, Any]:
    """Every field of a TRL config (``SFTConfig``/``GRPOConfig``) as JSON-able values, paths left out."""
    data = trainer_args.to_dict()
    return {k: data[k] for k in sorted(data) if k not in _NOT_HYPERPARAMETERS}


def hardware(world_size: int = 1) -> dict[str, Any]:
    """Device facts that change float results: device kind, torch CPU threads, process count."""
    import torch

    device = torch.cuda.get_device_name(0) if torch.cuda.is_available() else "cpu"
    return {"device": device, "torch_threads": torch.get_num_threads(), "world_size": world_size}


def write_json(path: Path, data: dict[str, Any]) -> Path:
    """Write ``data`` as indented UTF-8 JSON with a final newline; return ``path``."""
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n", encoding="utf-8")
    return path


def read_log(path: str | Path) -> list[dict[str, Any]]:
    """The records of a ``trainer_log.jsonl`` (one dict per logged step, then the run summary)."""
    return [json.loads(line) for line in Path(path).read_text(encoding="utf-8").splitlines() if line.strip()]


#: Keys shown in the one-line step summary, with their labels (present ones only).
_SHOWN = (("loss", "loss"), ("reward", "reward"), ("reward_std", "std"), ("verify/correct", "correct"),
          ("verify/wrong", "wrong"), ("verify/unparseable_prediction", "unparseable"), ("verify/timeout", "timeout"),
          ("groups/all_zero", "all-0 groups"), ("groups/all_one", "all-1 groups"), ("learning_rate", "lr"))


def format_record(record: dict[str, Any], max_steps: int | None = None) -> str:
    """One line for a step's log record: ``step 3/20  loss 1.4840  lr 3.3e-05``."""
    parts = [f"step {record.get('step')}" + (f"/{max_steps}" if max_steps and max_steps > 0 else "")]
    for key, label in _SHOWN:
        value = record.get(key)
        if value is None:
            continue
        if key.startswith("verify/"):
            parts.append(f"{label} {int(value)}")
        elif key == "learning_rate":
            parts.append(f"{label} {value:.2e}")
        else:
            parts.append(f"{label} {value:.4f}")
    return "  ".join(parts)


def log_callback(log_path: Path, timings: list[dict[str, Any]], echo: Callable[[str], None] | None = None) -> Any:
    """A ``transformers.TrainerCallback`` that appends every log record to ``log_path`` (flushed
    per step, so a killed run keeps its log), the wall-clock values and each step's seconds to
    ``timings``, and passes a one-line summary of each step to ``echo``."""
    from transformers import TrainerCallback

    class RunLog(TrainerCallback):
        def __init__(self) -> None:
            self.step_started = time.perf_counter()

        def on_step_begin(self, args, state, control, **kwargs):  # noqa: ANN001 - transformers' signature
            self.step_started = time.perf_counter()

        def on_step_end(self, args, state, control, **kwargs):  # noqa: ANN001
            timings.append({"step": state.global_step, "step_s": time.perf_counter() - self.step_started})

        def on_log(self, args, state, control, logs=None, **kwargs):  # noqa: ANN001
            if not state.is_world_process_zero or not logs:
                return
            values, clock = split_timings({"step": state.global_step, **logs})
            with log_path.open("a", encoding="utf-8") as handle:
                handle.write(json.dumps(values, ensure_ascii=False) + "\n")
            if len(clock) > 0:
                timings.append({"step": state.global_step, **clock})
            if echo is not None and "train_loss" not in values:
                echo(format_record(values, state.max_steps))

    if int(os.environ.get("RANK", "0")) == 0:  # one writer under accelerate launch
        log_path.unlink(missing_ok=True)
    return RunLog()


def loss_trend(records: list[dict[str, Any]], width: int = 5) -> tuple[float, float] | None:
    """Mean loss of the first and of the last ``width`` steps (None with fewer than 2 x width)."""
    losses = [r["loss"] for r in step_records(records) if r.get("loss") is not None]
    if len(losses) < 2 * width:
        return None
    return sum(losses[:width]) / width, sum(losses[-width:]) / width


def step_records(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The per-step records of a log (the final summary, which has ``train_loss``, left out)."""
    return [r for r in records if "train_loss" not in r]
