"""Embeddings shard by shard: the resumable, parallel embedding step of SemDeDup.

Two ways to run it, with the same vectors:

* the ``embed`` stage (:mod:`bigmath.stages.embed`) embeds each shard in ``process``, so the
  executor spreads shards over worker processes, Ray nodes or GPUs, and the engine's done
  markers make it resumable; it adds an ``embedding`` column (``fixed_size_list<float32>[dim]``,
  field metadata ``bigmath.embedding_key`` = the :class:`~bigmath.dedup.embed_backends.EncoderSpec`
  key) that ``semdedup`` reads and drops;
* without an ``embed`` stage, ``semdedup``'s ``prepare`` embeds the shards one after the other.

Either way each shard's texts go to the encoder as one call (sorted by token length inside it)
and land in the embedding cache as one part named after the shard's text hashes, so a killed
build loses at most the shard it was embedding, and a rerun over the same shards reads one file
per shard without loading the model.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from pydantic import BaseModel, Field, model_validator

from bigmath.dedup import DEFAULT_MODEL, DEFAULT_TEMPLATE
from bigmath.dedup.embed_backends import BACKENDS, EncoderSpec
from bigmath.dedup.embeddings import embed_texts, format_texts, template_fields, vectors_of
from bigmath.errors import InputError
from bigmath.progress import track

EMBEDDING_COLUMN = "embedding"
KEY_METADATA = b"bigmath.embedding_key"


class EmbeddingSettings(BaseModel):
    """Embedding fields shared by the ``embed`` and ``semdedup`` stages (see docs/dedup.md)."""

    model: str = Field(DEFAULT_MODEL, description="sentence-transformers model name or path")
    device: str = Field("cpu", description="embedding device: cpu, cuda, cuda:1, ... (GPU: backend torch)")
    backend: str = Field("torch", description=f"embedding backend: {', '.join(BACKENDS)}")
    quantize: str | None = Field(None, description="reduced precision: int8 (onnx), bf16 (openvino, torch)")
    template: str = Field(DEFAULT_TEMPLATE, description="text embedded per row (str.format over columns)")
    batch_size: int = Field(default=64, ge=1, description="texts per forward pass")
    threads: int | None = Field(None, ge=1, description="CPU threads per worker (None = all cores); also the "
                                "CPUs a Ray actor reserves")

    @model_validator(mode="after")
    def _valid_backend(self) -> "EmbeddingSettings":
        self.encoder_spec()  # unknown backend, or a quantize / device it does not take: a recipe error
        return self

    def encoder_spec(self) -> EncoderSpec:
        """The :class:`EncoderSpec` of these settings.

        Raises:
            ValueError: unknown backend, or a ``quantize`` / ``device`` the backend does not take.
        """
        return EncoderSpec(model=self.model, backend=self.backend, quantize=self.quantize, device=self.device,
                           batch_size=self.batch_size, threads=self.threads)


def embed_shard(table: pa.Table, spec: EncoderSpec, template: str, cache_dir: Path | None):
    """Embed one shard's rows (``template`` over its columns) as one cached part.

    Returns:
        :class:`~bigmath.dedup.embeddings.Embeddings`, one vector per row (``(0, 0)`` when empty).
    """
    texts = format_texts({c: table.column(c).to_pylist() for c in template_fields(template)}, template)
    return embed_texts(texts, model=spec.model, device=spec.device, backend=spec.backend, quantize=spec.quantize,
                       batch_size=spec.batch_size, cache_dir=cache_dir, chunk=max(1, len(texts)), bar=False)


def with_embeddings(table: pa.Table, vectors: np.ndarray, key: str, dim: int) -> pa.Table:
    """``table`` plus the ``embedding`` column (``fixed_size_list<float32>[dim]``, replacing one
    already there), tagged with ``key``; ``vectors`` is (table.num_rows, dim) float32."""
    flat = pa.array(np.ascontiguousarray(vectors, dtype=np.float32).reshape(-1), pa.float32())
    column = pa.FixedSizeListArray.from_arrays(flat, dim)
    field = pa.field(EMBEDDING_COLUMN, column.type, metadata={KEY_METADATA: key.encode()})
    if EMBEDDING_COLUMN in table.column_names:
        table = table.drop_columns([EMBEDDING_COLUMN])
    return table.append_column(field, column)


@dataclasses.dataclass
class UpstreamEmbeddings:
    """Every upstream row's id, source, subset and vector, in shard order.

    Attributes:
        ids, sources, subsets: one entry per row (``source`` / ``subset`` None where absent).
        vectors: (N, dim) float32, unit length.
        computed: texts the model embedded now; cached: texts read from the cache;
        from_column: rows whose vector came from an upstream ``embedding`` column.
    """

    ids: list[str]
    sources: list[str | None]
    subsets: list[str | None]
    vectors: np.ndarray
    computed: int = 0
    cached: int = 0
    from_column: int = 0


def upstream_embeddings(paths: Sequence[Path], spec: EncoderSpec, template: str, cache_dir: Path | None,
                        progress: Any = None) -> UpstreamEmbeddings:
    """Read ids and vectors of all ``paths`` shard by shard into one preallocated array.

    A shard with an ``embedding`` column is read as is (its key must be ``spec.key``); any other
    shard is embedded by :func:`embed_shard`. Memory: the (N, dim) float32 result plus one shard.

    Raises:
        InputError: a shard lacks a column, or its ``embedding`` column was made by another model
            / backend (names file and field). Ids are unique: the engine's shards guarantee it.
    """
    total = sum(pq.ParquetFile(p).metadata.num_rows for p in paths)
    out = UpstreamEmbeddings([], [], [], np.zeros((0, 0), dtype=np.float32))
    with track("embedding", total=total, progress=progress) as advance:
        for path in paths:
            table, vectors, how = _shard_vectors(Path(path), spec, template, cache_dir)
            if out.vectors.shape[1] == 0 and total:
                out.vectors = np.zeros((total, vectors.shape[1]), dtype=np.float32)
            start = len(out.ids)
            ids = table.column("id").to_pylist()
            out.ids += ids
            for name, values in (("source", out.sources), ("subset", out.subsets)):
                values += table.column(name).to_pylist() if name in table.column_names else [None] * len(ids)
            if len(ids):
                out.vectors[start : start + len(ids)] = vectors
            out.computed, out.cached, out.from_column = (out.computed + how[0], out.cached + how[1],
                                                         out.from_column + how[2])
            advance(len(ids))
    return out


def _shard_vectors(path: Path, spec: EncoderSpec, template: str, cache_dir: Path | None):
    """(table of id/source/subset[/texts], vectors, (computed, cached, from_column)) of one shard."""
    schema = pq.read_schema(path)
    optional = [c for c in ("source", "subset") if c in schema.names]
    if EMBEDDING_COLUMN in schema.names:
        key = (schema.field(EMBEDDING_COLUMN).metadata or {}).get(KEY_METADATA, b"").decode()
        if key != spec.key:
            raise InputError(str(path), None, EMBEDDING_COLUMN, f"embeddings were made with {key!r}, but this stage "
                             f"uses {spec.key!r}; give both stages the same model, backend and quantize")
        table = pq.read_table(path, columns=["id", *optional, EMBEDDING_COLUMN])
        vectors = vectors_of(table.column(EMBEDDING_COLUMN)) if table.num_rows else np.zeros((0, 0), np.float32)
        return table, vectors, (0, 0, table.num_rows)
    missing = [c for c in ("id", *template_fields(template)) if c not in schema.names]
    if missing:
        raise InputError(str(path), None, missing[0], f"column missing (file has {schema.names})")
    table = pq.read_table(path, columns=list(dict.fromkeys(["id", *optional, *template_fields(template)])))
    result = embed_shard(table, spec, template, cache_dir)
    return table, result.vectors, (result.computed, result.cached, 0)
