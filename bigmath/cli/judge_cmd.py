"""Commands: ``bigmath judge`` -- LLM judges and solve rate over one parquet file."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from bigmath.cli.app import app, console, fail

_FAMILIES = ("multiple_choice", "proof", "yes_no", "true_false", "multi_part")


@app.command("judge")
def judge(
    input_path: Path = typer.Argument(..., metavar="IN.parquet", help="Problems: columns id, problem (answer for solve rate)."),
    out: Path = typer.Option(..., "--out", help="Output folder: kept.parquet, rejected.parquet, summary.json, cache/."),
    backend: str = typer.Option("transformers", help="vllm | openai | transformers"),
    model: str = typer.Option(..., help="Hub id or local path (openai: the name the server expects)."),
    alias: Optional[str] = typer.Option(None, help="Column suffix (default: derived from --model)."),
    revision: Optional[str] = typer.Option(None, help="Model revision (part of the cache key)."),
    base_url: Optional[str] = typer.Option(None, help="openai: server URL, e.g. http://127.0.0.1:8000/v1"),
    tensor_parallel_size: int = typer.Option(1, help="vllm: GPUs per model."),
    max_model_len: Optional[int] = typer.Option(None, help="vllm: context length."),
    device: str = typer.Option("auto", help="transformers: auto | cpu | cuda."),
    threads: Optional[int] = typer.Option(None, help="transformers: CPU threads for torch."),
    concurrency: int = typer.Option(16, help="openai: requests in flight."),
    judges: str = typer.Option(",".join(_FAMILIES), help="Comma-separated judges (proof or judge_proof), or 'none'."),
    judge_samples: int = typer.Option(1, help="Replies per judge question (majority vote)."),
    annotate_only: bool = typer.Option(False, "--annotate-only", help="Keep every row; only add columns."),
    solve_rate: bool = typer.Option(False, "--solve-rate/--no-solve-rate", help="Also measure solve rate."),
    samples: int = typer.Option(64, help="Solve-rate rollouts per problem."),
    max_tokens: int = typer.Option(4096, help="Solve-rate max tokens per rollout."),
    limit: Optional[int] = typer.Option(None, help="Only the first N rows."),
) -> None:
    """Run the LLM judges (and optionally solve rate) on IN.parquet; rerun to resume from the cache."""
    from pydantic import ValidationError
    from rich.table import Table

    from bigmath.errors import InputError
    from bigmath.llm.config import BackendConfig
    from bigmath.llm.judge_stage import LLMJudgeStage
    from bigmath.llm.run import judge_table, read_problems, write_outputs
    from bigmath.llm.solve_rate import SolveRateStage
    from bigmath.pipeline.plan import detect_gpu
    from bigmath.pipeline.stage import StageSkipped

    # "proof" and the recipe name "judge_proof" both work
    families = [] if judges.strip().lower() == "none" else \
        [j.strip().removeprefix("judge_") for j in judges.split(",") if j.strip()]
    unknown = sorted(set(families) - set(_FAMILIES))
    if unknown:
        raise fail(f"unknown judge(s) {unknown}; choose from {', '.join(_FAMILIES)}")
    if not families and not solve_rate:
        raise fail("nothing to do: give --judges or --solve-rate")
    try:
        config = BackendConfig(type=backend, model=model, alias=alias, revision=revision, base_url=base_url,
                               tensor_parallel_size=tensor_parallel_size, max_model_len=max_model_len,
                               device=device, threads=threads, concurrency=concurrency)
        stages = []
        if families:
            specs = [{"type": f"judge_{f}", "samples": judge_samples, "drop": not annotate_only} for f in families]
            stages.append(LLMJudgeStage(backend=config, judges=specs))
        if solve_rate:
            stages.append(SolveRateStage(backend=config, samples=samples, max_tokens=max_tokens))
        table = read_problems(input_path, need_answer=solve_rate, limit=limit)
    except ValidationError as exc:
        raise fail(f"invalid option: {exc.errors()[0]['loc']}: {exc.errors()[0]['msg']}") from None
    except InputError as exc:
        raise fail(str(exc)) from None
    try:
        kept, rejected, runs = judge_table(table, stages, out, gpu_available=detect_gpu())
    except StageSkipped as exc:
        raise fail(f"cannot run here: {str(exc).split('; rows pass through')[0]}") from None
    summary = write_outputs(out, kept, rejected, runs, {"input": str(input_path), "backend": config.identity()})

    view = Table(title=f"bigmath judge: {table.num_rows} problems, {config.type} {config.model}")
    for column in ("stage", "counter", "value"):
        view.add_column(column)
    for run in runs:
        view.add_row(run.name, "kept / rejected", f"{run.kept} / {run.rejected}")
        for name, value in sorted(run.stats.items()):
            view.add_row("", name, str(value))
        view.add_row("", "seconds", f"{run.seconds:.1f}")
    console.print(view)
    console.print(f"wrote {out}/kept.parquet ({summary['kept']} rows)"
                  + (f" and rejected.parquet ({summary['rejected']} rows)" if summary["rejected"] else ""))
