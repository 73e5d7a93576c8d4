"""The build engine: ingest, then each stage over shards, then the final outputs.

``build(recipe, out_dir)`` is what ``bigmath build`` runs. It is resumable at shard granularity:
a stage folder's finished shards (done markers) are never recomputed, a finished stage
(``stage.json``) is skipped whole, and a changed stage config changes that stage's fingerprint and
folder (see :mod:`bigmath.pipeline.plan`), so only it and later stages rerun.
"""

from __future__ import annotations

import dataclasses
import json
import shutil
import time
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from bigmath import __version__
from bigmath.executors import Executor, get_executor
from bigmath.pipeline.ingest import ingest, limited
from bigmath.pipeline.outputs import build_stats, concat_parquet, library_versions
from bigmath.pipeline.plan import PlannedStage, detect_gpu, make_plan
from bigmath.pipeline.recipe import Recipe
from bigmath.pipeline.report import funnel_markdown, print_funnel
from bigmath.pipeline.shard import merge_stats
from bigmath.pipeline.stage import StageContext
from bigmath.pipeline.workdir import ShardTask, atomic_write_json, atomic_write_text, parquet_rows
from bigmath.schema import PROBLEM_SCHEMA, rejected_schema


@dataclasses.dataclass
class BuildResult:
    """What a build produced.

    Attributes:
        out_dir: the output folder.
        stats: the content of ``stats.json`` (None for a dry run).
        plan: the planned stages.
        shards_run: per stage label, shards computed in this run.
        shards_cached: per stage label, shards reused from an earlier run.
    """

    out_dir: Path
    stats: dict[str, Any] | None
    plan: list[PlannedStage]
    shards_run: dict[str, int] = dataclasses.field(default_factory=dict)
    shards_cached: dict[str, int] = dataclasses.field(default_factory=dict)


def _progress(console: Console) -> Progress:
    return Progress(
        TextColumn("[bold]{task.description:<22}"), BarColumn(), MofNCompleteColumn(),
        TextColumn("rows"), TimeElapsedColumn(), console=console, transient=False,
        disable=not console.is_terminal,  # logs and pipes get one line per stage instead (_note)
    )


def _note(progress: Progress, label: str, stats: dict[str, Any], started: float) -> None:
    """One plain line per finished stage when output is not a terminal (logs, pipes, CI): rich
    draws live bars only on terminals."""
    if not progress.console.is_terminal:
        status = "skipped (see below)" if stats.get("skipped") else \
            f"{stats.get('kept', 0):,} kept, {stats.get('rejected', 0):,} rejected of {stats.get('input', 0):,} rows"
        progress.console.print(f"{label}: {status} [{time.monotonic() - started:.1f} s]", highlight=False)


def _rerun_index(plan: list[PlannedStage], from_stage: str | None, force: bool) -> int:
    """Index of the first stage to recompute whatever is cached (``len(plan)`` = none).

    Raises:
        ValueError: ``from_stage`` is not a stage label of the plan.
    """
    labels = [p.label for p in plan]
    if from_stage is not None and from_stage not in labels:
        raise ValueError(f"--from {from_stage!r}: no such stage; stages are {', '.join(labels)}")
    return 0 if force else (labels.index(from_stage) if from_stage else len(plan))


def _reset(plan: list[PlannedStage], out_dir: Path, from_stage: str | None, force: bool) -> None:
    for planned in plan[_rerun_index(plan, from_stage, force):]:
        # also drop older fingerprints of the same step, so nothing stale is ever reused
        for folder in out_dir.glob(f"{planned.index:02d}_{planned.label}-*"):
            shutil.rmtree(folder)


def _prune(plan: list[PlannedStage], out_dir: Path) -> None:
    """Remove stage folders that the current plan does not use (older fingerprints)."""
    current = {p.dir.name for p in plan}
    for folder in out_dir.glob("[0-9][0-9]_*-*"):
        if folder.is_dir() and folder.name not in current:
            shutil.rmtree(folder)


def _passthrough_stats(upstream: list[ShardTask]) -> dict[str, Any]:
    parts = [json.loads(t.stats.read_text()) for t in upstream]
    merged = merge_stats(parts)
    # rows that reached this stage all pass; per-source counts are the upstream kept rows
    sources = {s: {"input": c["kept"], "kept": c["kept"], "rejected": 0} for s, c in merged["sources"].items()}
    return {"input": merged["kept"], "kept": merged["kept"], "rejected": 0, "reasons": {}, "sources": sources,
            "extra": {}}


