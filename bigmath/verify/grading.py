r"""Grade one (gold, prediction) pair: :func:`check` (exported as ``bigmath.verify.check``).

The policy around math-verify (each rule has regression rows in ``tests/test_verify_cases.py``):

* gold first, always: ``math_verify.verify`` is not symmetric (Math-Verify issues #10, #25, #49);
* a gold answer that does not parse is ``unparseable_gold``, never ``correct`` (open-r1 #86, #293);
* both sides are parsed whole (``\boxed{...}``-wrapped), so ``1331 \text{ and } 1728`` is the set
  {1331, 1728} and a prediction ``1728`` is wrong (Math-Verify #47);
* numbers with more than :data:`~bigmath.verify.parsing.MAX_DIGITS` digits are compared only
  structurally; otherwise the outcome is ``timeout`` (Math-Verify #63, #65);
* math-verify's numeric test chops differences below 1e-15, so ``1/2^{99}`` equalled
  ``1/2^{98}`` (Math-Verify #14); an equal verdict on two numbers is re-checked with a relative
  tolerance (1e-12 for exact forms, 1e-5 when a decimal is involved).

Time: in the main thread :func:`check` bounds itself with ``SIGALRM``; from any other thread
(a trainer's reward thread, an async server's executor) it sends the pair to a small persistent
worker process that is killed and replaced when it overruns (:mod:`bigmath.verify.pool`).
"""

from __future__ import annotations

from typing import Any

from math_verify import verify
from sympy import Basic, Eq, Float, Rational, Symbol, UnevaluatedExpr

from bigmath.verify.deadline import Deadline, can_use_signals, time_limit
from bigmath.verify.extract import gold_text
from bigmath.verify.parsing import ParsedAnswer, align_symbols, parse_gold, parse_response
from bigmath.verify.types import DEFAULT_TIMEOUT_S, Outcome, Verdict

_EXACT_RTOL = 1e-12
_DECIMAL_RTOL = 1e-5
_PERCENT = UnevaluatedExpr(Rational(1, 100))


def _describe(parsed: ParsedAnswer) -> str | None:
    """Printable form of what was parsed (sympy ``str``, capped at 300 characters)."""
    if not parsed.found:
        return None
    if parsed.expr is None or parsed.too_large:
        return parsed.latex
    try:
        text = str(parsed.expr)
    except (ValueError, RecursionError):  # int too large to print (sys.int_info limit)
        return parsed.latex
    return text if len(text) <= 300 else text[:297] + "..."


def _scalar(expr: Any) -> Any:
    """The numeric value behind ``expr`` (``x = 5`` -> 5), or None when it is not a number."""
    if isinstance(expr, Eq) and isinstance(expr.lhs, Symbol):
        expr = expr.rhs
    if isinstance(expr, Basic) and getattr(expr, "is_number", False) and not expr.has(_PERCENT):
        return expr
    return None


def _numerically_distinct(gold: Any, pred: Any) -> bool:
    """True when two numbers math-verify called equal differ beyond our relative tolerance.

    Works on the ratio ``pred / gold`` in sympy floats (30 digits, any exponent), so
    ``1/2004!`` vs ``1/2006!`` (both below 1e-5000) are told apart.
    """
    g, p = _scalar(gold), _scalar(pred)
    if g is None or p is None:
        return False
    has_decimal = g.has(Float) or p.has(Float)
    try:
        if g.is_zero:
            return not has_decimal and bool(p.evalf(30) != 0)
        deviation = abs((p / g).evalf(30) - 1)
        return bool(deviation > (_DECIMAL_RTOL if has_decimal else _EXACT_RTOL))
    except (TypeError, ValueError, ArithmeticError):
        return False


def _compare(gold: ParsedAnswer, pred: ParsedAnswer) -> tuple[Outcome, str]:
    if gold.too_large or pred.too_large:
        if gold.latex == pred.latex or gold.expr == pred.expr:
            return Outcome.CORRECT, "identical very large numbers"
        return Outcome.TIMEOUT, "a number has over 100,000 digits; compared only as written"
    if not verify(gold.expr, align_symbols(gold.expr, pred.expr), timeout_seconds=None):
        return Outcome.WRONG, ""
    if _numerically_distinct(gold.expr, pred.expr):
        return Outcome.WRONG, "equal at 15 digits but different numbers (tiny magnitudes)"
    return Outcome.CORRECT, ""


