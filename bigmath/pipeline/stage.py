"""The stage API: what the pipeline engine and every executor (local, Ray) run.

A stage turns one shard of problems (an Arrow table) into kept rows and rejected-ledger rows.
Stages never read or write files for shards themselves and never know which executor runs them;
the executor hands them tables and writes the results atomically.

Life cycle, per build (see ``bigmath/pipeline/engine.py``):

1. ``prepare(ctx)`` runs once, on the driver, before any shard, when :attr:`Stage.global_step`
   is True. It may read *all* upstream shards (``ctx.inputs``) and write artifacts into
   ``ctx.stage_dir`` (e.g. ``duplicates.parquet``). It is skipped when its done marker exists.
2. ``setup(ctx)`` runs once per worker process (load a model, an index, the artifact).
3. ``process(table, ctx)`` runs once per shard and returns a :class:`StageResult`.
4. ``teardown()`` runs when the worker is done.

Stages are pydantic models: fields are the stage's config, validated when a recipe is loaded,
and ``config()`` (their JSON dump) goes into the stage fingerprint.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any, ClassVar

import pyarrow as pa
from pydantic import BaseModel, ConfigDict


@dataclasses.dataclass(frozen=True)
class Resources:
    """What one worker of a stage needs; executors read only this (see :meth:`Stage.resources`).

    Attributes:
        cpus: CPU cores per worker (fractions allowed, as in Ray).
        gpus: GPUs per worker (fractions allowed); > 0 makes the local executor run the stage in
            the driver process, so a model loads once and CUDA is never forked.
        memory_gb: memory one worker needs, in GiB (None = not stated); Ray reserves it.
        concurrency: at most this many workers of the stage at once (None = as many as the
            executor has); 1 for a stage that holds one model replica.
        in_driver: run every shard in the driver process (a stage that submits its own cluster
            jobs, such as generation through ``ray.data.llm``).
    """

    cpus: float = 1.0
    gpus: float = 0.0
    memory_gb: float | None = None
    concurrency: int | None = None
    in_driver: bool = False

    def workers(self, available: int) -> int:
        """How many workers to run, given ``available`` (the executor's setting)."""
        return max(1, min(available, self.concurrency or available))


@dataclasses.dataclass
class StageContext:
    """What the engine tells a stage.

    Attributes:
        stage_dir: this stage's work directory ``<out>/<NN>_<name>-<fp8>/``; artifacts go here.
        inputs: upstream kept shards (parquet paths), in shard order.
        cache_dir: ``<out>/cache/``, shared by all stages (embedding and LLM request caches).
        out_dir: the build's output directory.
        workers: number of worker processes the executor uses for this stage.
        shard_index: index of the shard being processed (None in ``prepare``/``setup``).
        gpu_available: True when a GPU backend is configured / visible.
        progress: the build's live ``rich.progress.Progress`` in code that runs in the driver
            (``prepare``; ``setup``/``process`` of in-process stages), None in worker processes;
            pass it to :func:`bigmath.progress.track` for bars on long steps.
    """

    stage_dir: Path
    inputs: list[Path]
    cache_dir: Path
    out_dir: Path
    workers: int = 1
    shard_index: int | None = None
    gpu_available: bool = False
    progress: Any = None

    def for_workers(self) -> "StageContext":
        """This context without the driver-only live ``progress`` (what worker processes get)."""
        return dataclasses.replace(self, progress=None)


@dataclasses.dataclass
class StageResult:
    """Output of :meth:`Stage.process` for one shard.

    Attributes:
        kept: rows that go on, all input columns plus any signal columns the stage adds.
        rejected: ledger rows (see :func:`bigmath.annotate.to_ledger`); may be empty.
        stats: extra mergeable integer counters for ``stats.json`` (summed over shards).
    """

    kept: pa.Table
    rejected: pa.Table | None = None
    stats: dict[str, int] = dataclasses.field(default_factory=dict)


class StageSkipped(Exception):
    """Raised by :meth:`Stage.check` when a stage cannot run here (e.g. needs a GPU backend).

    The engine passes rows through unchanged and prints the message; it is not an error.
    """


class Stage(BaseModel):
    """Base class of every pipeline stage.

    Class attributes:
        name: registry name, also the work-directory name (``<NN>_<name>-<fp8>``).
        global_step: True when :meth:`prepare` must see all upstream shards first.
        stateful: True when :meth:`setup` loads something heavy (Ray runs such stages in actors).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: ClassVar[str] = ""
    global_step: ClassVar[bool] = False
    stateful: ClassVar[bool] = False

    #: Optional name for this use of the stage (work directory, ledger ``stage`` column, funnel),
    #: e.g. ``rule_filters`` and ``verifier`` for two ``filters`` stages. Default: :attr:`name`.
    stage_name: str | None = None

    def config(self) -> dict[str, Any]:
        """JSON-able config for the fingerprint: registry name plus every field."""
        return {"type": type(self).name, **self.model_dump(mode="json")}

    def label(self) -> str:
        """Name used for the work directory and the ledger's ``stage`` column."""
        return self.stage_name or type(self).name

    def resources(self) -> Resources:
        """What one worker of this stage needs, derived from its own config (default: one CPU).

        Stages that load a model or use a device override this (an LLM stage from its backend,
        SemDeDup from its embedding device); executors never look inside a stage's config.
        """
        return Resources()

    def check_upstream(self, upstream: list["Stage"]) -> None:
        """Raise ValueError when this stage cannot follow ``upstream`` (the stages before it in the
        recipe); called when the recipe is validated, before any work. Default: no constraint."""

    def check(self, ctx: StageContext) -> None:
        """Raise :class:`StageSkipped` when the stage cannot run in this environment."""

    def prepare(self, ctx: StageContext) -> None:
        """Global step over all upstream shards (only when :attr:`global_step`)."""

    def setup(self, ctx: StageContext) -> None:
        """Per-worker set-up (load models, read prepare's artifacts)."""

    def process(self, table: pa.Table, ctx: StageContext) -> StageResult:
        """Process one shard."""
        raise NotImplementedError

    def teardown(self) -> None:
        """Per-worker clean-up."""
