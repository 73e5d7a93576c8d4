"""Regression table: each case named after where it came from (the issue's examples, real rows
that misfired while the rules were written), with the reason our filter must give, and for the
issue's examples the misfire of Big-Math's published rule (``benchmarks/bigmath_rules.py``)."""

from __future__ import annotations

import json

import pyarrow as pa
import pytest

import bigmath.filters  # noqa: F401
from bigmath.registry import get_filter

# (case name, filter, problem, answer, solution, expected reason or None)
CASES = [
    ("issue: four points on a circle", "multiple_choice", "Let A, B, C, D be four points on a circle. Find AC.", "5", None, None),
    ("issue: (a) 3 (b) 4 (c) 5 (d) 6", "multiple_choice", "How many? (a) 3 (b) 4 (c) 5 (d) 6", None, None, "multiple_choice:lettered_options"),
    ("layout: \\textbf{(A)}", "multiple_choice", r"Find $x$. $\textbf{(A)}\ 1 \qquad \textbf{(B)}\ 2 \qquad \textbf{(C)}\ 3$", None, None, "multiple_choice:lettered_options"),
    ("layout: \\mathrm{(B)}", "multiple_choice", r"Find $x$. $\mathrm{(A)}\ 1\qquad\mathrm{(B)}\ 2\qquad\mathrm{(C)}\ 3$", None, None, "multiple_choice:lettered_options"),
    ("layout: A: lines", "multiple_choice", "Simplify $x^2x$.\nA: $x^2$\nB: $x^3$\nC: $x^4$\nD: $x$", "B", None, "multiple_choice:lettered_options"),
    ("layout: circled statements", "multiple_choice", "Which are correct? ① $1<2$; ② $2<1$; ③ $3=3$.", "①③", None, "multiple_choice:circled_statements"),
    ("layout: answer choices header", "multiple_choice", "What is 2+2? Answer choices: 3, 4, 5", None, None, "multiple_choice:choices_header"),
    ("bare option letter answer", "multiple_choice", "Which expression is largest?", r"\textbf{(C)}", None, "multiple_choice:option_letter_answer"),
    ("real: MATH 3207 letter of a word", "multiple_choice", "What is the letter in the $2010$th position? MATHLETEMATHLETE...", "A", None, None),
    ("real: HARP 524 grading table", "multiple_choice", r"What percent got a C? \[\begin{tabular}{cc} A: & 93 \\ B: & 85 \\ C: & 75 \\ D: & 70 \end{tabular}\]", "20", None, None),
    ("issue: two decimals", "multi_part", "He paid 12.50 dollars and 7.25 dollars. How much in total?", "19.75", None, None),
    ("issue: (I)/(II)", "multi_part", "(I) Find the equation of $C$; (II) Find the area of $OAB$.", None, None, "multi_part:roman_parts"),
    ("parts on lines", "multi_part", "Let $f(x)=x+1$.\n1. Find $f(2)$.\n2. Find $f(3)$.", None, None, "multi_part:numbered_parts"),
    ("a)/b)", "multi_part", "a) Compute $2^3$. b) Compute $3^2$.", None, None, "multi_part:lettered_parts"),
    ("find X and Y", "multi_part", "Find the mean and the median of 1, 2, 3.", None, None, "multi_part:find_x_and_y"),
    ("real: difference between the largest and smallest", "multi_part", "What is the difference between the largest and smallest roots?", "3", None, None),
    ("conditions (1)/(2)", "multi_part", "Numbers satisfy (1) $a+b=3$, (2) $a-b=1$. Find $ab$.", "2", None, None),
    ("issue: Can you find x", "yes_no", "Can you find $x$ such that $3x+5=20$?", "5", None, None),
    ("question form", "yes_no", "Is it possible to tile the board with dominoes?", None, None, "yes_no:question"),
    ("real: HARP proof 100, leading clause", "yes_no", "By making moves, is it possible to reach the end?", None, None, "yes_no:question"),
    ("answer form", "yes_no", "Decide about $2^{61}-1$.", r"\text{Yes, it is prime}", None, "yes_no:answer"),
    ("no real solutions is not no", "yes_no", "Solve $x^2+1=0$ over the reals.", "no real solutions", None, None),
    ("real: 1! to 100! are", "yes_no", "How many of the factorials from 1! to 100! are divisible by 9?", "95", None, None),
    ("issue: \\text{construed}", "true_false", "How many residues?", r"4 \text{ (construed mod } 12)", None, None),
    ("true or false question", "true_false", "True or false: $0.\\overline{9}=1$.", None, None, "true_false:question"),
    ("MMLU statements", "true_false", "Statement 1 | Every field is a ring. Statement 2 | Every ring is a field.", "C", None, "true_false:question"),
    ("real: outputs TRUE or FALSE", "true_false", "A program outputs TRUE or FALSE. How many programs are there?", "16", None, None),
    ("issue: show your work", "proof", "Solve $2x=4$. Show your work.", "2", None, None),
    ("prove or disprove", "proof", "Prove or disprove: every prime is odd.", None, None, "proof:prove_or_disprove"),
    ("justify", "proof", "Is 91 prime? Justify your answer.", "No", None, "proof:justify"),
    ("real: omni 120 narrative prove", "proof", "He advises a student to prove an implication. How many students?", "3", None, None),
    ("real: HARP proof 130, after display math", "proof", r"Let \[a+b \geq 2.\] Prove that $ab \leq 1$.", None, None, "proof:prove"),
    ("figure referenced", "figure", "In the figure below, find the shaded area.", "4", None, "figure:referenced"),
    ("figure inline", "figure", "In the figure below, find $x$. [asy]draw((0,0)--(1,1));[/asy]", "1", None, None),
    ("figure out", "figure", "Figure out how many ways 3 books can be arranged.", "6", None, None),
    ("bare www domain", "hyperlink", "See www.example.org for details. Find 2+2.", "4", None, "hyperlink:www"),
    ("e-mail is not a link", "hyperlink", "Mail bob@example.com twice a day for 3 days. How many mails?", "6", None, None),
    ("empty box with quad", "answer", "Compute $2+2$.", None, r"So $\boxed{ \quad }$.", "answer:empty_boxed"),
    ("empty \\text{} answer", "answer", "Compute $2+2$.", r"\text{}", None, "answer:empty"),
    ("sentinel notfound", "answer", "Compute $2+2$.", "notfound", None, "answer:sentinel"),
    ("sentinel None", "answer", "Compute $2+2$.", "None", None, "answer:sentinel"),
    ("prose answer", "answer", "Describe $f$.", "It is increasing because its derivative is positive everywhere.", None, "answer:not_closed_form"),
    ("leaked answer", "answer", r"Show that the root is $\frac{\sqrt5-1}{2}$ and find it.", r"\frac{\sqrt{5}-1}{2}", None, "answer:leaked"),
    ("real: 2012^2012 inside a power", "answer", r"If $x^{x}=2012^{2012^{2013}}$, find $x$.", "2012^{2012}", None, None),
    ("missing answer", "answer", "Compute $2+2$.", None, None, "answer:missing"),
]


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_case(case):
    _, name, problem, answer, solution, expected = case
    flt = get_filter(name)()
    table = pa.table({"id": ["x"], "problem": [problem], "answer": pa.array([answer], pa.string()),
                      "solution": pa.array([solution], pa.string()), "meta": ["{}"]})
    assert flt.verdicts(table.select(list(flt.columns))).reasons == [expected]


