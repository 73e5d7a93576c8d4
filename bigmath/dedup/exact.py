"""Exact and near-exact duplicate identification across sources (streaming, first occurrence kept).

* Exact: two problems are duplicates when their :func:`bigmath.textnorm.normalize_problem`
  forms are equal (case, whitespace, LaTeX spacing, ``\\dfrac``/``\\frac``, ``\\left``/``\\right``
  and math delimiters ignored); compared by :func:`bigmath.textnorm.text_hash`. Reason
  ``duplicate:exact`` (the same code as the rule filters' in-batch exact-duplicate filter).
* MinHash (optional): Jaccard similarity of word-token shingles estimated with ``datasketch``
  MinHash + LSH (Broder 1997; the near-duplicate method of Lee et al. 2022, "Deduplicating
  Training Data Makes Language Models Better", which used 5-gram shingles and Jaccard 0.8).
  Reason ``duplicate:minhash``; the estimated Jaccard is recorded as ``similarity``.

The first occurrence, in input order (shard order, then row order), is kept and every later copy
records it as ``duplicate_of``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

import pyarrow as pa

from bigmath.textnorm import normalize_problem, text_hash

#: Schema of identified duplicates (``duplicates.parquet``).
DUPLICATES_SCHEMA = pa.schema([
    pa.field("id", pa.string(), nullable=False),
    pa.field("duplicate_of", pa.string(), nullable=False),
    pa.field("similarity", pa.float64(), nullable=False),
    pa.field("reason", pa.string(), nullable=False),
])

# word tokens: letter runs, digit runs, LaTeX commands, single other symbols
_TOKEN = re.compile(r"[^\W\d_]+|\d+|\\[A-Za-z]+|[^\w\s]", re.UNICODE)


def word_tokens(text: str | None) -> list[str]:
    """Tokens of the normalised problem: letter runs, digit runs, LaTeX commands, single symbols.

    Example:
        >>> word_tokens("Find $x^2 + 3x$ if  x = 12.")
        ['find', 'x', '^', '2', '+', '3', 'x', 'if', 'x', '=', '12', '.']
    """
    return _TOKEN.findall(normalize_problem(text))


class ExactIndex:
    """Streaming exact-duplicate finder: feed rows in order, get (id, first id) for copies."""

    def __init__(self) -> None:
        self.first: dict[str, str] = {}

    def add(self, row_id: str, problem: str | None) -> str | None:
        """Register a row; return the id of the earlier row with the same normal form, or None."""
        key = text_hash(problem)
        earlier = self.first.get(key)
        if earlier is None:
            self.first[key] = row_id
        return earlier


class MinHashIndex:
    """Streaming near-duplicate finder with datasketch MinHash LSH.

    Args:
        threshold: Jaccard similarity at which two problems count as near-duplicates.
        num_perm: MinHash permutations (memory ~ 8 bytes x num_perm per kept row).
        shingle_size: word-token shingle length; problems shorter than it form one shingle.
        seed: MinHash seed (fixed, for reproducible results).
    """

    def __init__(self, threshold: float = 0.8, num_perm: int = 128, shingle_size: int = 5, seed: int = 1):
        from datasketch import MinHashLSH

        self.threshold, self.num_perm, self.shingle_size, self.seed = threshold, num_perm, shingle_size, seed
        self.lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
        self.signatures: dict[str, Any] = {}
        self.order: dict[str, int] = {}

    def signature(self, problem: str | None):
        """Return the MinHash of the problem's word-token shingles."""
        from datasketch import MinHash

        tokens = word_tokens(problem)
        size = min(self.shingle_size, len(tokens)) or 1
        shingles = {" ".join(tokens[i : i + size]).encode("utf-8") for i in range(max(1, len(tokens) - size + 1))}
        minhash = MinHash(num_perm=self.num_perm, seed=self.seed)
        minhash.update_batch(sorted(shingles))
        return minhash

    def add(self, row_id: str, problem: str | None) -> tuple[str, float] | None:
        """Register a row; return (earliest most similar kept id, estimated Jaccard) or None."""
        minhash = self.signature(problem)
        candidates = []
        for other in self.lsh.query(minhash):
            score = float(self.signatures[other].jaccard(minhash))
            if score >= self.threshold:
                candidates.append((-score, self.order[other], other))
        if candidates:
            neg_score, _, other = min(candidates)
            return other, -neg_score
        self.lsh.insert(row_id, minhash)
        self.signatures[row_id] = minhash
        self.order[row_id] = len(self.order)
        return None


def find_duplicates(
    rows: Iterable[tuple[str, str | None]],
    *,
    minhash: bool = False,
    minhash_threshold: float = 0.8,
    num_perm: int = 128,
    shingle_size: int = 5,
    seed: int = 1,
) -> pa.Table:
    """Identify exact (and optionally MinHash) duplicates among ``(id, problem)`` rows, in order.

    Returns:
        A :data:`DUPLICATES_SCHEMA` table: ``id``, ``duplicate_of`` (the kept first occurrence),
        ``similarity`` (1.0 for exact, estimated Jaccard for MinHash), ``reason``
        (``duplicate:exact`` or ``duplicate:minhash``), in input order.
    """
    exact = ExactIndex()
    near = MinHashIndex(minhash_threshold, num_perm, shingle_size, seed) if minhash else None
    out: dict[str, list] = {name: [] for name in DUPLICATES_SCHEMA.names}
    for row_id, problem in rows:
        earlier = exact.add(row_id, problem)
        if earlier is not None:
            found = (earlier, 1.0, "duplicate:exact")
        elif near is not None and (match := near.add(row_id, problem)) is not None:
            found = (match[0], round(match[1], 6), "duplicate:minhash")
        else:
            continue
        for name, value in zip(DUPLICATES_SCHEMA.names, (row_id, *found)):
            out[name].append(value)
    return pa.table(out, schema=DUPLICATES_SCHEMA)
