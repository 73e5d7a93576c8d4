"""Commands: ``bigmath train sft``, ``bigmath train grpo``, ``bigmath eval`` (TRL trainers, verifier-graded eval).

Options are generated from the settings models (:class:`bigmath.train.settings.SFTSettings`,
:class:`~bigmath.train.settings.GRPOSettings`, :class:`bigmath.train.verl.VerlSettings`,
:class:`bigmath.train.evaluate.EvalSettings`), so defaults and help are written once. See
``docs/train.md``.
"""

from __future__ import annotations

import inspect
import os
from pathlib import Path
from typing import Any, Optional

import typer
from pydantic import BaseModel, ValidationError

from bigmath.cli.app import app, console, fail
from bigmath.cli.options import FieldOption, field_options, flag_errors, model_command, nest
from bigmath.train.evaluate import EvalSettings
from bigmath.train.settings import GRPOSettings, SFTSettings
from bigmath.train.verl import VerlSettings

train_app = typer.Typer(help="Train a model on a build: SFT on solutions, GRPO with the verifier reward (TRL).",
                        no_args_is_help=True)
app.add_typer(train_app, name="train")

_SFT = field_options(SFTSettings, "sft", panel="SFT settings")
_GRPO = field_options(GRPOSettings, "grpo", panel="GRPO settings")
_VERL = field_options(VerlSettings, "verl", prefix="verl-", panel="verl (--trainer verl)")
_EVAL = field_options(EvalSettings, "eval", panel="Evaluation settings")
_KIND = inspect.Parameter.KEYWORD_ONLY


def _input() -> inspect.Parameter:
    return inspect.Parameter("input_path", _KIND, annotation=Path, default=typer.Argument(
        ..., metavar="IN", help="Build folder (bigmath build --out) or export folder (bigmath export --out)."))


def _out(help_text: str, required: bool = True) -> inspect.Parameter:
    return inspect.Parameter("out", _KIND, annotation=Optional[Path] if not required else Path,
                             default=typer.Option(... if required else None, "--out", "-o", help=help_text))


def _settings(cls: type[BaseModel], group: str, groups: dict[str, dict[str, Any]], options: list[FieldOption]) -> Any:
    try:
        return cls(**nest(groups.get(group, {})))
    except ValidationError as err:
        raise fail(flag_errors(err, options, group)) from None


def _run(train: Any, input_path: Path, out: Path, settings: Any) -> None:
    from bigmath.export.build_output import BuildOutputError
    from bigmath.llm.models import ModelNotAvailableError
    from bigmath.train.data import TrainingDataError

    try:
        result = train(input_path, out, settings,
                       echo=lambda line: console.print(line, highlight=False, soft_wrap=True))
    except (TrainingDataError, BuildOutputError, ModelNotAvailableError, ValueError, OSError) as err:
        raise fail(str(err)) from None
    if int(os.environ.get("RANK", "0")) != 0:  # accelerate launch / torchrun: the main process reports
        return
    from bigmath.train.run import loss_trend

    trend = loss_trend(result.log)
    if trend is not None:
        console.print(f"loss: mean of the first 5 steps {trend[0]:.4f}, of the last 5 steps {trend[1]:.4f} "
                      f"({'falling' if trend[1] < trend[0] else 'not falling'})", highlight=False)
    rewards = [r["reward"] for r in result.log if r.get("reward") is not None]
    if rewards:
        console.print("reward by step: " + ", ".join(f"{r:.3f}" for r in rewards), highlight=False)
    data = result.info["data"]
    console.print(f"trained {result.info['steps']} steps on {data['rows']:,} rows ({data['digest'][:19]}...); "
                  f"model in {result.model_dir}, log {out / 'trainer_log.jsonl'}, plot {result.plot}", highlight=False)


def _sft(fixed: dict[str, Any], groups: dict[str, dict[str, Any]]) -> None:
    from bigmath.train.sft import train_sft

    _run(train_sft, fixed["input_path"], fixed["out"], _settings(SFTSettings, "sft", groups, _SFT))


