"""Rows/s of the CPU stages under the local and the Ray executor, 1 and 2 workers, one node.

Input: the shared samples (MATH test, Omni-MATH-Rule, HARP) repeated with small perturbations to
``--rows`` problems (``write_input`` of ``benchmarks/build_scaling.py``: copy k adds k to the
first number of the problem, so exact dedup does not collapse the copies), written as jsonl and
read by the ``custom`` source. Stages: the rule filters of ``build_scaling.py`` and
``exact_dedup`` (when registered).

Ingest runs once (it always runs on the driver, whatever the executor). Then, for every
executor and worker count, the stages rerun (``--from rule_filters``) on that ingest, through a
timing wrapper around the executor's ``run_stage``: rows/s is a stage's input rows divided by
the wall time of its shard tasks (``exact_dedup``'s global identify step runs on the driver
before them and is in "build s" only). Ray's start-up (a local instance sized to the workers)
is timed apart; the first Ray stage also pays for starting worker processes. Every run must
give byte-identical ``kept.parquet`` (its sha256 is printed).

    .venv/bin/python benchmarks/executor_scaling.py                    # 200k rows, local+ray, 1 and 2 workers
    .venv/bin/python benchmarks/executor_scaling.py --rows 20000 --workers 2 --executors ray
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import os
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml
from rich.console import Console
from rich.table import Table

from bigmath import registry
from bigmath.executors import get_executor
from bigmath.pipeline.engine import build
from bigmath.pipeline.ingest import ingest
from bigmath.pipeline.plan import make_plan
from bigmath.pipeline.recipe import load_recipe

ROOT = Path(__file__).resolve().parents[1]


def _build_scaling() -> Any:
    """``benchmarks/build_scaling.py`` as a module (same input data and rule filters)."""
    spec = importlib.util.spec_from_file_location("build_scaling", ROOT / "benchmarks" / "build_scaling.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class TimedExecutor:
    """Wraps an executor; records per stage label (wall seconds of ``run_stage``, input rows)."""

    def __init__(self, inner: Any):
        self.inner, self.name, self.workers = inner, inner.name, inner.workers
        self.stages: dict[str, tuple[float, int]] = {}

    def gpu_available(self) -> bool:
        return False

    def run_stage(self, stage, ctx, tasks, on_done) -> None:
        rows = 0

        def counted(task, stats):
            nonlocal rows
            rows += stats["input"]
            on_done(task, stats)

        start = time.perf_counter()
        self.inner.run_stage(stage, ctx, tasks, counted)
        self.stages[stage.label()] = (time.perf_counter() - start, rows)

    def close(self) -> None:
        self.inner.close()


def write_recipe(path: Path, data: Path, shard_size: int, rule_filters: list[str]) -> None:
    """A one-source recipe: the rule filters, then ``exact_dedup`` when that stage exists."""
    stages: list[dict[str, Any]] = [{"type": "filters", "stage_name": "rule_filters",
                                     "filters": [{"type": f} for f in rule_filters]}]
    if "exact_dedup" in registry.names("stage"):
        stages.append({"type": "exact_dedup"})
    recipe = {"name": "executor-scaling", "shard_size": shard_size,
              "sources": [{"type": "custom", "name": "scaled", "path": str(data), "problem_field": "problem",
                           "answer_field": "answer", "id_field": "id", "license": "MIT"}],
              "stages": stages}
    path.write_text(yaml.safe_dump(recipe))


def run(rows: int, workers: list[int], executors: list[str], shard_size: int, work: Path) -> None:
    console = Console(width=150)
    scaling = _build_scaling()
    data, recipe_path, out = work / "input.jsonl", work / "recipe.yaml", work / "out"
    scaling.write_input(data, rows)
    write_recipe(recipe_path, data, shard_size, scaling.RULE_FILTERS)
    recipe = load_recipe(recipe_path)
    plan = make_plan(recipe, out.resolve(), limit=None, gpu_available=False)
    start = time.perf_counter()
    ingest(list(recipe.sources), plan[0].dir, shard_size=shard_size)
    ingest_s = time.perf_counter() - start
    console.print(f"{rows:,} rows, shard size {shard_size:,}, {os.cpu_count()} CPUs, load average at start "
                  f"{os.getloadavg()[0]:.1f}; ingest (driver, every executor): {ingest_s:.1f} s = "
                  f"{rows / ingest_s:,.0f} rows/s")
    labels = [p.label for p in plan[1:]]
    table = Table(title=f"CPU stages, rows/s (wall), {rows:,} rows")
    for column in ("executor", "workers", "Ray start s", *[f"{label} rows/s" for label in labels], "build s",
                   "kept.parquet sha256"):
        table.add_column(column, justify="right")
    digests = set()
    for name in executors:
        for n in workers:
            runner = TimedExecutor(get_executor(name, workers=n))
            startup = ""
            if name == "ray":
                start = time.perf_counter()
                runner.inner.connect()
                startup = f"{time.perf_counter() - start:.1f}"
            start = time.perf_counter()
            build(recipe, out, workers=n, executor=runner, from_stage=labels[0], console=Console(quiet=True))
            build_s = time.perf_counter() - start
            digest = hashlib.sha256((out / "kept.parquet").read_bytes()).hexdigest()[:16]
            digests.add(digest)
            rates = [f"{r / s:,.0f}" for s, r in (runner.stages[label] for label in labels)]
            table.add_row(name, str(n), startup, *rates, f"{build_s:.1f}", digest)
            console.print(f"done: {name}, {n} worker(s), build {build_s:.1f} s")
    console.print(table)
    console.print(f"load average at end {os.getloadavg()[0]:.1f}; outputs identical across runs: {len(digests) == 1}")
    if len(digests) != 1:
        raise SystemExit("kept.parquet differs between executors or worker counts")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=200_000, help="problems to generate (default 200000)")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--executors", nargs="+", default=["local", "ray"], choices=["local", "ray"])
    parser.add_argument("--shard-size", type=int, default=10_000)
    parser.add_argument("--work-dir", type=Path, default=None,
                        help="keep inputs and outputs here (default: a temp dir)")
    args = parser.parse_args()
    if args.work_dir is not None:
        args.work_dir.mkdir(parents=True, exist_ok=True)
        run(args.rows, args.workers, args.executors, args.shard_size, args.work_dir)
        return
    with tempfile.TemporaryDirectory(prefix="bigmath-executor-scaling-") as tmp:
        run(args.rows, args.workers, args.executors, args.shard_size, Path(tmp))


if __name__ == "__main__":
    main()
