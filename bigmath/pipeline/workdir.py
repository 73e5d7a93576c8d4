"""Work-directory layout, fingerprints and atomic writes.

Layout of one stage's folder ``<out>/<NN>_<label>-<fp8>/``::

    part-00000.parquet        kept rows of shard 0
    rejected-00000.parquet    rejected-ledger rows of shard 0
    part-00000.stats.json     mergeable counters of shard 0
    part-00000.done           written last: shard 0 is complete
    prepare.done              global step finished (global stages only)

Every file is written to a temporary name and renamed into place (``os.replace`` is atomic on
POSIX), and the done marker is written after the data, so a killed build never leaves a shard
that looks finished but is not.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

#: Parquet settings for every file the pipeline writes (fixed, for byte-identical reruns).
PARQUET_OPTIONS: dict[str, Any] = {"compression": "zstd", "compression_level": 3, "use_dictionary": True}


def fingerprint(config: Any, *, version: str, upstream: str = "") -> str:
    """Return sha256 hex of (canonical JSON of ``config``, bigmath ``version``, ``upstream`` fp)."""
    payload = json.dumps({"config": config, "version": version, "upstream": upstream}, sort_keys=True, default=str)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def input_identity(path: str | Path | None) -> Any:
    """Cheap, deterministic identity of a local input file or folder (for fingerprints): names,
    sizes and sha1 of the first and last MiB of each file. Non-local values are returned as is."""
    if not path or not Path(path).exists():
        return path
    p = Path(path)
    files = sorted(f for f in p.rglob("*") if f.is_file()) if p.is_dir() else [p]
    digest = hashlib.sha1()
    for f in files:
        size = f.stat().st_size
        digest.update(f"{f.name}:{size}".encode())
        with open(f, "rb") as handle:
            digest.update(handle.read(1 << 20))
            if size > 2 << 20:
                handle.seek(-(1 << 20), os.SEEK_END)
                digest.update(handle.read())
    return {"path": str(path), "content": digest.hexdigest()}


def stage_dir_name(index: int, label: str, fp: str) -> str:
    """``<NN>_<label>-<fp8>``, e.g. ``01_rule_filters-3fa2b1c0``."""
    return f"{index:02d}_{label}-{fp[:8]}"


def _tmp(path: Path) -> Path:
    return path.with_name(f".{path.name}.tmp-{os.getpid()}")


def atomic_write_parquet(table: pa.Table, path: Path) -> None:
    """Write ``table`` to ``path`` via a temp file + rename, with :data:`PARQUET_OPTIONS`."""
    tmp = _tmp(path)
    pq.write_table(table, tmp, **PARQUET_OPTIONS)
    os.replace(tmp, path)


def atomic_write_text(text: str, path: Path) -> None:
    """Write ``text`` (UTF-8) to ``path`` via a temp file + fsync + rename."""
    tmp = _tmp(path)
    with open(tmp, "w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)


def atomic_write_json(obj: Any, path: Path) -> None:
    """Write ``obj`` as indented, key-sorted JSON (deterministic) to ``path`` atomically."""
    atomic_write_text(json.dumps(obj, indent=2, sort_keys=True, ensure_ascii=False) + "\n", path)


@dataclasses.dataclass(frozen=True)
class ShardTask:
    """One shard of one stage: where its input is and where its outputs go."""

    index: int
    input: Path | None
    stage_dir: Path

    @property
    def kept(self) -> Path:
        return self.stage_dir / f"part-{self.index:05d}.parquet"

    @property
    def rejected(self) -> Path:
        return self.stage_dir / f"rejected-{self.index:05d}.parquet"

    @property
    def stats(self) -> Path:
        return self.stage_dir / f"part-{self.index:05d}.stats.json"

    @property
    def done(self) -> Path:
        return self.stage_dir / f"part-{self.index:05d}.done"

    def is_done(self) -> bool:
        return self.done.exists()


def parquet_rows(path: Path) -> int:
    """Row count of a parquet file, from its footer (no data read)."""
    return pq.ParquetFile(path).metadata.num_rows
