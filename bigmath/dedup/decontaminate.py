"""Decontamination: find training problems that are (near-)copies of evaluation benchmark items.

Method (word n-gram overlap, then alignment):

1. Text is normalised (:func:`bigmath.textnorm.normalize_problem`: case, whitespace, LaTeX
   spacing, ``\\dfrac``/``\\frac``, math delimiters) and split into word tokens (letter runs,
   digit runs, LaTeX commands, single symbols; :func:`bigmath.dedup.exact.word_tokens`).
2. Each benchmark item is indexed by its word n-grams, n = ``ngram_size`` (default 13, the
   common choice since GPT-3, Brown et al. 2020, appendix C). Items shorter than ``2n`` tokens
   use ``n = max(1, len // 2)`` instead, so that changing any one token (a number) still leaves
   at least one n-gram intact; an item is never skipped for being shorter than n.
3. A training problem sharing an n-gram with an item is a candidate; the ``candidates`` items
   with the largest share of their n-grams present are aligned token by token (``difflib``).
   The match score is ``matched tokens / max(item length, aligned span in the problem)``: 1.0
   for a copy (also when embedded in longer text), ``(L-1)/L`` for one changed token, lower when
   words are inserted inside the span. The problem is contaminated iff score >= ``min_similarity``.
4. Optionally (``embedding_threshold``), a problem whose embedding has cosine similarity >= the
   threshold with an item's embedding is contaminated too (catches paraphrases).
"""

from __future__ import annotations

import dataclasses
import difflib
from collections.abc import Sequence

import numpy as np

from bigmath.dedup.benchmarks import BenchmarkItem
from bigmath.dedup.exact import word_tokens


@dataclasses.dataclass(frozen=True)
class Match:
    """A contaminated problem's best match.

    Attributes:
        benchmark: benchmark name.
        item_id: id of the benchmark item.
        score: token-alignment score (``ngram``) or cosine similarity (``embedding``), 0..1.
        method: ``ngram`` or ``embedding``.
        benchmarks: every benchmark with a match at or above the threshold (best first).
    """

    benchmark: str
    item_id: str
    score: float
    method: str
    benchmarks: tuple[str, ...]


