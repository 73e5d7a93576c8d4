"""Rule-based reformulation: refusals, direct questions, checks (bigmath.reformulate).

Stems are real HARP multiple-choice problems (``../shared/data/labelled/harp_mcq_sample.jsonl``)
unless marked otherwise; the comment gives HARP's ``multiple_choice_only`` label.
"""

from __future__ import annotations

import pytest

from bigmath.reformulate import BOXED_INSTRUCTION, reformulate
from bigmath.reformulate.checks import answer_in_problem, answer_verifiable, failed_checks, option_texts_left
from bigmath.reformulate.options import options_from_field
from bigmath.reformulate.phrasing import rephrase

REPHRASE = [
    ("Let $R=gS-4$. When $S=8$, $R=16$. When $S=10$, $R$ is equal to:",
     "Let $R=gS-4$. When $S=8$, $R=16$. When $S=10$, what is $R$?"),
    ("The sum of the roots of the equation $4x^{2}+5-8x=0$ is equal to:",
     "What is the sum of the roots of the equation $4x^{2}+5-8x=0$?"),
    ("$\\frac{16+8}{4-2}=$", "What is $\\frac{16+8}{4-2}$?"),
    ("If $991+993+995+997+999=5000-N$, then $N=$", "If $991+993+995+997+999=5000-N$, then what is $N$?"),
    ("A positive number is mistakenly divided by $6$ instead of being multiplied by $6.$ Based on the correct answer, "
     "the error thus committed, to the nearest percent, is :",
     "A positive number is mistakenly divided by $6$ instead of being multiplied by $6.$ Based on the correct answer, "
     "what is the error thus committed, to the nearest percent?"),
    ("The twentieth number would be: [asy]draw((0,0)--(1,1));[/asy]",
     "What would the twentieth number be? [asy]draw((0,0)--(1,1));[/asy]"),
    # unchanged: already a question, or no safe subject
    ("What is the value of\\[\\frac{\\log_2 80}{\\log_{40}2}\\]?", None),
    ("If $m$ men can do a job in $d$ days, then $m+r$ men can do the job in:", None),
    ("If the radius of a circle is a rational number, its area is given by a number which is:", None),
]


@pytest.mark.parametrize("stem, expected", REPHRASE)
def test_rephrase(stem, expected):
    assert rephrase(stem) == (expected or stem)


NEEDS_CHOICES = [
    # (stem, keyed option text, detail); HARP multiple_choice_only in the comment
    ("Which of the following numbers has the largest reciprocal?", "$\\frac{1}{3}$", "stem:which_of_following"),  # F
    ("$\\log_{a}{x}$, $a > 1$, which of the following statements is incorrect?", "$\\text{x}$", "stem:which_of_following"),
    ("Of the following statements, the only one that is incorrect is:", "$1$", "stem:following"),  # T
    ("The value of the expression $\\frac{(304)^5}{(29.7)(399)^4}$ is closest to", "$3$", "stem:approximate"),  # T
    ("The average of $6$, $10$, and $\\text{N}$ could be", "$10$", "stem:possibility"),  # T
    ("A rational number between $\\sqrt{2}$ and $\\sqrt{3}$ is:", "$1.5$", "stem:possibility"),  # T
    ("$\\sqrt{164}$ is", "$\\text{between }12\\text{ and }13$", "answer:statement"),  # T
    ("The sides of a triangle are in the ratio $6:8:9$. Then:", "$\\text{the triangle is acute}$", "stem:open_claim"),  # T
    ("The sum of the roots of the equation $4x^{2}+5-8x=0$ is equal to:", "$\\text{None of these}$",
     "answer:no_answer_option_text"),  # T
    ("If $f(x)=\\frac{x(x-1)}{2}$, then $f(x+2)$ equals:", "$\\frac{(x+2)f(x+1)}{x}$", "answer:equivalent_form"),  # T
    ("$3^3+3^3+3^3 =$", "$3^4$", "answer:equivalent_form"),  # T
    ("In the table shown, the formula relating x and y is:", "$y = x^2 + x + 1$", "answer:relation"),  # T
]


@pytest.mark.parametrize("stem, keyed, detail", NEEDS_CHOICES)
def test_needs_choices(stem, keyed, detail):
    result = reformulate(stem, "A", choices={"A": keyed, "B": "$17$", "C": "$19$"})
    assert (result.status, result.detail) == ("needs_choices", detail)
    assert result.reason == "reformulate:needs_choices" and result.problem is None


def test_rewrite_inline_amc_block():
    # NuminaMath amc_aime fixture row, answer as its solution's box
    text = ("What is the sum of the digits of $10^{5} - 1$?\n$\\textbf{(A)}\\ 9\\qquad\\textbf{(B)}\\ 36\\qquad"
            "\\textbf{(C)}\\ 45\\qquad\\textbf{(D)}\\ 54\\qquad\\textbf{(E)}\\ 90$")
    result = reformulate(text, "\\textbf{(C)}\\ 45")
    assert result.status == "rewritten" and result.reason is None
    assert result.problem == f"What is the sum of the digits of $10^{{5}} - 1$?\n\n{BOXED_INSTRUCTION}"
    assert (result.answer, result.label, result.notation, result.detail) == ("45", "C", "textbf", "options_removed")


def test_rewrite_rephrases_and_instruction_is_optional():
    result = reformulate("When $S=10$, $R$ is equal to: (A) 20 (B) 11 (C) 21 (D) 14", "C", instruction=None)
    assert (result.problem, result.answer, result.detail) == ("When $S=10$, what is $R$?", "21", "rephrased")


def test_no_answer_option_and_no_options():
    assert reformulate("What is $2+2$? (A) 3 (B) 4 (C) 5", "E").status == "no_answer_option"
    missing = reformulate("Which of the following is prime?", "C")
    assert (missing.status, missing.detail, missing.reason) == ("needs_choices", "no_options", "reformulate:needs_choices")


def test_failed_check_unverifiable_answer():
    # HARP 1985 AJHSME's stem, with the keyed time made impossible (13:05 pm) so the verifier cannot grade it
    result = reformulate("When did the sun really set?", "B", choices={"A": "$5:10\\textsc{pm}$", "B": "$13:05\\textsc{pm}$",
                                                                      "C": "$5:41\\textsc{pm}$"})
    assert (result.status, result.detail) == ("failed_check", "check:answer_unverifiable")
    assert result.reason == "reformulate:failed_check" and result.answer == "13:05\\textsc{pm}"


def test_checks_count_against_the_original_stem():
    block = options_from_field({"A": "$2$", "B": "$3$", "C": "$12$"}, "A $2$ by $3$ grid has how many cells?")
    assert option_texts_left(block.stem, block) == []                 # "2" and "3" were in the stem already
    assert option_texts_left(block.stem + " Is it $12$?", block) == ["C"]
    assert failed_checks(block.stem + " (A) 2 (B) 3 (C) 12", "6", block) == ["option_labels_left", "option_text_left"]
    assert answer_in_problem("Show that the answer is $6$.", "6", "Find the answer.")
    assert not answer_in_problem("How many cells has a $2$ by $3$ grid?", "2", "A $2$ by $3$ grid")
    assert answer_verifiable("\\frac{3}{2}") and answer_verifiable("784\\text{ ft.}")
    assert not answer_verifiable("") and not answer_verifiable("13:05\\textsc{pm}")
    assert answer_verifiable("5:21\\textsc{pm}")  # a clock time the verifier reads (docs/verifier.md)
