"""Cached generation: render prompts, serve what the request cache holds, generate the rest.

:class:`CachedGenerator` is what the judge filters and the solve-rate stage call. It renders one
conversation per problem from a :class:`~bigmath.llm.prompts.PromptTemplate`, looks every
(problem, sample index) up in the :class:`~bigmath.llm.cache.RequestCache`, sends only the
missing ones to the backend in chunks, and commits each chunk before the next, so a killed run
resumes where it stopped.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
from collections.abc import Sequence
from typing import Any

from bigmath.llm.base import Backend, BackendError, Conversation, SamplingParams
from bigmath.llm.cache import CacheNamespace, RequestCache
from bigmath.llm.prompts import PromptTemplate
from bigmath.progress import track


def prompt_sha256(conversation: Conversation) -> str:
    """Hash of a rendered conversation (roles and contents, in order)."""
    return hashlib.sha256(json.dumps(conversation, ensure_ascii=False, sort_keys=True).encode("utf-8")).hexdigest()


@dataclasses.dataclass
class GenerationStats:
    """Counters over the life of a :class:`CachedGenerator` (replies, not problems)."""

    cached: int = 0
    generated: int = 0


class CachedGenerator:
    """A backend behind the request cache.

    Args:
        backend: the generation backend.
        cache: the request cache, or None to always generate (nothing stored).
        chunk_size: replies generated (and committed) per backend call; smaller chunks lose
            less work to a crash, larger ones batch better (vLLM schedules within a call).
        progress: show a rich progress bar while generating.
        live: a running ``rich.progress.Progress`` to add the bar to (the build's
            ``ctx.progress``), or None for a bar of its own.
    """

    def __init__(self, backend: Backend, cache: RequestCache | None, *, chunk_size: int = 512,
                 progress: bool = True, live: Any = None):
        if chunk_size < 1:
            raise ValueError(f"chunk_size must be >= 1, got {chunk_size}")
        self.backend = backend
        self.cache = cache
        self.chunk_size = chunk_size
        self.progress = progress
        self.live = live
        self.stats = GenerationStats()

    def namespace(self, template: PromptTemplate, params: SamplingParams) -> CacheNamespace:
        """Cache namespace of ``template`` + ``params`` on this backend (effective params)."""
        return CacheNamespace(self.backend.model, self.backend.revision or "", template.sha256,
                              self.backend.effective(params).cache_key())

    def run(
        self,
        template: PromptTemplate,
        problems: Sequence[tuple[str, str]],
        params: SamplingParams,
        *,
        description: str = "generating",
    ) -> list[list[str]]:
        """Return ``params.n`` replies for each ``(problem_id, problem_text)``.

        Returns:
            One list of ``params.n`` texts per problem (sample indices ``0..n-1``), in order.

        Raises:
            BackendError: the backend failed; the message names the first problem id of the
                failing chunk. Chunks committed before the failure stay cached.
        """
        conversations = [template.render(text) for _, text in problems]
        shas = [prompt_sha256(c) for c in conversations]
        namespace = self.namespace(template, params)
        keys = [(pid, sha) for (pid, _), sha in zip(problems, shas)]
        if self.cache is not None:
            replies = self.cache.get_many(namespace, keys, params.n)
        else:
            replies = [{} for _ in problems]
        todo = [(row, i) for row, got in enumerate(replies) for i in range(params.n) if i not in got]
        self.stats.cached += len(problems) * params.n - len(todo)
        with self._bar(description, len(todo)) as advance:
            for start in range(0, len(todo), self.chunk_size):
                self._generate_chunk(todo[start : start + self.chunk_size], conversations, keys, replies,
                                     params, namespace)
                advance(len(todo[start : start + self.chunk_size]))
        return [[got[i] for i in range(params.n)] for got in replies]

    def _bar(self, description: str, total: int):
        if not self.progress or total == 0:
            return contextlib.nullcontext(lambda n=1: None)
        return track(description, total=total, progress=self.live)

    def _generate_chunk(self, chunk, conversations, keys, replies, params, namespace) -> None:
        rows: list[int] = []
        indices: dict[int, list[int]] = {}
        for row, i in chunk:
            if row not in indices:
                rows.append(row)
                indices[row] = []
            indices[row].append(i)
        try:
            texts = self.backend.generate([conversations[r] for r in rows], params, [indices[r] for r in rows])
        except BackendError as exc:
            raise BackendError(f"generation failed for problem {keys[rows[0]][0]!r} (and its chunk): {exc}") from exc
        stored = []
        for row, row_texts in zip(rows, texts):
            for i, text in zip(indices[row], row_texts):
                replies[row][i] = text
                stored.append((keys[row][0], keys[row][1], i, text))
        if self.cache is not None:
            self.cache.put_many(namespace, stored)
        self.stats.generated += len(stored)

