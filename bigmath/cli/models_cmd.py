"""Command: ``bigmath models`` -- the local models ``--model`` accepts by name, and where they live."""

from __future__ import annotations

import json
from typing import Optional

import typer
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from bigmath.cli.app import app, console, fail


@app.command("models")
def models_command(
    as_json: bool = typer.Option(False, "--json", help="Print the list as JSON instead of a table."),
    convert: Optional[str] = typer.Option(None, "--convert", metavar="NAME",
                                          help="Convert local model NAME now (else it converts on first use)."),
) -> None:
    """List the local model names (``--model smollm2-135m-instruct``): upstream, licence, whether
    the package holding the weights is installed, whether they are converted, and the folder.
    Any Hub id or local folder works as ``--model`` too."""
    from bigmath.llm.models import LOCAL_MODELS, ModelNotAvailableError, describe_models, resolve_model

    if convert is not None:
        if convert not in LOCAL_MODELS:
            raise fail(f"unknown local model {convert!r}; known: {', '.join(LOCAL_MODELS)}")
        try:
            resolve_model(convert)
        except ModelNotAvailableError as exc:
            raise fail(str(exc)) from None
    rows = describe_models()
    if as_json:
        console.print_json(json.dumps(rows))
        return
    cells = [(str(row["name"]), str(row["upstream"]), str(row["license"]),
              "yes" if row["installed"] else f"no: pip install 'bigmath[{row['extra']}]'",
              "yes" if row["converted"] else "no (on first use, ~20 s)", str(row["folder"])) for row in rows]
    if console.width < 140:  # a table would break names and paths mid-word: one block per model
        for name, upstream, license_, installed, converted, folder in cells:
            console.print(f"[bold]{escape(name)}[/]: {escape(upstream)}, licence {escape(license_)}", highlight=False)
            console.print(f"  installed: {installed}; converted: {converted}\n  folder: {folder}", highlight=False,
                          markup=False)
        return
    table = Table(title="bigmath local models (use the name as --model or backend.model)")
    for column in ("name", "upstream", "licence", "installed", "converted", "folder"):
        table.add_column(column, no_wrap=column == "name", overflow="fold")
    for row in cells:
        table.add_row(*(Text(cell) for cell in row))
    console.print(table)
