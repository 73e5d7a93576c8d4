"""Commands: ``bigmath dedup`` (exact + SemDeDup) and ``bigmath decontaminate`` (benchmark overlap)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Optional

import typer
from rich.table import Table

from bigmath.cli.app import app, console, fail

_INPUT_HELP = "Problems parquet (a build's kept.parquet or any file with id, source, problem)."


def _run(input_path: Path, stages: list[Any], out: Path, cache_dir: Path | None) -> dict[str, Any]:
    from bigmath.dedup.run import read_problems, run_stages

    table = read_problems(input_path)
    return run_stages(table, stages, out, cache_dir=cache_dir)


def _report(summary: dict[str, Any], out: Path) -> None:
    view = Table(title=f"{summary['input']} rows in, {summary['kept']} kept, {summary['rejected']} removed")
    for column in ("stage", "input", "removed", "reasons"):
        view.add_column(column)
    for stage in summary["stages"]:
        reasons = ", ".join(f"{r}: {c}" for r, c in stage["reasons"].items()) or "-"
        view.add_row(stage["name"], str(stage["input"]), str(stage["rejected"]), reasons)
    console.print(view)
    console.print(f"outputs in {out}: kept.parquet, rejected.parquet, duplicates.parquet, stats.json")


def _guarded(build_and_run) -> None:
    from pydantic import ValidationError

    from bigmath.errors import InputError
    from bigmath.pipeline.stage import StageSkipped

    try:
        build_and_run()
    except (InputError, ValueError, KeyError, ImportError, ValidationError, StageSkipped) as err:
        raise fail(str(err)) from None


@app.command("dedup")
def dedup(
    input_path: Path = typer.Argument(..., metavar="IN.parquet", help=_INPUT_HELP),
    out: Path = typer.Option(..., "--out", help="Output folder."),
    threshold: Optional[float] = typer.Option(None, "--threshold", help="SemDeDup: duplicate iff cosine similarity >= T (default 0.99)."),
    epsilon: Optional[float] = typer.Option(None, "--epsilon", help="SemDeDup: epsilon = 1 - threshold (paper / NeMo Curator); not with --threshold."),
    clusters: Optional[int] = typer.Option(None, "--clusters", help="k-means clusters (default ceil(N / 1000))."),
    chain: str = typer.Option("semdedup", "--chain", help="semdedup: similar to any higher-ranked row; greedy: to a kept row."),
    model: str = typer.Option("sentence-transformers/all-MiniLM-L6-v2", "--model", help="sentence-transformers name or path."),
    device: str = typer.Option("cpu", "--device", help="cpu, cuda, cuda:1, ..."),
    backend: str = typer.Option("torch", "--backend", help="torch, onnx or openvino."),
    template: str = typer.Option("Problem: {problem} Answer: {answer}", "--template", help="Text embedded per row."),
    exact: bool = typer.Option(True, "--exact/--no-exact", help="Run exact (normalised text) dedup first."),
    minhash: bool = typer.Option(False, "--minhash", help="Also remove MinHash near-duplicates (datasketch)."),
    minhash_threshold: float = typer.Option(0.8, "--minhash-threshold", help="Jaccard threshold for --minhash."),
    semantic: bool = typer.Option(True, "--semantic/--no-semantic", help="Run SemDeDup."),
    seed: int = typer.Option(1234, "--seed", help="k-means seed."),
    cache_dir: Optional[Path] = typer.Option(None, "--cache-dir", help="Embedding cache (default OUT/cache)."),
) -> None:
    """Remove exact and semantic duplicates (SemDeDup) from IN.parquet."""

    def go() -> None:
        from bigmath.dedup.stages import ExactDedupStage, SemDedupStage

        stages: list[Any] = []
        if exact:
            stages.append(ExactDedupStage(minhash=minhash, minhash_threshold=minhash_threshold))
        if semantic:
            stages.append(SemDedupStage(similarity_threshold=threshold, epsilon=epsilon, clusters=clusters,
                                        chain=chain, model=model, device=device, backend=backend,
                                        template=template, seed=seed))
        if not stages:
            raise ValueError("nothing to do: both --no-exact and --no-semantic given")
        _report(_run(input_path, stages, out, cache_dir), out)

    _guarded(go)


@app.command("decontaminate")
def decontaminate(
    input_path: Path = typer.Argument(..., metavar="IN.parquet", help=_INPUT_HELP),
    against: list[str] = typer.Option(..., "--against", help="Benchmark: FILE, NAME=FILE, a folder of benchmark "
                                      "files, a built-in NAME (from the Hub) or hub:OWNER/NAME[@SPLIT]. Repeatable."),
    out: Path = typer.Option(..., "--out", help="Output folder."),
    ngram_size: int = typer.Option(13, "--ngram-size", "-n", help="Word n-gram size."),
    min_similarity: float = typer.Option(0.9, "--min-similarity", help="Token-alignment score to flag a match."),
    embedding_threshold: Optional[float] = typer.Option(None, "--embedding-threshold", help="Also flag cosine >= T."),
    model: str = typer.Option("sentence-transformers/all-MiniLM-L6-v2", "--model", help="Model for --embedding-threshold."),
    device: str = typer.Option("cpu", "--device", help="cpu, cuda, ..."),
    cache_dir: Optional[Path] = typer.Option(None, "--cache-dir", help="Embedding cache (default OUT/cache)."),
) -> None:
    """Remove problems that copy an evaluation benchmark item (MATH-500, AIME, GSM8K, ...)."""

    def go() -> None:
        from bigmath.dedup.stages import DecontaminateStage

        stage = DecontaminateStage(benchmarks=against, ngram_size=ngram_size, min_similarity=min_similarity,
                                   embedding_threshold=embedding_threshold, model=model, device=device)
        names = ", ".join(b.name for b in stage.benchmarks)
        console.print(f"decontaminating against {names} (word {ngram_size}-grams, alignment >= {min_similarity})")
        _report(_run(input_path, [stage], out, cache_dir), out)

    _guarded(go)