def _harp_mcq_meta(shared_data, line: int, **changes) -> tuple[str, str, str]:
    """(problem, answer, meta) of a real HARP MCQ row as the harp adapter stores it: options in
    ``meta.choices``, the answer the option's text."""
    from bigmath.schema import dumps_meta

    lines = (shared_data / "labelled" / "harp_mcq_sample.jsonl").read_text(encoding="utf-8").splitlines()
    row = json.loads(lines[line - 1])
    meta = {k: v for k, v in row.items() if k not in ("problem", "answer")}
    return row["problem"], row["answer"].strip("$"), dumps_meta({**meta, **changes})


# (case, line of labelled/harp_mcq_sample.jsonl, changes to its meta, expected reason)
META_CASES = [
    ("HARP 1: R is equal to, choices in meta", 1, {}, "multiple_choice:options_field"),
    ("HARP 1: empty choices", 1, {"choices": {}}, None),
    ("HARP 1: options list (AQuA layout)", 1, {"choices": None, "options": ["A)20", "B)11", "C)21"]},
     "multiple_choice:options_field"),
    ("HARP 1: options string (SAT layout)", 1, {"choices": [], "options": "A) 20 B) 11 C) 21 D) 14"},
     "multiple_choice:options_field"),
    ("HARP 1: a string that is no option block", 1, {"choices": "see the figure"}, None),
    ("HARP 1: choices nested, not top level", 1, {"choices": None, "extra": {"choices": {"A": "1"}}}, None),
    ("HARP 1: renamed by the reformulate stage", 1, {"choices": None, "original_choices": {"A": "$20$"}}, None),
]


