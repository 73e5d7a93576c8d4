"""The funnel: rows per source after each stage, and removals per reason (markdown and rich)."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table


def funnel_rows(stats: dict[str, Any]) -> tuple[list[str], list[list[str]]]:
    """Return (header, rows) of the funnel table: one row per source plus a total row.

    Columns: source, ingested, then rows remaining after each stage (ingest first).
    """
    labels = [s["name"] for s in stats["stages"]]
    header = ["source", "ingested", *labels]
    rows = []
    totals = [0] * (len(labels) + 1)
    for source, counts in stats["funnel"].items():
        values = [stats["sources"][source]["ingested"], *(counts.get(label, 0) for label in labels)]
        totals = [t + v for t, v in zip(totals, values)]
        rows.append([source, *(f"{v:,}" for v in values)])
    rows.append(["**total**", *(f"{v:,}" for v in totals)])
    return header, rows


def reason_rows(stats: dict[str, Any]) -> tuple[list[str], list[list[str]]]:
    """Return (header, rows) of removals per reason: stage, reason, rows, % of ingested."""
    header = ["stage", "reason", "rows", "% of ingested"]
    ingested = max(stats["ingested"], 1)
    rows = []
    for stage in stats["stages"]:
        for reason, count in sorted(stage["reasons"].items(), key=lambda kv: (-kv[1], kv[0])):
            rows.append([stage["name"], reason, f"{count:,}", f"{100 * count / ingested:.2f}"])
    return header, rows


def _markdown_table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(" --- " for _ in header) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def funnel_markdown(stats: dict[str, Any], title: str = "Funnel") -> str:
    """Render ``funnel.md``: the funnel table and the removals-per-reason table."""
    parts = [
        f"# {title}",
        "",
        f"Ingested {stats['ingested']:,} rows; kept {stats['kept']:,}; rejected {stats['rejected']:,}.",
        "",
        "## Rows per source after each stage",
        "",
        _markdown_table(*funnel_rows(stats)),
        "",
        "## Removals per reason",
        "",
        _markdown_table(*reason_rows(stats)) if stats["rejected"] else "No rows were removed.",
        "",
    ]
    skipped = [s for s in stats["stages"] if s.get("skipped")]
    if skipped:
        parts += ["## Skipped stages", ""] + [f"- `{s['name']}`: {s['skipped']}" for s in skipped] + [""]
    return "\n".join(parts)


def print_funnel(stats: dict[str, Any], console: Console | None = None) -> None:
    """Print the funnel and reason tables with rich."""
    console = console or Console()
    header, rows = funnel_rows(stats)
    table = Table(title="Rows per source after each stage", show_lines=False)
    for i, name in enumerate(header):
        table.add_column(name, justify="left" if i == 0 else "right")
    for row in rows:
        table.add_row(*(cell.replace("**", "") for cell in row), style="bold" if row[0] == "**total**" else None)
    console.print(table)
    if stats["rejected"]:
        header, rows = reason_rows(stats)
        reasons = Table(title="Removals per reason")
        for i, name in enumerate(header):
            reasons.add_column(name, justify="right" if i >= 2 else "left")
        for row in rows:
            reasons.add_row(*row)
        console.print(reasons)
    for stage in stats["stages"]:
        if stage.get("skipped"):
            console.print(f"[yellow]skipped[/] {stage['name']}: {stage['skipped']}")
    console.print(
        f"ingested [bold]{stats['ingested']:,}[/], kept [bold green]{stats['kept']:,}[/], "
        f"rejected [bold red]{stats['rejected']:,}[/]"
    )
