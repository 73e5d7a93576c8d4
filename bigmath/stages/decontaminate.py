"""The ``decontaminate`` stage: remove problems that copy an evaluation benchmark item.

Recipe form::

    - type: decontaminate
      benchmarks_dir: ../shared/data/labelled   # local copies; omit to read the Hub
      benchmarks: [math500, aime24, aime25, amc23, gsm8k, olympiadbench, minerva]

Method (word n-gram candidates, then token alignment; optional embedding similarity):
:mod:`bigmath.dedup.decontaminate`; benchmark readers: :mod:`bigmath.dedup.benchmarks`.
"""

from __future__ import annotations

from typing import Any, ClassVar

import pyarrow as pa
from pydantic import Field, PrivateAttr, model_validator

from bigmath.annotate import set_column
from bigmath.dedup.benchmarks import DEFAULT_BENCHMARKS, KNOWN_BENCHMARKS, BenchmarkSource, parse_benchmark
from bigmath.dedup.embeddings import DEFAULT_MODEL, embed_texts
from bigmath.dedup.upstream import remove_rows
from bigmath.pipeline.stage import Resources, Stage, StageContext, StageResult
from bigmath.registry import register_stage
from bigmath.stages.embed import embedding_resources


@register_stage("decontaminate")
class DecontaminateStage(Stage):
    """Remove problems that copy an evaluation benchmark item (word n-gram overlap, then alignment).

    Reasons: ``decontamination:<benchmark>`` for each configured benchmark. Signal columns (all
    rows): ``decontam_benchmark``, ``decontam_match`` (``<benchmark>:<item id>``, also the
    ledger's ``duplicate_of``) and ``decontam_score`` (alignment score or cosine similarity).
    Method and the handling of problems shorter than n words: :mod:`bigmath.dedup.decontaminate`.

    Attributes:
        benchmarks: names (``math500``...), ``NAME=FILE``, files, or full
            :class:`~bigmath.dedup.benchmarks.BenchmarkSource` specs.
        benchmarks_dir: folder holding the built-in benchmark files (e.g. ``../shared/data/labelled``);
            built-in names are read from there instead of the Hub.
        ngram_size: n of the word n-grams (default 13).
        min_similarity: token-alignment score at or above which a problem is contaminated.
        embedding_threshold: also flag cosine similarity >= this (None = n-grams only).
        model, device, backend, quantize: embedding model for ``embedding_threshold``
            (:mod:`bigmath.dedup.embed_backends`).
    """

    name: ClassVar[str] = "decontaminate"
    stateful: ClassVar[bool] = True

    benchmarks: list[BenchmarkSource] = Field(default_factory=lambda: [BenchmarkSource(name=n) for n in DEFAULT_BENCHMARKS])
    benchmarks_dir: str | None = None
    ngram_size: int = Field(default=13, ge=1)
    min_similarity: float = Field(default=0.9, gt=0.0, le=1.0)
    candidates: int = Field(default=3, ge=1)
    embedding_threshold: float | None = Field(default=None, gt=0.0, le=1.0)
    model: str = Field(DEFAULT_MODEL, description="embedding model for embedding_threshold")
    device: str = Field("cpu", description="embedding device: cpu, cuda, ...")
    backend: str = Field("torch", description="embedding backend: torch, onnx, openvino or static")
    quantize: str | None = Field(None, description="reduced precision: int8 (onnx), bf16 (openvino, torch)")
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

    def resources(self) -> Resources:
        """One GPU when ``embedding_threshold`` is set and the device is CUDA, else one CPU."""
        return embedding_resources(self.device if self.embedding_threshold is not None else "cpu")

    def setup(self, ctx: StageContext) -> None:
        from bigmath.dedup.decontaminate import NgramIndex

        items = [item for source in self.benchmarks for item in source.load()]
        self._index = NgramIndex(items, self.ngram_size, self.min_similarity, self.candidates)
        if self.embedding_threshold is not None:
            self._item_vectors = self._embed([i.problem for i in items], ctx).vectors

    def _embed(self, texts: list[str], ctx: StageContext):
        return embed_texts(texts, model=self.model, device=self.device, backend=self.backend, quantize=self.quantize,
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
        table = set_column(table, "decontam_benchmark", pa.array([m and m.benchmark for m in matches], pa.string()))
        table = set_column(table, "decontam_match", pa.array(
            [m and f"{m.benchmark}:{m.item_id}" for m in matches], pa.string()))
        table = set_column(table, "decontam_score", pa.array([m and m.score for m in matches], pa.float64()))
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
