"""Commands: ``bigmath filters`` (list filters and their reasons) and ``bigmath filter`` (run them).

``bigmath filter IN --out DIR`` is a one-stage recipe (the ``problems`` source and a ``filters``
stage with the rule filters, or ``--only`` some) run by the build engine (:mod:`bigmath.cli.runner`).
"""

from __future__ import annotations

import inspect
import json
from typing import Any

import typer
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from bigmath.cli.app import app, console, fail
from bigmath.cli.options import merge, model_command, nest
from bigmath.cli.runner import build_component, input_parameter, problems_source, run_parameters, run_recipe, sets_of
from bigmath.registry import get_filter, names
from bigmath.stages.filters import RULE_FILTERS

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


def _filter(fixed: dict[str, Any], groups: dict[str, dict[str, Any]]) -> None:
    chosen = fixed["only"] or list(RULE_FILTERS)
    unknown = sorted(set(chosen) - set(names("filter")))
    if unknown:
        raise fail(f"--only {unknown[0]}: unknown filter; known filters: {', '.join(names('filter'))}")
    spec = {"stage_name": STAGE, "filters": [{"type": n, "drop": not fixed["annotate"]} for n in chosen]}
    sets = sets_of(fixed)
    if "filters" in sets and (fixed["only"] or fixed["annotate"]):
        raise fail("--set filters: also set by --only / --annotate; give the filters once")
    stage = build_component("stage", "filters", merge(spec, nest(sets)), [], "filters")
    run_recipe("filter", [problems_source(fixed["input_path"])], [stage], fixed)


model_command(
    app, "filter", _filter,
    doc="Run rule filters (or --only some registered filters) over IN with the build engine.\n\n"
        "Writes kept.parquet and rejected.parquet (with --annotate every row is kept and its reasons go to the "
        "flags column), stats.json, funnel.md and build.json.",
    fixed=[input_parameter(), *run_parameters(),
           inspect.Parameter("only", inspect.Parameter.KEYWORD_ONLY, annotation=list[str],
                             default=typer.Option([], "--only", help="Run only this filter (repeatable); default: "
                                                                     "the Big-Math rule filters.")),
           inspect.Parameter("annotate", inspect.Parameter.KEYWORD_ONLY, annotation=bool,
                             default=typer.Option(False, "--annotate", help="Drop nothing: every row is kept, "
                                                                            "reasons go to the flags column."))],
    generated=[],
)
