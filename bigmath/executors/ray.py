"""Ray Data executor: the local executor's shard tasks on a Ray cluster (``bigmath[ray]``; see docs/ray.md).

The only module that imports ray. Ray Data maps over *shard descriptors* (one single-row block
per pending shard: index, input path, stage folder); each call runs
:func:`bigmath.pipeline.shard.run_shard`, which writes the shard's outputs and done marker into
the work folder, and returns its stats as an Arrow row that the driver hands to ``on_done``.
Ray's own blocks and file names never reach the work folder, so caching, resume and
byte-identical outputs are those of ``--executor local``. Stateless CPU stages run as tasks;
stateful or GPU stages run in actor pools (``setup`` once per actor). Each stage says what one
worker needs through :meth:`~bigmath.pipeline.stage.Stage.resources` (CPUs, GPUs, memory,
concurrency, or "run in the driver"); this module reads nothing else of a stage.
"""

from __future__ import annotations

import concurrent.futures
import json
import logging
import os
import pickle
import socket
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyarrow as pa

from bigmath.pipeline.shard import ready_stage, release_stage, run_shard
from bigmath.pipeline.stage import Stage, StageContext
from bigmath.pipeline.workdir import ShardTask


def _pickled_error(exc: Exception) -> bytes:
    """``exc`` pickled for the driver (Ray keeps only the traceback text of a task's exception)."""
    try:
        return pickle.dumps(exc)
    except Exception:  # unpicklable attributes: keep type name and message
        return pickle.dumps(RuntimeError(f"{type(exc).__name__}: {exc}"))


def _process_shards(batch: pa.Table, stage: Stage, ctx: StageContext) -> pa.Table:
    """Run every shard described in ``batch`` (columns index, input, stage_dir).

    Returns one row per shard: ``index`` (int64), ``stats`` (JSON string, null on failure),
    ``error`` (pickled exception, null on success), ``traceback`` (string, null on success).
    """
    stats, errors, tracebacks = [], [], []
    for index, path, stage_dir in zip(*(batch.column(c).to_pylist() for c in ("index", "input", "stage_dir"))):
        try:
            result = run_shard(stage, ctx, ShardTask(index, Path(path), Path(stage_dir)))
        except Exception as exc:  # handed to the driver, which raises it (the stage stops there)
            stats.append(None)
            errors.append(_pickled_error(exc))
            tracebacks.append(traceback.format_exc())
            continue
        stats.append(json.dumps(result, sort_keys=True))
        errors.append(None)
        tracebacks.append(None)
    return pa.table({"index": batch.column("index"), "stats": pa.array(stats, pa.string()),
                     "error": pa.array(errors, pa.binary()), "traceback": pa.array(tracebacks, pa.string())})


class _ShardActor:
    """Ray Data actor: sets the stage up once (model loads once), then runs shard after shard.

    Ray Data calls ``__init__`` and ``__call__`` on different threads, so all stage code runs on
    one thread of the actor's own: a stage may hold thread-bound state (the SQLite request cache,
    a CUDA context), and shards never run concurrently on one stage object.
    """

    def __init__(self, stage: Stage, ctx: StageContext):
        self.ctx = ctx
        self.thread = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="bigmath-stage")
        # a failing setup (missing benchmark file, model that cannot load) must reach the driver as
        # the error it is: raised here, Ray would report ActorDiedError and restart the actor forever
        self.setup_error: tuple[bytes, str] | None = None
        try:
            self.stage = self.thread.submit(ready_stage, stage, ctx).result()
        except Exception as exc:
            self.setup_error = (_pickled_error(exc), traceback.format_exc())

    def __call__(self, batch: pa.Table) -> pa.Table:
        if self.setup_error is not None:
            n = batch.num_rows
            return pa.table({"index": batch.column("index"), "stats": pa.nulls(n, pa.string()),
                             "error": pa.array([self.setup_error[0]] * n, pa.binary()),
                             "traceback": pa.array([self.setup_error[1]] * n, pa.string())})
        return self.thread.submit(_process_shards, batch, self.stage, self.ctx).result()

    def __del__(self) -> None:
        try:  # teardown on the stage's own thread; at interpreter exit, new work may be refused
            self.thread.submit(release_stage, self.ctx).result()
            self.thread.shutdown()
        except (AttributeError, RuntimeError):
            pass


