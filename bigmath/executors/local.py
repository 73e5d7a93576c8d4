"""Local executor: shards of a stage run on a process pool (``--workers N``) or in-process.

Stages whose :meth:`~bigmath.pipeline.stage.Stage.resources` declare GPUs or ``in_driver``, and
every stage when only one worker is allowed (``workers=1``, or the stage's ``concurrency`` is 1),
run in the driver process, so a model loads once and CUDA is never forked. Worker processes are started with ``spawn`` (never
``fork``: the driver may hold torch/faiss threads after a global step), and each worker sets a
stage up once and reuses it for every shard it gets.
"""

from __future__ import annotations

import concurrent.futures
import multiprocessing
from collections.abc import Callable
from typing import Any

from bigmath.pipeline.shard import release_stage, run_shard
from bigmath.pipeline.stage import Stage, StageContext
from bigmath.pipeline.workdir import ShardTask


class LocalExecutor:
    """Run shard tasks in this process (``workers=1``) or on ``workers`` spawned processes."""

    name = "local"

    def __init__(self, workers: int = 1):
        if workers < 1:
            raise ValueError(f"workers must be >= 1, got {workers}")
        self.workers = workers

    def run_stage(
        self,
        stage: Stage,
        ctx: StageContext,
        tasks: list[ShardTask],
        on_done: Callable[[ShardTask, dict[str, Any]], None],
    ) -> None:
        """Process ``tasks``; see :class:`bigmath.executors.base.Executor`."""
        if not tasks:
            return
        needs = stage.resources()
        workers = min(needs.workers(self.workers), len(tasks))
        if workers == 1 or needs.gpus > 0 or needs.in_driver:
            try:
                for task in tasks:
                    on_done(task, run_shard(stage, ctx, task))
            finally:
                release_stage(ctx)
            return
        context = multiprocessing.get_context("spawn")
        with concurrent.futures.ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
            worker_ctx = ctx.for_workers()
            futures = {pool.submit(run_shard, stage, worker_ctx, task): task for task in tasks}
            try:
                for future in concurrent.futures.as_completed(futures):
                    on_done(futures[future], future.result())
            except BaseException:
                for future in futures:
                    future.cancel()
                raise

    def close(self) -> None:
        """Nothing to release (pools live for one stage)."""
