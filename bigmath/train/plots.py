"""Training curves as PNG: SFT loss per step, GRPO reward per step with what the verifier said.

Drawn with matplotlib's object API on the Agg canvas with a fixed size and no PNG ``Software``
chunk, so the same log gives the same bytes (as :mod:`bigmath.export.plots`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bigmath.verify.types import Outcome

DPI = 100
_PNG_METADATA = {"Software": None}
_OUTCOME_COLOURS = {"correct": "#2e7d32", "wrong": "#c62828", "unparseable_prediction": "#f9a825",
                    "unparseable_gold": "#6d4c41", "timeout": "#5e35b1"}


def _series(records: list[dict[str, Any]], key: str) -> tuple[list[int], list[float]]:
    points = [(r["step"], r[key]) for r in records if r.get(key) is not None]
    return [p[0] for p in points], [float(p[1]) for p in points]


def _save(fig: Any, path: str | Path) -> Path:
    from matplotlib.ticker import MaxNLocator

    for ax in fig.axes:
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # steps are whole numbers
    path = Path(path)
    fig.savefig(path, format="png", dpi=DPI, metadata=_PNG_METADATA)
    return path


def loss_curve(records: list[dict[str, Any]], path: str | Path, title: str = "training loss") -> Path:
    """Plot ``loss`` against ``step`` from trainer log records; return ``path``.

    Args:
        records: per-step log records (``step``, ``loss``), as in ``trainer_log.jsonl``.
        path: PNG file to write.
        title: figure title.
    """
    from matplotlib.figure import Figure

    fig = Figure(figsize=(6.4, 3.6), dpi=DPI)
    fig.subplots_adjust(left=0.11, right=0.97, top=0.88, bottom=0.15)
    ax = fig.add_subplot()
    steps, loss = _series(records, "loss")
    ax.plot(steps, loss, marker="o", markersize=3, color="#1565c0")
    if len(loss) >= 10:  # the check: mean of the last 5 steps against the first 5
        for part, colour, label in ((slice(0, 5), "#9e9e9e", "mean, first 5 steps"),
                                    (slice(-5, None), "#2e7d32", "mean, last 5 steps")):
            ax.hlines(sum(loss[part]) / 5, steps[part][0], steps[part][-1], colors=colour, linestyles="--",
                      label=label)
        ax.legend(fontsize=8)
    ax.set(title=title, xlabel="optimizer step", ylabel="loss (completion tokens)")
    ax.grid(alpha=0.3)
    return _save(fig, path)


def reward_curve(records: list[dict[str, Any]], path: str | Path, title: str = "GRPO reward") -> Path:
    """Plot GRPO's reward (mean +/- std), verifier outcomes and no-signal groups per step.

    Args:
        records: per-step log records with ``reward``, ``reward_std``, ``verify/<outcome>``,
            ``groups/all_zero`` and ``groups/all_one`` (see :class:`bigmath.train.reward.VerifierReward`).
        path: PNG file to write.
        title: figure title.
    """
    from matplotlib.figure import Figure

    fig = Figure(figsize=(12.0, 3.6), dpi=DPI)
    fig.subplots_adjust(left=0.06, right=0.99, top=0.82, bottom=0.15, wspace=0.3)
    fig.suptitle(title)
    reward_ax, outcome_ax, group_ax = fig.subplots(1, 3)
    steps, reward = _series(records, "reward")
    _, spread = _series(records, "reward_std")
    reward_ax.errorbar(steps, reward, yerr=spread if len(spread) == len(reward) else None, marker="o",
                       markersize=3, capsize=3, color="#1565c0")
    reward_ax.set(title="reward (mean, bars: std)", xlabel="step", ylim=(-0.05, 1.05))
    bottom = [0.0] * len(steps)
    for outcome in Outcome:
        _, counts = _series(records, f"verify/{outcome.value}")
        if len(counts) != len(steps) or not any(counts):
            continue
        outcome_ax.bar(steps, counts, bottom=bottom, label=outcome.value, color=_OUTCOME_COLOURS[outcome.value])
        bottom = [b + c for b, c in zip(bottom, counts)]
    outcome_ax.set(title="verifier outcomes (completions)", xlabel="step")
    if any(bottom):
        outcome_ax.legend(fontsize=7)
    for key, colour in (("groups/all_zero", "#c62828"), ("groups/all_one", "#2e7d32")):
        group_steps, share = _series(records, key)
        group_ax.plot(group_steps, share, marker="o", markersize=3, color=colour, label=key.split("/")[1])
    group_ax.set(title="groups with no signal (share)", xlabel="step", ylim=(-0.05, 1.05))
    group_ax.legend(fontsize=7)
    for ax in (reward_ax, outcome_ax, group_ax):
        ax.grid(alpha=0.3)
    return _save(fig, path)
