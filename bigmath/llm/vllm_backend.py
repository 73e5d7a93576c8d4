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

Scores (:meth:`VLLMBackend.score`, written against the vLLM 0.10 documentation,
https://docs.vllm.ai/en/v0.10.2/api/vllm/logprobs.html, same API from 0.6 on):
``SamplingParams(max_tokens=1, temperature=0, logprobs=k)``, one request per conversation; each
``RequestOutput.outputs[0].logprobs[0]`` is a dict token id -> ``Logprob(logprob, rank,
decoded_token)`` holding the top ``k`` next tokens (and the chosen one). Greedy requests get the
model's raw log-probabilities (vLLM V1's default ``logprobs_mode="raw_logprobs"``; V0 computes
them at temperature 1 for greedy requests). Token ids are matched against the first tokens of
the answer words from ``LLM.get_tokenizer()``. ``k`` is at most 20, vLLM's default
``max_logprobs``.
"""

from __future__ import annotations

import importlib
from typing import Any

from bigmath.llm.base import Backend, BackendError, Conversation, GenerationRequest, SamplingParams
from bigmath.llm.scores import ScoreParams, YesNoScore, first_token_ids, score_top_logprobs


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
        from bigmath.llm.models import LOCAL_MODELS, resolve_model

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
            "model": resolve_model(model) if model in LOCAL_MODELS else model,
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
        self.throughput.generated_tokens += sum(len(o.outputs[0].token_ids) for o in outputs if o.outputs)
        return [output.outputs[0].text if output.outputs else "" for output in outputs]

    @property
    def supports_scores(self) -> bool:
        """True: vLLM returns top-k next-token log-probabilities."""
        return True

    def _score(self, conversations: list[Conversation], params: ScoreParams) -> list[YesNoScore]:
        tokenizer = self.llm.get_tokenizer()
        try:
            yes_ids, no_ids = first_token_ids(lambda text: tokenizer.encode(text, add_special_tokens=False), params)
        except ValueError as exc:
            raise BackendError(f"vllm backend ({self.model}): {exc}") from exc
        words = {**{i: params.yes for i in yes_ids}, **{i: params.no for i in no_ids}}
        request = self._vllm.SamplingParams(n=1, temperature=0.0, max_tokens=1, logprobs=params.top_logprobs, seed=0)
        try:
            outputs = self.llm.chat(conversations, sampling_params=request, use_tqdm=self.use_tqdm)
        except Exception as exc:
            raise BackendError(f"vllm backend: scoring failed: {exc}") from exc
        scores = []
        for c, output in enumerate(outputs):
            positions = output.outputs[0].logprobs if output.outputs else None
            if not positions:
                raise BackendError(f"vllm backend: no logprobs returned for conversation {c}")
            top = positions[0]
            scores.append(score_top_logprobs(((tid, lp.logprob) for tid, lp in top.items()), words.get, params))
        return scores

    def close(self) -> None:
        """Drop the engine (vLLM frees GPU memory when the engine is garbage-collected)."""
        self.llm = None
