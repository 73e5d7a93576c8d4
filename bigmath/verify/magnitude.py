r"""Size of a number before it is computed: :func:`is_too_large`.

sympy evaluates ``10^{10^{10^{10}}}`` or ``9^{9^9}`` in one C-level integer power that no timer
can interrupt in time (Math-Verify issues #63, #65). The magnitude of every power and factorial
in a parsed answer is estimated in floating point from the tree, and an answer holding one of
more than :data:`MAX_DIGITS` digits is compared only as written (``bigmath.verify.grading``).
"""

from __future__ import annotations

import math
from typing import Any

from sympy import Basic, Float, Integer, Pow, Rational, factorial, preorder_traversal

#: Numbers with more than this many decimal digits are never evaluated (``10^{10^{10^{10}}}``,
#: ``9^{9^9}``): sympy would hang in a C-level integer power (Math-Verify issues #63, #65).
MAX_DIGITS = 100_000

_LOG10_2 = math.log10(2)


def _estimate(expr: Basic) -> tuple[int, float]:
    """(sign, log10 of the magnitude) of a numeric sub-expression, in floats so that nothing
    is ever computed exactly; ``(1, nan)`` when the node is not a plain number."""
    try:
        if isinstance(expr, (Integer, Rational)):
            if expr.p == 0:
                return 0, -math.inf
            size = lambda n: n.bit_length() * _LOG10_2 if n.bit_length() > 60 else math.log10(n)  # noqa: E731
            return (1 if expr.p > 0 else -1), size(abs(expr.p)) - size(expr.q)
        if isinstance(expr, Float):
            sign, mantissa, exponent, bits = expr._mpf_
            return (0, -math.inf) if not mantissa else ((-1 if sign else 1), (exponent + bits) * _LOG10_2)
        if isinstance(expr, Pow):
            base_sign, base_log = _estimate(expr.base)
            exp_sign, exp_log = _estimate(expr.exp)
            exponent = exp_sign * (10.0**exp_log if exp_log < 300 else math.inf)
            return (1 if base_sign >= 0 else -1), (0.0 if base_log == 0 else exponent * base_log)
        if isinstance(expr, factorial):
            n_sign, n_log = _estimate(expr.args[0])
            n = 10.0**n_log if n_log < 300 else math.inf
            return 1, math.lgamma(n + 1) / math.log(10) if n_sign > 0 else 0.0
        if expr.is_Mul:
            parts = [_estimate(a) for a in expr.args]
            return math.prod(p[0] for p in parts), math.fsum(p[1] for p in parts)
        if expr.is_Add:  # upper bound of the magnitude; sign of the largest term
            parts = [_estimate(a) for a in expr.args]
            top = max(parts, key=lambda p: p[1])
            return top[0], top[1] + math.log10(len(parts))
    except (OverflowError, ValueError, TypeError):
        return 1, math.inf
    return 1, math.nan


def is_too_large(expr: Any) -> bool:
    """True when a power or factorial inside ``expr`` has more than :data:`MAX_DIGITS` digits
    (huge or tiny: ``10^{-10^{10}}`` is as costly as ``10^{10^{10}}``)."""
    if not isinstance(expr, Basic):
        return False
    for node in preorder_traversal(expr):
        if isinstance(node, (Pow, factorial)) and node.is_number:
            log = _estimate(node)[1]
            if not math.isnan(log) and abs(log) > MAX_DIGITS:
                return True
    return False
