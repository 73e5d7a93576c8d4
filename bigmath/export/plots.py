"""PNG plots for the dataset card, drawn with matplotlib's object API on the Agg canvas.

Plots are byte-identical for the same inputs: no pyplot global state, fixed size and DPI, and the
PNG ``Software`` text chunk (matplotlib's version) left out.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

DPI = 100
_PNG_METADATA = {"Software": None}


def _figure(n_panels: int, axes_size: tuple[float, float], left: float = 0.6, max_cols: int = 3):
    """A figure with ``n_panels`` axes of ``axes_size`` inches in a grid, margins fixed in inches.

    Margins are computed here instead of by matplotlib's layout engines, which cost ~0.7 s per
    figure on a small CPU; ``left`` is the room for tick labels.
    """
    from matplotlib.figure import Figure  # heavy: import on use; Figure() draws on the Agg canvas

    n_panels = max(1, n_panels)
    cols = min(max_cols, n_panels)
    rows = math.ceil(n_panels / cols)
    cell_w, cell_h = left + axes_size[0] + 0.3, axes_size[1] + 0.95  # 0.95: title above, label below
    top = 0.45  # figure title
    width, height = cols * cell_w, rows * cell_h + top
    fig = Figure(figsize=(width, height), dpi=DPI)
    axes = []
    for i in range(n_panels):
        row, col = divmod(i, cols)
        x0 = col * cell_w + left
        y0 = height - top - (row + 1) * cell_h + 0.6
        axes.append(fig.add_axes((x0 / width, y0 / height, axes_size[0] / width, axes_size[1] / height)))
    return fig, axes


def _save(fig: Any, path: Path) -> Path:
    fig.savefig(path, format="png", dpi=DPI, metadata=_PNG_METADATA)
    return path


def funnel_chart(funnel: dict[str, dict[str, int | None]], stages: Sequence[str], path: str | Path) -> Path:
    """Draw one horizontal bar panel per source: rows left after each stage.

    Args:
        funnel: source -> step -> rows left after that step (``ingested`` then each stage of
            ``stats.json["funnel"]``, see :func:`bigmath.export.card_context.funnel_table`).
        stages: step names in pipeline order (bars top to bottom).
        path: PNG file to write.

    Returns:
        ``path``.
    """
    sources = sorted(funnel)
    left = 0.08 * max(len(s) for s in stages) + 0.2
    fig, axes = _figure(len(sources), (3.2, 0.32 * len(stages) + 0.4), left=left)
    for ax, source in zip(axes, sources):
        values = [funnel[source].get(stage) or 0 for stage in stages]
        positions = list(range(len(stages)))[::-1]
        bars = ax.barh(positions, values, color="#4c72b0")
        ax.bar_label(bars, labels=[f"{v:,}" for v in values], padding=2, fontsize=8)
        ax.set_yticks(positions, labels=list(stages), fontsize=8)
        ax.set_title(source, fontsize=10)
        ax.set_xlim(0, max(values + [1]) * 1.25)
        ax.tick_params(axis="x", labelsize=7)
        ax.set_xlabel("rows", fontsize=8)
    fig.suptitle("Rows left after each stage, per source", fontsize=11)
    return _save(fig, Path(path))


def difficulty_histogram(kept: pa.Table, path: str | Path) -> Path | None:
    """Histogram of upstream ``difficulty`` of kept rows, one panel per ``difficulty_scale``.

    Scales differ between sources (MATH levels 1-5, Omni-MATH 1-10), so they are never mixed.

    Returns:
        ``path``, or None when no kept row has a difficulty.
    """
    table = kept.select(["difficulty", "difficulty_scale"]).filter(pc.is_valid(kept.column("difficulty")))
    if table.num_rows == 0:
        return None
    scales = table.column("difficulty_scale").to_pylist()
    values = table.column("difficulty").to_pylist()
    groups: dict[str, list[float]] = {}
    for scale, value in zip(scales, values):
        groups.setdefault(scale or "unspecified scale", []).append(value)
    fig, axes = _figure(len(groups), (3.4, 2.2))
    for ax, scale in zip(axes, sorted(groups)):
        data = groups[scale]
        distinct = sorted(set(data))
        if len(distinct) <= 20:  # discrete levels: one bar per level
            counts = [data.count(v) for v in distinct]
            bars = ax.bar([str(_short(v)) for v in distinct], counts, color="#55a868")
            ax.bar_label(bars, fontsize=7)
        else:
            ax.hist(data, bins=20, color="#55a868")
        ax.set_title(scale, fontsize=10)
        ax.set_xlabel("difficulty", fontsize=8)
        ax.set_ylabel("kept rows", fontsize=8)
        ax.tick_params(labelsize=7)
    fig.suptitle("Upstream difficulty of kept problems", fontsize=11)
    return _save(fig, Path(path))


def solve_rate_histogram(kept: pa.Table, path: str | Path) -> Path | None:
    """Histogram of every ``solve_rate_<model>`` column of the kept rows (fraction 0..1 solved).

    Returns:
        ``path``, or None when there is no such column with a value.
    """
    columns = [f.name for f in kept.schema if f.name.startswith("solve_rate_") and pa.types.is_floating(f.type)]
    data = {}
    for name in sorted(columns):
        values = [v for v in kept.column(name).to_pylist() if v is not None]
        if values:
            data[name] = values
    if not data:
        return None
    fig, axes = _figure(len(data), (3.4, 2.2))
    for ax, name in zip(axes, data):
        ax.hist(data[name], bins=[i / 10 for i in range(11)], color="#c44e52")
        ax.set_title(name.removeprefix("solve_rate_"), fontsize=10)
        ax.set_xlabel("solve rate", fontsize=8)
        ax.set_ylabel("kept rows", fontsize=8)
        ax.tick_params(labelsize=7)
    fig.suptitle("Solve rate of kept problems", fontsize=11)
    return _save(fig, Path(path))


def _short(value: float) -> float | int:
    return int(value) if float(value).is_integer() else value
