"""Refusal families the rules were loosened for, and their limits, on real HARP rows.

Every case is one row of ``../shared/data/labelled/harp_mcq_sample.jsonl``, named by its line
(1-based); rows rewritten here also appear open-ended in ``harp/sample.jsonl`` (line given), whose
short answer the verifier must find equal to the new answer. The comments give HARP's
``multiple_choice_only`` label (F / T) and why the outcome is right.
"""

from __future__ import annotations

import json

import pytest

from bigmath.reformulate import BOXED_INSTRUCTION, reformulate
from bigmath.reformulate.options import options_from_field
from bigmath.reformulate.recast import integer_grid, rounded_question, solved_variable, value_question
from bigmath.reformulate.rewrite import ITEM_NUMBERS_HINT
from bigmath.verify import check

# (mcq line, harp/sample.jsonl line, detail, new answer)
REWRITTEN = [
    (449, 641, "options_removed", "1"),      # F "How many of the following ...? I: .. IV: ..": items in the stem
    (637, 1126, "options_removed", "5"),     # F "On which bounce will it not rise ...?": an index
    (978, 1920, "options_removed", "1"),     # F "Which numbered face will end up ...?": numbers in the figure
    (431, 604, "options_removed", "70"),     # F "The median is in the interval labeled": a label in the figure
    (295, 323, "solved_variable", "y=5"),    # F "If $y=...$ then" keyed y=5, every option about y
    (142, 113, "item_numbers", "1,2,3"),     # F operations (1)..(5) of the stem, answered by their numbers
    (639, 1133, "rounded", "6"),             # F "closest to" on the grid 3..7, keyed 6 inside it
    (77, 65, "rephrased", "h(10x+5h-2)"),    # F $f(x+h)-f(x)$ with $f$ defined: evaluating it is the work
]

# (mcq line, detail): refusals that stay
REFUSED = [
    (546, "stem:approximate"),          # F closest to, grid 21..25 but keyed 25 at its end: the area may be 26.7
    (446, "stem:approximate"),          # F closest to, options 4, 5, 6, 7, 12: no grid
    (754, "stem:which_of_following"),   # T closest to, grid of halves 3.5..5.5: only integer grids are recast
    (364, "stem:open_claim"),           # F "then" keyed 31<p<=41: bounds p (=37), does not fix it
    (145, "stem:open_claim"),           # T "then" keyed S_4=25, other options about S_5, S_6: the pick is the claim
    (221, "answer:equivalent_form"),    # T $f(x+1)-f(x)$ keyed $3f(x)$: the answer's form comes from the options
    (188, "answer:statement"),          # F numbered equations, keyed "(1) and (4)": text, not a set of numbers
    (427, "stem:which_of_following"),   # T "Which pair of numbers does NOT ...": not an index question
    (402, "stem:possibility"),          # F boards drawn unlabelled, keyed 3x5: the answer's form comes from the options
]


@pytest.fixture(scope="module")
def mcq(shared_data):
    lines = (shared_data / "labelled" / "harp_mcq_sample.jsonl").read_text(encoding="utf-8").splitlines()
    return lambda line: json.loads(lines[line - 1])


@pytest.fixture(scope="module")
def open_ended(shared_data):
    lines = (shared_data / "harp" / "sample.jsonl").read_text(encoding="utf-8").splitlines()
    return lambda line: json.loads(lines[line - 1])


def _run(row):
    return reformulate(row["problem"], row["answer_choice"], choices=row["choices"])


@pytest.mark.parametrize("line, open_line, detail, answer", REWRITTEN)
def test_rewritten_with_harp_open_ended_answer(mcq, open_ended, line, open_line, detail, answer):
    row, published = mcq(line), open_ended(open_line)
    same = ("year", "contest", "number")
    assert [published[k] for k in same] == [row[k] for k in same]
    assert not row["multiple_choice_only"]
    result = _run(row)
    assert (result.status, result.detail, result.answer) == ("rewritten", detail, answer)
    assert result.problem.endswith(f"\n\n{BOXED_INSTRUCTION}")
    assert check(published["answer"], f"\\boxed{{{result.answer}}}").correct


@pytest.mark.parametrize("line, detail", REFUSED)
def test_refusals_that_stay(mcq, line, detail):
    result = _run(mcq(line))
    assert (result.status, result.detail) == ("needs_choices", detail)


def test_recast_and_hinted_texts(mcq):
    problems = {line: _run(mcq(line)).problem.removesuffix(f"\n\n{BOXED_INSTRUCTION}") for line in (295, 639, 142, 77)}
    assert problems[295] == ("If $y=(\\log_23)(\\log_34)\\cdots(\\log_n[n+1])\\cdots(\\log_{31}32)$ then what is $y$?")
    assert problems[639].endswith("runs at a rate of 10 kilometers per hour. What is the triathlete's average speed, "
                                  "in kilometers per hour, for the entire race, rounded to the nearest integer?")
    assert problems[142].endswith("those elements that only yield elements of $S$ are: " + ITEM_NUMBERS_HINT)
    assert problems[77] == "If $f(x) = 5x^2 - 2x - 1$, then what is $f(x + h) - f(x)$?"


def test_trailing_note_is_not_the_question(mcq):
    # F, line 159: "Find the set of $x$-values satisfying ... $|\frac{5-x}{3}|<2$. [The symbol $|a|$ means ...]"
    result = _run(mcq(159))
    assert (result.status, result.answer) == ("rewritten", "-1 < x < 11")
    assert check(result.answer, "\\boxed{(-1, 11)}").correct


def test_recast_helpers():
    # options of lines 639 (3..7, keyed 6), 546 (21..25, keyed 25) and 446 (4, 5, 6, 7, 12)
    grid = options_from_field({"A": "$7$", "B": "$5$", "C": "$6$", "D": "$3$", "E": "$4$"}, "q")
    edge = options_from_field({"A": "$25$", "B": "$24$", "C": "$21$", "D": "$22$", "E": "$23$"}, "q")
    gap = options_from_field({"A": "$7$", "B": "$4$", "C": "$12$", "D": "$6$", "E": "$5$"}, "q")
    assert integer_grid(grid, grid.by_label("C")) and not integer_grid(edge, edge.by_label("A"))
    assert not integer_grid(gap, gap.by_label("A"))
    # line 546's stem, as a question (the grid decides whether it is asked)
    assert rounded_question("Let $f(x) = x^2 + 6x + 1$. The area of $R$ is closest to") == (
        "Let $f(x) = x^2 + 6x + 1$. What is the area of $R$, rounded to the nearest integer?")
    assert rounded_question("The area of $R$ is approximately") is None
    # line 295 (options about y only) and line 145 (S_5, S_6, S_4, S_2)
    y = options_from_field({"A": "$6<y<7$", "B": "$y=6$", "C": "$y=5$", "D": "$5<y<6$", "E": "$4<y<5$"}, "q")
    s = options_from_field({"A": "$S_5=49$", "B": "$S_6=49$", "C": "$S_4=25$", "D": "$S_2=\\frac{1}2 S_4$",
                            "E": "$S_4=20$"}, "q")
    assert solved_variable(y, y.by_label("C")) == "y" and solved_variable(s, s.by_label("C")) is None
    assert value_question("Let $s=AP^2+PB^2$. Then:", "s") == "Let $s=AP^2+PB^2$. Then what is $s$?"
    assert value_question("If $y=2$, then $x$ is", "x") is None
