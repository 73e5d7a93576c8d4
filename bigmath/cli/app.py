"""The typer application every ``bigmath`` command registers on (see ``bigmath/cli/__init__.py``)."""

from __future__ import annotations

import typer
from rich.console import Console

app = typer.Typer(
    name="bigmath",
    help="Build large, clean, verifiable math-problem datasets for RL (Big-Math, reproducible).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,
)

#: Console for tables and progress (stdout); errors go to ``err_console``.
console = Console()
err_console = Console(stderr=True)


def fail(message: str, code: int = 1) -> "typer.Exit":
    """Print ``message`` in red on stderr and return an Exit to raise."""
    err_console.print(f"[bold red]error:[/] {message}", highlight=False)
    return typer.Exit(code)


@app.callback()
def _root() -> None:
    """Build large, clean, verifiable math-problem datasets for RL (Big-Math, reproducible)."""
