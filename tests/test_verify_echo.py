r"""Echoes of the problem are not answers: the solved-form condition rule and the echo rule.

A new-user trial of the verifier (key ``trial`` below) found that the first 2,000 MATH problems,
each given back as its own response, were graded correct 160 times, through the free-text
fallback ("Compute $17 \cdot 23$." read as 391) and the condition rule (the problem's own
inequality read as its solution set). Rows cite the trial or the shared data line they come
from (``MATH#N``: line N of ``shared/data/math/sample.jsonl``, read from the file here). The
policy is in ``bigmath/verify/solved.py``, ``bigmath/verify/echo.py`` and ``docs/verifier.md``
("Echoes of the problem"); ``benchmarks/verify_echo.py`` measures it on all 2,000 rows.
"""

from __future__ import annotations

import json

import pytest

from bigmath.boxed import last_boxed
from bigmath.verify import Outcome, check, check_many
from bigmath.verify.echo import drop_copied, is_bare_number, restated, written_form
from bigmath.verify.grading import ECHO_REASON

C, W, UP = Outcome.CORRECT, Outcome.WRONG, Outcome.UNPARSEABLE_PREDICTION
COMPUTE = r"Compute $17 \cdot 23$."  # the trial's own example
SOURCES = {
    "trial": "new-user trial of the verifier: problems echoed back, check(\"391\", \"Compute $17 \\cdot 23$.\")",
    "MATH#49": "shared/data/math/sample.jsonl line 49 ('Factor the following expression: $7x^2-63$.')",
    "MATH#808": "shared/data/math/sample.jsonl line 808 (a choice among points; gold (-6,0) is written in it)",
    "MATH#1029": "shared/data/math/sample.jsonl line 1029 (gold \\!\\sqrt{33}, also written in the problem)",
    "MATH#1288": "shared/data/math/sample.jsonl line 1288 ('... selected from a group of 6 students?', gold 6)",
    "MATH#2174": "shared/data/math/sample.jsonl line 2174 ('even, odd, or neither?', gold \\text{odd})",
}

# (gold, prediction, outcome, source): predictions must be a *solved* condition (no problem given)
CONDITIONS = [
    (r"x \ge 2", r"\boxed{3x-1 \ge 5}", W, "trial"),
    (r"x \in (2,5)", r"\boxed{(x-2)(x-5)<0}", W, "trial"),
    (r"x \in (2,5)", r"\boxed{\{x \mid (x-2)(x-5) < 0\}}", W, "trial"),  # a set-builder over an unsolved condition
    (r"x \in (2,5)", r"\boxed{\{x \mid 2 < x < 5\}}", C, "trial"),  # ... over a solved one
    (r"x < -8 \text{ or } x > 8", r"\boxed{x^2 > 64}", W, "trial"),
    (r"-3 < x < 3", r"\boxed{|x| < 3}", W, "trial"),  # |x| must be solved too
    ("x > 2", r"\boxed{2x > 4}", W, "trial"),
    ("x > 2", r"\boxed{2 < x}", C, "trial"),  # a bound either way round is solved
    (r"x \in [-2,7]", r"\boxed{x \ge -2 \text{ and } x \le 7}", C, "trial"),
    (r"x \in [-2,7]", r"\boxed{-2 \le x \le 7}", C, "trial"),
    (r"3x - 1 \ge 5", r"\boxed{x \ge 2}", C, "trial"),  # a gold may be any condition
]


@pytest.mark.parametrize("gold, prediction, expected, source", CONDITIONS)
def test_a_prediction_states_a_condition_only_in_solved_form(gold, prediction, expected, source):
    verdict = check(gold, prediction)
    assert verdict.outcome is expected, verdict


def _math(shared_data, line: int) -> tuple[str, str]:
    """(problem, gold answer) of MATH test line ``line`` (1-based)."""
    with (shared_data / "math/sample.jsonl").open(encoding="utf-8") as handle:
        row = json.loads(handle.readlines()[line - 1])
    return row["problem"], last_boxed(row["solution"])


def test_the_problem_given_back_is_not_an_answer(shared_data):
    for line in (7, 49, 104, 810, 1066, 1288):  # interval, factor, factor, expand, f(f(x)) = 3, a bare number (6)
        problem, gold = _math(shared_data, line)
        without, given = check(gold, problem), check(gold, problem, problem=problem)
        assert given.outcome is W and given.reason.startswith(ECHO_REASON), (line, given)
        assert without.outcome is (W if line == 7 else C), (line, without)  # line 7: the condition rule alone
        # line 1066: the gold 3 is also in the problem ("x \ge 3"), but a bare number there exempts nothing
    assert check("391", COMPUTE).outcome is C  # without the problem an echo cannot be told apart
    assert check("391", COMPUTE, problem=COMPUTE).outcome is W


