"""Mapping a multiple-choice gold answer to one option (bigmath.reformulate.answer)."""

from __future__ import annotations

import pytest

from bigmath.reformulate.answer import resolve_answer
from bigmath.reformulate.options import options_from_field, parse_options

# HARP MCQ, 1950 AHSME #2 (labelled/harp_mcq_sample.jsonl line 1): keyed C = 21
HARP = options_from_field({"A": "$20$", "B": "$11$", "C": "$21$", "D": "$14$", "E": "$\\text{None of these}$"},
                          "When $S=10$, $R$ is equal to:")


@pytest.mark.parametrize("gold", [
    "C", "(C)", "C.", "C)", " C ", "$C$", "\\boxed{C}", "$\\boxed{C}$",         # letters (AQuA, SAT, NuminaMath boxes)
    "\\textbf{(C)}", "\\textbf{(C)}\\ 21", "\\textbf{(C) }21", "\\text{(C)}\\ 21",  # AMC boxes in NuminaMath solutions
    "\\mathrm{(C)}", "(C) 21", "C) 21", "C: 21", "(\\text{C})",
    "$21$", "21", "\\boxed{21}", " 21. ",                                       # the option's text (HARP answer)
])
def test_answer_forms_name_option_c(gold):
    assert resolve_answer(gold, HARP).label == "C"


def test_index_answers():
    mmlu = options_from_field(["telomeres", "a codon change", "an insertion or deletion", "a stop codon"], "q")
    assert resolve_answer(2, mmlu).value == "\\text{an insertion or deletion}"
    assert resolve_answer(3, mmlu, index_base=1).label == "C"
    assert resolve_answer(4, mmlu) is None
    assert resolve_answer(True, mmlu) is None


@pytest.mark.parametrize("gold", [
    "F",                  # no option F
    "(C) 20",             # the letter's content disagrees with option C
    "17",                 # the text matches no option
    None, "", 2.0,
])
def test_answers_naming_no_option(gold):
    assert resolve_answer(gold, HARP) is None


def test_text_matching_two_options_is_ambiguous():
    block = options_from_field({"A": "$\\frac{1}{2}$", "B": "$\\dfrac{1}{2}$", "C": "$2$"}, "q")
    assert resolve_answer("\\frac{1}{2}", block) is None   # equals A and B (\\dfrac is \\frac)
    assert resolve_answer("A", block).value == "\\frac{1}{2}"  # a letter still decides


def test_inline_block_and_numinamath_box():
    # NuminaMath synthetic_amc fixture: the answer is the solution's last box
    block = parse_options("If $x + \\frac{1}{x} = 3$, what is $x^2 + \\frac{1}{x^2}$?\n(A) 5\n(B) 7\n(C) 9\n(D) 11\n(E) 13")
    assert resolve_answer("\\text{(B)}\\ 7", block).value == "7"