def build(
    recipe: Recipe,
    out_dir: str | Path,
    *,
    workers: int = 1,
    limit: int | None = None,
    from_stage: str | None = None,
    force: bool = False,
    dry_run: bool = False,
    executor: Executor | str = "local",
    console: Console | None = None,
    cache_dir: str | Path | None = None,
) -> BuildResult:
    """Run ``recipe`` into ``out_dir`` and write the final outputs.

    Args:
        recipe: a validated recipe (:func:`bigmath.pipeline.recipe.load_recipe`).
        out_dir: output folder (created).
        workers: worker processes for CPU stages.
        limit: at most this many rows per source (replaces ``recipe.limit``; a source's own smaller
            ``limit`` still wins).
        from_stage: rerun this stage (by label) and every later one.
        force: rerun everything (request caches under ``out/cache`` are kept).
        dry_run: print the plan (stages, fingerprints, cached or not) and do nothing.
        executor: ``local``, ``ray`` or an :class:`~bigmath.executors.Executor`.
        console: rich console for progress and tables.
        cache_dir: embedding and LLM request caches (default ``out_dir/cache``); share one between
            builds so the same texts are never embedded or generated twice.

    Returns:
        A :class:`BuildResult`; ``stats`` is what ``stats.json`` holds.

    Raises:
        ValueError: unknown ``from_stage``.
        bigmath.errors.InputError: malformed input rows (names file, row and field).
    """
    console = console or Console()
    out_dir = Path(out_dir).resolve()
    cache = Path(cache_dir).resolve() if cache_dir is not None else out_dir / "cache"
    limit = limit if limit is not None else recipe.limit
    needs_gpu = any(s.resources().gpus > 0 for s in recipe.stages)
    runner = get_executor(executor, workers=workers) if isinstance(executor, str) else executor
    # a Ray driver may have no GPU while its cluster has some: ask the executor too
    gpu = (detect_gpu() or bool(getattr(runner, "gpu_available", lambda: False)())) if needs_gpu else False
    plan = make_plan(recipe, out_dir, limit=limit, gpu_available=gpu)
    result = BuildResult(out_dir, None, plan)
    if dry_run:
        runner.close()
        _print_plan(plan, console, rerun_from=_rerun_index(plan, from_stage, force))
        return result
    _check_out_dir(recipe, out_dir, force)
    out_dir.mkdir(parents=True, exist_ok=True)
    _reset(plan, out_dir, from_stage, force)
    stage_stats: list[dict[str, Any]] = []
    try:
        with _progress(console) as progress:
            started = time.monotonic()
            tasks = _run_ingest(recipe, plan[0], limit, progress, result)
            stage_stats.append(_stage_summary(plan[0], tasks))
            _note(progress, plan[0].label, stage_stats[-1], started)
            for planned in plan[1:]:
                started = time.monotonic()
                tasks, stats = _run_stage(planned, tasks, runner, out_dir, cache, gpu, progress, result)
                stage_stats.append(stats)
                _note(progress, planned.label, stats, started)
    finally:
        runner.close()
    result.stats = _finalize(recipe, plan, stage_stats, out_dir, console, limit)
    _prune(plan, out_dir)
    return result


def _check_out_dir(recipe: Recipe, out_dir: Path, force: bool) -> None:
    """Refuse an output folder that holds an input of the recipe, or (without ``force``) the
    outputs of another recipe: the build would overwrite them.

    Raises:
        ValueError: the message says which input or build is in the way.
    """
    for source in recipe.sources:
        path = getattr(source, "path", None)
        if path and Path(path).resolve().is_relative_to(out_dir):
            raise ValueError(f"the input {path} is inside the output folder {out_dir}: the build would overwrite "
                             "its own input; give another --out")
    info = out_dir / "build.json"
    if info.exists() and not force:
        name = json.loads(info.read_text(encoding="utf-8")).get("recipe", {}).get("name")
        if name != recipe.name:
            raise ValueError(f"{out_dir} holds the outputs of recipe {name!r}; building {recipe.name!r} there would "
                             "replace them. Give another --out, or add --force to replace them")


def _run_ingest(recipe: Recipe, planned: PlannedStage, limit, progress: Progress, result: BuildResult):
    bar = progress.add_task(planned.label, total=None)
    cached = planned.dir.joinpath("stage.json").exists()
    tasks = ingest(list(recipe.sources), planned.dir, shard_size=recipe.shard_size, limit=limit,
                   progress=lambda n: progress.advance(bar, n))
    progress.update(bar, total=progress.tasks[bar].completed)
    result.shards_cached[planned.label] = len(tasks) if cached else 0
    result.shards_run[planned.label] = 0 if cached else len(tasks)
    return tasks


def _stage_summary(planned: PlannedStage, tasks: list[ShardTask]) -> dict[str, Any]:
    summary_path = planned.dir / "stage.json"
    if summary_path.exists():
        return json.loads(summary_path.read_text())
    stats = merge_stats([json.loads(t.stats.read_text()) for t in tasks])
    stats = {"dir": planned.dir.name, "fingerprint": planned.fingerprint, "shards": len(tasks),
             "skipped": planned.skipped, **stats}
    atomic_write_json(stats, summary_path)
    return stats


