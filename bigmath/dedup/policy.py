"""Which member of a group of near-duplicates is kept: the keep policy of SemDeDup.

Inside a cluster rows are ranked, and a row can only be a duplicate *of a row ranked before it*.
The rank is, in order:

1. source priority: human-written sources before synthetic ones. ``source_priority`` lists
   patterns (``fnmatch`` on ``source`` or ``source/subset``) from most to least preferred;
   rows matching none come next; rows matching a ``synthetic`` pattern come last.
2. distance to the cluster centroid: ``prefer="central"`` keeps the row closest to the centroid
   (Big-Math's ``keep_central=True``), ``prefer="outlier"`` the farthest (the SemDeDup paper's
   and NeMo Curator's ``which_to_keep="hard"``).
3. the row ``id`` (ascending), so ties never depend on input order.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Sequence
from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict

#: Human-written (competition / textbook) sources, preferred first.
DEFAULT_SOURCE_PRIORITY = (
    "math", "harp", "omni_math", "numinamath*/olympiads", "numinamath*/amc_aime", "numinamath*/aops_forum",
    "numinamath*/math", "numinamath*/gsm8k", "openmathinstruct2/math", "openmathinstruct2/gsm8k",
)
#: Synthetic (LLM-written or LLM-augmented) sources and subsets, ranked last.
DEFAULT_SYNTHETIC = ("*/synthetic_*", "*/orca_math", "*/augmented_*", "openmathinstruct2")


class KeepPolicy(BaseModel):
    """Ranking of rows inside a SemDeDup cluster (see the module docstring).

    Attributes:
        source_priority: patterns, most preferred first, matched against ``source/subset`` and
            ``source`` (``fnmatch`` syntax).
        synthetic: patterns of synthetic sources, ranked after every other row.
        prefer: ``central`` keeps the row closest to the centroid, ``outlier`` the farthest.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    source_priority: tuple[str, ...] = DEFAULT_SOURCE_PRIORITY
    synthetic: tuple[str, ...] = DEFAULT_SYNTHETIC
    prefer: Literal["central", "outlier"] = "central"

    def source_rank(self, source: str, subset: str | None) -> int:
        """Rank of a (source, subset): index in ``source_priority``; then unlisted; then synthetic."""
        names = [f"{source}/{subset}", source] if subset else [source]
        listed = len(self.source_priority)
        if any(fnmatch.fnmatchcase(n, p) for n in names for p in self.synthetic):
            explicit = [i for i, p in enumerate(self.source_priority) if fnmatch.fnmatchcase(names[0], p)]
            if not explicit:  # an explicit human pattern on source/subset beats a synthetic one
                return listed + 1
        for i, pattern in enumerate(self.source_priority):
            if any(fnmatch.fnmatchcase(n, pattern) for n in names):
                return i
        return listed

    def order(
        self,
        clusters: np.ndarray,
        centroid_similarity: np.ndarray,
        ids: Sequence[str],
        sources: Sequence[str | None],
        subsets: Sequence[str | None],
    ) -> np.ndarray:
        """Return row indices sorted by (cluster, rank): each cluster's rows, best first.

        Args:
            clusters: (N,) cluster label per row.
            centroid_similarity: (N,) cosine similarity to the cluster centroid.
            ids, sources, subsets: per-row ``id``, ``source`` and ``subset`` (None allowed).
        """
        cache: dict[tuple[str | None, str | None], int] = {}
        ranks = np.empty(len(ids), dtype=np.int64)
        for i, key in enumerate(zip(sources, subsets)):
            if key not in cache:
                cache[key] = self.source_rank(key[0] or "", key[1])
            ranks[i] = cache[key]
        closeness = -centroid_similarity if self.prefer == "central" else centroid_similarity
        id_rank = np.argsort(np.argsort(np.asarray(ids, dtype=object), kind="stable"), kind="stable")
        # np.lexsort sorts by the last key first
        return np.lexsort((id_rank, closeness.astype(np.float64), ranks, clusters))
