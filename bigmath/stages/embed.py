"""The ``embed`` stage: sentence embeddings as their own resumable, parallel step before SemDeDup.

Recipe form::

    - type: embed                  # optional: without it, semdedup embeds in its prepare step
      backend: openvino            # torch (default), onnx, openvino, static
      quantize: bf16               # onnx: int8; openvino / torch: bf16
    - type: semdedup               # give it the same model / backend / quantize
      backend: openvino
      quantize: bf16

Each shard is embedded in ``process`` (texts sorted by token length into batches), so the
executor runs shards in parallel (worker processes, Ray actors on several nodes, one GPU per
actor with ``device: cuda``), a finished shard is never redone, and a changed SemDeDup threshold
reruns only SemDeDup. Vectors: :mod:`bigmath.dedup.embed_shards`.
"""

from __future__ import annotations

from typing import Any, ClassVar

import pyarrow as pa
from pydantic import PrivateAttr

from bigmath.dedup.embed_shards import EmbeddingSettings, embed_shard, with_embeddings
from bigmath.pipeline.stage import Resources, Stage, StageContext, StageResult, StageSkipped
from bigmath.registry import register_stage


def embedding_resources(device: str, threads: int | None = None) -> Resources:
    """Resources of a stage that embeds on ``device``: one GPU on ``cuda[:N]``, else ``threads``
    CPUs (one when not set)."""
    return Resources(cpus=threads or 1, gpus=1.0 if device.startswith("cuda") else 0.0)


@register_stage("embed")
class EmbedStage(EmbeddingSettings, Stage):
    """Add an ``embedding`` column (float32 x dim, unit length) to every row; removes nothing.

    The column's field metadata ``bigmath.embedding_key`` names model, backend and precision;
    ``semdedup`` reads the column when its own settings give the same key, and drops it.
    Vectors are cached per shard under ``<out>/cache/embeddings/`` (a rebuild over the same
    shards does not load the model).

    Fields: see :class:`~bigmath.dedup.embed_shards.EmbeddingSettings` (model, device, backend,
    quantize, template, batch_size, threads). On a many-core node give ``threads`` (e.g. 4) and
    ``--workers`` = cores / threads, so the workers do not oversubscribe the cores.
    """

    name: ClassVar[str] = "embed"
    stateful: ClassVar[bool] = True
    reasons: ClassVar[tuple[str, ...]] = ()

    _dimension: Any = PrivateAttr(default=None)

    def resources(self) -> Resources:
        """One GPU when embedding on a CUDA device, else ``threads`` CPUs (one when not set)."""
        return embedding_resources(self.device, self.threads)

    def check(self, ctx: StageContext) -> None:
        if self.resources().gpus and not ctx.gpu_available:
            raise StageSkipped(f"embed device {self.device!r} needs a GPU and none is available; "
                               "set device: cpu to run it here")

    def _dim(self) -> int:
        if self._dimension is None:
            from bigmath.dedup.embed_backends import load_encoder

            self._dimension = load_encoder(self.encoder_spec()).dimension
        return self._dimension

    def process(self, table: pa.Table, ctx: StageContext) -> StageResult:
        spec = self.encoder_spec()
        result = embed_shard(table, spec, self.template, ctx.cache_dir)
        dim = result.vectors.shape[1] if table.num_rows else self._dim()
        kept = with_embeddings(table, result.vectors.reshape(table.num_rows, dim), spec.key, dim)
        return StageResult(kept, None, {"embedded": result.computed, "embeddings_cached": result.cached})
