r"""Numbers written other ways: decimal commas, and decimals that round a fraction.

**Decimal commas** (:func:`decimal_comma_reading`). A lone number with one comma and no space
around it (``1,22``, ``0,1``, ``-0,5``, ``1{,}22``, ``12,5\%``, ``x = 1,22``) is read as a decimal
when the gold answer is a single number, and left as a list otherwise; a comma followed by
exactly three digits is a thousands separator (``1,000`` is one thousand) unless the part
before it is ``0``. latex2sympy reads every comma as a list separator (augustt198/latex2sympy
issue #25: "1,356 would be ambiguous"); math-verify's number regex reads ``1,22`` as 1.22
whatever the gold.

**Decimals that round a fraction** (:func:`snap_decimals`). A decimal ``d`` written with ``k``
digits after the point stands for the exact fraction ``r`` when all three hold:

1. ``r`` lies strictly within half a unit of the last written digit of ``d`` (``d`` is ``r``
   correctly rounded: 0.33 and 0.333 round 1/3, 0.34 does not, 2.6667 rounds 8/3);
2. ``r`` is the simplest fraction (smallest denominator) in that rounding window, so the decimal
   could not stand for a simpler number (0.9 is 9/10, never 8999/10000);
3. the relative error ``|d - r| / |r|`` is at most :data:`RELATIVE_TOLERANCE` (1 %), so one
   significant digit is never enough (0.3 does not stand for 1/3).

Only rational numbers: a decimal for an irrational value (``\pi`` as 3.14, ``\frac{\sqrt2}{2}``
as 0.7071) keeps math-verify's rule (equal when both agree to 6 decimal places). The rule works
in both directions (a decimal gold such as ``33.3`` accepts ``\frac{100}{3}``: Math-Verify issues
#2 and #4, "precision inference from gold") and inside intervals, tuples, sets, matrices and
equations, because it replaces numbers by value, not by position.

**Percent of a written-out number** (:func:`percent_body`, :func:`as_percent`). latex2sympy reads
a percent sign only after a plain number (``25\%``), so HARP's ``33\frac{1}{3}\%`` (a mixed
number) and ``\frac{100}{3}\%`` did not parse. When the whole answer does not parse and is a
number followed by ``\%``, the number is parsed alone and marked as a percent the way
latex2sympy marks ``25\%`` (times an unevaluated 1/100), so every percent rule applies to it:
``33\frac{1}{3}\%`` equals ``\frac{100}{3}\%`` and ``\frac{1}{3}``, and ``33.33\%`` by the
rounding rule above; ``x\%`` stays unparseable (not a number).
"""

from __future__ import annotations

import decimal
import math
import re
from fractions import Fraction
from typing import Any

from sympy import Basic, Eq, Float, MatrixBase, Mul, Rational, Symbol, UnevaluatedExpr

#: Largest relative error of a decimal that stands for a fraction (see module doc, rule 3).
RELATIVE_TOLERANCE = Fraction(1, 100)

_PERCENT = UnevaluatedExpr(Rational(1, 100))  # latex2sympy's marker of a percent: 25\% = 25 * _PERCENT
_PERCENT_SIGN = re.compile(r"\s*\\?%\s*$")
_DECIMAL_COMMA = re.compile(
    r"^(?P<name>[A-Za-z]\s*=\s*)?(?P<int>-?\d+)(?:,|\{,\})(?P<frac>\d+)(?P<pct>\s*\\?%)?$"
)


def decimal_comma_reading(latex: str) -> str | None:
    r"""The dotted spelling of a lone number written with a decimal comma, or None.

    Args:
        latex: the normalised prediction (a whole answer, not a response).

    Returns:
        ``1,22`` -> ``1.22``, ``0,125`` -> ``0.125``, ``1{,}5\%`` -> ``1.5\%``; ``1,000``,
        ``1,234,567``, ``1, 22`` and anything that is not one number give None. The caller
        applies it only when the gold answer is a single number (module doc: the policy).
    """
    match = _DECIMAL_COMMA.match(latex.strip())
    if match is None:
        return None
    whole, fraction = match.group("int"), match.group("frac")
    if len(fraction) == 3 and whole.lstrip("-") != "0":
        return None  # 1,000 is one thousand
    return f"{match.group('name') or ''}{whole}.{fraction}{match.group('pct') or ''}"


