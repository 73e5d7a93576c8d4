"""Pipeline stages: ``exact_dedup``, ``semdedup`` (global identify + remove) and ``decontaminate``.

Recipe form::

    - type: exact_dedup            # duplicate:exact (+ duplicate:minhash with minhash: true)
    - type: semdedup
      similarity_threshold: 0.99   # or epsilon: 0.01; duplicate iff cosine >= threshold
    - type: decontaminate
      benchmarks_dir: ../shared/data/labelled   # local copies; omit to read the Hub
      benchmarks: [math500, aime24, aime25, amc23, gsm8k, olympiadbench, minerva]

``exact_dedup`` and ``semdedup`` identify duplicates in ``prepare`` (all upstream shards, in
order) and write ``duplicates.parquet`` into the stage folder; ``process`` only removes by id.
"""

from __future__ import annotations

from typing import Any, ClassVar

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from pydantic import Field, PrivateAttr, model_validator

from bigmath.dedup.benchmarks import KNOWN_BENCHMARKS, BenchmarkSource, parse_benchmark
from bigmath.dedup.embeddings import DEFAULT_MODEL, DEFAULT_TEMPLATE, embed_texts, format_texts, template_fields
from bigmath.dedup.exact import find_duplicates
from bigmath.dedup.semdedup import SemDedupConfig, identify
from bigmath.dedup.upstream import read_upstream, remove_rows, stream_rows
from bigmath.pipeline.stage import Stage, StageContext, StageResult, StageSkipped
from bigmath.pipeline.workdir import atomic_write_json, atomic_write_parquet
from bigmath.registry import register_stage

DEFAULT_BENCHMARKS = ("math500", "aime24", "aime25", "amc23", "gsm8k", "olympiadbench", "minerva")


@register_stage("exact_dedup")
class ExactDedupStage(Stage):
    """Remove exact (normalised-text) and, optionally, MinHash near-duplicates across all shards.

    Reasons: ``duplicate:exact``, ``duplicate:minhash``. The first occurrence in shard order is
    kept; see :mod:`bigmath.dedup.exact` for the normalisation and the MinHash settings.
    """

    name: ClassVar[str] = "exact_dedup"
    global_step: ClassVar[bool] = True
    stateful: ClassVar[bool] = True
    reasons: ClassVar[tuple[str, ...]] = ("duplicate:exact", "duplicate:minhash")

    minhash: bool = False
    minhash_threshold: float = Field(default=0.8, gt=0.0, le=1.0)
    num_perm: int = Field(default=128, ge=16)
    shingle_size: int = Field(default=5, ge=1)
    _duplicates: Any = PrivateAttr(default=None)

    def prepare(self, ctx: StageContext) -> None:
        rows = stream_rows(ctx.inputs, ("id", "problem"))
        duplicates = find_duplicates(((r["id"], r["problem"]) for r in rows), minhash=self.minhash,
                                     minhash_threshold=self.minhash_threshold, num_perm=self.num_perm,
                                     shingle_size=self.shingle_size)
        atomic_write_parquet(duplicates, ctx.stage_dir / "duplicates.parquet")

    def setup(self, ctx: StageContext) -> None:
        self._duplicates = pq.read_table(ctx.stage_dir / "duplicates.parquet")

    def process(self, table: pa.Table, ctx: StageContext) -> StageResult:
        if self._duplicates is None:
            self.setup(ctx)
        dups = self._duplicates
        where = pc.index_in(table.column("id"), value_set=dups.column("id"))
        hit = where.is_valid()
        found = dups.take(pc.drop_null(where))
        kept, rejected = remove_rows(table, hit, self.label(), found.column("reason"),
                                     found.column("duplicate_of"), found.column("similarity"))
        return StageResult(kept, rejected)


