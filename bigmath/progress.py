"""Progress bars that nest safely inside the build's own rich display.

Use :func:`track` for any long loop (embedding, k-means, generation)::

    with track("embedding", total=len(texts), progress=ctx.progress) as advance:
        for batch in batches:
            ...
            advance(len(batch))

Inside ``bigmath build`` the engine passes its live ``rich.progress.Progress`` as
``ctx.progress`` (in ``prepare`` and in-process stages) and the bar joins it; outside a build a
bar of its own is shown; when another live display is already active and none was passed, the
loop runs without a bar instead of failing.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator

from rich.errors import LiveError
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn


def _new_progress() -> Progress:
    return Progress(TextColumn("[bold]{task.description:<22}"), BarColumn(), MofNCompleteColumn(),
                    TimeElapsedColumn(), transient=False)


@contextlib.contextmanager
def track(description: str, total: int | None, progress: Progress | None = None) -> Iterator[Callable[[int], None]]:
    """Show a bar named ``description`` with ``total`` steps; yield ``advance(n)``.

    Args:
        description: label shown left of the bar.
        total: number of steps (None = unknown).
        progress: a live Progress to add the bar to (``ctx.progress`` in stages), or None.
    """
    if progress is not None:
        task = progress.add_task(description, total=total)
        try:
            yield lambda n=1: progress.advance(task, n)
        finally:
            progress.remove_task(task)
        return
    own = _new_progress()
    try:
        own.start()
    except LiveError:  # another live display is active: run without a bar
        yield lambda n=1: None
        return
    task = own.add_task(description, total=total)
    try:
        yield lambda n=1: own.advance(task, n)
    finally:
        own.stop()


@contextlib.contextmanager
def quiet_model_loading() -> Iterator[None]:
    """Hide transformers' own tqdm bars ("Loading weights ...") while a model loads, so they do not
    break into the build's rich display; restores the previous setting afterwards."""
    from transformers.utils import logging as hf_logging

    enabled = hf_logging.is_progress_bar_enabled()
    hf_logging.disable_progress_bar()
    try:
        yield
    finally:
        if enabled:
            hf_logging.enable_progress_bar()
