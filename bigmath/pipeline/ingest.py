"""The ingest stage: read every source in recipe order and cut its problems into shards.

Shards never mix sources (shard ``k`` holds rows of one source), so per-source stats are exact
and a source can be resumed on its own. Adapter rejections (``adapter:*``) go to the shard's
rejected file. A source that already holds common-schema tables (``iter_tables``, the
``problems`` source) is cut into shards as it is, every column kept. Per source, ``source-<i>.done`` lists the shards it produced, so a resumed build
skips finished sources without reading them again; within an unfinished source, shards whose
done marker exists are not rewritten.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from bigmath.pipeline.shard import shard_stats
from bigmath.pipeline.stage import StageResult
from bigmath.pipeline.workdir import ShardTask, atomic_write_json, atomic_write_parquet
from bigmath.schema import Problem, Rejection, problems_to_table, rejections_to_table

INGEST = "ingest"


def _chunks(results: Iterable[Problem | Rejection], size: int) -> Iterator[tuple[list[Problem], list[Rejection]]]:
    """Yield (problems, rejections) groups holding ``size`` input rows each (the last may be smaller)."""
    problems: list[Problem] = []
    rejections: list[Rejection] = []
    for item in results:
        (problems if isinstance(item, Problem) else rejections).append(item)
        if len(problems) + len(rejections) >= size:
            yield problems, rejections
            problems, rejections = [], []
    if problems or rejections:
        yield problems, rejections


def limited(source: Any, limit: int | None) -> Any:
    """The source reading at most ``limit`` native rows (its own ``limit`` wins when smaller)."""
    if limit is None or (source.limit is not None and source.limit <= limit):
        return source
    return source.model_copy(update={"limit": limit})


def ingest(
    sources: list[Any],
    stage_dir: Path,
    *,
    shard_size: int,
    limit: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> list[ShardTask]:
    """Read ``sources`` into shards under ``stage_dir``; return every shard task in order.

    Args:
        sources: source adapters (``bigmath.sources``), each with ``iter_results()``.
        stage_dir: the ingest work folder (created if missing).
        shard_size: input rows (problems + rejections) per shard.
        limit: at most this many native rows per source (``Source.limit``).
        progress: called with the number of rows of each shard written.

    Raises:
        bigmath.errors.InputError: a source file is malformed (names file, row, field).
    """
    stage_dir.mkdir(parents=True, exist_ok=True)
    tasks: list[ShardTask] = []
    next_index = 0
    owners = _IdOwners()
    for source_index, source in enumerate(sources):
        marker = stage_dir / f"source-{source_index:03d}.done"
        if marker.exists():
            indices = json.loads(marker.read_text())["shards"]
            for i in indices:
                owners.add_shard(ShardTask(i, None, stage_dir), source_index)
            tasks += [ShardTask(i, None, stage_dir) for i in indices]
            next_index = max(indices, default=next_index - 1) + 1
            if progress:
                progress(sum(json.loads(ShardTask(i, None, stage_dir).stats.read_text())["input"] for i in indices))
            continue
        indices = []
        for kept, rejected in _shards(limited(source, limit), shard_size):
            task = ShardTask(next_index, None, stage_dir)
            owners.add_table(kept, source_index)
            if not task.is_done():
                _write_shard(task, kept, rejected)
            tasks.append(task)
            indices.append(next_index)
            next_index += 1
            if progress:
                progress(kept.num_rows + rejected.num_rows)
        atomic_write_json({"source": type(source).registry_name, "shards": indices}, marker)
    return tasks


def _shards(source: Any, shard_size: int) -> Iterator[tuple[pa.Table, pa.Table]]:
    """Yield (kept, rejected) tables of ``shard_size`` input rows each from ``source``."""
    if hasattr(source, "iter_tables"):
        for table in source.iter_tables(shard_size):
            yield table, rejections_to_table([], stage=INGEST)
        return
    for problems, rejections in _chunks(source.iter_results(), shard_size):
        yield problems_to_table(problems), rejections_to_table(rejections, stage=INGEST)


class DuplicateIdError(ValueError):
    """Two recipe sources produce the same problem id (same ``source`` name and ``source_id``)."""


class _IdOwners:
    """Which recipe source produced each problem id; refuses an id produced twice."""

    def __init__(self) -> None:
        self._owner: dict[str, int] = {}

    def add(self, problems: list[Any], source_index: int) -> None:
        """Record ``problems`` (anything with ``id``, ``source``, ``source_id``) as read by source
        ``source_index``. Within one source adapters make ids unique (repeats get ``#2``, ...)."""
        for p in problems:
            owner = self._owner.setdefault(p.id, source_index)
            if owner != source_index:
                raise DuplicateIdError(
                    f"sources[{owner}] and sources[{source_index}] both produce problem id {p.id} "
                    f"(source {p.source!r}, source_id {p.source_id!r}): two entries read rows with the same ids. "
                    "Give each source a distinct `name:` (custom sources), or list each input once.")

    def add_table(self, table: pa.Table, source_index: int) -> None:
        """:meth:`add` for the rows of a shard table (columns ``id``, ``source``, ``source_id``)."""
        ids = table.select(["id", "source", "source_id"]).to_pylist()
        self.add([_IdRow(**row) for row in ids], source_index)

    def add_shard(self, task: ShardTask, source_index: int) -> None:
        self.add_table(pq.read_table(task.kept, columns=["id", "source", "source_id"]), source_index)


@dataclasses.dataclass(frozen=True)
class _IdRow:
    id: str
    source: str
    source_id: str


def _write_shard(task: ShardTask, kept: pa.Table, rejected: pa.Table) -> None:
    # the "input" of ingest is every native row read: kept plus rejected
    stats = shard_stats(_concat_sources(kept, rejected), StageResult(kept, rejected))
    atomic_write_parquet(kept, task.kept)
    if rejected.num_rows:
        atomic_write_parquet(rejected, task.rejected)
    atomic_write_json(stats, task.stats)
    task.done.write_text("ok\n")


def _concat_sources(kept: pa.Table, rejected: pa.Table) -> pa.Table:
    return pa.table({"source": kept.column("source").to_pylist() + rejected.column("source").to_pylist()})