ECHOES = [  # (gold, prediction, problem, outcome, source)
    ("391", r"\boxed{17 \cdot 23}", COMPUTE, W, "trial"),
    ("391", r"The answer is $17\times23$.", COMPUTE, W, "trial"),  # spelling aside
    ("391", r"\boxed{x = 17 \cdot 23}", COMPUTE, W, "trial"),  # a name before the echo
    ("391", r"\boxed{391}", COMPUTE, C, "trial"),
    ("391", r"Compute $17 \cdot 23$. We get $391$.", COMPUTE, C, "trial"),  # its own sentence after the copy
    ("391", r"Compute $17 \cdot 23$. Let me think.", COMPUTE, UP, "trial"),  # the copy is not read
    ("7(x+3)(x-3)", r"\boxed{7x^{2} - 63}", "Factor the following expression: $7x^2-63$.", W, "MATH#49"),
    ("7(x+3)(x-3)", r"\boxed{7(x-3)(x+3)}", "Factor the following expression: $7x^2-63$.", C, "MATH#49"),
    ("x^2-63", r"\boxed{x^2 - 63}", "Simplify $7x^2 - 63 - 6x^2$.", C, "trial"),  # a piece of 7x^2-63, not an echo
    ("6", r"\boxed{6}", "In how many ways can  5 students be selected from a group of 6 students?", C, "MATH#1288"),
    (r"\text{odd}", r"\boxed{odd}", r'Is the function $f(x) = 5^x - 5^{-x}$ even, odd, or neither?', C, "MATH#2174"),
    ("(-6,0)", r"\boxed{(-6, 0)}", r"Which of the following points is farthest from the origin: $(1,4)$, $(3,5)$, "
     r"$(-6,0)$, $(-4,-2)?$", C, "MATH#808"),  # the gold is written in the problem: a choice
    (r"\!\sqrt{33}", r"\boxed{\sqrt{33}}", r"Rationalize the denominator of $\displaystyle\frac{33}{\sqrt{33}}$.",
     C, "MATH#1029"),
]


@pytest.mark.parametrize("gold, prediction, problem, expected, source", ECHOES)
def test_echo_rule(gold, prediction, problem, expected, source):
    verdict = check(gold, prediction, problem=problem)
    assert verdict.outcome is expected, verdict
    if expected is W:
        assert verdict.reason.startswith(ECHO_REASON)


def test_every_row_cites_its_source():
    cited = {row[-1] for row in CONDITIONS + ECHOES}
    assert cited <= set(SOURCES), cited - set(SOURCES)


def test_check_many_grades_echoes_per_problem():
    golds = ["391"] * 3 + ["6"]
    predictions = [r"\boxed{17 \cdot 23}", r"\boxed{17 \cdot 23}", r"\boxed{391}", 6]
    problems = [COMPUTE, "What is 17 times 23?", COMPUTE, None]
    verdicts = check_many(golds, predictions, problems=problems, workers=2, timeout_s=10.0)
    assert [v.outcome for v in verdicts] == [W, C, C, C]  # same gold and answer, another problem
    assert check_many(golds[:1], predictions[:1], workers=2)[0].outcome is C


def test_echo_helpers():
    assert written_form(r"$17 \cdot 23$") == written_form(r"17\times23") == r"17\cdot 23"
    assert written_form(r"\left( \dfrac{1}{2} \right)^{2}") == r"(\frac{1}{2})^2"
    assert all(is_bare_number(n) for n in ["6", "-2.5", "1,000", r"\frac{3}{4}", r"50\%", r"\$18.90", "x = 5"])
    assert not any(is_bare_number(n) for n in [r"17 \cdot 23", r"\sqrt{2}", "2x", "x"])
    assert restated("x^2-63", "1", "Factor $7x^2-63$.") is None  # glued to the 7: a piece
    assert restated("7x^2-63", "1", "Factor $7x^2-63$.") == "7x^2-63"
    assert restated("7x^2-63", "1", None) is None
    assert drop_copied(f"{COMPUTE} So it is $391$.", COMPUTE) == "So it is $391$."
    assert drop_copied("So 6.", "Choose 5 of 6. So 6.") == "So 6."  # too short to be a copy
