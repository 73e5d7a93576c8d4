"""``bigmath train sft``: TRL ``SFTTrainer`` on the ``sft`` export.

Each ``sft`` row (``messages``: user problem, assistant solution) becomes a conversational
*prompt-completion* example (:func:`bigmath.train.data.sft_example`); TRL renders it with the
model's own chat template and computes the loss on the completion tokens only
(``completion_only_loss``), so the model learns to write solutions, not to repeat problems.
The assistant turn is the reference solution, or a verified-correct rollout of the solve-rate
stage (``--sft-target rollout``), as ``bigmath export --format sft`` writes it.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from bigmath.export.formats import ExportOptions
from bigmath.train.data import TrainingData, sft_example
from bigmath.train.runner import RunSetup, TrainResult, finish, load_data, prepare, quiet, ready
from bigmath.train.settings import SFTSettings


def export_options(settings: SFTSettings) -> ExportOptions:
    """The ``sft`` export options a build input is exported with."""
    return ExportOptions(instruction=settings.instruction, system_prompt=settings.system_prompt,
                         sft_target=settings.sft_target)


def train_sft(input_path: str | Path, out_dir: str | Path, settings: SFTSettings | None = None,
              echo: Callable[[str], None] | None = None) -> TrainResult:
    """Fine-tune ``settings.model`` on the solutions of a build or ``sft`` export.

    Args:
        input_path: build folder or ``sft`` export folder (see :mod:`bigmath.train.data`).
        out_dir: run folder (see :mod:`bigmath.train.run`); created, files in it are replaced.
        settings: hyper-parameters; defaults when None.
        echo: receives one line per logged step (the CLI prints them).

    Returns:
        The finished run: model folder, per-step log (``step``, ``loss``, ``grad_norm``,
        ``learning_rate``, ``mean_token_accuracy``, ...), ``train.json`` content, loss plot.

    Raises:
        bigmath.train.data.TrainingDataError: the input gives no usable rows.
        bigmath.export.build_output.BuildOutputError: an incomplete build folder.
        bigmath.llm.models.ModelNotAvailableError: a local model whose package is missing.
    """
    settings = settings or SFTSettings()
    setup = prepare(settings, out_dir, echo)
    args = sft_config(settings, setup)
    data = load_data(input_path, "sft", setup, args, export_options(settings))
    trainer = build_sft_trainer(data, settings, setup, args)
    trainer.train()
    return finish(trainer, "sft", settings, data, setup, {"loss": "completion-only negative log-likelihood"})


def sft_config(settings: SFTSettings, setup: RunSetup) -> Any:
    """TRL's ``SFTConfig`` for ``settings`` (completion-only loss), its devices set up."""
    from trl import SFTConfig

    args = SFTConfig(
        **settings.trainer_kwargs(str(setup.out_dir / "checkpoints")),
        learning_rate=settings.learning_rate,
        per_device_train_batch_size=settings.batch_size,
        max_length=settings.max_length,
        completion_only_loss=True,
    )
    return ready(args)


def build_sft_trainer(data: TrainingData, settings: SFTSettings, setup: RunSetup, args: Any = None) -> Any:
    """The ``trl.SFTTrainer`` for ``data`` (prompt-completion examples, completion-only loss),
    its tokenized dataset ready in ``trainer.train_dataset`` (``labels`` are -100 on the prompt)."""
    from datasets import Dataset
    from trl import SFTTrainer

    train_file = data.export_dir / "train.parquet"
    dataset = Dataset.from_list([sft_example(row, i, train_file) for i, row in enumerate(data.rows)])
    trainer = SFTTrainer(model=setup.model_path, args=args or sft_config(settings, setup), train_dataset=dataset,
                         peft_config=settings.peft_config(), callbacks=[setup.callback])
    return quiet(trainer)
