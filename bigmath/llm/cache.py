"""Crash-safe request cache: every reply and judge score, keyed by everything that could change it.

One SQLite file (default ``<out>/cache/llm/requests.sqlite``) holds a row per reply, keyed by
(model, revision, prompt-template hash, sampling params, problem id, prompt hash, sample index).
The sampling params are the canonical JSON of :meth:`bigmath.llm.base.SamplingParams.cache_key`
(temperature, top_p, max_tokens, seed, constrained choices) and are matched exactly, so a reply
made with other sampling params is never returned. The prompt hash covers the rendered
conversation, so a changed problem text under the same id is a miss, not a stale hit.
Yes/no scores (:meth:`bigmath.llm.generate.CachedGenerator.score`) live in the same table: sample
index 0, the score's JSON as the reply, and as params the scoring key
(:meth:`bigmath.llm.scores.ScoreParams.cache_key`: method, answer-word spellings, top-k size
where it matters), which never equals a sampling key.

Crash safety: replies are written in one transaction per generated chunk (WAL journal,
``synchronous=FULL``), so a run killed with SIGKILL keeps every chunk it committed and loses at
most the chunk in flight; a rerun regenerates only what is missing. Several processes may share
the file (SQLite locking, ``busy_timeout``).
"""

from __future__ import annotations

import dataclasses
import sqlite3
from collections.abc import Sequence
from pathlib import Path

_SCHEMA = """
CREATE TABLE IF NOT EXISTS replies (
    model TEXT NOT NULL,
    revision TEXT NOT NULL,
    template_sha256 TEXT NOT NULL,
    params TEXT NOT NULL,
    problem_id TEXT NOT NULL,
    prompt_sha256 TEXT NOT NULL,
    sample_index INTEGER NOT NULL,
    reply TEXT NOT NULL,
    PRIMARY KEY (model, revision, template_sha256, params, problem_id, prompt_sha256, sample_index)
) WITHOUT ROWID
"""
_KEY = "model = ? AND revision = ? AND template_sha256 = ? AND params = ?"


@dataclasses.dataclass(frozen=True)
class CacheNamespace:
    """The part of the key shared by one batch of requests.

    Attributes:
        model: model name or path.
        revision: model revision ("" when unpinned).
        template_sha256: hash of the prompt template (:attr:`bigmath.llm.prompts.PromptTemplate.sha256`).
        params: canonical JSON of the effective sampling params (``SamplingParams.cache_key()``).
    """

    model: str
    revision: str
    template_sha256: str
    params: str

    def values(self) -> tuple[str, str, str, str]:
        """The namespace as SQL parameters, in key order."""
        return (self.model, self.revision, self.template_sha256, self.params)


class RequestCache:
    """SQLite store of generated replies (see the module docstring).

    Args:
        path: database file; its folder is created.
        timeout_s: how long to wait for another process's write lock.

    Raises:
        sqlite3.DatabaseError: ``path`` exists and is not a SQLite database.
    """

    def __init__(self, path: str | Path, *, timeout_s: float = 120.0):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._conn = sqlite3.connect(self.path, timeout=timeout_s, isolation_level=None)
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=FULL")
        self._conn.execute(_SCHEMA)

    def get_many(
        self, namespace: CacheNamespace, keys: Sequence[tuple[str, str]], n: int
    ) -> list[dict[int, str]]:
        """Look up sample indices ``0..n-1`` for each ``(problem_id, prompt_sha256)`` in ``keys``.

        Returns:
            Per key, a dict sample index -> cached reply (missing indices are absent).
        """
        query = (f"SELECT sample_index, reply FROM replies WHERE {_KEY} AND problem_id = ? "
                 "AND prompt_sha256 = ? AND sample_index < ?")
        found: list[dict[int, str]] = []
        for problem_id, prompt_sha in keys:
            rows = self._conn.execute(query, (*namespace.values(), problem_id, prompt_sha, n)).fetchall()
            found.append({int(index): reply for index, reply in rows})
        return found

    def put_many(self, namespace: CacheNamespace, rows: Sequence[tuple[str, str, int, str]]) -> None:
        """Store ``(problem_id, prompt_sha256, sample_index, reply)`` rows in one transaction.

        A key that is already stored keeps its first reply (two workers racing on the same
        request agree on one answer).
        """
        if not rows:
            return
        values = [(*namespace.values(), pid, sha, int(index), reply) for pid, sha, index, reply in rows]
        self._conn.execute("BEGIN IMMEDIATE")
        try:
            self._conn.executemany("INSERT OR IGNORE INTO replies VALUES (?, ?, ?, ?, ?, ?, ?, ?)", values)
        except BaseException:
            self._conn.execute("ROLLBACK")
            raise
        self._conn.execute("COMMIT")

    def count(self, namespace: CacheNamespace | None = None) -> int:
        """Number of stored replies (in ``namespace`` only, when given)."""
        if namespace is None:
            return int(self._conn.execute("SELECT COUNT(*) FROM replies").fetchone()[0])
        return int(self._conn.execute(f"SELECT COUNT(*) FROM replies WHERE {_KEY}", namespace.values()).fetchone()[0])

    def close(self) -> None:
        """Close the connection (safe to call twice)."""
        if self._conn is not None:
            self._conn.close()
            self._conn = None  # type: ignore[assignment]

    def __enter__(self) -> "RequestCache":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
