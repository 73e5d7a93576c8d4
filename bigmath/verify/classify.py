r"""Answer typing: what kind of closed form an answer is, and whether it parses.

The type is read from the parsed sympy object (not from regexes over the string), so it agrees
with what the verifier will compare: ``\frac{6}{4}`` is a fraction, ``3\sqrt{2}`` an expression,
``x = 5`` an equation, ``(-\infty, 3]`` an interval, ``\{1, 2\}`` / ``1, 2`` / ``\pm 3`` a set,
``(1, 2)`` a tuple (an ordered pair; math-verify also accepts it as an open interval),
``\begin{pmatrix}..\end{pmatrix}`` a matrix, ``\text{Tuesday}`` / ``(B)`` text, ``5:21 PM`` a
time of day (:mod:`bigmath.verify.clock`).
"""

from __future__ import annotations

import re
from typing import Any

from sympy import (E, Basic, FiniteSet, Float, Integer, Interval, MatrixBase, Mul, Rational, Symbol, Tuple,
                   UnevaluatedExpr, Union)
from sympy.core.relational import Relational
from sympy.logic.boolalg import And, Or

from bigmath.verify.deadline import Deadline, can_use_signals, time_limit
from bigmath.verify.extract import gold_text
from bigmath.verify.parsing import ParsedAnswer, parse_gold
from bigmath.verify.types import DEFAULT_TIMEOUT_S, AnswerType, TypedAnswer

#: An option letter alone: ``B``, ``(B)``, ``\text{(B)}``, ``\textbf{B}``.
OPTION_LETTER = re.compile(r"^\(?\s*(?:\\text(?:bf)?\s*\{\s*\(?\s*)?[A-Ea-e]\s*\)?\s*\}?\s*\)?$")
_WORDS = re.compile(r"[A-Za-z]{2,}")
_GREEK = set(
    "alpha beta gamma delta epsilon varepsilon zeta eta theta vartheta iota kappa lambda mu nu xi "
    "omicron pi rho sigma tau upsilon phi varphi chi psi omega".split()
)


def _is_text_symbol(expr: Any) -> bool:
    """A word read as one symbol (``\\text{yes}``) or as a product of 4+ letters (``Tuesday``)."""
    if isinstance(expr, Symbol):
        name = expr.name
        return len(name) > 1 and name.isalpha() and name.lower() not in _GREEK
    return isinstance(expr, Mul) and len(expr.args) >= 4 and all(a == E or isinstance(a, Symbol) for a in expr.args)


def _number_type(expr: Basic) -> AnswerType:
    value = expr
    if isinstance(value, Mul) and len(value.args) == 2 and value.args[1] == UnevaluatedExpr(Rational(1, 100)):
        value = value.args[0]  # 50\% -> 50
    if isinstance(value, Integer):
        return AnswerType.INTEGER
    if isinstance(value, Float):
        return AnswerType.DECIMAL
    if isinstance(value, Rational):
        return AnswerType.FRACTION
    if value.has(Float):
        return AnswerType.DECIMAL  # 1.5 \times 10^{3}
    try:
        if value.is_integer:
            return AnswerType.INTEGER  # 2^{10}, 3!
        if value.is_rational:
            return AnswerType.FRACTION  # \frac{1}{2^{99}}
    except (TypeError, ValueError, RecursionError):
        pass
    return AnswerType.EXPRESSION


def type_of(parsed: ParsedAnswer) -> AnswerType:
    """Return the :class:`AnswerType` of a parsed answer (UNKNOWN when it does not parse)."""
    expr, latex = parsed.expr, parsed.latex
    if OPTION_LETTER.match(latex):
        return AnswerType.TEXT
    if parsed.clock is not None:
        return AnswerType.TIME
    if not parsed.parses:
        prose = _WORDS.search(latex) and "\\" not in latex.replace("\\text", "")
        return AnswerType.TEXT if prose else AnswerType.UNKNOWN
    if isinstance(expr, MatrixBase):
        return AnswerType.MATRIX
    if isinstance(expr, (Relational, And, Or)):
        return AnswerType.EQUATION
    if isinstance(expr, Interval):
        finite = expr.start.is_finite and expr.end.is_finite
        pair = finite and expr.left_open and expr.right_open and latex.lstrip().startswith("(")
        return AnswerType.TUPLE if pair else AnswerType.INTERVAL
    if isinstance(expr, Union):
        return AnswerType.INTERVAL
    if isinstance(expr, Tuple):
        return AnswerType.TUPLE
    if isinstance(expr, FiniteSet):
        return AnswerType.SET
    if _is_text_symbol(expr):
        return AnswerType.TEXT
    if isinstance(expr, Basic) and expr.is_number and not parsed.too_large:
        return _number_type(expr)
    return AnswerType.EXPRESSION


def answer_type_here(answer: str | int | float | None, timeout_s: float | None = DEFAULT_TIMEOUT_S) -> TypedAnswer:
    """:func:`answer_type` in this process, bounded by ``SIGALRM`` (main thread only)."""
    if answer is None or not str(answer).strip():
        return TypedAnswer(AnswerType.UNKNOWN, False)
    if not isinstance(answer, (str, int, float)) or isinstance(answer, bool):
        raise TypeError(f"answer must be str, int or float, got {type(answer).__name__}")
    try:
        with time_limit(timeout_s):
            parsed = parse_gold(gold_text(answer))  # what check() would read as the gold
            return TypedAnswer(type_of(parsed), parsed.parses)
    except (Deadline, RecursionError):
        return TypedAnswer(AnswerType.UNKNOWN, False)


def answer_type(answer: str | int | float | None, *, timeout_s: float = DEFAULT_TIMEOUT_S) -> TypedAnswer:
    r"""Return the kind of ``answer`` and whether math-verify parses it.

    Args:
        answer: a gold answer such as ``r"\frac{1}{2}"`` (surrounding ``$`` allowed; an int or
            float is read as a number; a whole solution's last ``\boxed{}`` is used).
        timeout_s: time bound (``SIGALRM`` in the main thread, a worker process elsewhere);
            an answer that takes longer is ``(unknown, False)``.

    Returns:
        :class:`~bigmath.verify.types.TypedAnswer` ``(type, parses)``; ``(unknown, False)`` for
        None or blank input.

    Examples:
        >>> answer_type(r"\frac{6}{4}")
        TypedAnswer(type=<AnswerType.FRACTION: 'fraction'>, parses=True)
        >>> tuple(answer_type("x = 5"))
        (<AnswerType.EQUATION: 'equation'>, True)
    """
    if can_use_signals():
        return answer_type_here(answer, timeout_s)
    from bigmath.verify.pool import shared_pool

    return shared_pool().answer_types([answer], timeout_s=timeout_s)[0]

