"""The base of every stage that calls a language model: one backend, the build's request cache.

:class:`LLMStage` holds what the model stages share (``llm_judges``, ``solve_rate``, and any new
one): the ``backend:`` block, chunking and progress settings, skipping with a message when the
backend cannot run here, loading the backend once per worker behind the crash-safe request
cache (``<out>/cache/llm/requests.sqlite``), and the resources a worker needs, derived from the
backend. Subclasses add their own fields (a nested ``sampling:`` block, thresholds) and
implement :meth:`~bigmath.pipeline.stage.Stage.process` with :attr:`LLMStage.generator`.
"""

from __future__ import annotations

import sys
from typing import Any, ClassVar

from pydantic import Field, PrivateAttr

from bigmath.llm.config import BackendConfig
from bigmath.pipeline.stage import Resources, Stage, StageContext, StageSkipped


def backend_resources(backend: BackendConfig | None) -> Resources:
    """What one worker running ``backend`` needs.

    ``vllm``: ``tensor_parallel_size`` GPUs. ``ray_data``: nothing here, the stage runs in the
    driver and Ray schedules the engines. ``transformers``: one GPU on ``cuda[:N]``, else
    ``threads`` CPUs; one replica at a time (``concurrency=1``) so the model loads once.
    ``openai`` (a server elsewhere) and no backend: one CPU.
    """
    if backend is None:
        return Resources()
    if backend.type == "vllm":
        return Resources(cpus=1, gpus=float(backend.tensor_parallel_size))
    if backend.type == "ray_data":
        return Resources(cpus=1, in_driver=True)
    if backend.type == "transformers":
        gpus = 1.0 if backend.device.startswith("cuda") else 0.0
        return Resources(cpus=float(backend.threads or 1), gpus=gpus, concurrency=1)
    return Resources()


class LLMStage(Stage):
    """Base of the stages that call a model (see the module docstring).

    Attributes:
        backend: the model and how it is served (:class:`~bigmath.llm.config.BackendConfig`);
            None skips the stage with a message (rows pass through).
        chunk_size: replies per backend call and cache commit (a crash loses at most one chunk).
        progress: show a progress bar while generating.

    Class attributes:
        runtime_fields: fields that change speed, not results (left out of the fingerprint).
    """

    stateful: ClassVar[bool] = True
    runtime_fields: ClassVar[frozenset[str]] = frozenset({"chunk_size", "progress"})

    backend: BackendConfig | None = Field(None, description="model and serving backend (None = skip the stage)")
    chunk_size: int = Field(2048, ge=1, description="replies per backend call and cache commit")
    progress: bool = Field(True, description="show a progress bar while generating")

    _backend: Any = PrivateAttr(default=None)
    _cache: Any = PrivateAttr(default=None)
    _generator: Any = PrivateAttr(default=None)
    _console: Any = PrivateAttr(default=None)

    @property
    def generator(self) -> Any:
        """The :class:`~bigmath.llm.generate.CachedGenerator` opened by :meth:`setup`."""
        if self._generator is None:
            raise RuntimeError(f"stage {self.label()!r}: setup() has not run")
        return self._generator

    @property
    def alias(self) -> str:
        """The backend's column alias (``model`` when no backend is set)."""
        return self.backend.alias if self.backend is not None and self.backend.alias else "model"

    def config(self) -> dict[str, Any]:
        """Fingerprint config: every field but :attr:`runtime_fields`, the backend by identity."""
        data = {k: v for k, v in self.model_dump(mode="json").items() if k not in self.runtime_fields}
        data["backend"] = None if self.backend is None else self.backend.identity()
        return {"type": self.name, **data}

    def resources(self) -> Resources:
        """Derived from the backend (see :func:`backend_resources`)."""
        return backend_resources(self.backend)

    def check(self, ctx: StageContext) -> None:
        """Skip (rows pass through) when no backend is set or it cannot run here.

        Raises:
            StageSkipped: no backend, or it needs a missing GPU or package.
        """
        if self.backend is None:
            raise StageSkipped(f"{self.label()}: no backend configured (set backend: {{type: vllm|openai|"
                               "transformers, model: ...}); rows pass through without LLM columns")
        reason = self.backend.unavailable_reason(ctx.gpu_available)
        if reason:
            raise StageSkipped(f"{self.label()}: {reason}; rows pass through without LLM columns")

    def setup(self, ctx: StageContext) -> None:
        """Build the backend (loads the model) and open the build's request cache."""
        from bigmath.llm.cache import RequestCache
        from bigmath.llm.generate import CachedGenerator

        if self.backend is None:
            raise RuntimeError(f"stage {self.label()!r} has no backend; check() skips such stages")
        self._backend = self.backend.build()
        self._cache = RequestCache(ctx.cache_dir / "llm" / "requests.sqlite")
        live = ctx.progress if hasattr(ctx.progress, "add_task") else None
        self._console = getattr(live, "console", None)
        self._generator = CachedGenerator(self._backend, self._cache, chunk_size=self.chunk_size,
                                          progress=self.progress, live=live)

    def replies_counted(self) -> tuple[int, int]:
        """``(cached, generated)`` replies so far; subtract two readings for one shard's stats."""
        stats = self.generator.stats
        return stats.cached, stats.generated

    def counters(self) -> dict[str, int]:
        """Integer work counters so far (subtract two readings with :func:`counted_since` for one
        shard's ``StageResult.stats``; they sum over shards and repeat exactly on a rerun):

        ``llm_replies_cached`` / ``llm_replies_generated`` (replies), ``llm_scores_cached`` /
        ``llm_scored`` (judge scores), ``llm_problems`` (conversations the backend answered),
        ``llm_generated_tokens``. Wall time stays out (see :meth:`throughput_line`).
        """
        stats, work = self.generator.stats, self._backend.throughput
        return {"llm_replies_cached": stats.cached, "llm_replies_generated": stats.generated,
                "llm_scores_cached": stats.scores_cached, "llm_scored": stats.scored,
                "llm_problems": work.problems, "llm_generated_tokens": work.generated_tokens}

    def throughput_line(self) -> str | None:
        """``<stage>: N prompts in S s of model time = R prompts/s, T generated tokens/s`` for this
        worker's backend so far (None before any model call). A prompt is one problem asked one
        question: a judge stage with two judges sends two per problem."""
        work = self._backend.throughput if self._backend is not None else None
        if work is None or not work.problems or work.seconds <= 0:
            return None
        rates = work.as_dict()
        return (f"{self.label()}: {work.problems:,} prompts in {work.seconds:.1f} s of model time = "
                f"{rates['problems_per_s']:.2f} prompts/s, {rates['generated_tokens_per_s']:.1f} generated tokens/s")

    def teardown(self) -> None:
        """Print :meth:`throughput_line` (on the build's console, else stderr), then close the
        backend and the cache (the stage then pickles again, e.g. for Ray actors)."""
        line = self.throughput_line()
        if line is not None:
            if self._console is not None:
                self._console.print(line, highlight=False, markup=False)
            else:
                print(line, file=sys.stderr, flush=True)
        self._console = None
        if self._backend is not None:
            self._backend.close()
            self._cache.close()
        self._backend = self._cache = self._generator = None


def counted_since(before: dict[str, int], after: dict[str, int]) -> dict[str, int]:
    """``after - before`` for every counter of :meth:`LLMStage.counters`."""
    return {key: after[key] - before.get(key, 0) for key in after}
