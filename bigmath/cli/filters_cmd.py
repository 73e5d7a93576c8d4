"""Commands: ``bigmath filters`` (list filters and their reasons) and ``bigmath filter`` (run them).

``bigmath filter IN.parquet --out DIR`` streams IN in record batches, runs the rule filters
(or ``--only`` some registered filters) through :func:`bigmath.annotate.annotate`, and writes
``DIR/kept.parquet`` and ``DIR/rejected.parquet`` (:func:`bigmath.annotate.split`), or with
``--annotate`` ``DIR/annotated.parquet`` (every row, its ``reasons`` and the signal columns).
"""

from __future__ import annotations

import collections
import json
from pathlib import Path

import typer
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from bigmath.cli.app import app, console, fail
from bigmath.registry import UnknownNameError, get_filter, names

#: The rule filters ``bigmath filter`` runs when ``--only`` is not given, in this order.
RULE_FILTERS = ("hyperlink", "language", "multiple_choice", "multi_part", "yes_no", "true_false",
                "proof", "figure", "answer", "exact_duplicate")
STAGE = "rule_filters"
#: terminal width (columns) below which listings are printed as blocks instead of tables
WIDE = 110


@app.command("filters")
def filters_command(
    as_json: bool = typer.Option(False, "--json", help="Print the list as JSON instead of a table."),
) -> None:
    """List every registered filter with its device, the columns it reads, signal column and reasons."""
    infos = [{"name": name, "device": cls.device, "reads": list(cls.columns), "signal": cls.signal,
              "signals": [c for c in (cls.signal, *cls.extra_signals) if c], "reasons": list(cls.reasons)}
             for name, cls in ((n, get_filter(n)) for n in names("filter"))]
    if as_json:
        console.print_json(json.dumps(infos))
        return
    if console.width < WIDE:  # a table would squeeze columns to nothing: one block per filter
        for info in infos:
            signal = f" -> columns {', '.join(info['signals'])}" if info["signals"] else ""
            console.print(f"[bold]{info['name']}[/] ({info['device']}) reads {', '.join(info['reads'])}{signal}",
                          highlight=False)
            console.print(Padding(Text(", ".join(info["reasons"])), (0, 0, 0, 2)))  # wrapped lines stay indented
        return
    table = Table(title="bigmath filters", show_lines=True)
    table.add_column("name", no_wrap=True)
    table.add_column("device")
    table.add_column("reads", overflow="fold")
    table.add_column("signal columns", no_wrap=True)
    table.add_column("reasons", no_wrap=True)
    for info in infos:
        table.add_row(info["name"], info["device"], ", ".join(info["reads"]), "\n".join(info["signals"]),
                      _reasons_cell(tuple(info["reasons"])))
    console.print(table)


def _reasons_cell(reasons: tuple[str, ...]) -> str:
    """One reason per line; a long list of one family (language codes) is folded into one entry."""
    families = {r.split(":", 1)[0] for r in reasons}
    if len(reasons) <= 8 or len(families) > 1:
        return "\n".join(reasons)
    details = [r.split(":", 1)[1] for r in reasons]
    lines, line = [], []
    for detail in details:
        line.append(detail)
        if len(line) == 8:
            lines.append(",".join(line))
            line = []
    lines.append(",".join(line))
    return f"{families.pop()}:<one of>\n" + "\n".join(lines)


def _build(only: list[str] | None):
    chosen = only or list(RULE_FILTERS)
    try:
        return [get_filter(name)() for name in chosen]
    except UnknownNameError as err:
        raise fail(str(err)) from None


def _family(reason: str) -> str:
    return reason.split(":", 1)[0]


