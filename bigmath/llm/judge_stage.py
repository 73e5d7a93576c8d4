"""The ``llm_judges`` stage: run the LLM-judge filters over each shard on one backend.

Recipe form::

    - type: llm_judges
      backend: {type: vllm, model: meta-llama/Llama-3.1-70B-Instruct, alias: llama31_70b,
                tensor_parallel_size: 4, max_model_len: 8192}
      judges: [judge_multiple_choice, judge_proof, judge_yes_no, judge_true_false, judge_multi_part]
      # per-judge settings: {type: judge_proof, samples: 3, on_unparseable: drop, drop: false}

The backend is loaded once per worker (``setup``); every judge shares it and the build's request
cache (``<out>/cache/llm/requests.sqlite``), so a killed build resumes mid-shard without
regenerating. Without a usable backend (``vllm`` with no CUDA GPU, vllm not installed, or no
``backend`` at all) ``check`` raises :class:`StageSkipped` and the engine passes rows through.
"""

from __future__ import annotations

from collections import Counter
from typing import Any, ClassVar

import pyarrow as pa
from pydantic import Field, PrivateAttr, SerializeAsAny, field_validator

from bigmath.annotate import annotate, split
from bigmath.filter import Filter
from bigmath.llm.config import BackendConfig
from bigmath.pipeline.components import build_list
from bigmath.pipeline.stage import Resources, Stage, StageContext, StageResult, StageSkipped
from bigmath.registry import register_stage

DEFAULT_JUDGES = ("judge_multiple_choice", "judge_proof", "judge_yes_no", "judge_true_false", "judge_multi_part")


def check_backend(stage: str, backend: BackendConfig | None, ctx: StageContext) -> None:
    """Raise :class:`StageSkipped` when ``backend`` is missing or cannot run here."""
    if backend is None:
        raise StageSkipped(f"{stage}: no backend configured (set backend: {{type: vllm|openai|transformers, "
                           "model: ...}); rows pass through without LLM columns")
    reason = backend.unavailable_reason(ctx.gpu_available)
    if reason:
        raise StageSkipped(f"{stage}: {reason}; rows pass through without LLM columns")


def open_generator(
    backend: BackendConfig, ctx: StageContext, *, chunk_size: int, progress: bool
) -> tuple[Any, Any, Any]:
    """Build ``backend``, open the build's request cache (``ctx.cache_dir/llm/requests.sqlite``) and
    return ``(backend, cache, CachedGenerator)``; the caller closes backend and cache."""
    from bigmath.llm.cache import RequestCache
    from bigmath.llm.generate import CachedGenerator

    built = backend.build()
    cache = RequestCache(ctx.cache_dir / "llm" / "requests.sqlite")
    generator = CachedGenerator(built, cache, chunk_size=chunk_size, progress=progress, live=live_progress(ctx))
    return built, cache, generator


def live_progress(ctx: StageContext) -> Any:
    """The build's running rich Progress when the engine passed one, else None."""
    return ctx.progress if hasattr(ctx.progress, "add_task") else None


@register_stage("llm_judges")
class LLMJudgeStage(Stage):
    """Apply LLM-judge filters (``bigmath.filters.judges``) to every shard with one shared backend.

    Reasons: those of its judges (``judge_<family>:yes``, ``judge_<family>:undecided``).
    Columns: ``judge_<family>_<alias>`` per judge (struct: label, raw, sample_labels).
    Stats: ``judge_<family>:<label>`` counts, ``llm_replies_cached`` / ``llm_replies_generated``.
    Defaults follow Big-Math (arXiv 2502.17387): the five judges, temperature 0.2, 5 tokens.

    Attributes:
        backend: the model (see :class:`~bigmath.llm.config.BackendConfig`); None = skip.
        judges: judge filters (registry names or ``{type: ..., ...}``); their own ``backend``
            must be unset.
        chunk_size: replies per backend call and cache commit.
        progress: show a progress bar per judge.
    """

    name: ClassVar[str] = "llm_judges"
    resources: ClassVar[Resources] = Resources(cpus=1, gpus=1)
    stateful: ClassVar[bool] = True

    backend: BackendConfig | None = None
    judges: list[SerializeAsAny[Filter]] = Field(default_factory=lambda: list(DEFAULT_JUDGES), validate_default=True)
    chunk_size: int = Field(2048, ge=1)
    progress: bool = True

    _backend: Any = PrivateAttr(default=None)
    _cache: Any = PrivateAttr(default=None)
    _generator: Any = PrivateAttr(default=None)

    @classmethod
    def resolve_components(cls, params: dict[str, Any], where: str) -> dict[str, Any]:
        """Build ``judges`` from registry specs (default: all five), with key paths in errors."""
        specs = params.get("judges") or list(DEFAULT_JUDGES)
        return {**params, "judges": build_list("filter", specs, f"{where}.judges")}

    @field_validator("judges", mode="before")
    @classmethod
    def _build_judges(cls, value: Any) -> Any:
        specs = value or list(DEFAULT_JUDGES)
        if all(isinstance(v, Filter) for v in specs):
            return specs
        return build_list("filter", specs, "judges")

    @field_validator("judges")
    @classmethod
    def _only_judges(cls, value: list[Filter]) -> list[Filter]:
        from bigmath.filters.judges import JudgeFilter

        names = [f.name for f in value]
        for flt in value:
            if not isinstance(flt, JudgeFilter):
                raise ValueError(f"{flt.name!r} is not an LLM judge (use a filters stage for rule filters)")
            if flt.backend is not None:
                raise ValueError(f"{flt.name!r}: set backend on the stage, not on the judge")
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"judge(s) listed twice: {dupes}")
        return value

    def config(self) -> dict[str, Any]:
        """Fingerprint config: backend, judges (with prompt hashes), chunking not included."""
        return {"type": self.name, "stage_name": self.stage_name,
                "backend": None if self.backend is None else self.backend.identity(),
                "judges": [f.config() for f in self.judges]}

    def check(self, ctx: StageContext) -> None:
        check_backend(self.label(), self.backend, ctx)

    def setup(self, ctx: StageContext) -> None:
        assert self.backend is not None  # check() ran first
        self._backend, self._cache, self._generator = open_generator(
            self.backend, ctx, chunk_size=self.chunk_size, progress=self.progress)
        for judge in self.judges:
            judge.bind(self._generator, self.backend.alias)

    def process(self, table: pa.Table, ctx: StageContext) -> StageResult:
        before = (self._generator.stats.cached, self._generator.stats.generated)
        annotated = annotate(table, self.judges)
        kept, rejected = split(annotated, self.label())
        stats: Counter[str] = Counter()
        for judge in self.judges:
            column = annotated.table.column(judge.column(self.backend.alias))
            stats.update(f"judge_{judge.family}:{label}" for label in column.combine_chunks().field("label").to_pylist())
        stats["llm_replies_cached"] = self._generator.stats.cached - before[0]
        stats["llm_replies_generated"] = self._generator.stats.generated - before[1]
        return StageResult(kept, rejected, dict(stats))

    def teardown(self) -> None:
        if getattr(self, "_backend", None) is not None:
            self._backend.close()
            self._cache.close()
            self._backend = self._cache = self._generator = None
            for judge in self.judges:  # drop the closed generator so the stage pickles (Ray actors)
                judge.bind(None, self.backend.alias)