def is_single_number(expr: Any) -> bool:
    """True for a number or an assignment ``x = number`` (not a set, tuple or interval)."""
    if isinstance(expr, Eq) and isinstance(expr.lhs, Symbol):
        expr = expr.rhs
    return isinstance(expr, Basic) and bool(getattr(expr, "is_number", False)) and not expr.is_Relational


def _written(value: Float) -> tuple[Fraction, Fraction] | None:
    """(exact value of the digits written, half a unit of the last digit) of a parsed decimal."""
    number = float(value)
    if not math.isfinite(number) or number == 0:
        return None
    digits = decimal.Decimal(repr(number))
    return Fraction(digits), Fraction(1, 2) * Fraction(10) ** digits.as_tuple().exponent


def simplest_between(low: Fraction, high: Fraction) -> Fraction:
    """The fraction with the smallest denominator strictly between ``low`` and ``high``
    (``low < high``), found by continued fractions (Stern-Brocot)."""
    if low < 0 < high:
        return Fraction(0)
    if high <= 0:
        return -simplest_between(-high, -low)
    whole = math.floor(low)
    if whole + 1 < high:
        return Fraction(whole + 1)
    if low == whole:  # the window is (whole, high) with high <= whole + 1
        return whole + Fraction(1, math.floor(1 / (high - whole)) + 1)
    return whole + 1 / simplest_between(1 / (high - whole), 1 / (low - whole))


def rounds_to(value: Float, exact: Rational) -> bool:
    """True when the decimal ``value`` stands for the fraction ``exact`` (module doc, rules 1-3)."""
    written = _written(value)
    if written is None or exact.is_integer:
        return False
    digits, half = written
    target = Fraction(int(exact.p), int(exact.q))
    error = abs(digits - target)
    if error >= half or error > RELATIVE_TOLERANCE * abs(target):
        return False
    return simplest_between(digits - half, digits + half) == target


def _atoms(expr: Any, kind: type) -> set:
    if isinstance(expr, (Basic, MatrixBase)):
        try:
            return set(expr.atoms(kind))
        except (TypeError, AttributeError):
            return set()
    return set()


def _replacements(source: Any, reference: Any) -> dict:
    """Decimals of ``source`` mapped to the fractions of ``reference`` they stand for (a percent
    ``33\\frac{1}{3}\\%`` also stands for its value 1/3)."""
    fractions = {r for r in _atoms(reference, Rational) if not r.is_integer}
    if _is_percent(reference) and isinstance(reference.args[0], Rational):
        fractions.add(reference.args[0] / 100)
    fractions |= {-r for r in fractions}
    mapping = {}
    for value in _atoms(source, Float):
        if any(Rational(str(value)) == r for r in fractions):
            continue  # already exact (0.5 and 1/2): nothing to do
        matches = sorted((r for r in fractions if rounds_to(value, r)), key=lambda r: (r.q, abs(r.p)))
        if matches:
            mapping[value] = matches[0]
    return mapping


def _rebuilt(expr: Any, mapping: dict) -> Any:
    if not mapping:
        return expr
    try:
        return expr.xreplace(mapping)
    except (Exception, RecursionError):  # noqa: BLE001 - sympy raises many kinds here
        return expr


def snap_decimals(gold: Any, pred: Any) -> tuple[Any, Any, list[str]]:
    """Replace each decimal that stands for a fraction of the other side by that fraction.

    Returns:
        (gold, prediction, notes): the rewritten sympy objects (unchanged when nothing applies)
        and one note per replacement, e.g. ``"0.33 read as 1/3"``.
    """
    to_pred, to_gold = _replacements(pred, gold), _replacements(gold, pred)
    notes = [f"{float(k):g} read as {v}" for k, v in (*to_pred.items(), *to_gold.items())]
    return _rebuilt(gold, to_gold), _rebuilt(pred, to_pred), notes


def _is_percent(expr: Any) -> bool:
    return isinstance(expr, Mul) and len(expr.args) == 2 and expr.args[1] == _PERCENT


def percent_body(latex: str) -> str | None:
    r"""The number before a final percent sign (``33\frac{1}{3}\%`` -> ``33\frac{1}{3}``), or None."""
    if not latex.endswith("%"):
        return None
    body = _PERCENT_SIGN.sub("", latex)
    return body if body and body != latex else None


def as_percent(value: Any) -> Any:
    """``value`` percent as latex2sympy writes ``25\\%`` (``value * UnevaluatedExpr(1/100)``),
    or None when ``value`` is not a number."""
    if not isinstance(value, Basic) or not value.is_number or value.is_Relational:
        return None
    return Mul(value, _PERCENT, evaluate=False)
