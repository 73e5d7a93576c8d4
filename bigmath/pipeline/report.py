"""The funnel: rows per source after each stage, and removals per reason (markdown and rich)."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table


def funnel_rows(stats: dict[str, Any]) -> tuple[list[str], list[list[str]]]:
    """Return (header, rows) of the funnel table: one row per stage, one column per source.

    The first row is ``ingested`` (native rows read); each later row gives the rows remaining
    after that stage (``ingest`` = after adapter rejections). Column ``total`` sums the sources.
    """
    sources = list(stats["funnel"])
    header = ["after stage", "total", *sources]
    rows = [["ingested", f"{stats['ingested']:,}", *(f"{stats['sources'][s]['ingested']:,}" for s in sources)]]
    for stage in stats["stages"]:
        name = stage["name"]
        counts = [stats["funnel"][s].get(name, 0) for s in sources]
        label = f"{name} (skipped)" if stage.get("skipped") else name
        rows.append([label, f"{sum(counts):,}", *(f"{c:,}" for c in counts)])
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


def counter_rows(stats: dict[str, Any]) -> list[list[str]]:
    """``[stage, counter, count]`` for every stage's extra counters: what stages did besides removing
    rows (``flagged:<reason>`` of annotate-only filters, ``rewritten:<method>:<source>``, ...)."""
    return [[s["name"], name, f"{value:,}"] for s in stats["stages"] for name, value in (s.get("extra") or {}).items()]


def funnel_markdown(stats: dict[str, Any], title: str = "Funnel") -> str:
    """Render ``funnel.md``: the funnel table and the removals-per-reason table."""
    parts = [
        f"# {title}",
        "",
        f"Ingested {stats['ingested']:,} rows; kept {stats['kept']:,}; rejected {stats['rejected']:,}.",
        "",
        "## Rows after each stage, per source",
        "",
        _markdown_table(*funnel_rows(stats)),
        "",
        "## Removals per reason",
        "",
        _markdown_table(*reason_rows(stats)) if stats["rejected"] else "No rows were removed.",
        "",
    ]
    counters = [[stage, f"`{name}`", count] for stage, name, count in counter_rows(stats)]
    if counters:
        parts += ["## Stage counters", "", _markdown_table(["stage", "counter", "count"], counters), ""]
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
        if i == 0:
            table.add_column(name, no_wrap=True)
        else:  # long source names fold in the header; the counts stay on one line
            table.add_column(name, justify="right", overflow="fold",
                             style="bold" if name == "total" else None)
    for row in rows:
        skipped = row[0].endswith(" (skipped)")
        table.add_row(row[0].removesuffix(" (skipped)") + (" *" if skipped else ""), *row[1:],
                      style="dim" if skipped else None)
    console.print(table)
    if stats["rejected"]:
        header, rows = reason_rows(stats)
        reasons = Table(title="Removals per reason")
        for i, name in enumerate(header):
            reasons.add_column(name, justify="right" if i >= 2 else "left")
        for row in rows:
            reasons.add_row(*row)
        console.print(reasons)
    counters = counter_rows(stats)
    if counters:
        table = Table(title="Stage counters")
        for name in ("stage", "counter", "count"):
            table.add_column(name, justify="right" if name == "count" else "left")
        for row in counters:
            table.add_row(*row)
        console.print(table)
    for stage in stats["stages"]:
        if stage.get("skipped"):
            console.print(f"[yellow]* skipped[/] {stage['name']}: {stage['skipped']}")
    console.print(
        f"ingested [bold]{stats['ingested']:,}[/], kept [bold green]{stats['kept']:,}[/], "
        f"rejected [bold red]{stats['rejected']:,}[/]"
    )