@register_stage("semdedup")
class SemDedupStage(SemDedupConfig, Stage):
    """SemDeDup: embed every row, cluster, and remove rows too similar to a higher-ranked row.

    Reason: ``semdedup:duplicate``. Signal columns (kept and rejected rows): ``semdedup_cluster``
    and ``semdedup_similarity`` (max cosine similarity to a higher-ranked row of the same
    cluster; null for a cluster's first row), so a stricter threshold can be applied later
    without recomputing. Threshold convention, chains and keep policy: :mod:`bigmath.dedup.semdedup`.

    Fields (besides :class:`~bigmath.dedup.semdedup.SemDedupConfig`'s):
        model: sentence-transformers name or path (default all-MiniLM-L6-v2, bundled offline).
        device: ``cpu`` / ``cuda``; backend: ``torch`` / ``onnx`` / ``openvino``.
        template: text embedded per row, ``str.format`` over columns.
        batch_size: encode batch size.
    """

    name: ClassVar[str] = "semdedup"
    global_step: ClassVar[bool] = True
    stateful: ClassVar[bool] = True
    reasons: ClassVar[tuple[str, ...]] = ("semdedup:duplicate",)

    model: str = DEFAULT_MODEL
    device: str = "cpu"
    backend: str = "torch"
    template: str = DEFAULT_TEMPLATE
    batch_size: int = Field(default=64, ge=1)
    _assignments: Any = PrivateAttr(default=None)

    def config(self) -> dict[str, Any]:
        """Fingerprint config with the threshold in effect, so ``epsilon: 0.02`` and
        ``similarity_threshold: 0.98`` are the same stage (same folder, no rerun)."""
        config = super().config()
        config.pop("epsilon", None)
        config["similarity_threshold"] = self.threshold
        return config

    @property
    def needs_gpu(self) -> bool:
        """True when embeddings are to be computed on a CUDA device."""
        return self.device.startswith("cuda")

    def check(self, ctx: StageContext) -> None:
        if self.needs_gpu and not ctx.gpu_available:
            raise StageSkipped(f"semdedup device {self.device!r} needs a GPU and none is available; "
                               "set device: cpu to run it here")

    def prepare(self, ctx: StageContext) -> None:
        columns = ("id", "source", "subset", *template_fields(self.template))
        table = read_upstream(ctx.inputs, tuple(dict.fromkeys(columns)), optional=("source", "subset"))
        texts = format_texts({c: table.column(c).to_pylist() for c in table.column_names}, self.template)
        result = embed_texts(texts, model=self.model, device=self.device, backend=self.backend,
                             batch_size=self.batch_size, cache_dir=ctx.cache_dir, progress=ctx.progress)
        ids = table.column("id").to_pylist()
        assignments, info = identify(result.vectors, ids, table.column("source").to_pylist(),
                                     table.column("subset").to_pylist(), config=self)
        atomic_write_parquet(assignments, ctx.stage_dir / "semdedup.parquet")
        duplicates = assignments.filter(assignments.column("duplicate")).select(
            ["id", "duplicate_of", "similarity", "cluster", "representative"])
        atomic_write_parquet(duplicates, ctx.stage_dir / "duplicates.parquet")
        atomic_write_json({**info, "rows": len(ids), "embedded": result.computed, "embeddings_cached": result.cached,
                           "model": self.model, "chain": self.chain}, ctx.stage_dir / "semdedup.json")

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
        table = table.append_column("semdedup_cluster", rows.column("cluster"))
        table = table.append_column("semdedup_similarity", rows.column("max_similarity"))
        hit = rows.column("duplicate").combine_chunks()
        found = rows.filter(hit)
        reason = pa.array(["semdedup:duplicate"] * found.num_rows, pa.string())
        kept, rejected = remove_rows(table, hit, self.label(), reason, found.column("duplicate_of"),
                                     found.column("similarity"))
        return StageResult(kept, rejected)