def ngram_size_for(length: int, ngram_size: int) -> int:
    """The n used for an item of ``length`` tokens: ``ngram_size``, or ``max(1, length // 2)``
    when the item is shorter than ``2 * ngram_size`` tokens."""
    return min(ngram_size, max(1, length // 2))


def alignment_score(item_tokens: Sequence[str], tokens: Sequence[str]) -> float:
    """Matched tokens / max(len(item), span of the problem covered by the alignment), 0..1."""
    if not item_tokens or not tokens:
        return 0.0
    blocks = [b for b in difflib.SequenceMatcher(None, item_tokens, tokens, autojunk=False).get_matching_blocks()
              if b.size]
    if not blocks:
        return 0.0
    matched = sum(b.size for b in blocks)
    span = blocks[-1].b + blocks[-1].size - blocks[0].b
    return matched / max(len(item_tokens), span)


_BASE = np.uint64(1_000_003)


def _prefix_hashes(ids: np.ndarray) -> np.ndarray:
    """Polynomial prefix hashes (mod 2**64): P[0] = 0, P[i+1] = P[i] * base + ids[i]."""
    prefix = np.zeros(len(ids) + 1, dtype=np.uint64)
    value = 0
    for i, token in enumerate(ids.tolist()):
        value = (value * 1_000_003 + token) & 0xFFFFFFFFFFFFFFFF
        prefix[i + 1] = value
    return prefix


def _window_hashes(ids: np.ndarray, prefix: np.ndarray, sizes: Sequence[int]) -> np.ndarray:
    """Distinct hashes (salted by n) of the n-token windows of ``ids``, for each n in ``sizes``,
    leaving out windows that contain an unknown token (id 0)."""
    unknown = np.concatenate([[0], np.cumsum(ids == 0)])
    parts = []
    with np.errstate(over="ignore"):
        for n in sizes:
            if len(ids) < n:
                continue
            power = np.array([pow(1_000_003, n, 2**64)], dtype=np.uint64)
            salt = np.array([(n * 0x9E3779B97F4A7C15) & 0xFFFFFFFFFFFFFFFF], dtype=np.uint64)
            hashes = (prefix[n:] - prefix[:-n] * power) ^ salt
            parts.append(hashes[(unknown[n:] - unknown[:-n]) == 0])
    return np.unique(np.concatenate(parts)) if parts else np.zeros(0, dtype=np.uint64)


class NgramIndex:
    """Word n-gram index of benchmark items (see the module docstring).

    N-grams are stored as 64-bit polynomial hashes of token ids, one sorted array per n, so a
    problem is looked up with a few vectorised ``searchsorted`` calls; a hash collision can only
    add a candidate, which the alignment step then rejects.

    Args:
        items: benchmark items.
        ngram_size: n (default 13).
        min_similarity: alignment score needed to call a problem contaminated.
        candidates: how many best-covered items are aligned per problem.
    """

    def __init__(self, items: Sequence[BenchmarkItem], ngram_size: int = 13, min_similarity: float = 0.9,
                 candidates: int = 3):
        self.items = list(items)
        self.ngram_size, self.min_similarity, self.candidates = ngram_size, min_similarity, candidates
        self.tokens = [word_tokens(item.problem) for item in self.items]
        self.vocab: dict[str, int] = {}
        for tokens in self.tokens:
            for token in tokens:
                self.vocab.setdefault(token, len(self.vocab) + 1)
        self.grams_per_item = np.ones(len(self.items), dtype=np.int64)
        hashes, owners, sizes = [], [], set()
        for i, tokens in enumerate(self.tokens):
            if not tokens:
                continue
            ids = self._ids(tokens)
            n = ngram_size_for(len(tokens), ngram_size)
            item_hashes = _window_hashes(ids, _prefix_hashes(ids), [n])
            self.grams_per_item[i] = len(item_hashes)
            hashes.append(item_hashes)
            owners.append(np.full(len(item_hashes), i, dtype=np.int64))
            sizes.add(n)
        self.sizes = sorted(sizes)
        self.hashes = np.concatenate(hashes) if hashes else np.zeros(0, dtype=np.uint64)
        self.owners = np.concatenate(owners) if owners else np.zeros(0, dtype=np.int64)
        order = np.lexsort((self.owners, self.hashes))
        self.hashes, self.owners = self.hashes[order], self.owners[order]

    def _ids(self, tokens: Sequence[str]) -> np.ndarray:
        return np.fromiter((self.vocab.get(t, 0) for t in tokens), dtype=np.uint64, count=len(tokens))

    def candidates_for(self, tokens: Sequence[str]) -> list[int]:
        """Items sharing an n-gram with ``tokens``, most covered first (ties: item order)."""
        ids = self._ids(tokens)
        query = _window_hashes(ids, _prefix_hashes(ids), self.sizes)
        lo = np.searchsorted(self.hashes, query, "left")
        hi = np.searchsorted(self.hashes, query, "right")
        hit = hi > lo
        if not hit.any():
            return []
        found = [self.owners[a:b] for a, b in zip(lo[hit].tolist(), hi[hit].tolist())]
        items, hits = np.unique(np.concatenate(found), return_counts=True)
        coverage = hits / self.grams_per_item[items]
        ranked = items[np.lexsort((items, -coverage))]
        return ranked[: self.candidates].tolist()

    def match(self, problem: str | None) -> Match | None:
        """Return the best match of ``problem`` at or above ``min_similarity``, or None."""
        tokens = word_tokens(problem)
        scored = []
        for i in self.candidates_for(tokens):
            score = round(alignment_score(self.tokens[i], tokens), 6)
            if score >= self.min_similarity:
                scored.append((-score, i))
        if not scored:
            return None
        scored.sort()
        best = self.items[scored[0][1]]
        names = tuple(dict.fromkeys(self.items[i].benchmark for _, i in scored))
        return Match(best.benchmark, best.item_id, -scored[0][0], "ngram", names)


def embedding_matches(
    vectors: np.ndarray, item_vectors: np.ndarray, items: Sequence[BenchmarkItem], threshold: float
) -> list[Match | None]:
    """Per row of ``vectors`` (n x dim, normalised), the most similar item if cosine >= threshold."""
    out: list[Match | None] = [None] * len(vectors)
    if not len(vectors) or not len(items):
        return out
    for start in range(0, len(vectors), 4096):
        sims = vectors[start : start + 4096] @ item_vectors.T
        best = sims.argmax(axis=1)
        for row, j in enumerate(best):
            score = round(float(sims[row, j]), 6)
            if score >= threshold:
                names = tuple(dict.fromkeys(items[k].benchmark for k in np.argsort(-sims[row], kind="stable")
                                            if round(float(sims[row, k]), 6) >= threshold))
                out[start + row] = Match(items[j].benchmark, items[j].item_id, score, "embedding", names)
    return out
