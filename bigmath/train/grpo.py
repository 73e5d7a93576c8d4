"""``bigmath train grpo``: TRL ``GRPOTrainer`` on the ``trl-grpo`` export, rewarded by the verifier.

GRPO (Shao et al. 2024, DeepSeekMath) samples ``num_generations`` completions per problem and
uses each completion's reward minus its group's mean (over the group's std) as the advantage,
so only problems whose completions disagree teach anything. The reward is
:func:`bigmath.rewards.trl_accuracy` through :class:`bigmath.train.reward.VerifierReward`, which
also logs the verifier's outcome counts and the share of all-zero / all-one groups per step.

The difficulty window (``min_solve_rate`` / ``max_solve_rate``, e.g. 0.1 and 0.9) keeps the
problems a solver sometimes but not always gets right, as open-r1 and Polaris select RL prompts.

Scale: the same function runs under ``accelerate launch`` on several GPUs (each process gets
``prompts_per_step x num_generations / processes`` completions) and with ``use_vllm`` TRL
generates with vLLM, colocated on the training GPUs or through ``trl vllm-serve``.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bigmath.export.formats import ExportOptions
from bigmath.train.data import SolveRateWindow, TrainingData
from bigmath.train.runner import RunSetup, TrainResult, finish, load_data, prepare, quiet, ready, world_size
from bigmath.train.settings import GRPOSettings


def check_vllm(settings: GRPOSettings) -> None:
    """Raise ValueError when ``use_vllm`` is asked for where vLLM cannot run."""
    if not settings.use_vllm:
        return
    if importlib.util.find_spec("vllm") is None:
        raise ValueError("--use-vllm needs the vllm package and a CUDA GPU: pip install 'bigmath[gpu]'")
    if not settings.on_cuda():
        raise ValueError("--use-vllm needs a CUDA GPU; none is visible")
    if settings.vllm_mode == "server" and not settings.vllm_server_base_url:
        raise ValueError("--vllm-mode server needs --vllm-server-base-url (start it with `trl vllm-serve --model M`)")


def reward_description() -> dict[str, object]:
    """The reward as recorded in ``train.json``: function, file and verifier settings."""
    from bigmath import rewards

    return {"function": "bigmath.rewards.trl_accuracy", "file": rewards.__file__,
            "verify_timeout_s": rewards.TIMEOUT_S, "verify_workers": rewards.WORKERS,
            "logged": "verify/<outcome> counts, groups/all_zero, groups/all_one, verify/disagree"}


def train_grpo(input_path: str | Path, out_dir: str | Path, settings: GRPOSettings | None = None,
               echo: Callable[[str], None] | None = None) -> TrainResult:
    """Train ``settings.model`` with GRPO on the problems of a build or ``trl-grpo`` export.

    Args:
        input_path: build folder or ``trl-grpo`` export folder (see :mod:`bigmath.train.data`);
            the difficulty window needs a build with a ``solve_rate_<alias>`` column.
        out_dir: run folder (see :mod:`bigmath.train.run`).
        settings: hyper-parameters; defaults when None.
        echo: receives one line per logged step (the CLI prints them).

    Returns:
        :class:`bigmath.train.runner.TrainResult`; each log record holds ``reward``,
        ``reward_std``, ``frac_reward_zero_std``, ``verify/<outcome>`` counts,
        ``groups/all_zero``, ``groups/all_one``, ``loss``, ``completions/mean_length``, ...

    Raises:
        ValueError: ``use_vllm`` without vLLM or a GPU; completions that do not split over the
            processes.
        bigmath.train.data.TrainingDataError: the input gives no usable rows.
        bigmath.llm.models.ModelNotAvailableError: a local model whose package is missing.
    """
    settings = settings or GRPOSettings()
    check_vllm(settings)
    settings.per_device_batch(world_size())  # fail before loading anything
    setup = prepare(settings, out_dir, echo)
    window = SolveRateWindow(settings.min_solve_rate, settings.max_solve_rate, settings.solve_rate_column)
    options = ExportOptions(instruction=settings.instruction, system_prompt=settings.system_prompt)
    args = grpo_config(settings, setup)
    data = load_data(input_path, "trl-grpo", setup, args, options, window=window)
    trainer = build_grpo_trainer(data, settings, setup, args)
    trainer.train()
    return finish(trainer, "grpo", settings, data, setup, {"reward": reward_description()})


def grpo_config(settings: GRPOSettings, setup: RunSetup) -> Any:
    """TRL's ``GRPOConfig`` for ``settings``, its devices set up."""
    from trl import GRPOConfig

    args = GRPOConfig(
        **settings.trainer_kwargs(str(setup.out_dir / "checkpoints")),
        learning_rate=settings.learning_rate,
        per_device_train_batch_size=settings.per_device_batch(world_size()),
        num_generations=settings.num_generations,
        max_completion_length=settings.max_completion_length,
        temperature=settings.temperature,
        top_p=settings.top_p,
        beta=settings.beta,
        loss_type=settings.loss_type,
        scale_rewards=settings.scale_rewards,
        num_iterations=settings.num_iterations,
        epsilon=settings.epsilon,
        use_vllm=settings.use_vllm,
        vllm_mode=settings.vllm_mode,
        vllm_server_base_url=settings.vllm_server_base_url,
        vllm_gpu_memory_utilization=settings.vllm_gpu_memory_utilization,
    )
    return ready(args)


def build_grpo_trainer(data: TrainingData, settings: GRPOSettings, setup: RunSetup, args: Any = None) -> Any:
    """The ``trl.GRPOTrainer`` for ``data`` with :class:`~bigmath.train.reward.VerifierReward`."""
    from datasets import Dataset
    from trl import GRPOTrainer

    from bigmath.train.reward import VerifierReward

    trainer = GRPOTrainer(model=setup.model_path, reward_funcs=[VerifierReward()],
                          args=args or grpo_config(settings, setup), train_dataset=Dataset.from_list(data.rows),
                          peft_config=settings.peft_config(), callbacks=[setup.callback])
    return quiet(trainer)