def _grpo(fixed: dict[str, Any], groups: dict[str, dict[str, Any]]) -> None:
    settings = _settings(GRPOSettings, "grpo", groups, _GRPO)
    if fixed["trainer"] == "verl":
        if not fixed["print_command"]:
            raise fail("--trainer verl only writes the launch command here: add --print-command and run the "
                       "script on a Ray cluster with verl installed")
        from bigmath.train.data import TrainingDataError
        from bigmath.train.verl import write_verl_command

        try:
            launch = write_verl_command(fixed["input_path"], fixed["out"], settings,
                                        _settings(VerlSettings, "verl", groups, _VERL))
        except (TrainingDataError, ValueError, OSError) as err:
            raise fail(str(err)) from None
        print(launch.shell())
        console.print(f"written to {launch.script}", highlight=False)
        return
    if fixed["trainer"] != "trl":
        raise fail(f"--trainer {fixed['trainer']}: choose trl or verl")
    if fixed["print_command"]:
        raise fail("--print-command goes with --trainer verl (TRL runs here: drop --print-command)")
    from bigmath.train.grpo import train_grpo

    _run(train_grpo, fixed["input_path"], fixed["out"], settings)


def _eval(fixed: dict[str, Any], groups: dict[str, dict[str, Any]]) -> None:
    from bigmath.errors import InputError
    from bigmath.llm.base import BackendError
    from bigmath.llm.config import default_alias
    from bigmath.llm.models import ModelNotAvailableError
    from bigmath.train.evaluate import evaluate

    settings = _settings(EvalSettings, "eval", groups, _EVAL)
    model = fixed["model"]
    out = fixed["out"] or Path("bigmath-out") / "eval" / default_alias(model) / Path(settings.benchmark).stem
    try:
        result = evaluate(model, out, settings)
    except (InputError, BackendError, ModelNotAvailableError, ValueError, OSError) as err:
        raise fail(str(err)) from None
    s = result.summary
    low, high = s["interval_95"]
    what = "accuracy" if s["samples"] == 1 else f"pass@1 ({s['samples']} samples)"
    console.print(f"{s['benchmark']['name']}: {what} {s['accuracy']:.1%} (95 % CI {low:.1%}-{high:.1%}) on "
                  f"{s['problems']} problems; outcomes {s['outcomes']}; "
                  f"{s['marked_answers']} answers with a final-answer marker", highlight=False)
    if s["samples"] > 1:
        console.print(f"pass@{s['samples']} {s['pass_at_k'][str(s['samples'])]:.1%}", highlight=False)
    console.print(f"results in {result.out_dir / 'results.jsonl'}, summary {result.out_dir / 'eval.json'}",
                  highlight=False)


model_command(
    train_app, "sft", _sft,
    doc="Supervised fine-tuning (TRL SFTTrainer) on the solutions of a build or sft export; loss on the "
        "answer turn only.\n\nExample: bigmath train sft bigmath-out/demo --out runs/sft --max-steps 20 "
        "--batch-size 4 --learning-rate 1e-4 --threads 1",
    fixed=[_input(), _out("Run folder: model/, train.json, trainer_log.jsonl, loss.png.")],
    generated=_SFT,
)

model_command(
    train_app, "grpo", _grpo,
    doc="GRPO (TRL GRPOTrainer) on the problems of a build or trl-grpo export, rewarded by the verifier; or "
        "write the verl launch command (--trainer verl --print-command).\n\nExample: bigmath train grpo "
        "bigmath-out/demo --out runs/grpo --max-steps 3 --prompts-per-step 4 --num-generations 4 "
        "--max-completion-length 24 --threads 1",
    fixed=[_input(), _out("Run folder: model/, train.json, trainer_log.jsonl, reward.png (verl: verl_command.sh)."),
           inspect.Parameter("trainer", _KIND, annotation=str, default=typer.Option(
               "trl", "--trainer", help="trl (runs here) or verl (writes the Ray launch command).")),
           inspect.Parameter("print_command", _KIND, annotation=bool, default=typer.Option(
               False, "--print-command", help="verl: write and print the launch command; nothing is run."))],
    generated=_GRPO + _VERL,
)

model_command(
    app, "eval", _eval,
    doc="Evaluate a model on a benchmark (greedy, or pass@k with --samples), graded by the verifier.\n\n"
        "Example: bigmath eval smollm2-135m-instruct --benchmark math500 --n 20 --max-tokens 256",
    fixed=[inspect.Parameter("model", _KIND, annotation=str, default=typer.Argument(
               ..., metavar="MODEL", help="Local model name, Hub id, model folder, or a bigmath train run folder.")),
           _out("Folder for results.jsonl and eval.json (default bigmath-out/eval/<model>/<benchmark>).",
                required=False)],
    generated=_EVAL,
)
