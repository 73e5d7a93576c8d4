"""``vllm`` backend: offline batched generation with ``vllm.LLM(...).chat(...)`` on CUDA GPUs.

Written against vLLM's documented offline API (``pip install 'bigmath[gpu]'``, vLLM >= 0.6):

- ``vllm.LLM(model, revision=, tensor_parallel_size=, dtype=, seed=, gpu_memory_utilization=,
  max_model_len=, enable_prefix_caching=)`` -- ``max_model_len`` and ``enable_prefix_caching``
  are ``EngineArgs`` passed through ``**kwargs``
  (https://docs.vllm.ai/en/v0.8.3/api/offline_inference/llm.html, ``vllm/entrypoints/llm.py``).
- ``LLM.chat(messages, sampling_params=, use_tqdm=)``: ``messages`` is a list of conversations;
  ``sampling_params`` may be a list paired one by one with them; returns ``RequestOutput``
  objects in input order, text in ``.outputs[0].text``.
- ``SamplingParams(n=, temperature=, top_p=, max_tokens=, seed=)``, seed per request.
- Constrained choice: ``SamplingParams(structured_outputs=StructuredOutputsParams(choice=[...]))``
  from ``vllm.sampling_params`` in vLLM >= 0.11 (the ``guided_*`` fields were removed in 0.12,
  https://docs.vllm.ai/en/latest/features/structured_outputs/), or
  ``SamplingParams(guided_decoding=GuidedDecodingParams(choice=[...]))`` in 0.6-0.11
  (https://docs.vllm.ai/en/v0.6.6/getting_started/examples/offline_inference_structured_outputs.html).
  Whichever the installed vLLM offers is used; with neither, choices are not enforced.

Every (conversation, sample index) is one request with ``n=1`` and that sample's own seed, so a
sample never depends on how many others are drawn or cached; prefix caching makes the repeated
prompt (and the few-shot prefix shared by all judge prompts) cost one prefill.
"""

from __future__ import annotations

import importlib
from typing import Any

from bigmath.llm.base import Backend, BackendError, GenerationRequest, SamplingParams


def choice_support(sampling_module: Any) -> str | None:
    """Which constrained-choice API ``vllm.sampling_params`` offers: ``structured_outputs``,
    ``guided_decoding`` or None."""
    if hasattr(sampling_module, "StructuredOutputsParams"):
        return "structured_outputs"
    if hasattr(sampling_module, "GuidedDecodingParams"):
        return "guided_decoding"
    return None


class VLLMBackend(Backend):
    """Generate with an in-process ``vllm.LLM`` (needs CUDA and the vllm package).

    Args:
        model: Hub id or local folder.
        revision: Hub revision (commit) to load.
        tensor_parallel_size: GPUs the model is split over.
        max_model_len: context length (None = the model's).
        gpu_memory_utilization: fraction of GPU memory vLLM may take.
        enable_prefix_caching: reuse KV cache across prompts sharing a prefix.
        dtype: ``auto``, ``bfloat16``, ``float16``, ``float32``.
        seed: engine seed (per-request seeds still decide each sample).
        use_tqdm: show vLLM's own progress bar per call.

    Raises:
        BackendError: vllm is not installed or the engine fails to start.
    """

    type = "vllm"
    needs_gpu = True

    def __init__(self, model: str, *, revision: str | None = None, tensor_parallel_size: int = 1,
                 max_model_len: int | None = None, gpu_memory_utilization: float = 0.9,
                 enable_prefix_caching: bool = True, dtype: str = "auto", seed: int = 0, use_tqdm: bool = False):
        super().__init__(model, revision)
        try:
            vllm = importlib.import_module("vllm")
            self._sampling = importlib.import_module("vllm.sampling_params")
        except ImportError as exc:
            raise BackendError("the vllm backend needs vllm: pip install 'bigmath[gpu]'") from exc
        self._vllm = vllm
        self.choice_api = choice_support(self._sampling)
        self.supports_choices = self.choice_api is not None
        self.use_tqdm = use_tqdm
        self.engine_args: dict[str, Any] = {
            "model": model,
            "revision": revision,
            "tensor_parallel_size": tensor_parallel_size,
            "dtype": dtype,
            "seed": seed,
            "gpu_memory_utilization": gpu_memory_utilization,
            "enable_prefix_caching": enable_prefix_caching,
        }
        if max_model_len is not None:
            self.engine_args["max_model_len"] = max_model_len
        try:
            self.llm = vllm.LLM(**self.engine_args)
        except Exception as exc:  # vLLM raises many types (ValueError, RuntimeError, CUDA errors)
            raise BackendError(f"vllm backend: cannot start the engine for {model!r}: {exc}") from exc

    def describe(self) -> dict:
        """Identity plus tensor-parallel size and the constrained-choice API in use."""
        return {**super().describe(), "tensor_parallel_size": self.engine_args["tensor_parallel_size"],
                "choice_api": self.choice_api}

    def sampling_params(self, params: SamplingParams, seed: int) -> Any:
        """The ``vllm.SamplingParams`` of one request (``n=1``, its own seed)."""
        kwargs: dict[str, Any] = {"n": 1, "temperature": params.temperature, "top_p": params.top_p,
                                  "max_tokens": params.max_tokens, "seed": seed}
        if params.choices and self.choice_api == "structured_outputs":
            kwargs["structured_outputs"] = self._sampling.StructuredOutputsParams(choice=list(params.choices))
        elif params.choices and self.choice_api == "guided_decoding":
            kwargs["guided_decoding"] = self._sampling.GuidedDecodingParams(choice=list(params.choices))
        return self._vllm.SamplingParams(**kwargs)

    def _generate(self, requests: list[GenerationRequest], params: SamplingParams) -> list[str]:
        per_request = [self.sampling_params(params, r.seed) for r in requests]
        try:
            outputs = self.llm.chat([r.conversation for r in requests], sampling_params=per_request,
                                    use_tqdm=self.use_tqdm)
        except Exception as exc:
            raise BackendError(f"vllm backend: generation failed: {exc}") from exc
        return [output.outputs[0].text if output.outputs else "" for output in outputs]

    def close(self) -> None:
        """Drop the engine (vLLM frees GPU memory when the engine is garbage-collected)."""
        self.llm = None