def _run_stage(planned, upstream, runner, out_dir, cache_dir, gpu, progress, result):
    planned.dir.mkdir(parents=True, exist_ok=True)
    total = sum(parquet_rows(t.kept) for t in upstream)
    bar = progress.add_task(planned.label, total=total)
    if planned.skipped:
        atomic_write_text(planned.skipped + "\n", planned.dir / "SKIPPED")
        progress.update(bar, completed=total, description=f"{planned.label} (skipped)")
        stats = {"dir": planned.dir.name, "fingerprint": planned.fingerprint, "shards": len(upstream),
                 "skipped": planned.skipped, **_passthrough_stats(upstream)}
        result.shards_cached[planned.label], result.shards_run[planned.label] = 0, 0
        return upstream, stats
    tasks = [ShardTask(t.index, t.kept, planned.dir) for t in upstream]
    pending = [t for t in tasks if not t.is_done()]
    result.shards_cached[planned.label] = len(tasks) - len(pending)
    result.shards_run[planned.label] = len(pending)
    progress.advance(bar, sum(parquet_rows(t.input) for t in tasks if t.is_done()))
    ctx = StageContext(stage_dir=planned.dir, inputs=[t.input for t in tasks], cache_dir=cache_dir,
                       out_dir=out_dir, workers=runner.workers, gpu_available=gpu, progress=progress)
    ctx.cache_dir.mkdir(parents=True, exist_ok=True)
    stage = planned.stage
    if pending and stage.global_step and not (planned.dir / "prepare.done").exists():
        progress.update(bar, description=f"{planned.label} (prepare)")
        stage.prepare(ctx)
        (planned.dir / "prepare.done").write_text("ok\n")
        progress.update(bar, description=planned.label)
    runner.run_stage(stage, ctx, pending, lambda task, stats: progress.advance(bar, stats["input"]))
    return tasks, _stage_summary(planned, tasks)


def _finalize(recipe: Recipe, plan, stage_stats, out_dir: Path, console: Console, limit: int | None) -> dict[str, Any]:
    last_done = [p for p in plan if not p.skipped][-1]
    kept_parts = sorted(last_done.dir.glob("part-*.parquet"))
    concat_parquet(kept_parts, out_dir / "kept.parquet", PROBLEM_SCHEMA)
    rejected_parts = [path for p in plan if not p.skipped for path in sorted(p.dir.glob("rejected-*.parquet"))]
    concat_parquet(rejected_parts, out_dir / "rejected.parquet", rejected_schema(PROBLEM_SCHEMA))
    labels = [p.label for p in plan]
    stats = build_stats(stage_stats, labels)
    if stats["kept"] + stats["rejected"] != stats["ingested"]:
        raise RuntimeError(f"row accounting broken: {stats['kept']} kept + {stats['rejected']} rejected "
                           f"!= {stats['ingested']} ingested")
    atomic_write_json(stats, out_dir / "stats.json")
    atomic_write_text(funnel_markdown(stats, title=f"Funnel: {recipe.name}"), out_dir / "funnel.md")
    atomic_write_json(_build_info(recipe, plan, limit), out_dir / "build.json")
    print_funnel(stats, console)
    return stats


def _build_info(recipe: Recipe, plan: list[PlannedStage], limit: int | None) -> dict[str, Any]:
    return {
        "bigmath_version": __version__,
        "recipe": recipe.config(),
        "sources": [limited(s, limit).describe() for s in recipe.sources],  # the row limit applied
        "stages": [{"name": p.label, "dir": p.dir.name, "fingerprint": p.fingerprint, "skipped": p.skipped,
                    "config": p.stage.config() if p.stage else {"type": "ingest"}} for p in plan],
        "versions": library_versions(),
    }


def _print_plan(plan: list[PlannedStage], console: Console, rerun_from: int) -> None:
    from rich.table import Table

    table = Table(title="Build plan (dry run: nothing is computed)")
    for column in ("#", "stage", "folder", "status"):
        table.add_column(column, no_wrap=column != "status")
    for p in plan:
        if p.skipped:
            status = "[yellow]skipped *[/]"
        elif p.index >= rerun_from:
            status = "to rerun (--from/--force)"
        elif (p.dir / "stage.json").exists():
            status = "[green]cached[/]"
        else:
            done = len(list(p.dir.glob("part-*.done"))) if p.dir.exists() else 0
            status = f"partial ({done} shards done)" if done else "to run"
        table.add_row(str(p.index), p.label, p.dir.name, status)
    console.print(table)
    for p in plan:
        if p.skipped:
            console.print(f"[yellow]* {p.label}[/]: {p.skipped}")
