"""SemDeDup identify step: k-means clusters, then blockwise within-cluster cosine similarity.

Threshold convention (one, everywhere): a row is a semantic duplicate iff its cosine similarity
to a row ranked before it in the same cluster is ``>= similarity_threshold``. The SemDeDup paper
(Abbas et al. 2023, arXiv 2303.09540, Algorithm 1) and NeMo Curator (``cosine_sim_score >= 1 -
eps``) write the same rule with ``epsilon = 1 - similarity_threshold``; either may be given,
never both. (Big-Math's script compares ``similarity > epsilon`` and, because its loop never
passes epsilon, ran with its default 0.99, i.e. a similarity threshold just above 0.99.)

Chains. With ``chain="semdedup"`` (default) a row is removed when it is similar to *any*
higher-ranked row of its cluster, removed or not, exactly as SemDeDup and NeMo Curator do
(column-wise max of the upper-triangular similarity matrix). For A~B 0.95, B~C 0.95, A~C 0.85
and threshold 0.9, with rank A > B > C, both B and C are removed (C's ``duplicate_of`` is B, its
``representative`` is A). This makes the decision a pure function of each row's maximum
similarity to earlier rows, stored for every row, so re-thresholding needs no recomputation.
``chain="greedy"`` compares only against rows already kept: in the example, B is removed and C
kept (0.85 < 0.9 to A). Greedy keeps more rows, but its scores depend on the threshold.

Memory: similarities are computed as matrix products of row blocks by column blocks sized so one
block holds at most ``block_mb`` MiB of float32; no n x n matrix is ever formed.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from typing import Literal

import numpy as np
import pyarrow as pa
from pydantic import BaseModel, ConfigDict, Field, model_validator

from bigmath.dedup.kmeans import auto_cluster_count, cluster
from bigmath.dedup.policy import KeepPolicy

#: Decimals kept in similarity values; the threshold is compared to the rounded value, so the
#: written scores re-threshold exactly and tiny float noise between runs never flips a decision.
SIMILARITY_DECIMALS = 6


class SemDedupConfig(BaseModel):
    """Settings of the SemDeDup identify step.

    Attributes:
        similarity_threshold: duplicate iff cosine similarity >= this (default 0.99 when neither
            this nor ``epsilon`` is set: NeMo Curator's default ``eps`` of 0.01, and what Big-Math ran).
        epsilon: alternatively, ``1 - similarity_threshold`` (SemDeDup paper / NeMo Curator).
        clusters: number of k-means clusters; None = ``ceil(N / target_cluster_size)``.
        target_cluster_size: mean cluster size aimed at when ``clusters`` is None.
        max_cluster_size: larger clusters are split again by k-means (bounds pairwise work).
        block_mb: largest similarity block held in memory, MiB (float32).
        kmeans_iterations: faiss ``niter``.
        max_points_per_centroid: faiss k-means trains on at most ``k *`` this many sampled rows.
        seed: k-means seed.
        chain: ``semdedup`` (paper semantics) or ``greedy`` (compare with kept rows only).
        policy: which row of a duplicate group is kept (:class:`KeepPolicy`).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    similarity_threshold: float | None = Field(default=None, gt=0.0, le=1.0)
    epsilon: float | None = Field(default=None, ge=0.0, lt=1.0)
    clusters: int | None = Field(default=None, ge=1)
    target_cluster_size: int = Field(default=1000, ge=1)
    max_cluster_size: int = Field(default=16384, ge=2)
    block_mb: float = Field(default=64.0, gt=0)
    kmeans_iterations: int = Field(default=20, ge=1)
    max_points_per_centroid: int = Field(default=64, ge=1)
    seed: int = 1234
    chain: Literal["semdedup", "greedy"] = "semdedup"
    policy: KeepPolicy = KeepPolicy()

    @model_validator(mode="after")
    def _one_threshold(self) -> "SemDedupConfig":
        if self.similarity_threshold is not None and self.epsilon is not None:
            raise ValueError("give similarity_threshold or epsilon (= 1 - similarity_threshold), not both")
        return self

    @property
    def threshold(self) -> float:
        """The similarity threshold in effect (from ``similarity_threshold`` or ``1 - epsilon``)."""
        if self.similarity_threshold is not None:
            return self.similarity_threshold
        if self.epsilon is not None:
            return round(1.0 - self.epsilon, 12)
        return 0.99


@dataclasses.dataclass
class _ClusterScores:
    best: np.ndarray  # float64 similarity to ``nearest`` (rounded), -inf when none
    nearest: np.ndarray  # index (within the cluster order) of that row, -1 when none
    duplicate: np.ndarray  # bool


def _block_size(block_mb: float) -> int:
    return max(1, int(math.sqrt(block_mb * 2**20 / 4)))


def _max_to_earlier(x: np.ndarray, block_elements: int) -> tuple[np.ndarray, np.ndarray]:
    """For each row i of ``x`` (rank order), max similarity to rows j < i and its argmax.

    Row blocks of up to 1024 rows are multiplied with the columns before their end only (the
    lower triangle, about half of n^2), in column chunks so that one block holds at most
    ``block_elements`` float32 values.
    """
    n = len(x)
    best = np.full(n, -np.inf, dtype=np.float32)
    nearest = np.full(n, -1, dtype=np.int64)
    rows_per_block = max(1, min(1024, int(math.sqrt(block_elements))))
    cols_per_block = max(rows_per_block, block_elements // rows_per_block)
    for r0 in range(0, n, rows_per_block):
        r1 = min(n, r0 + rows_per_block)
        for c0 in range(0, r1, cols_per_block):
            c1 = min(r1, c0 + cols_per_block)
            sims = x[r0:r1] @ x[c0:c1].T
            if c1 > r0:  # columns at or after a row's own position do not count
                tail = sims[:, r0 - c0 :] if r0 >= c0 else sims
                offset = max(0, c0 - r0)
                tail[np.arange(offset, offset + tail.shape[1])[None, :] >= np.arange(r1 - r0)[:, None]] = -np.inf
            arg = sims.argmax(axis=1)
            val = sims[np.arange(r1 - r0), arg]
            better = val > best[r0:r1]  # strict: ties keep the earliest column
            best[r0:r1][better] = val[better]
            nearest[r0:r1][better] = arg[better] + c0
    return best, nearest


def _exact_similarity(x: np.ndarray, rows: np.ndarray, others: np.ndarray) -> np.ndarray:
    """Cosine similarity of row pairs recomputed in float64 and rounded: the value reported and
    compared with the threshold, independent of block sizes and BLAS threading."""
    values = np.einsum("ij,ij->i", x[rows].astype(np.float64), x[others].astype(np.float64))
    return np.round(values, SIMILARITY_DECIMALS)


def _scores_semdedup(x: np.ndarray, threshold: float, block: int) -> _ClusterScores:
    best, nearest = _max_to_earlier(x, block * block)
    scores = np.full(len(x), -np.inf)
    has = np.flatnonzero(nearest >= 0)
    scores[has] = _exact_similarity(x, has, nearest[has])
    return _ClusterScores(scores, nearest, scores >= threshold)


def _scores_greedy(x: np.ndarray, threshold: float, block: int) -> _ClusterScores:
    n = len(x)
    best = np.full(n, -np.inf, dtype=np.float64)
    nearest = np.full(n, -1, dtype=np.int64)
    duplicate = np.zeros(n, dtype=bool)
    kept: list[int] = []
    for r0 in range(0, n, block):
        r1 = min(n, r0 + block)
        kept_before = np.asarray(kept, dtype=np.int64)
        for c0 in range(0, len(kept_before), block):  # against rows kept in earlier blocks
            cols = kept_before[c0 : c0 + block]
            sims = x[r0:r1] @ x[cols].T
            arg = sims.argmax(axis=1)
            val = sims[np.arange(r1 - r0), arg]
            better = val > best[r0:r1]
            best[r0:r1][better] = val[better]
            nearest[r0:r1][better] = cols[arg[better]]
        inner = x[r0:r1] @ x[r0:r1].T
        kept_in_block = np.zeros(r1 - r0, dtype=bool)
        for i in range(r1 - r0):
            if kept_in_block[:i].any():
                cand = np.flatnonzero(kept_in_block[:i])
                j = cand[inner[i, cand].argmax()]
                if inner[i, j] > best[r0 + i]:
                    best[r0 + i], nearest[r0 + i] = inner[i, j], r0 + j
            if nearest[r0 + i] >= 0:
                row = np.array([r0 + i])
                best[r0 + i] = _exact_similarity(x, row, nearest[row])[0]
            if best[r0 + i] >= threshold:
                duplicate[r0 + i] = True
            else:
                kept_in_block[i] = True
                kept.append(r0 + i)
    return _ClusterScores(best, nearest, duplicate)


#: Arrow schema of :func:`identify`'s result (one row per input row, input order).
SEMDEDUP_SCHEMA = pa.schema([
    pa.field("id", pa.string(), nullable=False),
    pa.field("cluster", pa.int32(), nullable=False),
    pa.field("centroid_similarity", pa.float64(), nullable=False),
    pa.field("max_similarity", pa.float64()),
    pa.field("nearest_id", pa.string()),
    pa.field("duplicate", pa.bool_(), nullable=False),
    pa.field("duplicate_of", pa.string()),
    pa.field("similarity", pa.float64()),
    pa.field("representative", pa.string()),
])


def identify(
    embeddings: np.ndarray,
    ids: Sequence[str],
    sources: Sequence[str | None] | None = None,
    subsets: Sequence[str | None] | None = None,
    config: SemDedupConfig | None = None,
) -> tuple[pa.Table, dict[str, float]]:
    """Find semantic duplicates among ``embeddings``.

    Args:
        embeddings: (N, dim) float32, L2-normalised, row i belongs to ``ids[i]``.
        ids: unique row ids.
        sources, subsets: per-row source / subset for the keep policy (None = unknown).
        config: :class:`SemDedupConfig` (defaults when None).

    Returns:
        (table, info). ``table`` has :data:`SEMDEDUP_SCHEMA`, one row per input row in input
        order: ``cluster``, ``centroid_similarity``, ``max_similarity`` (to the nearest row ranked
        before it in its cluster; null for a cluster's first row), ``nearest_id``, ``duplicate``,
        and for duplicates ``duplicate_of`` (= ``nearest_id``), ``similarity`` and
        ``representative`` (the kept row its ``duplicate_of`` chain ends at). ``info`` holds
        ``clusters``, ``splits``, ``largest_cluster``, ``threshold``, ``duplicates``.

    Raises:
        ValueError: shapes disagree, or ids are not unique.
    """
    config = config or SemDedupConfig()
    n = len(ids)
    if embeddings.shape[0] != n:
        raise ValueError(f"{embeddings.shape[0]} embeddings for {n} ids")
    if len(set(ids)) != n:
        raise ValueError("ids passed to SemDeDup are not unique")
    sources = list(sources) if sources is not None else [None] * n
    subsets = list(subsets) if subsets is not None else [None] * n
    x = np.ascontiguousarray(embeddings, dtype=np.float32)
    k = config.clusters or auto_cluster_count(n, config.target_cluster_size)
    groups = cluster(x, k, seed=config.seed, iterations=config.kmeans_iterations,
                     max_points_per_centroid=config.max_points_per_centroid, max_cluster_size=config.max_cluster_size)
    order = config.policy.order(groups.labels, groups.centroid_similarity, ids, sources, subsets)
    best = np.full(n, -np.inf, dtype=np.float64)
    nearest = np.full(n, -1, dtype=np.int64)
    duplicate = np.zeros(n, dtype=bool)
    scorer = _scores_semdedup if config.chain == "semdedup" else _scores_greedy
    block = _block_size(config.block_mb)
    bounds = np.flatnonzero(np.diff(groups.labels[order])) + 1
    for members in np.split(order, bounds) if n else []:
        scores = scorer(x[members], config.threshold, block)
        best[members] = scores.best
        duplicate[members] = scores.duplicate
        has = scores.nearest >= 0
        nearest[members[has]] = members[scores.nearest[has]]
    return _result_table(ids, groups, best, nearest, duplicate), {
        "clusters": groups.count, "splits": groups.splits, "threshold": config.threshold,
        "largest_cluster": int(np.bincount(groups.labels).max()) if n else 0, "duplicates": int(duplicate.sum()),
    }


def _result_table(ids, groups, best, nearest, duplicate) -> pa.Table:
    n = len(ids)
    has = nearest >= 0
    max_sim = [float(b) if h else None for b, h in zip(best, has)]
    nearest_id = [ids[j] if j >= 0 else None for j in nearest]
    root = np.arange(n)
    for i in range(n):  # chains point to strictly higher-ranked rows, so they end at a kept row
        if duplicate[i]:
            path, j = [i], nearest[i]
            while duplicate[j] and root[j] == j:
                path.append(j)
                j = nearest[j]
            end = root[j] if duplicate[j] else j
            root[path] = end
    representative = [ids[root[i]] if duplicate[i] else None for i in range(n)]
    return pa.table({
        "id": pa.array(list(ids), pa.string()),
        "cluster": pa.array(groups.labels, pa.int32()),
        "centroid_similarity": pa.array(np.round(groups.centroid_similarity.astype(np.float64), SIMILARITY_DECIMALS)),
        "max_similarity": pa.array(max_sim, pa.float64()),
        "nearest_id": pa.array(nearest_id, pa.string()),
        "duplicate": pa.array(duplicate, pa.bool_()),
        "duplicate_of": pa.array([nearest_id[i] if duplicate[i] else None for i in range(n)], pa.string()),
        "similarity": pa.array([max_sim[i] if duplicate[i] else None for i in range(n)], pa.float64()),
        "representative": pa.array(representative, pa.string()),
    }, schema=SEMDEDUP_SCHEMA)
