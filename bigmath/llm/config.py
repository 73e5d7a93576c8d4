"""The ``backend:`` and ``sampling:`` blocks of the LLM stages: which model, served how, sampled how.

YAML form (one flat mapping; keys that do not apply to ``type`` are ignored by that backend)::

    backend:
      type: vllm                        # vllm | ray_data | openai | transformers
      model: meta-llama/Llama-3.1-70B-Instruct
      alias: llama31_70b                # column suffix: judge_proof_llama31_70b
      revision: 945c8663693130f8be2ee66210e062158b2a9693
      tensor_parallel_size: 4
      max_model_len: 8192
    sampling: {samples: 64, temperature: 0.8, top_p: 0.95, max_tokens: 4096}
"""

from __future__ import annotations

import importlib.util
import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from bigmath.llm.base import Backend, SamplingParams

_RUNTIME_ONLY = frozenset({"concurrency", "max_retries", "timeout_s", "threads", "batch_size",
                           "gpu_memory_utilization", "base_url", "api_key_env", "replicas"})
#: Backend types that run a model inside this process (on CPU or GPU).
IN_PROCESS = ("vllm", "transformers")
_ALIAS = re.compile(r"^[a-z0-9][a-z0-9_]*$")


def default_alias(model: str) -> str:
    """Column-safe alias from a model name: last path part, lower case, ``[a-z0-9_]`` only.

    ``meta-llama/Llama-3.1-8B-Instruct`` -> ``llama_3_1_8b_instruct``.
    """
    tail = model.rstrip("/").split("/")[-1].lower()
    alias = re.sub(r"[^a-z0-9]+", "_", tail).strip("_")
    return alias or "model"


def cuda_available() -> bool:
    """True when torch sees a CUDA device (torch imported lazily; False when torch is missing)."""
    if importlib.util.find_spec("torch") is None:
        return False
    import torch

    return bool(torch.cuda.is_available())