@app.command("filter")
def filter_command(
    source: Path = typer.Argument(..., help="Input parquet file with problem rows (core columns)."),
    out: Path = typer.Option(..., "--out", "-o", help="Output folder."),
    only: list[str] = typer.Option(None, "--only", help="Run only this filter (repeatable); default: all rule filters."),
    annotate_only: bool = typer.Option(False, "--annotate", help="Drop nothing; write DIR/annotated.parquet."),
    batch_size: int = typer.Option(10_000, "--batch-size", min=1, help="Rows per record batch."),
) -> None:
    """Run rule filters over SOURCE; write kept/rejected (or annotated) parquet and print counts."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from bigmath.annotate import annotate, split
    from bigmath.progress import track

    if not source.is_file():
        raise fail(f"{source}: no such file")
    try:
        reader = pq.ParquetFile(source)
    except (OSError, pa.ArrowInvalid) as err:
        raise fail(f"{source}: not a readable parquet file ({err})") from None
    filters = _build(only)
    needed = sorted({c for f in filters for c in f.columns})
    missing = [c for c in needed if c not in reader.schema_arrow.names]
    if missing:
        users = [f.name for f in filters if set(f.columns) & set(missing)]
        raise fail(f"{source}: missing column(s) {missing} read by filter(s) {users}")

    out.mkdir(parents=True, exist_ok=True)
    writers: dict[str, pq.ParquetWriter] = {}
    counts = {f.name: collections.Counter() for f in filters}
    first_reasons: collections.Counter = collections.Counter()
    total = 0

    def write(name: str, table: pa.Table) -> None:
        if name not in writers:
            writers[name] = pq.ParquetWriter(out / f"{name}.parquet", table.schema)
        writers[name].write_table(table.cast(writers[name].schema))

    for flt in filters:
        flt.setup()
    try:
        with track("rule filters", total=reader.metadata.num_rows) as advance:
            batches = reader.iter_batches(batch_size=batch_size)
            for batch in batches if reader.metadata.num_rows else [reader.schema_arrow.empty_table()]:
                table = batch if isinstance(batch, pa.Table) else pa.Table.from_batches([batch])
                annotated = annotate(table, filters)
                for row_reasons, row_flags in zip(annotated.reasons, annotated.flags):
                    for reason in row_reasons + row_flags:
                        counts.setdefault(_owner(filters, reason), collections.Counter())[reason] += 1
                    if row_reasons:
                        first_reasons[row_reasons[0]] += 1
                if annotate_only:
                    every = [r + f for r, f in zip(annotated.reasons, annotated.flags)]
                    write("annotated", annotated.table.append_column(
                        "reasons", pa.array(every, pa.list_(pa.string()))))
                else:
                    kept, rejected = split(annotated, STAGE)
                    write("kept", kept)
                    write("rejected", rejected)
                total += table.num_rows
                advance(table.num_rows)
    finally:
        for flt in filters:
            flt.teardown()
        for writer in writers.values():
            writer.close()
    _print_counts(filters, counts, first_reasons, total, annotate_only)
    written = ["annotated.parquet"] if annotate_only else ["kept.parquet", "rejected.parquet"]
    console.print(f"wrote {', '.join(str(out / w) for w in written if (out / w).exists())}")


def _owner(filters, reason: str) -> str:
    for flt in filters:
        if reason in flt.reasons:
            return flt.name
    return _family(reason)


def _print_counts(filters, counts, first_reasons, total: int, annotate_only: bool) -> None:
    table = Table(title=f"rule filters over {total:,} rows")
    table.add_column("filter")
    table.add_column("flagged", justify="right")
    table.add_column("% of rows", justify="right")
    if not annotate_only:
        table.add_column("rejected here", justify="right")
    table.add_column("reasons")
    for flt in filters:
        flagged = sum(counts[flt.name].values())
        row = [flt.name, f"{flagged:,}", f"{100 * flagged / total:.1f}" if total else "0.0"]
        if not annotate_only:
            row.append(f"{sum(n for r, n in first_reasons.items() if r in flt.reasons):,}")
        row.append("\n".join(f"{r} {n}" for r, n in counts[flt.name].most_common()))
        table.add_row(*row)
    console.print(table)
    if not annotate_only:
        console.print(f"kept {total - sum(first_reasons.values()):,}, rejected {sum(first_reasons.values()):,}")
