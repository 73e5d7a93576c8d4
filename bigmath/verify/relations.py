r"""Answers whose meaning is a condition or an order: relations, named values, ordered lists.

* :func:`condition` reads an answer that constrains one variable as ``(variable, set)``:
  ``x \in [-2, 7]``, ``-2 \le x \le 7``, ``x \ge 2``, ``x < -8 \text{ or } x > 8`` (a list of
  inequalities is read as alternatives, like a list of roots, unless it is joined by "and"),
  ``\{x \mid 2 < x < 3\}``.
  Two conditions on the same variable are equal when their sets are, the prediction's in solved
  form (:mod:`bigmath.verify.solved`); a condition gold also accepts the bare set. A bare
  interval gold does not accept an inequality (gold-first asymmetry kept: Math-Verify issues
  #10, #49, #71).
* :func:`named_values` reads a gold such as ``k = 45, n = 2`` as its names and values in
  written order; an unnamed prediction ``45, 2`` is compared value by value in that order
  (``2, 45`` is wrong), a named one name by name (``n = 2, k = 45`` is right).
* :func:`is_ordered` tells an ordered gold (a tuple, or ``(a, b)`` read as a pair): a list or
  several boxes in the prediction are then compared as a tuple, in written order.
"""

from __future__ import annotations

import re
from typing import Any

from sympy import And, Eq, FiniteSet, Interval, Intersection, Or, Set, Symbol, Tuple, Union
from sympy.core.relational import Relational

from bigmath.verify.parsing import ParsedAnswer, set_builder_variable
from bigmath.verify.solved import is_solved

_OPEN, _CLOSE = "([{", ")]}"
_WORD_SEPARATOR = re.compile(r"(?:\\text\s*\{\s*(?:and|or)\s*\}|\b(?:and|or)\b)", re.IGNORECASE)
_AND = re.compile(r"\\text\s*\{\s*and\s*\}|\band\b|\\land\b|\\wedge\b", re.IGNORECASE)
_OR = re.compile(r"\\text\s*\{\s*or\s*\}|\bor\b|\\lor\b|\\vee\b", re.IGNORECASE)
_LEFT_RIGHT = re.compile(r"\\(?:left|right|big|Big|bigg|Bigg)\s*(?=[()\[\]]|\\[{}])")
_NAMED = re.compile(r"^\s*([^=<>]+?)\s*=\s*(.+?)\s*$", re.DOTALL)


def written_elements(latex: str) -> list[str]:
    r"""Split ``latex`` at its top-level commas, semicolons and "and"/"or" words, after removing
    one pair of parentheses around the whole (``(2, 3)`` -> ``["2", "3"]``)."""
    text = _LEFT_RIGHT.sub("", latex).strip()
    if len(text) >= 2 and text[0] == "(" and text[-1] == ")" and _matching(text, 0) == len(text) - 1:
        text = text[1:-1]
    elements, depth, start, i = [], 0, 0, 0
    while i < len(text):
        char = text[i]
        if char == "\\" and i + 1 < len(text) and text[i + 1] in "{}":
            depth += 1 if text[i + 1] == "{" else -1
            i += 2
            continue
        if char in _OPEN:
            depth += 1
        elif char in _CLOSE:
            depth -= 1
        elif depth == 0 and char in ",;":
            elements.append(text[start:i])
            start = i + 1
        elif depth == 0 and (word := _WORD_SEPARATOR.match(text, i)) is not None and (i == 0 or not text[i - 1].isalnum()):
            elements.append(text[start:i])
            start = i = word.end()
            continue
        i += 1
    elements.append(text[start:])
    return [e.strip() for e in elements if e.strip()]


def _matching(text: str, index: int) -> int:
    """Index of the bracket closing the one at ``text[index]`` (-1 when unbalanced)."""
    depth = 0
    for position in range(index, len(text)):
        if text[position] in _OPEN:
            depth += 1
        elif text[position] in _CLOSE:
            depth -= 1
            if depth == 0:
                return position
    return -1


def _is_relation(expr: Any) -> bool:
    return isinstance(expr, (Relational, And, Or))


