r"""Reward functions for RL trainers, built on :mod:`bigmath.verify` (1.0 correct, else 0.0).

* TRL ``GRPOTrainer(reward_funcs=[trl_accuracy])``: :func:`trl_accuracy`.
* verl ``custom_reward_function.path=<this file>`` with ``name=verl_compute_score`` (or
  ``verl_compute_score_batch`` for verl's ``BatchRewardManager``).
* OpenRLHF ``--remote_rm_url <this file>``: OpenRLHF loads the file and calls its
  :func:`reward_func` (= :func:`openrlhf_reward_func`).

Every function grades gold first, is time-bounded from any thread or event loop, and never
gives 1.0 for a gold answer that does not parse (open-r1 issues #86, #215, #293 rewarded those
with 1.0): TRL gets ``None`` (the trainer skips the sample for this reward), verl and OpenRLHF
get 0.0. Settings come from the environment: ``BIGMATH_VERIFY_TIMEOUT`` (seconds per pair,
default 5) and ``BIGMATH_VERIFY_WORKERS`` (worker processes for batches, default
``min(8, cpu_count)``). See ``docs/verifier.md`` for trainer set-up.
"""

from __future__ import annotations

import collections
import os
from collections.abc import Sequence
from typing import Any

from bigmath.verify import Outcome, Verdict, check, check_many
from bigmath.verify.types import DEFAULT_TIMEOUT_S

TIMEOUT_S = float(os.environ.get("BIGMATH_VERIFY_TIMEOUT", DEFAULT_TIMEOUT_S))
WORKERS = int(os.environ.get("BIGMATH_VERIFY_WORKERS", str(min(8, os.cpu_count() or 2))))


def _grade(golds: Sequence[Any], responses: Sequence[str]) -> list[Verdict]:
    """One verdict per pair: a single pair in this process, a batch over the worker pool."""
    if len(golds) != len(responses):
        raise ValueError(f"{len(responses)} completions but {len(golds)} gold answers")
    if len(responses) == 1:
        return [check(golds[0], responses[0], timeout_s=TIMEOUT_S)]
    return check_many(golds, responses, workers=WORKERS, timeout_s=TIMEOUT_S)


def completion_text(completion: Any) -> str:
    """Text of a TRL completion: a string, or (conversational) the last assistant message of a
    list of ``{"role", "content"}`` dicts, where content may be a list of ``{"type": "text"}`` parts."""
    if isinstance(completion, str):
        return completion
    if isinstance(completion, dict):
        completion = [completion]
    messages = [m for m in completion if isinstance(m, dict)]
    assistant = [m for m in messages if m.get("role", "assistant") == "assistant"] or messages
    if not assistant:
        raise TypeError(f"cannot read a completion of type {type(completion).__name__}")
    content = assistant[-1].get("content", "")
    if isinstance(content, list):
        content = "".join(part.get("text", "") for part in content if isinstance(part, dict))
    return content or ""


def trl_accuracy(completions: list, answer: list | None = None, **kwargs: Any) -> list[float | None]:
    r"""TRL ``GRPOTrainer`` reward: 1.0 when the completion's final answer equals the gold.

    Args:
        completions: plain strings or conversational completions (lists of message dicts).
        answer: gold answers, one per completion (the dataset column ``answer``; TRL passes
            every dataset column as a keyword). When absent, ``solution`` or ``ground_truth``
            is used; a whole solution works too (its final answer is the gold: the boxes of
            its final answer, else its "answer is" line, else the value its last sentence states).
        **kwargs: other columns and TRL arguments (``prompts``, ``completion_ids``), ignored.

    Returns:
        One reward per completion: 1.0 correct, 0.0 wrong / no answer / timeout, None when the
        gold answer does not parse (TRL ignores None for that sample).

    Raises:
        ValueError: no gold column was passed, or lengths differ.
    """
    golds = answer if answer is not None else kwargs.get("solution", kwargs.get("ground_truth"))
    if golds is None:
        raise ValueError("trl_accuracy needs the gold answers: add an 'answer' column to the dataset")
    verdicts = _grade(list(golds), [completion_text(c) for c in completions])
    return [None if v.outcome is Outcome.UNPARSEABLE_GOLD else float(v.correct) for v in verdicts]


def verl_compute_score(data_source: str, solution_str: str, ground_truth: Any,
                       extra_info: dict | None = None, **kwargs: Any) -> float:
    """verl custom reward (``custom_reward_function.name=verl_compute_score``): 1.0 or 0.0.

    Args:
        data_source: the row's ``data_source`` (not used: every source is graded the same way).
        solution_str: the decoded response.
        ground_truth: the gold answer (``reward_model.ground_truth`` of the verl parquet).
        extra_info: the row's ``extra_info`` (not used).
        **kwargs: extra keywords some verl reward managers pass (ignored).
    """
    return float(check(ground_truth, solution_str, timeout_s=TIMEOUT_S).correct)


def verl_compute_score_batch(data_sources: Sequence[str], solution_strs: Sequence[str], ground_truths: Sequence[Any],
                             extra_infos: Sequence[dict] | None = None, **kwargs: Any) -> list[float]:
    """verl ``BatchRewardManager`` variant of :func:`verl_compute_score` (lists in, list out)."""
    return [float(v.correct) for v in _grade(list(ground_truths), list(solution_strs))]


def openrlhf_reward_func(queries: Sequence[str], prompts: Sequence[str], labels: Sequence[Any],
                         **kwargs: Any) -> dict[str, Any]:
    """OpenRLHF ``reward_func(queries, prompts, labels)`` for ``--remote_rm_url <file>``.

    Args:
        queries: prompt + response strings, as OpenRLHF passes them.
        prompts: the prompts (removed from the front of each query to get the response).
        labels: gold answers (the dataset column named by ``--label_key``).

    Returns:
        ``{"rewards": tensor, "scores": tensor, "extra_logs": {...}}``: float32 tensors of 1.0 /
        0.0 (unparseable golds score 0.0), and per-outcome fractions for the logger.
    """
    import torch

    responses = [q[len(p):] if q.startswith(p) else q for q, p in zip(queries, prompts)]
    verdicts = _grade(list(labels), responses)
    rewards = torch.tensor([float(v.correct) for v in verdicts], dtype=torch.float32)
    counts = collections.Counter(v.outcome for v in verdicts)
    logs = {f"verify/{o.value}": torch.tensor(counts[o] / max(len(verdicts), 1)) for o in Outcome}
    return {"rewards": rewards, "scores": rewards.clone(), "extra_logs": logs}


#: The name OpenRLHF looks up in a ``--remote_rm_url`` Python file.
reward_func = openrlhf_reward_func
