"""Finding multiple-choice options in problem text and in option fields (bigmath.reformulate.options).

Rows are real where a source is named: NuminaMath rows from ``sources/fixtures/numinamath_cot.jsonl``,
MATH test rows from ``../shared/data/math/sample.jsonl``, AQuA / SAT option fields from
``../shared/data/labelled/``.
"""

from __future__ import annotations

import pytest

from bigmath.reformulate.latex import math_spans, option_value
from bigmath.reformulate.options import options_from_field, parse_options

CASES = [
    # (where from, text, notation, stem, option values)
    ("numinamath amc_aime", "What is the sum of the digits of $10^{5} - 1$?\n$\\textbf{(A)}\\ 9\\qquad\\textbf{(B)}\\ 36"
     "\\qquad\\textbf{(C)}\\ 45\\qquad\\textbf{(D)}\\ 54\\qquad\\textbf{(E)}\\ 90$",
     "textbf", "What is the sum of the digits of $10^{5} - 1$?", ["9", "36", "45", "54", "90"]),
    ("numinamath cn_k12", "Which of the following numbers is irrational?\nA: $\\frac{1}{3}$\nB: $\\sqrt{4}$\nC: $\\sqrt{2}$\nD: $0.5$",
     "lines", "Which of the following numbers is irrational?", ["\\frac{1}{3}", "\\sqrt{4}", "\\sqrt{2}", "0.5"]),
    ("cn_k12 dots on one line", "Compute $2^3$. A. $6$ B. $8$ C. $9$ D. $12$",
     "lines", "Compute $2^3$.", ["6", "8", "9", "12"]),
    ("numinamath synthetic_amc", "If $x + \\frac{1}{x} = 3$, what is $x^2 + \\frac{1}{x^2}$?\n(A) 5\n(B) 7\n(C) 9\n(D) 11\n(E) 13",
     "paren", "If $x + \\frac{1}{x} = 3$, what is $x^2 + \\frac{1}{x^2}$?", ["5", "7", "9", "11", "13"]),
    ("MATH, letter instruction after the block", "All the plotted points lie on what kind of curve? (A) Line (B) Circle "
     "(C) Parabola (D) Ellipse (E) Hyperbola\n\nEnter the letter of the correct option.",
     "paren", "All the plotted points lie on what kind of curve?",
     ["\\text{Line}", "\\text{Circle}", "\\text{Parabola}", "\\text{Ellipse}", "\\text{Hyperbola}"]),
    ("MATH, $$ block then instruction", "Which of the following can be found? $$\\text{(A)}\\ a \\qquad \\text{(B)}\\ b "
     "\\qquad \\text{(C)}\\ c \\qquad \\text{(D)}\\ d \\qquad \\text{(E)}\\ e $$Enter the letter of the correct option, so your "
     "answer will be A, B, C, D, or E.", "textbf", "Which of the following can be found?", ["a", "b", "c", "d", "e"]),
    ("MATH, block over two math spans", "Which equation has the largest solution $x$?\n\n$\\textbf{(A)}\\ 3(1 + r)^x = 7"
     "\\qquad \\textbf{(B)}\\ 3(1 + r/10)^x = 7\\qquad \\textbf{(C)}\\ 3(1 + 2r)^x = 7$ $\\textbf{(D)}\\ 3(1 + \\sqrt {r})^x = 7"
     "\\qquad \\textbf{(E)}\\ 3(1 + 1/r)^x = 7$", "textbf", "Which equation has the largest solution $x$?",
     ["3(1 + r)^x = 7", "3(1 + r/10)^x = 7", "3(1 + 2r)^x = 7", "3(1 + \\sqrt {r})^x = 7", "3(1 + 1/r)^x = 7"]),
    ("AQuA inline", "After how much more time will this car reach the base of the tower? A)5(√3 + 1) B)6(√3 + √2) "
     "C)7(√3 – 1) D)8(√3 – 2) E)None of these", "right_paren", "After how much more time will this car reach the base of the tower?",
     ["5(√3 + 1)", "6(√3 + √2)", "7(√3 – 1)", "8(√3 – 2)", "\\text{None of these}"]),
    ("stray currency dollar in the stem", "The bank holds coins worth $8.35. How many dimes?\n(A) $37$ (B) $0$ (C) $13$",
     "paren", "The bank holds coins worth $8.35. How many dimes?", ["37", "0", "13"]),
    ("block continuing a math span of the stem", "Evaluate $\\frac{16+8}{4-2} = \\textbf{(A)}\\ 12 \\qquad \\textbf{(B)}\\ 16"
     " \\qquad \\textbf{(C)}\\ \\frac{3}{2}$", "textbf", "Evaluate $\\frac{16+8}{4-2} =$", ["12", "16", "\\frac{3}{2}"]),
    ("marker inside an option's math", "Then $(1+\\tan A)(1+\\tan B)$ is\nA)$2(\\tan A+\\tan B)$ B)$1+\\sqrt{2}$ C)$\\sqrt{3}$ D)$2$",
     "right_paren", "Then $(1+\\tan A)(1+\\tan B)$ is", ["2(\\tan A+\\tan B)", "1+\\sqrt{2}", "\\sqrt{3}", "2"]),
    ("options before a figure", "What is the area?\n(A) $12$ (B) $15$ (C) $18$\n[asy]draw((0,0)--(1,0));label(\"$A$\",(0,0));[/asy]",
     "paren", "What is the area?\n[asy]draw((0,0)--(1,0));label(\"$A$\",(0,0));[/asy]", ["12", "15", "18"]),
    ("lower-case short options", "How many roots? (a) 0 (b) 1 (c) 2 (d) 3", "paren_lower", "How many roots?", ["0", "1", "2", "3"]),
]


