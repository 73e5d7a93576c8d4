"""Hyper-parameters of ``bigmath train sft|grpo``: pydantic models, one definition of each default.

The CLI options are generated from these fields (:mod:`bigmath.cli.options`), ``train.json``
records them all, and recipe ``train`` stages validate against them. Defaults follow TRL 1.16
(``SFTConfig``, ``GRPOConfig``) except where the field says why; device, precision and threads
default to what runs here (float32 on CPU, bfloat16 on CUDA).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from bigmath.export.formats import DEFAULT_INSTRUCTION


def checkpointing_field() -> str:
    """transformers' name of the activation-checkpointing flag (renamed from
    ``gradient_checkpointing`` in transformers 5; the old name warns)."""
    import dataclasses

    from transformers import TrainingArguments

    names = {f.name for f in dataclasses.fields(TrainingArguments)}
    return "activation_checkpointing" if "activation_checkpointing" in names else "gradient_checkpointing"


class TrainSettings(BaseModel):
    """Settings shared by SFT and GRPO."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    model: str = Field("smollm2-135m-instruct",
                       description="Policy model: a local name (smollm2-135m-instruct), a Hub id or a folder.")
    max_steps: int = Field(-1, ge=-1, description="Optimizer steps; -1 trains for --epochs epochs.")

    @field_validator("max_steps")
    @classmethod
    def _some_steps(cls, value: int) -> int:
        if value == 0:
            raise ValueError("0 steps would save the model unchanged; give -1 (train --epochs) or 1 or more")
        return value

    epochs: float = Field(1.0, gt=0, description="Passes over the training rows (when --max-steps is -1).")
    gradient_accumulation_steps: int = Field(1, ge=1, description="Micro-batches per optimizer step.")
    lr_scheduler: Literal["linear", "cosine", "constant", "constant_with_warmup"] = Field(
        "linear", description="Learning-rate schedule (transformers' names).")
    warmup_ratio: float = Field(0.0, ge=0, lt=1, description="Share of the steps spent warming the learning "
                                                            "rate up (transformers' warmup_steps as a fraction).")
    weight_decay: float = Field(0.0, ge=0, description="AdamW weight decay.")
    max_grad_norm: float = Field(1.0, gt=0, description="Gradient clipping norm.")
    seed: int = Field(0, description="Seed of weights init (LoRA), data order, dropout and sampling.")
    lora_r: int = Field(0, ge=0, description="LoRA rank (peft); 0 trains every weight.")
    lora_alpha: int | None = Field(None, ge=1, description="LoRA alpha; default 2 x rank.")
    lora_dropout: float = Field(0.05, ge=0, lt=1, description="Dropout on the LoRA inputs.")
    device: Literal["auto", "cpu", "cuda"] = Field("auto", description="auto = CUDA when present, else CPU.")
    dtype: Literal["auto", "float32", "bfloat16"] = Field(
        "auto", description="Weights and compute: auto = float32 on CPU, bfloat16 mixed precision on CUDA.")
    threads: int | None = Field(None, ge=1, description="CPU threads for torch (1 is fastest on a busy machine).")
    gradient_checkpointing: bool = Field(False, description="Recompute activations in backward (saves GPU memory).")
    logging_steps: int = Field(1, ge=1, description="Log every N optimizer steps.")
    save_steps: int = Field(0, ge=0, description="Checkpoint every N steps into RUN/checkpoints "
                                                 "(0 = the final model only).")
    instruction: str = Field(DEFAULT_INSTRUCTION, description="Text after each problem (build input only; "
                                                              "as bigmath export --instruction).")
    system_prompt: str | None = Field(None, description="System message before each problem (build input only).")

    def on_cuda(self) -> bool:
        """True when training runs on CUDA (``device`` cuda, or auto with a GPU present)."""
        if self.device != "auto":
            return self.device == "cuda"
        from bigmath.llm.config import cuda_available

        return cuda_available()

    def trainer_kwargs(self, output_dir: str) -> dict[str, Any]:
        """Keyword arguments of TRL's ``SFTConfig`` / ``GRPOConfig`` shared by both trainers."""
        cuda = self.on_cuda()
        bf16 = self.dtype == "bfloat16" or (self.dtype == "auto" and cuda)
        return {
            "output_dir": output_dir, "max_steps": self.max_steps, "num_train_epochs": self.epochs,
            "gradient_accumulation_steps": self.gradient_accumulation_steps, "lr_scheduler_type": self.lr_scheduler,
            "warmup_steps": self.warmup_ratio, "weight_decay": self.weight_decay, "max_grad_norm": self.max_grad_norm,
            "seed": self.seed, "data_seed": self.seed, "use_cpu": not cuda, "bf16": bf16, "fp16": False,
            checkpointing_field(): self.gradient_checkpointing, "logging_steps": self.logging_steps,
            "save_strategy": "steps" if self.save_steps else "no", "save_steps": self.save_steps or 500,
            "report_to": "none", "dataloader_num_workers": 0, "disable_tqdm": True,
            "model_init_kwargs": {"dtype": "bfloat16" if bf16 else "float32"},
        }

    def peft_config(self) -> Any:
        """``peft.LoraConfig`` on every linear layer (QLoRA paper's choice, Dettmers et al. 2023), or None."""
        if not self.lora_r:
            return None
        from peft import LoraConfig

        return LoraConfig(r=self.lora_r, lora_alpha=self.lora_alpha or 2 * self.lora_r, lora_dropout=self.lora_dropout,
                          target_modules="all-linear", task_type="CAUSAL_LM")


