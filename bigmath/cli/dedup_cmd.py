"""Commands: ``bigmath dedup`` (exact + SemDeDup) and ``bigmath decontaminate`` (benchmark overlap)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Optional

import typer
from rich.table import Table

from bigmath.cli.app import app, console, fail
from bigmath.dedup import DEFAULT_MODEL, DEFAULT_TEMPLATE

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
    except ValidationError as err:  # name the command-line options, not the model fields
        problems = [f"{_OPTIONS.get(str(e['loc'][0]) if e['loc'] else '', 'input')}: {e['msg'].removeprefix('Value error, ')}"
                    for e in err.errors()]
        raise fail("; ".join(problems)) from None
    except (InputError, ValueError, KeyError, ImportError, StageSkipped) as err:
        raise fail(str(err)) from None


# stage fields -> the options that set them (for error messages)
_OPTIONS = {"similarity_threshold": "--threshold", "epsilon": "--epsilon", "clusters": "--clusters",
            "chain": "--chain", "minhash_threshold": "--minhash-threshold", "ngram_size": "--ngram-size",
            "min_similarity": "--min-similarity", "embedding_threshold": "--embedding-threshold",
            "benchmarks": "--against", "": "--threshold/--epsilon"}


def _embedding_template(template: str, input_path: Path) -> str:
    """``template``, or ``Problem: {problem}`` when the default one needs an ``answer`` column the
    input lacks. Raises ValueError naming ``--template`` when a custom template needs a missing column."""
    import pyarrow.parquet as pq

    from bigmath.dedup.embeddings import template_fields

    columns = set(pq.read_schema(input_path).names) if input_path.is_file() else set()
    missing = [f for f in template_fields(template) if columns and f not in columns]
    if missing and template == DEFAULT_TEMPLATE and missing == ["answer"]:
        console.print("note: IN.parquet has no 'answer' column; embedding 'Problem: {problem}' instead")
        return "Problem: {problem}"
    if missing:
        raise ValueError(f"--template uses column(s) {missing} that {input_path} lacks")
    return template


@app.command("dedup")
def dedup(
    input_path: Path = typer.Argument(..., metavar="IN.parquet", help=_INPUT_HELP),
    out: Path = typer.Option(..., "--out", help="Output folder."),
    threshold: Optional[float] = typer.Option(None, "--threshold", help="SemDeDup: duplicate iff cosine similarity >= T (default 0.99)."),
    epsilon: Optional[float] = typer.Option(None, "--epsilon", help="SemDeDup: epsilon = 1 - threshold (paper / NeMo Curator); not with --threshold."),
    clusters: Optional[int] = typer.Option(None, "--clusters", help="k-means clusters (default ceil(N / 1000))."),
    chain: str = typer.Option("semdedup", "--chain", help="semdedup: similar to any higher-ranked row; greedy: to a kept row."),
    model: str = typer.Option(DEFAULT_MODEL, "--model", help="sentence-transformers name or path."),
    device: str = typer.Option("cpu", "--device", help="cpu, cuda, cuda:1, ..."),
    backend: str = typer.Option("torch", "--backend", help="torch, onnx or openvino."),
    template: str = typer.Option(DEFAULT_TEMPLATE, "--template",
                                 help="Text embedded per row (str.format over columns; without an answer "
                                      "column the default embeds the problem alone)."),
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
                                        template=_embedding_template(template, input_path), seed=seed))
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
    model: str = typer.Option(DEFAULT_MODEL, "--model", help="Model for --embedding-threshold."),
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
