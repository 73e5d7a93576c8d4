"""Commands: ``bigmath sources`` (list the adapters) and ``bigmath ingest`` (read one source to parquet)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer
from pydantic import ValidationError
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from bigmath.cli.app import app, console, fail
from bigmath.errors import InputError
from bigmath.registry import UnknownNameError, get_source, names



@app.command("sources")
def sources_command(
    as_json: bool = typer.Option(False, "--json", help="Print the list as JSON instead of a table."),
) -> None:
    """List the source adapters: name, Hub id, pinned revision, licence, splits, native row fields."""
    infos = [get_source(name).info() for name in names("source")]
    if as_json:
        console.print_json(json.dumps(infos))
        return
    if console.width < 110:  # a table would break names and ids mid-word: one block per source
        for info in infos:
            where = _where(info)
            revision = f" @ {info['default_revision'][:12]}" if info["default_revision"] else ""
            console.print(f"[bold]{info['name']}[/]: {where}{revision}, licence {info['license']}, "
                          f"splits {', '.join(info['splits']) or '-'}", highlight=False)
            console.print(Padding(Text("row fields: " + _fields(info)), (0, 0, 0, 2)))  # wrapped lines stay indented
        return
    table = Table(title="bigmath sources", show_lines=True)
    table.add_column("name", no_wrap=True, min_width=10)
    for column in ("Hub id / upstream", "revision", "licence", "splits", "row fields"):
        table.add_column(column, overflow="fold")
    for info in infos:
        revision = info["default_revision"] or ""
        table.add_row(info["name"], _where(info), revision[:12], info["license"],
                      ", ".join(info["splits"]), _fields(info))
    console.print(table)


def _where(info: dict[str, Any]) -> str:
    if info["configurable"]:
        return "any: --hub-id or --path"
    return info["hub_id"] or info["remote"] or "(local files)"


def _fields(info: dict[str, Any]) -> str:
    if info["configurable"]:
        return "any, mapped by --problem-field, --answer-field, --solution-field, ..."
    return ", ".join(info["native_fields"]) or "-"


@app.command("ingest")
def ingest_command(
    source: str = typer.Argument(..., help="Adapter name (see `bigmath sources`)."),
    out: Path = typer.Option(..., "--out", "-o",
                             help="Output folder for problems.parquet, rejected.parquet, summary.json."),
    path: str | None = typer.Option(None, "--path", "-p",
                                    help="Local file or folder (jsonl/json/parquet/zip); omit to read the Hub."),
    split: str | None = typer.Option(None, "--split", help="Upstream split (default: the adapter's first split)."),
    revision: str | None = typer.Option(None, "--revision",
                                        help="Hub revision (default: the adapter's pinned commit)."),
    limit: int | None = typer.Option(None, "--limit", min=0, help="Read at most this many native rows."),
    problem_field: str | None = typer.Option(None, "--problem-field",
                                             help="custom: field holding the problem (default 'problem')."),
    answer_field: str | None = typer.Option(None, "--answer-field", help="custom: field holding the final answer."),
    solution_field: str | None = typer.Option(None, "--solution-field", help="custom: field holding the solution."),
    id_field: str | None = typer.Option(None, "--id-field", help="custom: field holding a stable row id."),
    subset_field: str | None = typer.Option(None, "--subset-field", help="custom: field naming the sub-source."),
    name: str | None = typer.Option(None, "--name",
                                    help="custom: value of the `source` column (default 'custom')."),
    license: str | None = typer.Option(None, "--license", help="custom: SPDX licence id to record."),
    hub_id: str | None = typer.Option(None, "--hub-id", help="custom: Hugging Face dataset id to read."),
    config: str | None = typer.Option(None, "--config", help="custom: Hub dataset config."),
) -> None:
    """Read one source and write OUT/problems.parquet, OUT/rejected.parquet and OUT/summary.json."""
    from bigmath.progress import track
    from bigmath.sources.ingest import ingest_to_dir

    given = {"problem_field": problem_field, "answer_field": answer_field, "solution_field": solution_field,
             "id_field": id_field, "subset_field": subset_field, "name": name, "license": license,
             "hub_id": hub_id, "config": config}
    custom = {k: v for k, v in given.items() if v is not None}
    if custom and source != "custom":
        options = ", ".join("--" + k.replace("_", "-") for k in custom)
        raise fail(f"{options} only apply to the 'custom' source, not {source!r}")
    try:
        adapter = get_source(source)(path=path, split=split, revision=revision, limit=limit, **custom)
    except UnknownNameError as err:
        raise fail(str(err)) from None
    except ValidationError as err:
        raise fail(f"bad options for source {source!r}: " + "; ".join(e["msg"] for e in err.errors())) from None
    try:
        with track(f"ingest {adapter.name}", total=None) as advance:
            summary = ingest_to_dir(adapter, out, on_rows=advance)
    except InputError as err:
        raise fail(str(err)) from None
    _print_summary(summary, out)


def _print_summary(summary: dict[str, Any], out: Path) -> None:
    """Print the ingest counts as a rich table."""
    rows = summary["rows"]
    table = Table(title=f"ingest {summary['source']['name']}", show_header=False)
    table.add_column("what")
    table.add_column("rows", justify="right")
    table.add_row("rows read" + (" (native)" if summary["native_rows"] != rows else ""), f"{summary['native_rows']:,}")
    if summary["native_rows"] != rows:
        table.add_row("distinct problems + rejected", f"{rows:,}")
    table.add_row("kept", f"{summary['kept']:,}")
    table.add_row("rejected", f"{summary['rejected']:,}")
    for reason, count in summary["reasons"].items():
        table.add_row(f"  {reason}", f"{count:,}")
    rate = summary["answer_rate"]
    share = f" ({rate:.2%} of the {rows:,} rows kept or rejected)" if rows else ""
    table.add_row("kept with an answer", f"{summary['kept_with_answer']:,}{share}")
    console.print(table)
    console.print(f"wrote [bold]{out}[/]/problems.parquet, rejected.parquet, summary.json")
