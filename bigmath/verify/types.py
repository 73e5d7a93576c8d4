"""Value types of the verifier: :class:`Outcome`, :class:`Verdict`, :class:`AnswerType`.

They are plain frozen dataclasses and string enums, so verdicts pickle across the worker
processes of :func:`bigmath.verify.check_many` and serialise to JSON / Arrow as strings.
"""

from __future__ import annotations

import dataclasses
import enum
from typing import NamedTuple

#: Default per-pair time bound in seconds (math-verify's own default is 5 s per step).
DEFAULT_TIMEOUT_S = 5.0


class Outcome(str, enum.Enum):
    """What a check decided. Only ``correct`` earns reward; the other four are told apart so a
    dataset builder can see *why* a pair failed (wrong answer vs. a gold answer we cannot read)."""

    CORRECT = "correct"
    WRONG = "wrong"
    UNPARSEABLE_GOLD = "unparseable_gold"
    UNPARSEABLE_PREDICTION = "unparseable_prediction"
    TIMEOUT = "timeout"

    def __str__(self) -> str:  # f-strings and tables print the bare value
        return self.value


@dataclasses.dataclass(frozen=True, slots=True)
class Verdict:
    """Result of grading one (gold, prediction) pair.

    Attributes:
        outcome: one of :class:`Outcome`.
        gold: the gold answer as it was understood (sympy ``str`` of the parsed form, or the
            normalised LaTeX when it did not parse); ``None`` when the gold was empty.
        prediction: the prediction's final answer as it was understood, same convention;
            ``None`` when no answer was found.
        reason: a short human-readable explanation (empty for plain correct/wrong).
    """

    outcome: Outcome
    gold: str | None = None
    prediction: str | None = None
    reason: str = ""

    @property
    def correct(self) -> bool:
        """True only for :attr:`Outcome.CORRECT`."""
        return self.outcome is Outcome.CORRECT

    def to_dict(self) -> dict[str, str | None]:
        """Return a JSON-able dict: ``outcome`` (string), ``gold``, ``prediction``, ``reason``."""
        return {"outcome": self.outcome.value, "gold": self.gold, "prediction": self.prediction, "reason": self.reason}


class AnswerType(str, enum.Enum):
    """Kind of a closed-form answer, as read by :func:`bigmath.verify.answer_type`.

    ``set`` and ``tuple`` split the issue's "set/tuple" kind: sets (``\\{1, 2\\}``, ``1, 2``,
    ``\\pm 3``) are unordered, tuples (``(1, 2)``, vectors) are ordered.
    """

    INTEGER = "integer"
    DECIMAL = "decimal"
    FRACTION = "fraction"
    EXPRESSION = "expression"
    EQUATION = "equation"
    INTERVAL = "interval"
    SET = "set"
    TUPLE = "tuple"
    MATRIX = "matrix"
    TEXT = "text"
    TIME = "time"
    UNKNOWN = "unknown"

    def __str__(self) -> str:
        return self.value


class TypedAnswer(NamedTuple):
    """Output of :func:`bigmath.verify.answer_type`: the kind and whether the answer parses.

    Unpacks like a pair: ``kind, parses = answer_type(r"\\frac{1}{2}")``.
    """

    type: AnswerType
    parses: bool
