"""The GRPO reward: :func:`bigmath.rewards.trl_accuracy`, plus what the verifier decided, per step.

:class:`VerifierReward` is a TRL reward function. The reward itself is
:func:`bigmath.rewards.trl_accuracy`, the function ``docs/export.md`` documents for the
``trl-grpo`` export (1.0 correct, 0.0 otherwise, None for a gold answer that does not parse), not
a copy. To log *why* completions earn 0, it also grades the same pairs with
:func:`bigmath.verify.check_many` under the reward's own settings (``BIGMATH_VERIFY_TIMEOUT``,
``BIGMATH_VERIFY_WORKERS``) and logs, through TRL's ``log_metric`` hook, per step:

* ``verify/correct``, ``verify/wrong``, ``verify/unparseable_prediction``,
  ``verify/unparseable_gold``, ``verify/timeout``: completions per outcome (per process);
* ``groups/all_zero``, ``groups/all_one``: share of problems whose completions all scored 0 or
  all scored 1 (no GRPO advantage: these groups teach nothing);
* ``verify/disagree``: completions whose reward and outcome disagree (expected 0; a pair near the
  time bound can differ between the two gradings on a loaded machine).

Both gradings are time-bounded from any thread: one pair in the main thread under ``SIGALRM``,
anything else in worker processes that are killed at the bound (``docs/verifier.md``). Grading
costs milliseconds per pair against seconds of generation, so the second pass is cheap.
"""

from __future__ import annotations

import collections
from collections.abc import Callable
from typing import Any

from bigmath import rewards
from bigmath.verify import Outcome, check_many

#: Metric names in the order they are logged.
OUTCOME_METRICS = tuple(f"verify/{o.value}" for o in Outcome)
GROUP_METRICS = ("groups/all_zero", "groups/all_one")


def group_shares(rewards_: list[float | None], keys: list[Any]) -> dict[str, float]:
    """Share of groups (completions of one problem, same key) whose rewards are all 0 / all 1.

    Completions with reward None (gold does not parse) are left out of their group; a group
    with no scored completion counts in neither share.
    """
    groups: dict[Any, list[float]] = {}
    for key, value in zip(keys, rewards_):
        groups.setdefault(key, [])  # every problem is a group, scored or not
        if value is not None:
            groups[key].append(value)
    if not groups:
        return {name: 0.0 for name in GROUP_METRICS}
    all_zero = sum(1 for g in groups.values() if g and all(v == 0.0 for v in g))
    all_one = sum(1 for g in groups.values() if g and all(v == 1.0 for v in g))
    return {"groups/all_zero": all_zero / len(groups), "groups/all_one": all_one / len(groups)}


class VerifierReward:
    """TRL reward function: :func:`bigmath.rewards.trl_accuracy`, logging verifier outcomes per step.

    Args:
        group_column: dataset column that identifies a problem (``id`` in the ``trl-grpo``
            export), used to find the groups of completions; the prompt text when absent.

    Attributes:
        history: one dict per call (``verify/*`` counts, ``groups/*`` shares, ``rewards``), in
            call order; also what is logged when TRL passes ``log_metric``.
    """

    __name__ = "verifier"  # TRL names the reward's metrics after it: rewards/verifier/mean

    def __init__(self, group_column: str = "id") -> None:
        self.group_column = group_column
        self.history: list[dict[str, Any]] = []

    def __call__(self, completions: list, log_metric: Callable[[str, float], None] | None = None,
                 **kwargs: Any) -> list[float | None]:
        """Rewards for ``completions`` (TRL passes the dataset columns, ``answer`` among them)."""
        for key in ("trainer_state", "log_extra", "environments"):
            kwargs.pop(key, None)
        scores = rewards.trl_accuracy(completions, **kwargs)
        golds = kwargs.get("answer", kwargs.get("solution", kwargs.get("ground_truth")))
        texts = [rewards.completion_text(c) for c in completions]
        verdicts = check_many(list(golds), texts, problems=rewards.trl_problems(kwargs), workers=rewards.WORKERS, timeout_s=rewards.TIMEOUT_S)
        counts = collections.Counter(v.outcome for v in verdicts)
        keys = kwargs.get(self.group_column) or [repr(p) for p in kwargs.get("prompts", [None] * len(completions))]
        record: dict[str, Any] = {f"verify/{o.value}": counts[o] for o in Outcome}
        record["verify/disagree"] = sum(
            1 for s, v in zip(scores, verdicts)
            if (s is None) != (v.outcome is Outcome.UNPARSEABLE_GOLD) or (s == 1.0) != v.correct)
        record.update(group_shares(scores, list(keys)))
        if log_metric is not None:
            for name, value in record.items():
                log_metric(name, float(value))
        self.history.append({**record, "rewards": list(scores)})
        return scores
