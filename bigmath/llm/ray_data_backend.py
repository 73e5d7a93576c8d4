"""``ray_data`` backend: vLLM engines on a Ray cluster through ``ray.data.llm``.

A stage with ``backend: {type: ray_data, model: ..., tensor_parallel_size: 4}`` runs its shards in
the driver process; each generation call becomes one Ray Data job whose vLLM engine actors
(``replicas`` of them, each on ``tensor_parallel_size`` GPUs) the cluster schedules. Use it when
the cluster's GPUs should be filled by Ray rather than by one stage actor per GPU group.
Written against Ray's documented ``ray.data.llm`` API (``vLLMEngineProcessorConfig``,
``build_processor``; Ray >= 2.44); untested here (no GPU, no vllm).
"""

from __future__ import annotations

from typing import Any

from bigmath.llm.base import Backend, BackendError, GenerationRequest, SamplingParams
from bigmath.llm.config import BackendConfig


def replicas_for(ray: Any, tensor_parallel_size: int) -> int:
    """Engine replicas that fit the connected cluster: its GPUs // ``tensor_parallel_size`` (>= 1)."""
    if not ray.is_initialized():
        ray.init(address="auto")
    return max(1, int(ray.cluster_resources().get("GPU", 0) // tensor_parallel_size))


def request_rows(requests: list[GenerationRequest], params: SamplingParams) -> list[dict[str, Any]]:
    """Rows for a ``ray.data.llm`` vLLM processor: ``request_index``, ``messages``, ``sampling_params``.

    ``sampling_params`` holds vLLM ``SamplingParams`` fields (``n=1`` and the sample's own seed,
    as in :class:`bigmath.llm.vllm_backend.VLLMBackend`); a constrained choice becomes
    ``structured_outputs: {"choice": [...]}``, which Ray's vLLM stage turns into
    ``StructuredOutputsParams`` (vLLM >= 0.11).
    """
    rows = []
    for index, request in enumerate(requests):
        sampling: dict[str, Any] = {"n": 1, "temperature": params.temperature, "top_p": params.top_p,
                                    "max_tokens": params.max_tokens, "seed": request.seed}
        if params.choices:
            sampling["structured_outputs"] = {"choice": list(params.choices)}
        rows.append({"request_index": index, "messages": request.conversation, "sampling_params": sampling})
    return rows


class RayDataLLMBackend(Backend):
    """Generation through ``ray.data.llm`` (vLLM engine processor) behind the project's Backend API.

    Each :meth:`generate` call is one Ray Data job: requests become rows (:func:`request_rows`),
    ``build_processor(vLLMEngineProcessorConfig(...))`` batches them over ``replicas`` engine
    actors, and texts come back in request order. Engines start per call, so give the stage a
    large ``chunk_size`` (a whole shard per call). Needs ``ray[llm]`` and vllm on the GPU nodes.
    The stage using it runs in the driver (``Resources.in_driver``): Ray schedules the engines.
    Untested here (no GPU, no vllm); written against Ray's documented ``ray.data.llm`` API.

    Raises:
        BackendError: ``ray.data.llm`` cannot be imported, or a Ray Data job fails.
    """

    type = "ray_data"
    needs_gpu = True

    def __init__(self, config: BackendConfig, batch_size: int = 64):
        super().__init__(config.model, config.revision)
        try:
            import ray
            from ray.data import llm as ray_llm
        except ImportError as exc:
            raise BackendError(f"the ray_data backend needs ray[llm] and vllm on the GPU nodes ({exc})") from exc
        replicas = config.replicas or replicas_for(ray, config.tensor_parallel_size)
        engine_kwargs: dict[str, Any] = {
            "revision": config.revision, "tensor_parallel_size": config.tensor_parallel_size, "dtype": config.dtype,
            "gpu_memory_utilization": config.gpu_memory_utilization,
            "enable_prefix_caching": config.enable_prefix_caching}
        if config.max_model_len is not None:
            engine_kwargs["max_model_len"] = config.max_model_len
        processor_config = ray_llm.vLLMEngineProcessorConfig(
            model_source=config.model, engine_kwargs=engine_kwargs, concurrency=replicas, batch_size=batch_size)
        build = getattr(ray_llm, "build_processor", None) or ray_llm.build_llm_processor
        self.processor = build(processor_config, postprocess=lambda row: {
            "request_index": row["request_index"], "text": row["generated_text"]})
        self.supports_choices = True

    def _generate(self, requests: list[GenerationRequest], params: SamplingParams) -> list[str]:
        import ray

        try:
            rows = self.processor(ray.data.from_items(request_rows(requests, params))).take_all()
        except Exception as exc:  # Ray wraps engine errors in several types
            raise BackendError(f"ray.data.llm generation failed: {exc}") from exc
        texts = {row["request_index"]: row["text"] for row in rows}
        missing = [i for i in range(len(requests)) if i not in texts]
        if missing:
            raise BackendError(f"ray.data.llm returned no text for {len(missing)} of {len(requests)} requests")
        return [texts[i] for i in range(len(requests))]