def grade(gold: Any, prediction: str | None) -> Verdict:
    """Grade without a time bound (callers wrap it: :func:`check`, the worker pool).

    Args:
        gold: the gold answer (str, or int/float as in AMC/AIME files).
        prediction: the model response or its final answer.
    """
    parsed_gold = parse_gold(gold_text(gold))
    if not parsed_gold.found:
        return Verdict(Outcome.UNPARSEABLE_GOLD, None, None, "empty gold answer")
    if not parsed_gold.parses:
        return Verdict(Outcome.UNPARSEABLE_GOLD, parsed_gold.latex, None, "math-verify cannot parse the gold answer")
    parsed_pred, how = parse_response(prediction)
    gold_str = _describe(parsed_gold)
    if not parsed_pred.found:
        reason = "empty \\boxed{}" if how == "marker" else "no final answer in the response"
        return Verdict(Outcome.UNPARSEABLE_PREDICTION, gold_str, None, reason)
    if not parsed_pred.parses:
        reason = "math-verify cannot parse the answer"
        return Verdict(Outcome.UNPARSEABLE_PREDICTION, gold_str, parsed_pred.latex, reason)
    outcome, reason = _compare(parsed_gold, parsed_pred)
    if how == "free_text" and not reason:
        reason = "no answer marker; graded the last expression in the text"
    return Verdict(outcome, gold_str, _describe(parsed_pred), reason)


def check_here(gold: Any, prediction: str | None, timeout_s: float | None = DEFAULT_TIMEOUT_S) -> Verdict:
    """Grade in this process, bounded by ``SIGALRM`` (main thread only; see :func:`check`)."""
    try:
        with time_limit(timeout_s):
            return grade(gold, prediction)
    except Deadline:
        return Verdict(Outcome.TIMEOUT, None, None, f"no decision within {timeout_s:g} s")
    except RecursionError:
        return Verdict(Outcome.TIMEOUT, None, None, "expression nested too deeply for sympy")


def check(gold: Any, prediction: str | None, *, timeout_s: float = DEFAULT_TIMEOUT_S) -> Verdict:
    r"""Grade ``prediction`` against ``gold`` (gold first, always).

    Args:
        gold: the gold answer, e.g. ``r"\frac{1}{2}"``, ``"1331 \\text{ and } 1728"``, ``27.0``.
            A whole solution is accepted too: its last ``\boxed{}`` is used.
        prediction: a model response (the final answer is found by
            :func:`bigmath.verify.extract_answer`) or a bare answer such as ``"3\\sqrt{2}"``.
        timeout_s: bound on the whole check in seconds. In the main thread a ``SIGALRM`` timer
            enforces it; in any other thread the pair runs in a worker process that is killed
            when it overruns. Either way an overrun gives :attr:`Outcome.TIMEOUT`.

    Returns:
        A :class:`Verdict`: outcome, parsed gold and prediction, reason.

    Raises:
        TypeError: ``gold`` is not a str, int or float, or ``prediction`` not a str or None.

    Examples:
        >>> check(r"3\sqrt{2}", r"The answer is \boxed{3}").outcome
        <Outcome.WRONG: 'wrong'>
        >>> check("1331 \\text{ and } 1728", "1728").outcome
        <Outcome.WRONG: 'wrong'>
    """
    gold_text(gold)  # type errors surface in the caller, not inside a worker
    if prediction is not None and not isinstance(prediction, str):
        raise TypeError(f"prediction must be a string or None, got {type(prediction).__name__}")
    if can_use_signals():
        return check_here(gold, prediction, timeout_s)
    from bigmath.verify.pool import shared_pool

    return shared_pool().run([(gold, prediction)], timeout_s=timeout_s)[0]