class SFTSettings(TrainSettings):
    """``bigmath train sft``: TRL ``SFTTrainer`` on the ``sft`` export, loss on the answer turn only."""

    learning_rate: float = Field(2e-5, gt=0, description="Peak learning rate (TRL SFTConfig's default).")
    batch_size: int = Field(8, ge=1, description="Examples per device per micro-batch.")
    max_length: int = Field(1024, ge=8, description="Tokens per example (prompt + solution); longer ones are cut.")
    sft_target: Literal["auto", "solution", "rollout"] = Field(
        "auto", description="Assistant turn from a build: reference solution, verified rollout, or auto.")


class GRPOSettings(TrainSettings):
    """``bigmath train grpo``: TRL ``GRPOTrainer`` on the ``trl-grpo`` export with the verifier reward."""

    learning_rate: float = Field(1e-6, gt=0, description="Peak learning rate (TRL GRPOConfig's default).")
    prompts_per_step: int = Field(8, ge=1, description="Distinct problems per optimizer step (all devices).")
    num_generations: int = Field(8, ge=2, description="Completions per problem (the GRPO group size).")
    max_completion_length: int = Field(1024, ge=1, description="Most tokens per completion.")
    temperature: float = Field(1.0, gt=0, description="Sampling temperature of the rollouts.")
    top_p: float = Field(1.0, gt=0, le=1, description="Nucleus-sampling mass of the rollouts.")
    beta: float = Field(0.0, ge=0, description="KL coefficient to the reference model (0 = no reference model, "
                                               "TRL's default; DeepSeek-R1 used 0.001).")
    loss_type: Literal["grpo", "dr_grpo", "dapo", "bnpo"] = Field("dapo", description="Token-loss aggregation.")
    scale_rewards: Literal["group", "batch", "none"] = Field("group", description="Advantage scaling by reward std.")
    num_iterations: int = Field(1, ge=1, description="Policy updates per generation batch (GRPO's mu).")
    epsilon: float = Field(0.2, gt=0, description="PPO clipping range.")
    min_solve_rate: float | None = Field(None, ge=0, le=1, description="Keep problems with solve rate >= this "
                                                                        "(e.g. 0.1; needs a build with solve rates).")
    max_solve_rate: float | None = Field(None, ge=0, le=1,
                                         description="Keep problems with solve rate <= this (e.g. 0.9).")
    solve_rate_column: str | None = Field(None,
                                          description="Solve-rate column of kept.parquet (default: the only one).")
    use_vllm: bool = Field(False, description="Generate with vLLM inside TRL (needs a CUDA GPU and bigmath[gpu]).")
    vllm_mode: Literal["colocate", "server"] = Field("colocate", description="vLLM on the training GPUs, or a "
                                                                            "`trl vllm-serve` server.")
    vllm_server_base_url: str | None = Field(None, description="URL of the trl vllm-serve server (server mode).")
    vllm_gpu_memory_utilization: float = Field(0.3, gt=0, le=1, description="GPU memory share of colocated vLLM.")

    @model_validator(mode="after")
    def _window_is_ordered(self) -> "GRPOSettings":
        if self.min_solve_rate is not None and self.max_solve_rate is not None \
                and self.min_solve_rate > self.max_solve_rate:
            raise ValueError(f"min_solve_rate {self.min_solve_rate} > max_solve_rate {self.max_solve_rate}")
        return self

    def per_device_batch(self, world_size: int) -> int:
        """Completions per device per micro-batch: ``prompts_per_step x num_generations`` over the
        processes and the gradient-accumulation steps (TRL's ``per_device_train_batch_size``).

        Raises:
            ValueError: the completions do not split evenly.
        """
        completions = self.prompts_per_step * self.num_generations
        parts = world_size * self.gradient_accumulation_steps
        if completions % parts:
            raise ValueError(f"prompts_per_step x num_generations = {completions} completions do not split over "
                             f"{world_size} process(es) x {self.gradient_accumulation_steps} accumulation steps")
        return completions // parts