def condition(parsed: ParsedAnswer, *, solved: bool = False) -> tuple[str, Set] | None:
    """``(variable name, set of values)`` of an answer that states a condition on one variable.

    Args:
        parsed: a parsed gold or prediction (its ``latex`` tells "and" from "or" in a list).
        solved: accept only a solved form (:func:`bigmath.verify.solved.is_solved`: the
            variable against constants), as for a prediction; a gold may be any condition.

    Returns:
        ``("x", Interval(-2, 7))`` for ``-2 \\le x \\le 7``; None for a number, a bare set, an
        equation, a relation in two variables, a set sympy cannot solve for, and with
        ``solved`` an inequality still to be solved (``3x - 1 \\ge 5``).
    """
    expr = parsed.expr
    if isinstance(expr, Eq) and isinstance(expr.lhs, Symbol) and isinstance(expr.rhs, Set):
        return None if solved and not is_solved(expr) else (expr.lhs.name, expr.rhs)  # x \in S
    if isinstance(expr, Set) and (variable := set_builder_variable(parsed.latex)) is not None:
        return variable, expr  # \{x \mid 2 < x < 3\} (a prediction's was parsed solved-only)
    if isinstance(expr, FiniteSet) and expr.args and all(_is_relation(a) and not isinstance(a, Eq) for a in expr.args):
        if solved and not is_solved(expr):
            return None
        joined = And(*expr.args) if _AND.search(parsed.latex) and not _OR.search(parsed.latex) else Or(*expr.args)
        return _as_set(joined)
    if _is_relation(expr) and not isinstance(expr, Eq):
        return None if solved and not is_solved(expr) else _as_set(expr)
    return None


def _as_set(expr: Any) -> tuple[str, Set] | None:
    symbols = expr.free_symbols
    if len(symbols) != 1:
        return None
    (symbol,) = symbols
    try:
        return symbol.name, expr.as_set()
    except (NotImplementedError, TypeError, ValueError, AttributeError):
        return None


def is_set_value(expr: Any) -> bool:
    """True for a bare set of numbers: an interval, a union, an intersection or a finite set of
    numbers."""
    if isinstance(expr, (Interval, Union, Intersection)):
        return True
    return isinstance(expr, FiniteSet) and all(getattr(a, "is_number", False) for a in expr.args)


def named_values(parsed: ParsedAnswer) -> list[str] | None:
    """Values of a gold such as ``k = 45, n = 2``, in written order.

    Returns:
        ``["45", "2"]`` (LaTeX strings); None unless the answer is two or more assignments to
        distinct names written as ``name = value`` separated by commas or "and".
    """
    expr = parsed.expr
    if not isinstance(expr, FiniteSet) or len(expr.args) < 2:
        return None
    if not all(isinstance(a, Eq) and isinstance(a.lhs, Symbol) and not _is_relation(a.rhs) for a in expr.args):
        return None
    if len({a.lhs.name for a in expr.args}) != len(expr.args):
        return None  # x = 1, x = 2: roots of one variable, a set
    elements = written_elements(parsed.latex)
    matches = [_NAMED.match(e) for e in elements]
    if len(elements) != len(expr.args) or not all(matches):
        return None
    return [m.group(2) for m in matches]


def is_ordered(parsed: ParsedAnswer) -> bool:
    """True for a tuple, or an open interval written ``(a, b)`` (read as an ordered pair)."""
    expr = parsed.expr
    if isinstance(expr, Tuple):
        return True
    written = _LEFT_RIGHT.sub("", parsed.latex).lstrip()
    return (isinstance(expr, Interval) and expr.left_open and expr.right_open and written.startswith("(")
            and bool(expr.start.is_finite) and bool(expr.end.is_finite))


def unnamed_elements(parsed: ParsedAnswer, *, tuples: bool) -> list[str] | None:
    """The written elements of a prediction that lists values without names: several boxes, a
    list ``45, 2`` and, when ``tuples`` is set, ``(45, 2)``. None for anything else."""
    if parsed.parts:
        elements = list(parsed.parts)
    elif isinstance(parsed.expr, FiniteSet) or (tuples and is_ordered(parsed)):
        elements = written_elements(parsed.latex)
    else:
        return None
    if len(elements) < 2 or any(_NAMED.match(e) or re.search(r"[<>]|\\[lg]eq?\b|\\in\b", e) for e in elements):
        return None
    return elements
