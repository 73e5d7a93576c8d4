"""The reference solution of a rewritten problem names its answer by value, not by option letter
(``bigmath.reformulate.solution``).

Solutions are real: AQuA rationales (``../shared/data/labelled/aqua_test.jsonl``, which end
"Answer : A", "The answer is (C).", ...), HARP MCQ ``solution_1``, and NuminaMath fixture rows
(``sources/fixtures/numinamath_cot.jsonl``, AMC boxes ``\\boxed{\\textbf{(C)}\\ 45}``).
"""

from __future__ import annotations

import json
import re

import pytest

from bigmath.boxed import last_boxed
from bigmath.reformulate import options_from_field, parse_options, reformulate
from bigmath.reformulate.solution import rewrite_solution

# a trailing statement that names an option letter (what an SFT target must not keep)
_LETTER_STATEMENT = re.compile(r"(?i:answer|ans|option|choice|correct)\W*(?:is\W*)?\(?[A-E]\)?\W*$")


@pytest.fixture(scope="module")
def aqua(shared_data):
    lines = (shared_data / "labelled" / "aqua_test.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines]


def test_aqua_answer_lines_are_rewritten_to_the_value(aqua):
    rewritten, changed = 0, 0
    for row in aqua:
        result = reformulate(row["question"], row["correct"], choices=row["options"])
        if result.status != "rewritten":
            continue
        rewritten += 1
        block = options_from_field(row["options"], row["question"])
        solution, changes = rewrite_solution(row["rationale"], block, row["correct"], result.answer)
        last = solution.rstrip().splitlines()[-1]
        if changes:
            changed += 1
            assert changes == ("answer_line",) and f"${result.answer}$" in last
            assert solution.splitlines()[:-1] == row["rationale"].rstrip().splitlines()[:-1]  # only that line
        assert not _LETTER_STATEMENT.search(last), (row["rationale"][-80:], last)
    assert rewritten >= 200 and changed >= 0.9 * rewritten  # 218 of 233 at the time of writing


@pytest.mark.parametrize("ending, keyed, expected", [
    ("Answer : A", "A", "Answer : $2$"),
    ("ANSWER:B", "B", "ANSWER:$5$"),
    ("The answer is C.", "C", "The answer is $7$."),
    ("Answer: Option A", "A", "Answer: $2$"),
    ("ANSWER :(Option C)", "C", "ANSWER :$7$"),
    ("Hence (B) is the correct answer", "B", "Hence $5$ is the correct answer"),
    ("a total of 48 more km (ANSWER B)", "B", "a total of 48 more km (ANSWER $5$)"),
    ("The answer is option B) 5.", "B", "The answer is $5$."),
    ("B", "B", "$5$"),
    # left alone: another option than the keyed one, a content that disagrees, a form not listed
    ("The answer is (C).", "B", None),
    ("The answer is option B) 6.", "B", None),
    ("Ans: 2/5 B", "B", None),
    ("So (A) and (C) fail; only B is left, and it checks out.", "B", None),
])
def test_answer_line_forms(ending, keyed, expected):
    block = options_from_field(["A)2", "B)5", "C)7"], "How many?")
    value = block.by_label(keyed).value
    solution, changes = rewrite_solution(f"2 + 3 = 5.\n{ending}", block, keyed, value)
    assert solution == f"2 + 3 = 5.\n{expected or ending}" and bool(changes) is (expected is not None)


def test_box_and_answer_line_of_amc_solutions(repo_root):
    rows = [json.loads(line) for line in (repo_root / "sources" / "fixtures" / "numinamath_cot.jsonl")
            .read_text(encoding="utf-8").splitlines()]
    amc = next(r for r in rows if "\\boxed{\\textbf{(C)}\\ 45}" in r["solution"])
    block = parse_options(amc["problem"])
    solution, changes = rewrite_solution(amc["solution"], block, last_boxed(amc["solution"]), "45")
    assert changes == ("box",) and solution.endswith("The answer is $\\boxed{45}$.")
    # the AoPS form without a box, and a statement before a final box line
    text = "So the digit sum is $45$.\nThus, the answer is $\\textbf{(C)}\\ 45$."
    assert rewrite_solution(text, block, "C", "45") == (
        "So the digit sum is $45$.\nThus, the answer is $45$.", ("answer_line",))
    text = "The answer is (C).\n\n$\\boxed{C}$"
    assert rewrite_solution(text, block, "C", "45") == ("The answer is $45$.\n\n$\\boxed{45}$", ("box", "answer_line"))


def test_harp_solutions_boxing_the_value_are_unchanged(shared_data):
    """HARP MCQ solutions box the option's value already: nothing to rewrite, nothing changed."""
    lines = (shared_data / "labelled" / "harp_mcq_sample.jsonl").read_text(encoding="utf-8").splitlines()[:60]
    seen = 0
    for row in map(json.loads, lines):
        result = reformulate(row["problem"], row["answer_choice"], choices=row["choices"])
        if result.status == "rewritten" and last_boxed(row["solution_1"]):
            seen += 1
            block = options_from_field(row["choices"], row["problem"])
            assert rewrite_solution(row["solution_1"], block, row["answer_choice"], result.answer) == (
                row["solution_1"], ())
    assert seen >= 10
