"""Seeded spherical k-means (faiss) with a cap on cluster size, for SemDeDup.

SemDeDup (Abbas et al. 2023, arXiv 2303.09540, section 3) clusters the embeddings with k-means
and compares pairs only inside a cluster. Two things here differ from Big-Math's script
(``SynthLabsAI/big-math`` ``signals/add_semdedup_signal.py``, which asks for ``k = N // 100``
clusters and so crashes in faiss for N < 100):

* the number of clusters is ``ceil(N / target_cluster_size)`` clamped to ``[1, N]``, so N = 1
  works; k = 1 needs no k-means at all;
* a cluster larger than ``max_cluster_size`` is split again with k-means (recursively), so the
  O(n^2) pairwise work of any one cluster stays bounded.  If k-means cannot split it (e.g. all
  vectors identical) it is kept whole; memory stays bounded anyway because the pairwise step
  works in blocks (see :mod:`bigmath.dedup.semdedup`).

Determinism: faiss k-means is seeded (``seed``) and samples its training set with that seed;
the final labels are renumbered in order of first appearance, so the same embeddings and settings
give the same clusters run to run (on the same machine and thread count).
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np


@dataclasses.dataclass
class Clusters:
    """Cluster assignment of N normalised vectors.

    Attributes:
        labels: (N,) int64 cluster id per vector, 0..k-1, numbered by first appearance.
        centroids: (k, dim) float32 unit-length centroids (normalised mean of the members).
        centroid_similarity: (N,) float32 cosine similarity of each vector to its centroid.
        splits: how many oversized clusters were split again.
    """

    labels: np.ndarray
    centroids: np.ndarray
    centroid_similarity: np.ndarray
    splits: int = 0

    @property
    def count(self) -> int:
        """Number of clusters."""
        return len(self.centroids)


def auto_cluster_count(n: int, target_cluster_size: int) -> int:
    """``ceil(n / target_cluster_size)`` clamped to ``[1, n]`` (1 for n = 0)."""
    return max(1, min(n, math.ceil(n / max(1, target_cluster_size))))


def _kmeans_labels(x: np.ndarray, k: int, *, seed: int, iterations: int, max_points_per_centroid: int) -> np.ndarray:
    """Labels of faiss spherical k-means with ``k`` clusters (k is clamped to len(x))."""
    k = min(k, len(x))
    if k <= 1:
        return np.zeros(len(x), dtype=np.int64)
    import faiss

    kmeans = faiss.Kmeans(x.shape[1], k, niter=iterations, seed=seed, spherical=True, verbose=False,
                          max_points_per_centroid=max_points_per_centroid, min_points_per_centroid=1)
    kmeans.train(np.ascontiguousarray(x, dtype=np.float32))
    _, labels = kmeans.index.search(np.ascontiguousarray(x, dtype=np.float32), 1)
    return labels.reshape(-1).astype(np.int64)


def _renumber(labels: np.ndarray) -> np.ndarray:
    """Renumber labels 0..k-1 in order of first appearance (drops empty clusters)."""
    _, first, inverse = np.unique(labels, return_index=True, return_inverse=True)
    order = np.argsort(np.argsort(first, kind="stable"), kind="stable")
    return order[inverse].astype(np.int64)


def cluster(
    embeddings: np.ndarray,
    k: int,
    *,
    seed: int = 1234,
    iterations: int = 20,
    max_points_per_centroid: int = 64,
    max_cluster_size: int = 16384,
) -> Clusters:
    """Cluster unit vectors with spherical k-means and split clusters above ``max_cluster_size``.

    Args:
        embeddings: (N, dim) float32, L2-normalised.
        k: number of clusters (clamped to [1, N]).
        seed: faiss k-means seed.
        iterations: k-means iterations (faiss ``niter``; Big-Math used 20).
        max_points_per_centroid: faiss trains on at most k times this many sampled points.
        max_cluster_size: clusters larger than this are split again.

    Returns:
        :class:`Clusters`.
    """
    n = len(embeddings)
    if n == 0:
        empty = np.zeros(0, dtype=np.int64)
        return Clusters(empty, np.zeros((0, embeddings.shape[1] if embeddings.ndim == 2 else 0), np.float32),
                        np.zeros(0, np.float32))
    labels = _kmeans_labels(embeddings, max(1, min(k, n)), seed=seed, iterations=iterations,
                            max_points_per_centroid=max_points_per_centroid)
    splits = 0
    pending = list(np.unique(labels))
    next_label = int(labels.max()) + 1
    while pending:
        label = pending.pop()
        members = np.flatnonzero(labels == label)
        if len(members) <= max_cluster_size:
            continue
        parts = math.ceil(len(members) / max_cluster_size) * 2
        sub = _kmeans_labels(embeddings[members], parts, seed=seed + splits + 1, iterations=iterations,
                             max_points_per_centroid=max_points_per_centroid)
        if len(np.unique(sub)) <= 1:  # cannot be split (identical vectors): keep whole
            continue
        splits += 1
        for value in np.unique(sub)[1:]:
            labels[members[sub == value]] = next_label
            pending.append(next_label)
            next_label += 1
        pending.append(label)
    labels = _renumber(labels)
    count = int(labels.max()) + 1
    order = np.argsort(labels, kind="stable")
    bounds = np.flatnonzero(np.diff(labels[order])) + 1
    centroids = np.zeros((count, embeddings.shape[1]), dtype=np.float32)
    centroid_similarity = np.zeros(n, dtype=np.float32)
    for label, members in enumerate(np.split(order, bounds)):  # one cluster at a time: no N x dim copies
        vectors = embeddings[members]
        total = vectors.sum(axis=0, dtype=np.float64)
        norm = np.linalg.norm(total)
        centroids[label] = total / norm if norm > 0 else total
        centroid_similarity[members] = vectors @ centroids[label]
    return Clusters(labels, centroids, centroid_similarity, splits)
