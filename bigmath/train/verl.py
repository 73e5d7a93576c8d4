"""``bigmath train grpo IN --trainer verl --print-command``: the verl launch command for GRPO at scale.

verl (volcengine/verl) runs PPO-family RL on Ray across nodes, with vLLM or SGLang rollouts. This
module does not run it: it exports the ``verl`` layout (``data_source``, ``prompt``,
``reward_model.ground_truth``, ``extra_info``) into ``OUT/data``, applies the same difficulty
window as the TRL trainer, and writes ``OUT/verl_command.sh``: ``python3 -m
verl.trainer.main_ppo`` with Hydra overrides taken from the same :class:`GRPOSettings` (group
size, completion length, KL beta, learning rate, clipping, loss aggregation), verl's GRPO example
settings for the rest (``examples/grpo_trainer/run_qwen2-7b_math.sh``), and our reward file:
``custom_reward_function.path=<bigmath/rewards.py>``, ``name=verl_compute_score``.
"""

from __future__ import annotations

import dataclasses
import math
import shlex
import warnings
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from bigmath.export.formats import ExportOptions
from bigmath.train.data import SolveRateWindow, load_training_data
from bigmath.train.settings import GRPOSettings

#: TRL loss aggregation -> verl ``actor.loss_agg_mode`` (same normalisation of token losses).
LOSS_AGG = {"dapo": "token-mean", "bnpo": "token-mean", "grpo": "seq-mean-token-mean",
            "dr_grpo": "seq-mean-token-sum-norm"}


