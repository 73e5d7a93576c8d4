"""The ``exact_dedup`` stage: normalised-text (and optionally MinHash) duplicates across all shards.

Recipe form::

    - type: exact_dedup            # duplicate:exact
    - {type: exact_dedup, minhash: true, minhash_threshold: 0.8}   # + duplicate:minhash

Duplicates are identified in ``prepare`` over every upstream shard in order (written to
``duplicates.parquet`` in the stage folder); ``process`` only removes by id.
"""

from __future__ import annotations

from typing import Any, ClassVar

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from pydantic import Field, PrivateAttr

from bigmath.dedup.exact import find_duplicates
from bigmath.dedup.upstream import remove_rows, stream_rows
from bigmath.pipeline.stage import Stage, StageContext, StageResult
from bigmath.pipeline.workdir import atomic_write_parquet
from bigmath.registry import register_stage


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

    minhash: bool = Field(False, description="also remove MinHash near-duplicates (datasketch)")
    minhash_threshold: float = Field(default=0.8, gt=0.0, le=1.0, description="MinHash Jaccard threshold")
    num_perm: int = Field(default=128, ge=16, description="MinHash permutations")
    shingle_size: int = Field(default=5, ge=1, description="MinHash word shingle size")
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
