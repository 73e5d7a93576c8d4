r"""Reward functions for RL trainers, built on :mod:`bigmath.verify` (1.0 correct, else 0.0).

* TRL ``GRPOTrainer(reward_funcs=[trl_accuracy])``: :func:`trl_accuracy`.
* verl ``custom_reward_function.path=<this file>`` with ``name=verl_compute_score`` (or
  ``verl_compute_score_batch`` for verl's ``BatchRewardManager``).
* OpenRLHF ``--remote_rm_url <this file>``: OpenRLHF loads the file and calls its
  :func:`reward_func` (= :func:`openrlhf_reward_func`).

Every function grades gold first, is time-bounded from any thread or event loop, and never
gives 1.0 for a gold answer that does not parse (open-r1 issues #86, #215, #293 rewarded those
with 1.0): TRL gets ``None`` (the trainer skips the sample for this reward), verl and OpenRLHF
get 0.0. Each passes the problem to the verifier when the trainer hands it over (TRL: the
``problem`` column or ``prompts``; verl: ``extra_info["problem"]``; OpenRLHF: ``prompts``), so an
answer that restates the problem earns 0.0 (``docs/verifier.md``, "Echoes of the problem"). Settings come from the environment: ``BIGMATH_VERIFY_TIMEOUT`` (seconds per pair,
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


def _grade(golds: Sequence[Any], responses: Sequence[str], problems: Sequence[str | None] | None = None) -> list[Verdict]:
    """One verdict per pair: a single pair in this process, a batch over the worker pool."""
    if len(golds) != len(responses):
        raise ValueError(f"{len(responses)} completions but {len(golds)} gold answers")
    if problems is not None and len(problems) != len(responses):
        raise ValueError(f"{len(responses)} completions but {len(problems)} problems")
    if len(responses) == 1:
        return [check(golds[0], responses[0], problem=problems[0] if problems else None, timeout_s=TIMEOUT_S)]
    return check_many(golds, responses, problems=problems, workers=WORKERS, timeout_s=TIMEOUT_S)


def _text(content: Any) -> str:
    """A message's content: a string, or the text of a list of ``{"type": "text"}`` parts."""
    if isinstance(content, list):
        return "".join(part.get("text", "") for part in content if isinstance(part, dict))
    return content if isinstance(content, str) else ""


def prompt_text(prompt: Any) -> str | None:
    """The problem as a trainer's prompt holds it: a string unchanged, or (conversational) the
    user messages of a list of ``{"role", "content"}`` dicts joined by blank lines (every
    message when none is a user's); None for None."""
    if prompt is None or isinstance(prompt, str):
        return prompt
    if isinstance(prompt, dict):
        prompt = [prompt]
    messages = [m for m in prompt if isinstance(m, dict)]
    users = [m for m in messages if m.get("role") == "user"] or messages
    return "\n\n".join(_text(m.get("content", "")) for m in users) or None


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
    return _text(assistant[-1].get("content", "")) or ""


def trl_accuracy(completions: list, answer: list | None = None, **kwargs: Any) -> list[float | None]:
    r"""TRL ``GRPOTrainer`` reward: 1.0 when the completion's final answer equals the gold.

    Args:
        completions: plain strings or conversational completions (lists of message dicts).
        answer: gold answers, one per completion (the dataset column ``answer``; TRL passes
            every dataset column as a keyword). When absent, ``solution`` or ``ground_truth``
            is used; a whole solution works too (its final answer is the gold: the boxes of
            its final answer, else its "answer is" line, else the value its last sentence states).
        **kwargs: other columns and TRL arguments. The problem of each completion, for the echo
            rule (an answer that restates the problem earns 0.0: ``docs/verifier.md``), is the
            dataset column ``problem`` when there is one, else TRL's ``prompts`` (the user
            messages of a conversational prompt); ``completion_ids`` and the rest are ignored.

    Returns:
        One reward per completion: 1.0 correct, 0.0 wrong / no answer / timeout, None when the
        gold answer does not parse (TRL ignores None for that sample).

    Raises:
        ValueError: no gold column was passed, or lengths differ.
    """
    golds = answer if answer is not None else kwargs.get("solution", kwargs.get("ground_truth"))
    if golds is None:
        raise ValueError("trl_accuracy needs the gold answers: add an 'answer' column to the dataset")
    problems = trl_problems(kwargs)
    verdicts = _grade(list(golds), [completion_text(c) for c in completions], problems)
    return [None if v.outcome is Outcome.UNPARSEABLE_GOLD else float(v.correct) for v in verdicts]


