r"""Equality of two parsed answers: math-verify, then our two corrections to it.

:func:`same` is ``math_verify.verify(gold, prediction)`` (gold first; Math-Verify issues #10,
#25, #49) with:

* *tiny magnitudes*: math-verify chops differences below 1e-15, so ``1/2^{99}`` equalled
  ``1/2^{98}`` (Math-Verify #14); an equal verdict on two numbers is re-checked on their ratio at
  30 digits (relative tolerance 1e-12 for exact forms, 1e-5 when a decimal is involved). This
  never turns a "not equal" into "equal".
* *decimals that round a fraction* (:mod:`bigmath.verify.numbers`): when math-verify says "not
  equal" and a decimal is involved, each decimal that stands for a fraction of the other side
  (``0.33`` for ``1/3``, ``2.6667`` for ``8/3``) is replaced by it and the pair is compared again,
  inside intervals, tuples, sets and matrices too.

sympy errors inside math-verify (``PrecisionExhausted`` on ``\lfloor (3/2)^{2015} \rfloor``) are
raised as :class:`CompareError`, so the caller can tell "undecided" from "not equal".
"""

from __future__ import annotations

from typing import Any

from math_verify import verify
from sympy import Basic, Eq, Float, MatrixBase, Rational, Symbol, UnevaluatedExpr

from bigmath.verify.numbers import snap_decimals
from bigmath.verify.parsing import align_symbols

_EXACT_RTOL = 1e-12
_DECIMAL_RTOL = 1e-5
_PERCENT = UnevaluatedExpr(Rational(1, 100))


class CompareError(Exception):
    """sympy raised while comparing two parsed answers (the pair is undecided)."""


def _scalar(expr: Any) -> Any:
    """The numeric value behind ``expr`` (``x = 5`` -> 5), or None when it is not a number."""
    if isinstance(expr, Eq) and isinstance(expr.lhs, Symbol):
        expr = expr.rhs
    if isinstance(expr, Basic) and getattr(expr, "is_number", False) and not expr.has(_PERCENT):
        return expr
    return None


def numerically_distinct(gold: Any, pred: Any) -> bool:
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


def _verify(gold: Any, pred: Any) -> bool:
    try:
        return bool(verify(gold, align_symbols(gold, pred), timeout_seconds=None))
    except (ArithmeticError, TypeError, ValueError, AttributeError, RecursionError) as error:
        raise CompareError(f"{type(error).__name__}: {error}") from None


def _has_decimal(expr: Any) -> bool:
    return isinstance(expr, (Basic, MatrixBase)) and bool(expr.has(Float))


def same(gold: Any, pred: Any) -> tuple[bool, str]:
    """Whether ``pred`` equals ``gold`` (sympy objects, gold first), with a reason when the
    decision is not math-verify's plain verdict.

    Raises:
        CompareError: sympy raised inside the comparison.
    """
    if _verify(gold, pred):
        if numerically_distinct(gold, pred):
            return False, "equal at 15 digits but different numbers (tiny magnitudes)"
        return True, ""
    if not (_has_decimal(gold) or _has_decimal(pred)):
        return False, ""
    snapped_gold, snapped_pred, notes = snap_decimals(gold, pred)
    if notes and _verify(snapped_gold, snapped_pred) and not numerically_distinct(snapped_gold, snapped_pred):
        return True, "decimal rounds the fraction: " + ", ".join(notes)
    return False, ""