@pytest.mark.parametrize("case", META_CASES, ids=[c[0] for c in META_CASES])
def test_option_field_in_meta(case, shared_data):
    _, line, changes, expected = case
    problem, answer, meta = _harp_mcq_meta(shared_data, line, **changes)
    flt = get_filter("multiple_choice")()
    table = pa.table({"problem": [problem], "answer": [answer], "meta": [meta]})
    assert flt.verdicts(table).reasons == [expected]
    assert flt.rule({"problem": problem, "answer": answer, "meta": meta}) == expected  # the pre-screen hides nothing


def test_tables_without_meta_and_bad_meta(shared_data):
    problem, answer, meta = _harp_mcq_meta(shared_data, 1)
    table = pa.table({"problem": [problem, problem], "answer": [answer, answer], "meta": ["{}", meta]})
    # a hand-built table without meta is read as having no option field
    assert get_filter("multiple_choice")().verdicts(table.select(["problem", "answer"])).reasons == [None, None]
    broken = pa.table({"problem": [problem, problem], "answer": [answer, answer], "meta": ["{}", '{"choices": {"A"']})
    with pytest.raises(ValueError, match="row 1 of the batch .*: field meta: not a JSON object"):
        get_filter("multiple_choice")().verdicts(broken)


@pytest.fixture(scope="module")
def bigmath_rules(benchmark_script):
    return benchmark_script("bigmath_rules")


@pytest.mark.parametrize("family, problem, answer, bigmath_says", [
    ("multiple_choice", "Let A, B, C, D be four points on a circle with equal chords. Find the angle.", "90", True),
    ("multiple_choice", "How many? (a) 3 (b) 4 (c) 5 (d) 6", None, False),
    ("multi_part", "He paid 12.50 dollars and 7.25 dollars. How much in total?", "19.75", True),
    ("multi_part", "(I) Find the equation of C; (II) Find the area of OAB.", None, False),
    ("yes_no", "Can you find x such that 3x+5=20?", "5", True),
    ("true_false", "How many residues?", r"4 \text{ (construed mod } 12)", True),
    ("proof", "A proofreader finds 3 errors per page. How many in 2 pages?", "6", True),
])
def test_bigmath_rules_misfire_as_the_issue_says(bigmath_rules, family, problem, answer, bigmath_says):
    """The re-implementation reproduces the published rules' known errors (they are the baseline)."""
    row = {"problem": problem, "answer": answer, "solution": None, "source": "written"}
    assert bigmath_rules.predict(family, row) is bigmath_says
