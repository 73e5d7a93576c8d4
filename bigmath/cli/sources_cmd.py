"""Commands: ``bigmath sources`` (list the adapters) and ``bigmath ingest`` (one source, run by the engine)."""

from __future__ import annotations

import inspect
import json
from pathlib import Path
from typing import Any

import typer
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from bigmath.cli.app import app, console, fail
from bigmath.cli.options import FieldOption, field_options, model_command, nest
from bigmath.cli.runner import build_component, run_parameters, run_recipe, sets_of
from bigmath.registry import get_source, names



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


def _source_options() -> list[FieldOption]:
    """Options for every source field: the common ones (path, split, revision), then each
    adapter's own (custom's field mapping, problems' source_name), listed once per field name."""
    from bigmath.sources.base import Source

    common = field_options(Source, "source", skip=("limit",), rename={"path": "--path"}, panel="Source")
    seen = {o.key for o in common}
    own: list[FieldOption] = []
    for name in names("source"):
        for option in field_options(get_source(name), "source", skip=("limit", *seen), panel="Source (adapter's own)"):
            owners = _OWNERS.setdefault(option.key, [])
            owners.append(name)
            if len(owners) == 1:
                own.append(option)
    return common + own


_OWNERS: dict[str, list[str]] = {}  # adapter-specific field -> the adapters that have it
_SOURCE = _source_options()


def _ingest(fixed: dict[str, Any], groups: dict[str, dict[str, Any]]) -> None:
    from bigmath import registry

    name = fixed["source"]
    if name not in names("source"):
        raise fail(f"unknown source {name!r}; known sources: {', '.join(names('source'))}")
    given = {**groups.get("source", {}), **sets_of(fixed)}
    foreign = [k for k in given if k in _OWNERS and name not in _OWNERS[k]]
    if foreign:
        flags = ", ".join(next(o.flag for o in _SOURCE if o.key == k) for k in foreign)
        raise fail(f"{flags} only {'applies' if len(foreign) == 1 else 'apply'} to source(s) {', '.join(sorted({a for k in foreign for a in _OWNERS[k]}))}, "
                   f"not {name!r}")
    adapter = build_component("source", name, nest(given), _SOURCE, "source")
    result = run_recipe(f"ingest-{name}", [adapter], [], fixed)
    if result is not None:
        _print_summary(result.out_dir, registry.get_source(name))


model_command(
    app, "ingest", _ingest,
    doc="Read one source into the common schema with the build engine (no stages).\n\n"
        "Writes OUT/kept.parquet (problems), OUT/rejected.parquet (adapter rejections), stats.json, funnel.md "
        "and build.json.",
    fixed=[inspect.Parameter("source", inspect.Parameter.KEYWORD_ONLY, annotation=str,
                             default=typer.Argument(..., help="Adapter name (see `bigmath sources`).")),
           *run_parameters()],
    generated=_SOURCE,
)


def _print_summary(out: Path, adapter: type) -> None:
    """One line after the engine's tables: how many kept rows carry an answer (and, for sources that
    collapse repeated problems, how many native rows they stand for)."""
    import pyarrow.parquet as pq

    kept = pq.read_table(out / "kept.parquet", columns=["answer", "meta"])
    answered = kept.num_rows - kept.column("answer").null_count
    native = sum(json.loads(m).get("num_solutions", 1) for m in kept.column("meta").to_pylist()) \
        if adapter.collapses_rows else None
    console.print(f"kept with an answer: {answered:,} of {kept.num_rows:,}"
                  + (f"; they stand for {native:,} native rows" if native is not None else ""), highlight=False)