class VerlSettings(BaseModel):
    """Cluster settings that only the verl command reads."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    nnodes: int = Field(1, ge=1, description="verl: nodes in the Ray cluster.")
    gpus_per_node: int = Field(8, ge=1, description="verl: GPUs per node.")
    rollout_engine: Literal["vllm", "sglang"] = Field("vllm", description="verl: rollout engine.")
    rollout_tp: int = Field(1, ge=1, description="verl: tensor-parallel GPUs per rollout engine.")
    micro_batch_per_gpu: int = Field(4, ge=1, description="verl: sequences per GPU per forward/backward.")
    max_prompt_length: int = Field(1024, ge=1, description="verl: data.max_prompt_length (longer prompts are dropped).")
    test_size: float = Field(0.0, ge=0, description="verl: test split of a build for validation (0 = none).")
    reward_key: Literal["custom_reward_function", "reward.custom_reward_function"] = Field(
        "custom_reward_function", description="verl: config key of the reward file (newer verl: reward.custom_...).")


@dataclasses.dataclass(frozen=True)
class VerlLaunch:
    """The written launch: ``command`` (argv list), ``script`` (``verl_command.sh``), ``train_file``,
    ``val_file`` (None without a test split) and the reward file."""

    command: list[str]
    script: Path
    train_file: Path
    val_file: Path | None
    reward_file: Path

    def shell(self) -> str:
        """The command for a shell: the program line, then one override per continuation line."""
        program = " ".join(shlex.quote(part) for part in self.command[:3])
        return " \\\n    ".join([program, *(shlex.quote(part) for part in self.command[3:])])


class TrainingSettingsWarning(UserWarning):
    """A training setting that cannot work with the data it is given (shown as ``warning:``)."""


def overrides(settings: GRPOSettings, verl: VerlSettings, model_path: str, train_file: Path,
              val_file: Path | None, reward_file: Path, out_dir: Path) -> list[str]:
    """verl Hydra overrides (``key=value``) for ``settings`` (see the module docstring)."""
    actor, rollout = "actor_rollout_ref.actor", "actor_rollout_ref.rollout"
    items = {
        "algorithm.adv_estimator": "grpo",
        "algorithm.norm_adv_by_std_in_grpo": settings.scale_rewards != "none",
        "algorithm.use_kl_in_reward": False,
        "data.train_files": train_file, "data.val_files": val_file or train_file, "data.prompt_key": "prompt",
        "data.train_batch_size": settings.prompts_per_step, "data.max_prompt_length": verl.max_prompt_length,
        "data.max_response_length": settings.max_completion_length, "data.filter_overlong_prompts": True,
        "data.truncation": "error", "data.shuffle": True,
        "actor_rollout_ref.model.path": model_path,
        "actor_rollout_ref.model.enable_gradient_checkpointing": settings.gradient_checkpointing,
        f"{actor}.optim.lr": settings.learning_rate, f"{actor}.ppo_mini_batch_size": settings.prompts_per_step,
        f"{actor}.ppo_epochs": settings.num_iterations,
        f"{actor}.ppo_micro_batch_size_per_gpu": verl.micro_batch_per_gpu,
        f"{actor}.clip_ratio": settings.epsilon, f"{actor}.loss_agg_mode": LOSS_AGG[settings.loss_type],
        f"{actor}.use_kl_loss": settings.beta > 0, f"{actor}.kl_loss_coef": settings.beta,
        f"{actor}.kl_loss_type": "low_var_kl", f"{actor}.entropy_coeff": 0,
        f"{rollout}.name": verl.rollout_engine, f"{rollout}.n": settings.num_generations,
        f"{rollout}.temperature": settings.temperature, f"{rollout}.top_p": settings.top_p,
        f"{rollout}.tensor_model_parallel_size": verl.rollout_tp, f"{rollout}.gpu_memory_utilization": 0.6,
        f"{rollout}.log_prob_micro_batch_size_per_gpu": verl.micro_batch_per_gpu,
        "actor_rollout_ref.ref.log_prob_micro_batch_size_per_gpu": verl.micro_batch_per_gpu,
        f"{verl.reward_key}.path": reward_file, f"{verl.reward_key}.name": "verl_compute_score",
        "trainer.nnodes": verl.nnodes, "trainer.n_gpus_per_node": verl.gpus_per_node,
        "trainer.total_epochs": max(1, math.ceil(settings.epochs)),
        "trainer.default_local_dir": out_dir / "checkpoints", "trainer.logger": "[console]",
        "trainer.project_name": "bigmath", "trainer.experiment_name": out_dir.name,
        "trainer.save_freq": settings.save_steps or -1, "trainer.test_freq": 10 if val_file else -1,
        "trainer.val_before_train": val_file is not None,
    }
    if settings.max_steps > 0:
        items["trainer.total_training_steps"] = settings.max_steps
    if settings.lora_r:
        items.update({"actor_rollout_ref.model.lora_rank": settings.lora_r,
                      "actor_rollout_ref.model.lora_alpha": settings.lora_alpha or 2 * settings.lora_r,
                      "actor_rollout_ref.model.target_modules": "all-linear"})
    text = {True: "True", False: "False"}
    return [f"{k}={text[v] if isinstance(v, bool) else v}" for k, v in items.items()]


def write_verl_command(input_path: str | Path, out_dir: str | Path, settings: GRPOSettings | None = None,
                       verl: VerlSettings | None = None) -> VerlLaunch:
    """Export ``input_path`` for verl and write ``OUT/verl_command.sh``; nothing is launched.

    Args:
        input_path: build folder or ``verl`` export folder.
        out_dir: folder for ``data/`` and ``verl_command.sh``.
        settings: the GRPO settings (shared with ``bigmath train grpo``).
        verl: cluster settings.

    Raises:
        bigmath.train.data.TrainingDataError: no usable rows (see :func:`load_training_data`).
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    from bigmath import rewards
    from bigmath.train.run import resolve_run_model

    settings, verl = settings or GRPOSettings(), verl or VerlSettings()
    out = Path(out_dir).resolve()
    out.mkdir(parents=True, exist_ok=True)
    window = SolveRateWindow(settings.min_solve_rate, settings.max_solve_rate, settings.solve_rate_column)
    options = ExportOptions(instruction=settings.instruction, system_prompt=settings.system_prompt)
    data = load_training_data(input_path, "verl", out / "data", options, window=window, test_size=verl.test_size)
    train_file = (data.export_dir / "train.parquet").resolve()
    if data.window is not None:  # verl reads files: write the rows inside the window
        schema = pq.read_schema(train_file)
        train_file = data.export_dir.resolve() / "train_window.parquet"
        pq.write_table(pa.Table.from_pylist(data.rows, schema=schema), train_file)
    test = (data.export_dir / "test.parquet").resolve()
    val_file = test if test.is_file() else None
    reward_file = Path(rewards.__file__).resolve()
    command = ["python3", "-m", "verl.trainer.main_ppo",
               *overrides(settings, verl, resolve_run_model(settings.model), train_file, val_file, reward_file, out)]
    launch = VerlLaunch(command, out / "verl_command.sh", train_file, val_file, reward_file)
    if settings.prompts_per_step > len(data.rows):
        warnings.warn(f"--prompts-per-step {settings.prompts_per_step} is more than the {len(data.rows)} training rows: "
                      "verl's data.train_batch_size would never fill one batch (lower it, or train on more rows)",
                      TrainingSettingsWarning, stacklevel=2)
    launch.script.write_text(
        "#!/usr/bin/env bash\n"
        "# verl GRPO on the bigmath export (written by `bigmath train grpo --trainer verl --print-command`).\n"
        f"# Start Ray on every node first (head: `ray start --head`; workers: `ray start --address HEAD:6379`);\n"
        "# bigmath must be importable on every node (the reward file imports bigmath.verify).\n"
        f"# Data digest: sha256:{data.digest} ({len(data.rows)} rows; window exclusions: {data.excluded or 'none'}).\n"
        "set -euo pipefail\n" + launch.shell() + "\n", encoding="utf-8")
    launch.script.chmod(0o755)
    return launch
