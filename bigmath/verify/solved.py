r"""Solved forms of a condition on one variable: :func:`is_solved`.

A condition gold (``x \in [-2, 7]``, ``x \ge 2``) accepts the same condition written another
way (:mod:`bigmath.verify.relations`), but only in *solved* form: the variable against
constants. Otherwise the problem's own inequality earns the reward: "For what values of $x$ is
$x^2 - 5x - 4 \le 10$?" echoed back has the solution set [-2, 7], and ``3x - 1 \ge 5`` is
``x \ge 2`` once solved (a new-user trial of the verifier found both graded correct). Solved:

* a bound, either way round: ``x \ge 2``, ``2 < x``, ``x \ne 3``;
* a chain: ``-2 \le x \le 7`` (sympy's ``And`` of two bounds);
* membership: ``x \in [-2, 7]``, ``x \in \{1, 2\}`` (a set of constants);
* "and" / "or" of solved forms, as an ``And``/``Or`` or a written list of bounds
  (``x < -8 \text{ or } x > 8``);
* a set-builder ``\{x \mid ...\}`` over a solved condition.

Not solved: anything where the variable sits inside an expression (``3x - 1 \ge 5``,
``(x-2)(x-5) < 0``, ``|x| < 3``, ``x^2 > 64``, ``2x > 4``).
"""

from __future__ import annotations

from typing import Any

from sympy import And, Eq, FiniteSet, Or, Set, Symbol
from sympy.core.relational import Relational


def _constant(expr: Any) -> bool:
    """True for a constant side: a number, ``\\infty``, or a set of constants."""
    return not getattr(expr, "free_symbols", {None})


def is_solved(expr: Any) -> bool:
    """True when ``expr`` states a condition on one variable in solved form (module doc).

    Args:
        expr: a parsed answer (sympy relation, ``And``/``Or``, ``Eq(x, Set)`` for
            ``x \\in S``, or a ``FiniteSet`` of relations for a written list).
    """
    if isinstance(expr, (And, Or)) or (isinstance(expr, FiniteSet) and expr.args):
        return all(is_solved(arg) for arg in expr.args)
    if isinstance(expr, Eq) and isinstance(expr.rhs, Set):
        return isinstance(expr.lhs, Symbol) and _constant(expr.rhs)
    if isinstance(expr, Relational) and not isinstance(expr, Eq):
        lhs, rhs = expr.lhs, expr.rhs
        return (isinstance(lhs, Symbol) and _constant(rhs)) or (isinstance(rhs, Symbol) and _constant(lhs))
    return False
