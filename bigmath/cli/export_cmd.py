"""Commands: ``bigmath export``, ``bigmath card``, ``bigmath push`` (trainer exports, dataset card, Hub)."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from bigmath.cli.app import app, console, fail
from bigmath.export.formats import DEFAULT_INSTRUCTION, FORMATS


def _human(size: int) -> str:
    for unit in ("B", "kB", "MB", "GB"):
        if size < 1000 or unit == "GB":
            return f"{size:,.0f} {unit}" if unit == "B" else f"{size:,.1f} {unit}"
        size /= 1000
    return str(size)


@app.command("export")
def export_command(
    out: Path = typer.Argument(..., help="Build output folder (from `bigmath build --out OUT`)."),
    format: str = typer.Option(..., "--format", "-f", help=f"Export format: {', '.join(FORMATS)}."),
    dest: Path = typer.Option(..., "--out", "-o", help="Folder to write train.parquet / test.parquet into."),
    instruction: str = typer.Option(DEFAULT_INSTRUCTION, help="Text appended to every problem ('' for none)."),
    system_prompt: Optional[str] = typer.Option(None, help="Optional system message before the problem."),
    test_size: float = typer.Option(0.0, help="Test split: fraction (<1) or row count (>=1), chosen by id hash."),
    seed: int = typer.Option(0, help="Seed of the id-hash split."),
    max_prompt_tokens: Optional[int] = typer.Option(
        None, help="Drop rows whose prompt has more tokens (needs --tokenizer)."
    ),
    tokenizer: Optional[str] = typer.Option(None, help="Tokenizer name or folder used to count prompt tokens."),
    input_key: str = typer.Option("input", help="openrlhf: input column (OpenRLHF --input_key)."),
    label_key: str = typer.Option("label", help="openrlhf: label column (OpenRLHF --label_key)."),
    chat: bool = typer.Option(True, "--chat/--plain", help="openrlhf: input as chat messages or a plain string."),
    sft_target: str = typer.Option("auto", help="sft: assistant turn from 'solution', 'rollout' or 'auto'."),
    rollouts_column: Optional[str] = typer.Option(
        None, help="sft: column of verified-correct rollouts (default: the solve-rate stage's "
                   "solve_rate_<alias>_correct_rollouts, when present)."),
) -> None:
    """Export the kept rows of a build for an RL or SFT trainer (verl, TRL GRPO, OpenRLHF, SFT)."""
    from bigmath.export.build_output import BuildOutputError
    from bigmath.export.formats import ExportOptions
    from bigmath.export.tokens import TokenizerError
    from bigmath.export.writer import export_build

    try:
        options = ExportOptions(
            instruction=instruction, system_prompt=system_prompt, input_key=input_key, label_key=label_key,
            chat=chat, sft_target=sft_target, rollouts_column=rollouts_column,
        )
        report = export_build(
            out, format, dest, options, test_size=test_size, seed=seed, max_prompt_tokens=max_prompt_tokens,
            tokenizer=tokenizer, show_progress=True,
        )
    except (BuildOutputError, TokenizerError, ValueError) as exc:
        raise fail(str(exc)) from None
    rows = ", ".join(f"{split} {n:,}" for split, n in report.rows.items())
    console.print(f"[bold]{report.format}[/] export written to {report.out_dir}: {rows} rows")
    for reason, count in report.excluded.items():
        console.print(f"  excluded {count:,} rows: {reason} (see excluded.parquet)")
    if report.unboxed_targets:
        console.print(f"[yellow]warning:[/] {report.unboxed_targets:,} assistant turns have no \\boxed{{}} although the "
                      "instruction asks for one (e.g. Omni-MATH solutions); pass --instruction \"\" or another "
                      "instruction if the model should not learn to ignore it", highlight=False)
    if not any(report.rows.values()):
        console.print("[yellow]warning:[/] no row was exported (see the reasons above); no split file was written")


@app.command("card")
def card_command(
    out: Path = typer.Argument(..., help="Build output folder (from `bigmath build --out OUT`)."),
    dest: Optional[Path] = typer.Option(None, "--out", "-o", help="Folder for README.md and plots (default OUT/card)."),
    repo_id: Optional[str] = typer.Option(None, help="Hub dataset id shown in the card's usage snippet."),
) -> None:
    """Write the Hugging Face dataset card of a build (README.md with YAML metadata, funnel, plots)."""
    from bigmath.export.build_output import BuildOutputError
    from bigmath.export.card import CardValidationError, write_card

    try:
        result = write_card(out, dest, repo_id=repo_id)
    except (BuildOutputError, CardValidationError) as exc:
        raise fail(str(exc)) from None
    console.print(f"card written to {result.readme} with {len(result.plots)} plot(s)")


@app.command("push")
def push_command(
    out: Path = typer.Argument(..., help="Build output folder (from `bigmath build --out OUT`)."),
    repo_id: str = typer.Argument(..., help="Hub dataset repo, e.g. my-org/big-math-rebuild."),
    private: bool = typer.Option(False, "--private", help="Create the repo private."),
    revision: Optional[str] = typer.Option(None, "--revision", help="Branch to commit to (created when missing)."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Only write OUT/hub/ and list what would be uploaded."),
    message: Optional[str] = typer.Option(None, "--message", "-m", help="Commit message."),
    max_shard_size: str = typer.Option("500MB", help="Largest data shard (in-memory Arrow size)."),
) -> None:
    """Upload a build to the Hugging Face Hub in one commit (data shards, dataset card, plots).

    The token comes from HF_TOKEN or `hf auth login`; HF_ENDPOINT selects another Hub.
    """
    from rich.table import Table

    from bigmath.export.build_output import BuildOutputError
    from bigmath.export.card import CardValidationError
    from bigmath.export.hub import HubPushError, push

    try:
        result = push(
            out, repo_id, private=private, revision=revision, dry_run=dry_run, commit_message=message,
            max_shard_size=max_shard_size,
        )
    except (BuildOutputError, CardValidationError, HubPushError, ValueError) as exc:
        raise fail(str(exc)) from None
    folder = result.folder
    table = Table(title=f"{'would upload' if dry_run else 'uploaded'} to {repo_id} ({folder.rows:,} rows)")
    table.add_column("file")
    table.add_column("size", justify="right")
    for name, size in folder.sizes():
        table.add_row(name, _human(size))
    console.print(table)
    if dry_run:
        console.print(f"dry run: the folder is {folder.root}; nothing was uploaded")
    else:
        console.print(f"committed: {result.commit_url}")