class RayExecutor:
    """Run shard tasks on Ray Data; see the module docstring.

    Args:
        workers: parallel shard tasks (CPU stages) and actors (stateful CPU stages); also the
            CPU count of the local Ray instance started when no cluster is given.
        address: Ray cluster address (``auto``, ``ray://host:10001``, ``host:6379``); None starts
            a local instance (or reuses one already initialised in this process).
        runtime_env: Ray runtime env for ``ray.init`` (e.g. ``{"pip": ["bigmath[ray]"]}``).

    Raises:
        ValueError: ``workers < 1``.
    """

    name = "ray"

    def __init__(self, workers: int = 1, address: str | None = None, *,
                 runtime_env: dict[str, Any] | None = None):
        if workers < 1:
            raise ValueError(f"workers must be >= 1, got {workers}")
        self.workers, self.address, self.runtime_env = workers, address, runtime_env
        self._started = False  # True when this executor started the Ray instance (close() stops it)

    def connect(self) -> Any:
        """Connect to (or start) Ray once; return the ``ray`` module."""
        import ray

        if not ray.is_initialized():
            common = {"logging_level": logging.WARNING, "runtime_env": self.runtime_env}
            if self.address:
                _check_reachable(self.address)
                try:
                    ray.init(address=self.address, **common)
                except ConnectionError as exc:
                    raise ValueError(f"--address {self.address}: {exc}") from None
            else:
                os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
                ray.init(num_cpus=self.workers, include_dashboard=False, **common)
                self._started = True
        context = ray.data.DataContext.get_current()
        context.enable_progress_bars = False  # the build shows its own rich bars
        context.print_on_execution_start = False
        logging.getLogger("ray.data").setLevel(logging.WARNING)
        logging.getLogger("ray.data._internal.progress").setLevel(logging.ERROR)  # "bars disabled" notice
        return ray

    def gpu_available(self) -> bool:
        """True when the cluster has at least one GPU (connects to Ray); ``BIGMATH_GPU=0/1`` overrides."""
        if os.environ.get("BIGMATH_GPU") is not None:
            from bigmath.pipeline.plan import detect_gpu

            return detect_gpu()
        return self.connect().cluster_resources().get("GPU", 0) > 0

    def run_stage(self, stage: Stage, ctx: StageContext, tasks: list[ShardTask],
                  on_done: Callable[[ShardTask, dict[str, Any]], None]) -> None:
        """Process ``tasks``; see :class:`bigmath.executors.base.Executor`.

        Raises:
            RuntimeError: the stage needs more GPUs per actor than the cluster has.
            Exception: the first shard failure, as raised on the worker (e.g.
                :class:`bigmath.errors.InputError`), with a note naming stage, shard and the
                worker's traceback.
        """
        if not tasks:
            return
        if stage.resources().in_driver:
            self._run_on_driver(stage, ctx, tasks, on_done)
            return
        ray = self.connect()
        by_index = {t.index: t for t in tasks}
        descriptors = [{"index": t.index, "input": str(t.input), "stage_dir": str(t.stage_dir)} for t in tasks]
        shards = ray.data.from_items(descriptors, override_num_blocks=len(descriptors))  # one block per shard
        mapped = self._map(ray, shards, stage, ctx, len(tasks))
        # Iterate to the end even after a failed shard: leaving Ray Data's iterator half-consumed keeps
        # its executor thread alive, and that thread ends the process if Ray is shut down under it.
        # The other shards finish (their done markers count on resume); the first error is raised after.
        first_error: BaseException | None = None
        rows = iter(mapped.iter_rows())
        try:
            for row in rows:
                task = by_index[row["index"]]
                if row["error"] is None:
                    on_done(task, json.loads(row["stats"]))
                elif first_error is None:
                    first_error = pickle.loads(row["error"])
                    first_error.add_note(f"stage {stage.label()!r}, shard {task.input} failed on a Ray worker:\n"
                                         f"{row['traceback']}")
        finally:
            rows.close()
        if first_error is not None:
            raise first_error

    def _map(self, ray: Any, shards: Any, stage: Stage, ctx: StageContext, n_tasks: int) -> Any:
        needs = stage.resources()
        total = ray.cluster_resources()
        if needs.gpus > total.get("GPU", 0):
            raise RuntimeError(f"stage {stage.label()!r} needs {needs.gpus:g} GPU(s) per actor; the Ray cluster has "
                               f"{total.get('GPU', 0):g}")
        cpus = min(needs.cpus, total.get("CPU", 1))  # never ask for more than the cluster has (would hang)
        options: dict[str, Any] = {"batch_format": "pyarrow", "batch_size": 1, "num_cpus": cpus,
                                   "udf_modifying_row_count": False}
        if needs.memory_gb:
            options["memory"] = int(needs.memory_gb * 2**30)
        workers = min(n_tasks, needs.workers(self.workers))
        if needs.gpus > 0 or type(stage).stateful:
            size = workers if needs.gpus == 0 else min(workers, max(1, int(total.get("GPU", 0) // needs.gpus)))
            return shards.map_batches(_ShardActor, fn_constructor_kwargs={"stage": stage, "ctx": ctx.for_workers()},
                                      compute=ray.data.ActorPoolStrategy(size=size),
                                      num_gpus=needs.gpus or None, **options)
        return shards.map_batches(_process_shards, fn_kwargs={"stage": stage, "ctx": ctx.for_workers()},
                                  compute=ray.data.TaskPoolStrategy(size=workers), **options)

    def _run_on_driver(self, stage, ctx, tasks, on_done) -> None:
        """Stages that run in the driver (``Resources.in_driver``, e.g. a ``ray_data`` LLM backend
        that submits its own Ray Data jobs): shards run here, one after another."""
        self.connect()
        try:
            for task in tasks:
                on_done(task, run_shard(stage, ctx, task))
        finally:
            release_stage(ctx)

    def close(self) -> None:
        """Shut Ray down if this executor started it; a cluster it joined is left running."""
        if self._started:
            import gc

            import ray

            gc.collect()  # finalise leftover Ray Data iterators before their Ray goes away
            ray.shutdown()
            self._started = False


def _check_reachable(address: str, timeout_s: float = 10.0) -> None:
    """Fail fast on a ``host:port`` nobody listens on (``ray.init`` would retry for ever).

    Raises:
        ValueError: nothing accepts a TCP connection at ``address`` within ``timeout_s`` seconds.
    """
    host, _, port = address.rpartition(":")
    if address == "auto" or "://" in address or not port.isdigit():
        return
    try:
        socket.create_connection((host, int(port)), timeout=timeout_s).close()
    except OSError as exc:
        raise ValueError(f"--address {address}: no Ray cluster answers there ({exc}); start one with "
                         "`ray start --head`, or use --address auto on a cluster node") from None
