"""The answer verifier: extraction, grading, answer typing (built on math-verify and sympy).

Public surface::

    from bigmath.verify import extract_answer, check, check_many, Verdict, Outcome, answer_type, AnswerType

* :func:`check` grades one (gold, prediction) pair, gold first, and returns a :class:`Verdict`
  whose :class:`Outcome` tells correct / wrong / unparseable_gold / unparseable_prediction /
  timeout apart; it is time-bounded from any thread or event loop. Pass ``problem=`` when you
  have it: an answer that restates the problem is then wrong (:mod:`bigmath.verify.echo`).
* :func:`check_many` grades a batch over a persistent process pool with a hard per-item timeout
  (``problems=`` likewise).
* :func:`answer_type` says what kind of closed form a gold answer is and whether it parses.
* :func:`extract_answer` finds the final answer in a model response.

Names are imported on first use, so ``import bigmath.filters`` (which reads
:mod:`bigmath.verify.types`) and a trainer that only calls :func:`check_many` (whose workers do
the parsing) do not load sympy. See ``docs/verifier.md`` for the policy and its sources.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "extract_answer": "bigmath.verify.extract",
    "check": "bigmath.verify.grading",
    "check_many": "bigmath.verify.pool",
    "Verdict": "bigmath.verify.types",
    "Outcome": "bigmath.verify.types",
    "answer_type": "bigmath.verify.classify",
    "AnswerType": "bigmath.verify.types",
}

__all__ = list(_EXPORTS)


def __getattr__(name: str) -> Any:
    """Import a public name on first use (PEP 562)."""
    if name not in _EXPORTS:
        raise AttributeError(f"module 'bigmath.verify' has no attribute {name!r}")
    value = getattr(importlib.import_module(_EXPORTS[name]), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