def trl_problems(columns: dict[str, Any]) -> list[str | None] | None:
    """The problem of each completion from the keywords TRL passes a reward function: the
    dataset column ``problem`` where it holds a string, else that row's ``prompts``
    (:func:`prompt_text`); None when neither is there."""
    problems = columns.get("problem")
    prompts = columns.get("prompts")
    if problems is None and prompts is None:
        return None
    problems = problems if problems is not None else [None] * len(prompts)
    prompts = prompts if prompts is not None else [None] * len(problems)
    return [p if isinstance(p, str) else prompt_text(q) for p, q in zip(problems, prompts)]


def verl_problem(extra_info: Any) -> str | None:
    """The problem in a verl row's ``extra_info``: its ``problem`` key (the bigmath export),
    else ``question`` (verl's own GSM8K preprocessing); None when neither is a string."""
    if not isinstance(extra_info, dict):
        return None
    for key in ("problem", "question"):
        if isinstance(extra_info.get(key), str):
            return extra_info[key]
    return None


def verl_compute_score(data_source: str, solution_str: str, ground_truth: Any,
                       extra_info: dict | None = None, **kwargs: Any) -> float:
    """verl custom reward (``custom_reward_function.name=verl_compute_score``): 1.0 or 0.0.

    Args:
        data_source: the row's ``data_source`` (not used: every source is graded the same way).
        solution_str: the decoded response.
        ground_truth: the gold answer (``reward_model.ground_truth`` of the verl parquet).
        extra_info: the row's ``extra_info``; its ``problem`` (or ``question``) is the problem
            text for the echo rule (:func:`verl_problem`).
        **kwargs: extra keywords some verl reward managers pass (ignored).
    """
    return float(check(ground_truth, solution_str, problem=verl_problem(extra_info), timeout_s=TIMEOUT_S).correct)


def verl_compute_score_batch(data_sources: Sequence[str], solution_strs: Sequence[str], ground_truths: Sequence[Any],
                             extra_infos: Sequence[dict] | None = None, **kwargs: Any) -> list[float]:
    """verl ``BatchRewardManager`` variant of :func:`verl_compute_score` (lists in, list out)."""
    problems = [verl_problem(info) for info in extra_infos] if extra_infos is not None else None
    return [float(v.correct) for v in _grade(list(ground_truths), list(solution_strs), problems)]


def openrlhf_reward_func(queries: Sequence[str], prompts: Sequence[str], labels: Sequence[Any],
                         **kwargs: Any) -> dict[str, Any]:
    """OpenRLHF ``reward_func(queries, prompts, labels)`` for ``--remote_rm_url <file>``.

    Args:
        queries: prompt + response strings, as OpenRLHF passes them.
        prompts: the prompts (removed from the front of each query to get the response; also
            the problem text for the echo rule).
        labels: gold answers (the dataset column named by ``--label_key``).

    Returns:
        ``{"rewards": tensor, "scores": tensor, "extra_logs": {...}}``: float32 tensors of 1.0 /
        0.0 (unparseable golds score 0.0), and per-outcome fractions for the logger.
    """
    import torch

    responses = [q[len(p):] if q.startswith(p) else q for q, p in zip(queries, prompts)]
    verdicts = _grade(list(labels), responses, list(prompts))
    rewards = torch.tensor([float(v.correct) for v in verdicts], dtype=torch.float32)
    counts = collections.Counter(v.outcome for v in verdicts)
    logs = {f"verify/{o.value}": torch.tensor(counts[o] / max(len(verdicts), 1)) for o in Outcome}
    return {"rewards": rewards, "scores": rewards.clone(), "extra_logs": logs}


#: The name OpenRLHF looks up in a ``--remote_rm_url`` Python file.
reward_func = openrlhf_reward_func
