"""The typer application every ``bigmath`` command registers on (see ``bigmath/cli/__init__.py``)."""

from __future__ import annotations

import warnings

import typer
from rich.console import Console
from rich.markup import escape

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
    """Print ``message`` (verbatim: brackets are not markup) in red on stderr; return an Exit to raise."""
    err_console.print(f"[bold red]error:[/] {escape(message)}", highlight=False)
    return typer.Exit(code)


_python_showwarning = warnings.showwarning


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:  # noqa: ANN001
    """bigmath's own warnings as one yellow ``warning:`` line on stderr; others as Python prints them."""
    if category.__module__.startswith("bigmath."):
        err_console.print("[bold yellow]warning:[/] " + escape(str(message)), highlight=False)
    else:
        _python_showwarning(message, category, filename, lineno, file, line)


@app.callback()
def _root() -> None:
    """Build large, clean, verifiable math-problem datasets for RL (Big-Math, reproducible)."""
    warnings.showwarning = _show_warning