class BackendConfig(BaseModel):
    """Validated backend settings; :meth:`build` returns the :class:`~bigmath.llm.base.Backend`.

    Attributes:
        type: ``vllm`` (offline ``vllm.LLM``, needs a CUDA GPU and ``pip install bigmath[gpu]``),
            ``ray_data`` (vLLM engines on a Ray cluster through ``ray.data.llm``; the stage runs
            on the driver and each generation call is a Ray Data job; needs ``ray[llm]``),
            ``openai`` (any OpenAI-compatible server: vLLM serve, SGLang, llama.cpp,
            ``transformers serve``) or ``transformers`` (local Hugging Face model, CPU or GPU).
        model: Hub id, local path, or a local model name (``smollm2-135m-instruct``, see
            ``bigmath models``); ``openai``: the model name the server expects.
        alias: short name used in column names (``judge_<filter>_<alias>``,
            ``solve_rate_<alias>``); default derived from ``model``.
        revision: model commit/tag; part of the request-cache key (None = unpinned).
        tensor_parallel_size: vllm, ray_data: GPUs per model replica.
        replicas: ray_data: vLLM engine replicas (None = the cluster's GPUs // tensor_parallel_size).
        max_model_len: vllm: context length (None = the model's own).
        gpu_memory_utilization: vllm: fraction of GPU memory for weights and KV cache.
        enable_prefix_caching: vllm: reuse the KV cache of shared prompt prefixes (the few-shot
            judge prompts share a long prefix).
        dtype: vllm/transformers: ``auto``, ``bfloat16``, ``float16`` or ``float32``.
        base_url: openai: server URL, e.g. ``http://127.0.0.1:8000/v1``.
        api_key_env: openai: environment variable holding the API key (``EMPTY`` when unset).
        concurrency: openai: requests in flight at once.
        max_retries: openai: retries per request (exponential back-off, by the openai client).
        timeout_s: openai: seconds per request.
        choice_param: openai: how the server takes a constrained choice: ``structured_outputs``
            (vLLM >= 0.11), ``guided_choice`` (older vLLM, SGLang) or None (not sent).
        device: transformers: ``auto`` (CUDA when present), ``cpu`` or ``cuda[:N]``.
        batch_size: transformers: requests per ``generate`` call.
        threads: transformers: CPU threads for torch (None = torch's default).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    type: Literal["vllm", "ray_data", "openai", "transformers"]
    model: str = Field(min_length=1)
    alias: str | None = None
    revision: str | None = None
    tensor_parallel_size: int = Field(1, ge=1)
    replicas: int | None = Field(None, ge=1)
    max_model_len: int | None = Field(None, ge=1)
    gpu_memory_utilization: float = Field(0.9, gt=0, le=1)
    enable_prefix_caching: bool = True
    dtype: str = "auto"
    base_url: str | None = None
    api_key_env: str = "OPENAI_API_KEY"
    concurrency: int = Field(16, ge=1)
    max_retries: int = Field(5, ge=0)
    timeout_s: float = Field(600.0, gt=0)
    choice_param: Literal["structured_outputs", "guided_choice"] | None = None
    device: str = "auto"
    batch_size: int = Field(16, ge=1)
    threads: int | None = Field(None, ge=1)

    @field_validator("alias")
    @classmethod
    def _alias_is_column_safe(cls, value: str | None) -> str | None:
        if value is not None and not _ALIAS.match(value):
            raise ValueError(f"alias {value!r} must match [a-z0-9][a-z0-9_]* (it becomes part of column names)")
        return value

    @model_validator(mode="before")
    @classmethod
    def _fill_alias(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("alias") is None and isinstance(data.get("model"), str):
            data = {**data, "alias": default_alias(data["model"])}
        return data

    @model_validator(mode="after")
    def _openai_needs_url(self) -> "BackendConfig":
        if self.type == "openai" and not self.base_url:
            raise ValueError("type openai needs base_url (e.g. http://127.0.0.1:8000/v1)")
        return self

    @field_validator("model")
    @classmethod
    def _not_a_misspelt_local_model(cls, value: str) -> str:
        """A name close to a local model's that is neither that name nor a folder is a typo (found
        before any work, not after a failed Hub download); other names are Hub ids or paths."""
        import difflib
        from pathlib import Path

        from bigmath.llm.models import LOCAL_MODELS

        if value in LOCAL_MODELS or Path(value).expanduser().exists():
            return value
        close = difflib.get_close_matches(value, list(LOCAL_MODELS), n=1, cutoff=0.8)
        if close:
            raise ValueError(f"model {value!r} is not a local model or folder; did you mean {close[0]!r}? "
                             "(`bigmath models` lists the local models)")
        return value

    def identity(self) -> dict[str, Any]:
        """The settings that can change a reply (for stage fingerprints): everything except
        throughput and connection knobs (concurrency, retries, timeouts, threads, batch size,
        memory share, URL and key variable)."""
        identity = {k: v for k, v in self.model_dump(mode="json").items() if k not in _RUNTIME_ONLY}
        if self.type == "ray_data":  # the same vLLM engine, served through Ray Data: same replies
            identity["type"] = "vllm"
        return identity

    @property
    def needs_gpu(self) -> bool:
        """True when this backend cannot run without CUDA (vllm, or transformers on ``cuda``)."""
        return self.type == "vllm" or (self.type == "transformers" and self.device.startswith("cuda"))

    def unavailable_reason(self, gpu_available: bool) -> str | None:
        """Why this backend cannot run here (missing GPU or package), or None when it can."""
        if self.needs_gpu and not (gpu_available or cuda_available()):
            return f"backend {self.type!r} ({self.model}) needs a CUDA GPU and none is available"
        if self.type == "vllm" and importlib.util.find_spec("vllm") is None:
            return "backend 'vllm' needs the vllm package: pip install 'bigmath[gpu]'"
        if self.type == "ray_data" and importlib.util.find_spec("ray") is None:
            return "backend 'ray_data' needs ray: pip install 'bigmath[ray]' (and ray[llm] + vllm on the GPU nodes)"
        return None

    def build(self) -> Backend:
        """Instantiate the backend (loads the model for ``vllm``/``transformers``).

        Raises:
            BackendError: the model or server cannot be used.
        """
        if self.type == "vllm":
            from bigmath.llm.vllm_backend import VLLMBackend

            return VLLMBackend(
                self.model,
                revision=self.revision,
                tensor_parallel_size=self.tensor_parallel_size,
                max_model_len=self.max_model_len,
                gpu_memory_utilization=self.gpu_memory_utilization,
                enable_prefix_caching=self.enable_prefix_caching,
                dtype=self.dtype,
            )
        if self.type == "ray_data":
            from bigmath.llm.ray_data_backend import RayDataLLMBackend

            return RayDataLLMBackend(self)
        if self.type == "openai":
            from bigmath.llm.openai_backend import OpenAIBackend

            return OpenAIBackend(
                self.model,
                base_url=self.base_url or "",
                revision=self.revision,
                api_key_env=self.api_key_env,
                concurrency=self.concurrency,
                max_retries=self.max_retries,
                timeout_s=self.timeout_s,
                choice_param=self.choice_param,
            )
        from bigmath.llm.transformers_backend import TransformersBackend

        return TransformersBackend(
            self.model, revision=self.revision, device=self.device, dtype=self.dtype, batch_size=self.batch_size,
            threads=self.threads,
        )


class SamplingConfig(BaseModel):
    """How an LLM stage samples replies (the ``sampling:`` block); :meth:`params` gives the
    backend's :class:`~bigmath.llm.base.SamplingParams`.

    Field names follow vLLM's ``SamplingParams`` (``samples`` is its ``n``). Each use subclasses
    this with its own defaults (judge replies in ``bigmath.filters.judges``, solve-rate rollouts
    in ``bigmath.stages.solve_rate``), so a partial ``sampling: {samples: 3}`` keeps that use's
    other defaults.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    samples: int = Field(1, ge=1, description="replies per problem")
    temperature: float = Field(0.0, ge=0, description="softmax temperature (0 = greedy)")
    top_p: float = Field(1.0, gt=0, le=1, description="nucleus-sampling probability mass")
    max_tokens: int = Field(16, ge=1, description="most tokens generated per reply")
    seed: int = Field(0, description="base seed; sample i uses a hash of (seed, i)")

    def params(self, choices: tuple[str, ...] = ()) -> SamplingParams:
        """The backend-level params (``n`` = ``samples``; ``choices`` constrains the reply)."""
        return SamplingParams(n=self.samples, temperature=self.temperature, top_p=self.top_p,
                              max_tokens=self.max_tokens, seed=self.seed, choices=choices)


def reject_flat_sampling(data: Any, fields: tuple[str, ...] = tuple(SamplingConfig.model_fields)) -> Any:
    """``model_validator(mode="before")`` helper: a sampling key given at the top level (the
    layout before ``sampling:`` existed) gets an error saying where it belongs.

    Raises:
        ValueError: ``data`` has a key of ``fields`` at its top level.
    """
    if isinstance(data, dict):
        flat = [k for k in fields if k in data]
        if flat:
            example = ", ".join(f"{k}: {data[k]!r}" for k in flat)
            raise ValueError(f"{', '.join(flat)}: sampling settings go under `sampling:`, "
                             f"e.g. sampling: {{{example}}}")
    return data