@register_stage("decontaminate")
class DecontaminateStage(Stage):
    """Remove problems that copy an evaluation benchmark item (word n-gram overlap, then alignment).

    Reasons: ``decontamination:<benchmark>`` for each configured benchmark. Signal columns (all
    rows): ``decontam_benchmark``, ``decontam_match`` (``<benchmark>:<item id>``, also the
    ledger's ``duplicate_of``) and ``decontam_score`` (alignment score or cosine similarity).
    Method and the handling of problems shorter than n words: :mod:`bigmath.dedup.decontaminate`.

    Fields:
        benchmarks: names (``math500``...), ``NAME=FILE``, files, or full
            :class:`~bigmath.dedup.benchmarks.BenchmarkSource` specs.
        benchmarks_dir: folder holding the built-in benchmark files (e.g. ``../shared/data/labelled``);
            built-in names are read from there instead of the Hub.
        ngram_size: n of the word n-grams (default 13).
        min_similarity: token-alignment score at or above which a problem is contaminated.
        embedding_threshold: also flag cosine similarity >= this (None = n-grams only).
        model, device, backend: embedding model for ``embedding_threshold``.
    """

    name: ClassVar[str] = "decontaminate"
    stateful: ClassVar[bool] = True

    benchmarks: list[BenchmarkSource] = Field(default_factory=lambda: [BenchmarkSource(name=n) for n in DEFAULT_BENCHMARKS])
    benchmarks_dir: str | None = None
    ngram_size: int = Field(default=13, ge=1)
    min_similarity: float = Field(default=0.9, gt=0.0, le=1.0)
    candidates: int = Field(default=3, ge=1)
    embedding_threshold: float | None = Field(default=None, gt=0.0, le=1.0)
    model: str = DEFAULT_MODEL
    device: str = "cpu"
    backend: str = "torch"
    _index: Any = PrivateAttr(default=None)
    _item_vectors: Any = PrivateAttr(default=None)

    @model_validator(mode="before")
    @classmethod
    def _expand(cls, data: Any) -> Any:
        if not isinstance(data, dict) or ("benchmarks" not in data and not data.get("benchmarks_dir")):
            return data
        folder = data.get("benchmarks_dir")
        expanded: list[Any] = []
        # benchmarks_dir alone: the default benchmarks, read from that folder (never the Hub)
        for spec in data.get("benchmarks", list(DEFAULT_BENCHMARKS)):
            if isinstance(spec, str) and folder and spec in KNOWN_BENCHMARKS:
                spec = f"{spec}={folder}"
            elif (isinstance(spec, dict) and folder and spec.get("name") in KNOWN_BENCHMARKS
                  and not spec.get("path") and not spec.get("hub_id")):
                spec = {**spec, "path": folder}  # {name: math500} + benchmarks_dir: the local copy
            expanded.extend(parse_benchmark(spec) if isinstance(spec, str) else [spec])
        return {**data, "benchmarks": expanded}

    def config(self) -> dict[str, Any]:
        """Fingerprint config: every field, plus the content identity of local benchmark files
        (editing a benchmark file reruns the stage)."""
        from bigmath.pipeline.workdir import input_identity

        files = [input_identity(b.local_file()) for b in self.benchmarks if b.path is not None]
        return {**super().config(), "benchmark_files": files}

    @property
    def reasons(self) -> tuple[str, ...]:  # type: ignore[override]
        """Reason codes this stage may emit (one per benchmark)."""
        return tuple(f"decontamination:{b.name}" for b in self.benchmarks)

    def setup(self, ctx: StageContext) -> None:
        from bigmath.dedup.decontaminate import NgramIndex

        items = [item for source in self.benchmarks for item in source.load()]
        self._index = NgramIndex(items, self.ngram_size, self.min_similarity, self.candidates)
        if self.embedding_threshold is not None:
            self._item_vectors = self._embed([i.problem for i in items], ctx).vectors

    def _embed(self, texts: list[str], ctx: StageContext):
        return embed_texts(texts, model=self.model, device=self.device, backend=self.backend,
                           cache_dir=ctx.cache_dir, progress=ctx.progress)

    def process(self, table: pa.Table, ctx: StageContext) -> StageResult:
        from bigmath.dedup.decontaminate import embedding_matches

        if self._index is None:
            self.setup(ctx)
        problems = table.column("problem").to_pylist()
        matches = [self._index.match(p) for p in problems]
        if self.embedding_threshold is not None and problems:
            by_embedding = embedding_matches(self._embed(problems, ctx).vectors, self._item_vectors,
                                             self._index.items, self.embedding_threshold)
            matches = [m or e for m, e in zip(matches, by_embedding)]
        table = table.append_column("decontam_benchmark", pa.array([m and m.benchmark for m in matches], pa.string()))
        table = table.append_column("decontam_match", pa.array(
            [m and f"{m.benchmark}:{m.item_id}" for m in matches], pa.string()))
        table = table.append_column("decontam_score", pa.array([m and m.score for m in matches], pa.float64()))
        hit = pa.array([m is not None for m in matches], pa.bool_())
        found = [m for m in matches if m is not None]
        kept, rejected = remove_rows(
            table, hit, self.label(), pa.array([f"decontamination:{m.benchmark}" for m in found], pa.string()),
            pa.array([f"{m.benchmark}:{m.item_id}" for m in found], pa.string()),
            pa.array([m.score for m in found], pa.float64()),
            all_reasons=[[f"decontamination:{b}" for b in m.benchmarks] for m in found])
        methods: dict[str, int] = {}
        for m in found:
            methods[f"decontamination_{m.method}"] = methods.get(f"decontamination_{m.method}", 0) + 1
        return StageResult(kept, rejected, methods)
