r"""Number policies of the verifier: the decimal-comma cases, decimals that round a fraction,
and the written order of list elements (``bigmath.verify.numbers``, ``bigmath.verify.relations``)."""

from __future__ import annotations

from fractions import Fraction

import pytest
from sympy import Float, Rational

from bigmath.verify.numbers import decimal_comma_reading, rounds_to, simplest_between, snap_decimals
from bigmath.verify.relations import written_elements

#: The decimal-comma policy, case by case (also the list in docs/verifier.md): what the written
#: prediction becomes when the gold is a single number. None = left to math-verify (a list, or
#: thousands separators).
DECIMAL_COMMA_POLICY = [
    ("1,22", "1.22"),        # two digits after the comma: cannot be a thousands group
    ("3,14159", "3.14159"),  # four or more digits: not a thousands group either
    ("0,1", "0.1"),          # a list {0, 1} when the gold is a list (the caller's check)
    ("0,125", "0.125"),      # three digits after a lone 0: no thousands group follows a 0
    ("-0,5", "-0.5"),
    ("1{,}22", "1.22"),      # LaTeX's decimal comma
    (r"12,5\%", r"12.5\%"),
    ("x = 1,5", "x = 1.5"),
    ("1,000", None),         # three digits: one thousand, always
    ("12,345", None),
    ("1,234,567", None),     # thousands groups
    ("1, 22", None),         # a space after the comma: a list, always
    ("1,2,3", None),         # more than one comma: a list
    ("(1,5)", None),         # inside a tuple or interval the comma separates
    ("1,5x", None),          # not a lone number
]


@pytest.mark.parametrize("written, dotted", DECIMAL_COMMA_POLICY)
def test_decimal_comma_policy(written, dotted):
    assert decimal_comma_reading(written) == dotted


@pytest.mark.parametrize(
    "decimal, fraction, stands_for",
    [
        ("0.33", (1, 3), True),
        ("0.333333", (1, 3), True),
        ("0.3", (1, 3), False),      # 10 % off: above the 1 % tolerance
        ("0.34", (1, 3), False),     # not the fraction rounded
        ("2.6667", (8, 3), True),
        ("2.6666", (8, 3), False),   # truncated
        ("0.14", (1, 7), False),     # 2 % off
        ("0.143", (1, 7), True),
        ("0.9", (8999, 10000), False),  # 0.9 stands for 9/10, a simpler fraction in its window
        ("0.13", (1, 8), False),     # 1/8 = 0.125 sits on the window's edge: write it exactly
        ("-0.67", (-2, 3), True),
        ("33.3", (100, 3), True),
        ("1.0", (1, 1), False),      # integers are not fractions: exact comparison only
    ],
)
def test_rounds_to(decimal, fraction, stands_for):
    assert rounds_to(Float(decimal), Rational(*fraction)) is stands_for


@pytest.mark.parametrize(
    "low, high, simplest",
    [
        (Fraction(325, 1000), Fraction(335, 1000), Fraction(1, 3)),
        (Fraction(15, 100), Fraction(25, 100), Fraction(1, 5)),  # open: 1/4 on the edge is out
        (Fraction(266665, 100000), Fraction(266675, 100000), Fraction(8, 3)),
        (Fraction(-335, 1000), Fraction(-325, 1000), Fraction(-1, 3)),
        (Fraction(-1, 10), Fraction(1, 10), Fraction(0)),
        (Fraction(2), Fraction(21, 10), Fraction(23, 11)),  # 2 + 1/11: the window is (2, 2.1)
    ],
)
def test_simplest_between(low, high, simplest):
    assert simplest_between(low, high) == simplest


def test_snap_decimals_replaces_by_value_on_both_sides():
    gold, pred, notes = snap_decimals(Rational(1, 3), Float("0.33"))
    assert (gold, pred) == (Rational(1, 3), Rational(1, 3)) and notes == ["0.33 read as 1/3"]
    gold, pred, notes = snap_decimals(Float("33.3"), Rational(100, 3))
    assert gold == Rational(100, 3) and notes == ["33.3 read as 100/3"]
    unchanged = snap_decimals(Rational(1, 3), Float("0.5"))
    assert unchanged[2] == [] and unchanged[1] == Float("0.5")


@pytest.mark.parametrize(
    "latex, elements",
    [
        ("k = 45, n = 2", ["k = 45", "n = 2"]),
        ("(2, 3)", ["2", "3"]),
        (r"\left(2, 3\right)", ["2", "3"]),
        (r"(1, 2), (3, 4)", ["(1, 2)", "(3, 4)"]),
        (r"[1, 2), \frac{1}{2}", ["[1, 2)", r"\frac{1}{2}"]),
        (r"1331 \text{ and } 1728", ["1331", "1728"]),
        (r"\{1, 2\}, 3", [r"\{1, 2\}", "3"]),
        ("x = 1 or x = 2", ["x = 1", "x = 2"]),
    ],
)
def test_written_elements(latex, elements):
    assert written_elements(latex) == elements
