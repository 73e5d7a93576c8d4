"""``bigmath build``, ``bigmath stats``, ``bigmath inspect``: run a recipe and look at its output."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import enum

import typer

from bigmath.cli.app import app, console, fail


class ExecutorName(str, enum.Enum):
    """``--executor`` choices."""

    local = "local"
    ray = "ray"


def _default_recipe() -> Path:
    from bigmath.demo import demo_recipe

    return demo_recipe()


@app.command()
def build(
    config: Optional[Path] = typer.Argument(None, metavar="RECIPE",
                                            help="Recipe YAML (default: the demo recipe shipped in the package)."),
    out: Optional[Path] = typer.Option(None, "--out", "-o", help="Output folder (default: the recipe's `out`, else bigmath-out/<name>)."),
    workers: int = typer.Option(1, "--workers", "-w", min=1, help="Worker processes for CPU stages."),
    limit: Optional[int] = typer.Option(None, "--limit", min=1, help="Read at most N rows per source."),
    from_stage: Optional[str] = typer.Option(None, "--from", help="Rerun this stage and every later one."),
    force: bool = typer.Option(False, "--force", help="Rerun every stage (request caches are kept)."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Validate the recipe and print the plan; compute nothing."),
    executor: ExecutorName = typer.Option(ExecutorName.local, "--executor", help="local (process pool) or ray."),
    address: Optional[str] = typer.Option(None, "--address", help="Ray cluster address (with --executor ray)."),
    cache_dir: Optional[Path] = typer.Option(None, "--cache-dir", help="Embedding and LLM request caches "
                                             "(default OUT/cache); share one between builds and commands."),
) -> None:
    """Build a dataset: ingest sources, run the recipe's stages, write kept/rejected/stats/funnel.

    With no RECIPE, runs a small demo recipe on problems shipped inside the package (no network).
    """
    from bigmath.errors import InputError
    from bigmath.executors import get_executor
    from bigmath.pipeline.components import RecipeError
    from bigmath.pipeline.engine import build as run_build
    from bigmath.pipeline.recipe import load_recipe

    executor = executor.value
    if address and executor != "ray":
        raise fail("--address is for the Ray executor; add --executor ray", code=2)
    path = config or _default_recipe()
    try:
        recipe = load_recipe(path)
    except RecipeError as exc:
        raise fail(str(exc), code=2)
    out_dir = out or Path(recipe.out or f"bigmath-out/{recipe.name}")
    console.print(f"[bold]bigmath build[/] {path} -> {out_dir}")
    try:
        runner = get_executor(executor, workers=workers, address=address)
        if address and not dry_run:
            runner.connect()  # fail before ingest when no cluster answers at --address
        result = run_build(recipe, out_dir, workers=workers, limit=limit, from_stage=from_stage, force=force,
                           dry_run=dry_run, executor=runner, console=console, cache_dir=cache_dir)
    except (InputError, ValueError, ImportError, OSError) as exc:
        raise fail(str(exc))
    except KeyboardInterrupt:
        raise fail("interrupted; run the same command again to resume (finished shards and caches are kept)",
                   code=130) from None
    if not dry_run:
        cached = sum(result.shards_cached.values())
        console.print(f"shards computed: {sum(result.shards_run.values())}, reused from cache: {cached}")
        console.print(f"outputs in [bold]{result.out_dir}[/]: kept.parquet, rejected.parquet, stats.json, funnel.md, build.json")


@app.command()
def stats(out: Path = typer.Argument(..., help="A build's output folder.")) -> None:
    """Print the funnel and reason counts of a finished build (from OUT/stats.json)."""
    from bigmath.pipeline.report import print_funnel

    path = out / "stats.json"
    if not path.exists():
        raise fail(f"{path} not found: is {out} the output folder of a finished `bigmath build`?")
    print_funnel(json.loads(path.read_text()), console)


@app.command()
def inspect(
    out: Path = typer.Argument(..., help="A build's output folder."),
    reason: Optional[str] = typer.Option(None, "--reason", "-r", help="Reason code, or its family (e.g. `proof`)."),
    disagreements: bool = typer.Option(False, "--disagreements",
                                       help="Rule filter vs LLM judge of each family: counts and examples each way."),
    n: int = typer.Option(20, "-n", min=1, help="Rows to show (per direction with --disagreements)."),
    width: int = typer.Option(160, "--width", help="Characters of problem text to show."),
) -> None:
    """Show rejected rows with a reason (exact code, or every code of a family), or with
    --disagreements where a rule filter and the LLM judge of the same family disagree."""
    import pyarrow.compute as pc
    import pyarrow.parquet as pq
    from rich.markup import escape
    from rich.panel import Panel
    from rich.text import Text

    if disagreements:
        _show_disagreements(out, n, width)
        return
    if reason is None:
        raise fail("give --reason R (rejected rows) or --disagreements (rule filter vs LLM judge)")
    path = out / "rejected.parquet"
    if not path.exists():
        raise fail(f"{path} not found: is {out} the output folder of a finished `bigmath build`?")
    wanted = ["id", "source", "stage", "reason", "duplicate_of", "similarity", "problem", "answer"]
    table = pq.read_table(path, columns=[c for c in wanted if c in pq.read_schema(path).names])
    reasons = table.column("reason")
    mask = pc.or_(pc.equal(reasons, reason), pc.starts_with(reasons, reason + ":"))
    hits = table.filter(mask)
    if hits.num_rows == 0:
        known = sorted(set(reasons.to_pylist()))
        raise fail(f"no rejected rows with reason {reason!r}; reasons present: {', '.join(known) or 'none'}")
    noun = "row" if hits.num_rows == 1 else "rows"
    console.print(f"[bold]{hits.num_rows:,}[/] {noun} rejected with {escape(repr(reason))}; showing {min(n, hits.num_rows)}")
    for row in hits.slice(0, n).to_pylist():
        text = row["problem"] or ""
        body = Text(text[:width] + ("..." if len(text) > width else ""))  # verbatim: no markup in data
        body.append("\nanswer: ", style="dim")
        if row["answer"] is None:
            body.append("(no answer)", style="italic dim")
        else:
            body.append(row["answer"])
        if row["duplicate_of"]:
            body.append("\nduplicate of: ", style="dim")
            body.append(row["duplicate_of"])
            if row.get("similarity") is not None:
                body.append(f" (similarity {row['similarity']:.3f})")
        title = f"{row['id']} · {escape(row['source'])} · {row['stage']} · [bold]{escape(row['reason'])}[/]"
        console.print(Panel(body, title=title, title_align="left", highlight=False))


def _show_disagreements(out: Path, n: int, width: int) -> None:
    """Print :func:`bigmath.export.disagreement.compare_build` for ``out``."""
    from rich.text import Text

    from bigmath.export.disagreement import compare_build

    if not (out / "kept.parquet").exists():
        raise fail(f"{out / 'kept.parquet'} not found: is {out} the output folder of a finished `bigmath build`?")
    results = compare_build(out, examples=n)
    if not results:
        raise fail(f"{out}: no family has both a rule filter signal and an LLM judge column "
                   "(run e.g. `multiple_choice` and `judge_multiple_choice` in one build)")
    for r in results:
        share = "-" if r.agreement is None else f"{r.agreement:.0%}"
        console.print(f"[bold]{r.family}[/]: rule `{r.rule_column}` vs judge `{r.judge_column}`: {r.compared} rows "
                      f"compared, agree on {share}; both yes {r.both_yes}, both no {r.both_no}, rule only "
                      f"{r.rule_only}, judge only {r.judge_only}; judge undecided {r.undecided}; flagged by the "
                      f"rule before the judge ran {r.not_judged}", highlight=False)
        for title, rows in (("rule yes, judge no", r.rule_only_examples), ("judge yes, rule no", r.judge_only_examples)):
            for row in rows:
                p_yes = "-" if row["p_yes"] is None else f"{row['p_yes']:.2f}"
                text = (row["problem"] or "")[:width].replace("\n", " ")
                line = Text(f"  {title}: {row['id']} ({row['source']}, p_yes {p_yes}): ", style="dim")
                line.append(text)
                console.print(line, highlight=False)