@pytest.mark.parametrize("where, text, notation, stem, values", CASES, ids=[c[0] for c in CASES])
def test_inline_options(where, text, notation, stem, values):
    block = parse_options(text)
    assert block is not None, where
    assert block.notation == notation
    assert block.stem == stem
    assert [o.value for o in block.options] == values
    assert [o.label for o in block.options] == list("ABCDEFGH"[: len(values)])


NOT_OPTIONS = [
    ("points named A, B, C", "Let $A$, $B$, $C$ be points with $AB = 3$. Find $AC$."),
    ("function arguments", "Let f(A) = 1, f(B) = 2 and f(C) = 3. Find f(A)+f(B)."),
    ("labelled parts followed by a question", "(A) Find x. (B) Find y. (C) Find z.\nShow all work on the next page."),
    ("asymptote labels only", "Find the area. [asy]label(\"A\",(0,0));label(\"B\",(1,0));label(\"C\",(0,1));[/asy]"),
    ("a ratio A:B:C", "The ratio A:B:C is 1:2:3. Find A."),
]


@pytest.mark.parametrize("where, text", NOT_OPTIONS, ids=[c[0] for c in NOT_OPTIONS])
def test_text_without_option_block(where, text):
    assert parse_options(text) is None, where


def test_option_fields(shared_data):
    import json

    aqua = json.loads((shared_data / "labelled" / "aqua_test.jsonl").read_text().splitlines()[0])
    block = options_from_field(aqua["options"], aqua["question"])
    assert [o.label for o in block.options] == list("ABCDE")
    assert block.options[0].value == "5(√3 + 1)" and block.stem == aqua["question"].strip()

    sat = json.loads((shared_data / "labelled" / "sat_math_test.jsonl").read_text().splitlines()[0])
    block = options_from_field(sat["options"], sat["question"])
    assert [o.value for o in block.options] == ["f(-6)=0", "f(6)=-6", "f(-6)=6", "f(0)=-6"]

    harp = json.loads((shared_data / "labelled" / "harp_mcq_sample.jsonl").read_text().splitlines()[0])
    block = options_from_field(harp["choices"], harp["problem"])
    assert [o.value for o in block.options] == ["20", "11", "21", "14", "\\text{None of these}"]

    mmlu = options_from_field(["a frameshift", "a deletion", "an insertion"], "q")
    assert [o.label for o in mmlu.options] == ["A", "B", "C"]


@pytest.mark.parametrize("bad, message", [
    ({}, "empty"), (42, "dict, a list or a string"), ({"A": ""}, "non-empty"), ({"Q": "1"}, "letter A-H"),
    ("no options here", "no option block"), (list("ABCDEFGHI"), "at most 8"),
])
def test_bad_option_fields_raise(bad, message):
    with pytest.raises(ValueError, match=message):
        options_from_field(bad, "q")


@pytest.mark.parametrize("raw, in_math, value", [
    ("$21$", False, "21"), ("\\ 21 \\qquad", True, "21"), ("21.", False, "21"), ("$5$ feet", False, "5\\text{ feet}"),
    ("5 cm", False, "5\\text{ cm}"), ("$0$ $< x \\le 2$", False, "0 < x \\le 2"), ("\\hspace{.05in}61", True, "61"),
])
def test_option_value(raw, in_math, value):
    assert option_value(raw, in_math=in_math) == value


def test_math_spans_skip_escaped_dollars_and_asymptote():
    text = "costs \\$5 and $x$ [asy]label(\"$A$\");[/asy] $$y$$"
    spans = [text[s[1]:s[2]] for s in math_spans(text)]
    assert spans == ["x", "y"]
