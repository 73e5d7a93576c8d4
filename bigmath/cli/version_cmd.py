"""``bigmath version``: print the bigmath version."""

from __future__ import annotations

from bigmath import __version__
from bigmath.cli.app import app, console


@app.command()
def version() -> None:
    """Print the installed bigmath version."""
    console.print(__version__)
