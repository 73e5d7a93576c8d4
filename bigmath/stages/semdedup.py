"""The ``semdedup`` stage: SemDeDup (embed, cluster, remove rows too similar to a higher-ranked row).

Recipe form::

    - type: semdedup
      similarity_threshold: 0.99   # or epsilon: 0.01; duplicate iff cosine >= threshold
      backend: torch               # onnx (quantize: int8), openvino (quantize: bf16), static

The identify step runs in ``prepare`` over every upstream shard and writes ``semdedup.parquet``
(every row's cluster and similarity) and ``duplicates.parquet`` into the stage folder;
``process`` only removes by id. Vectors come from an upstream ``embed`` stage's column when there
is one, else ``prepare`` embeds shard by shard, each shard cached as soon as it is done
(:mod:`bigmath.dedup.embed_shards`). The algorithm: :mod:`bigmath.dedup.semdedup`.
"""

from __future__ import annotations

from typing import Any, ClassVar

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from pydantic import PrivateAttr

from bigmath.annotate import set_column
from bigmath.dedup.embed_shards import EMBEDDING_COLUMN, EmbeddingSettings, upstream_embeddings
from bigmath.dedup.semdedup import SemDedupConfig, identify
from bigmath.dedup.upstream import remove_rows
from bigmath.pipeline.stage import Resources, Stage, StageContext, StageResult, StageSkipped
from bigmath.pipeline.workdir import atomic_write_json, atomic_write_parquet
from bigmath.registry import register_stage
from bigmath.stages.embed import embedding_resources


@register_stage("semdedup")
class SemDedupStage(SemDedupConfig, EmbeddingSettings, Stage):
    """SemDeDup: embed every row, cluster, and remove rows too similar to a higher-ranked row.

    Reason: ``semdedup:duplicate``. Signal columns (kept and rejected rows): ``semdedup_cluster``
    and ``semdedup_similarity`` (max cosine similarity to a higher-ranked row of the same
    cluster; null for a cluster's first row), so a stricter threshold can be applied later
    without recomputing. Threshold convention, chains and keep policy: :mod:`bigmath.dedup.semdedup`.

    Fields: :class:`~bigmath.dedup.semdedup.SemDedupConfig`'s (threshold, clusters, policy...)
    and :class:`~bigmath.dedup.embed_shards.EmbeddingSettings`' (model, device, backend,
    quantize, template, batch_size). An upstream ``embedding`` column (``embed`` stage) is used
    when its key matches these settings, and is not passed on to kept or rejected rows.
    """

    name: ClassVar[str] = "semdedup"
    global_step: ClassVar[bool] = True
    stateful: ClassVar[bool] = True
    reasons: ClassVar[tuple[str, ...]] = ("semdedup:duplicate",)

    _assignments: Any = PrivateAttr(default=None)

    def config(self) -> dict[str, Any]:
        """Fingerprint config with the threshold in effect, so ``epsilon: 0.02`` and
        ``similarity_threshold: 0.98`` are the same stage (same folder, no rerun)."""
        config = super().config()
        config.pop("epsilon", None)
        config["similarity_threshold"] = self.threshold
        return config

    def check_upstream(self, upstream: list[Stage]) -> None:
        """An ``embed`` stage before this one must embed exactly as this stage would (same model,
        backend, precision and text template), else its vectors cannot be used.

        Raises:
            ValueError: the settings differ (caught at recipe validation, before any embedding).
        """
        embeds = [s for s in upstream if type(s).name == "embed"]
        if not embeds:
            return
        theirs, mine = embeds[-1].encoder_spec().key, self.encoder_spec().key
        if theirs != mine or embeds[-1].template != self.template:
            raise ValueError(f"the {embeds[-1].label()!r} stage before it embeds with {theirs!r} (template "
                             f"{embeds[-1].template!r}) but semdedup would use {mine!r} (template {self.template!r}); "
                             "give both stages the same model, backend, quantize and template")

    def resources(self) -> Resources:
        """One GPU when embedding on a CUDA device, else one CPU."""
        return embedding_resources(self.device)

    def check(self, ctx: StageContext) -> None:
        if self.resources().gpus and not ctx.gpu_available:
            raise StageSkipped(f"semdedup device {self.device!r} needs a GPU and none is available; "
                               "set device: cpu to run it here")

    def prepare(self, ctx: StageContext) -> None:
        found = upstream_embeddings(ctx.inputs, self.encoder_spec(), self.template, ctx.cache_dir, ctx.progress)
        assignments, info = identify(found.vectors, found.ids, found.sources, found.subsets, config=self)
        counts = {"rows": len(found.ids), "embedded": found.computed, "embeddings_cached": found.cached,
                  "embeddings_from_column": found.from_column}
        del found  # the (N, dim) vectors are not needed past identify
        atomic_write_parquet(assignments, ctx.stage_dir / "semdedup.parquet")
        duplicates = assignments.filter(assignments.column("duplicate")).select(
            ["id", "duplicate_of", "similarity", "cluster", "representative"])
        atomic_write_parquet(duplicates, ctx.stage_dir / "duplicates.parquet")
        atomic_write_json({**info, **counts, "model": self.model, "backend": self.backend,
                           "quantize": self.quantize, "chain": self.chain}, ctx.stage_dir / "semdedup.json")

    def setup(self, ctx: StageContext) -> None:
        self._assignments = pq.read_table(ctx.stage_dir / "semdedup.parquet")

    def process(self, table: pa.Table, ctx: StageContext) -> StageResult:
        if self._assignments is None:
            self.setup(ctx)
        info = self._assignments
        where = pc.index_in(table.column("id"), value_set=info.column("id"))
        if where.null_count:
            missing = table.filter(where.is_null()).column("id").to_pylist()[:5]
            raise RuntimeError(f"semdedup: ids {missing} were not seen by prepare(); rerun the stage")
        rows = info.take(where)
        if EMBEDDING_COLUMN in table.column_names:  # an embed stage's vectors end here
            table = table.drop_columns([EMBEDDING_COLUMN])
        table = set_column(table, "semdedup_cluster", rows.column("cluster"))
        table = set_column(table, "semdedup_similarity", rows.column("max_similarity"))
        hit = rows.column("duplicate").combine_chunks()
        found = rows.filter(hit)
        reason = pa.array(["semdedup:duplicate"] * found.num_rows, pa.string())
        kept, rejected = remove_rows(table, hit, self.label(), reason, found.column("duplicate_of"),
                                     found.column("similarity"))
        return StageResult(kept, rejected)
