"""Adapters on the native-format fixtures we wrote (``sources/fixtures/``): NuminaMath-CoT,
NuminaMath-1.5, OpenMathInstruct-2 (collapse), edge cases and malformed input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bigmath.errors import InputError
from bigmath.registry import get_source
from bigmath.schema import Problem, Rejection, make_id

FIXTURES = Path(__file__).resolve().parents[1] / "sources" / "fixtures"


def _results(source: str, file: str, **fields) -> list[Problem | Rejection]:
    return list(get_source(source)(path=str(FIXTURES / file), **fields).iter_results())


def _meta(problem: Problem) -> dict:
    return json.loads(problem.meta)


def test_numinamath_cot_fixture():
    results = _results("numinamath_cot", "numinamath_cot.jsonl")
    assert all(isinstance(r, Problem) for r in results) and len(results) == 10
    assert len({r.subset for r in results}) == 9  # nine native `source` values
    answers = [r.answer for r in results]
    assert answers == ["2", "15", r"\textbf{(C)}\ 45", None, "84", r"\textbf{(B)}\ 28", None, "12", "12", r"\sqrt{2}"]
    assert [r.source_id for r in results][:2] == ["numinamath_cot/0", "numinamath_cot/1"]
    assert all(_meta(r) == {"messages_redundant": True} for r in results)  # messages == problem/solution
    assert all(r.license == "Apache-2.0" and r.source == "numinamath_cot" for r in results)


def test_numinamath_1_5_sentinels_validity_and_answers():
    results = _results("numinamath_1_5", "numinamath_1_5.jsonl")
    reasons = [r.reason if isinstance(r, Rejection) else None for r in results]
    assert reasons == [None, None, "adapter:sentinel_answer", "adapter:sentinel_answer", "adapter:sentinel_answer",
                       None, None, None, "adapter:invalid_problem", "adapter:invalid_solution", None]
    kept = {r.source_id: r for r in results if isinstance(r, Problem)}
    assert kept["numinamath_1_5/0"].answer == "(-1, 3)"
    assert kept["numinamath_1_5/1"].answer == "B" and _meta(kept["numinamath_1_5/1"])["question_type"] == "MCQ"
    six = kept["numinamath_1_5/5"]
    assert six.answer == "6" and _meta(six)["answer_raw"] == "$6$" and six.domain == ("Number Theory",)
    fallback = kept["numinamath_1_5/6"]  # empty answer field -> the solution's last box
    assert fallback.answer == "3" and _meta(fallback)["answer_origin"] == "solution_box"
    assert _meta(kept["numinamath_1_5/10"])["synthetic"] is True
    rejected = [r for r in results if isinstance(r, Rejection)]
    assert all(r.row["problem"] and r.license == "Apache-2.0" for r in rejected)  # the native row is kept whole


def test_numinamath_1_5_validity_rejection_can_be_turned_off():
    results = _results("numinamath_1_5", "numinamath_1_5.jsonl", reject_invalid=False)
    reasons = [r.reason for r in results if isinstance(r, Rejection)]
    assert reasons == ["adapter:sentinel_answer"] * 4  # line 9's answer is "notfound" too
    kept = [r for r in results if isinstance(r, Problem)]
    assert [r.answer for r in kept if r.source_id == "numinamath_1_5/9"] == ["5"]


def test_openmathinstruct2_collapses_rows_per_problem():
    results = _results("openmathinstruct2", "openmathinstruct2.jsonl")
    assert isinstance(results[0], Rejection) and results[0].reason == "adapter:empty_problem"
    assert results[0].source_id == "openmathinstruct2/11"
    problems = results[1:]
    assert [p.source_id for p in problems] == [f"openmathinstruct2/{i}" for i in (0, 1, 2, 6, 12)]
    by_row = {_meta(p)["first_row"]: p for p in problems}
    odd = by_row[0]  # rows 0, 3 and 10 (row 10 differs only by trailing spaces)
    assert _meta(odd)["num_solutions"] == 3 and odd.answer == "100" and odd.solution.startswith("The sum of the first")
    assert _meta(odd)["answer_is_majority_vote"] is False
    mixed = by_row[2]  # rows 2, 5 (augmented_math) and 13 (math)
    assert _meta(mixed)["problem_sources"] == {"augmented_math": 2, "math": 1} and mixed.subset == "augmented_math"
    tie = by_row[6]  # 2 x "13", 2 x "12": the answer seen first wins
    assert tie.answer == "13" and _meta(tie)["answer_votes"] == {"12": 2, "13": 2}
    assert _meta(tie)["answer_agreement"] == 0.5 and _meta(tie)["answer_is_majority_vote"] is True
    no_answer = by_row[12]
    assert no_answer.answer is None and _meta(no_answer)["answer_votes"] == {}
    assert sum(_meta(p)["num_solutions"] for p in problems) + 1 == 14  # every native row accounted for


def test_openmathinstruct2_collapse_is_deterministic_and_limit_counts_native_rows(tmp_path):
    first = _results("openmathinstruct2", "openmathinstruct2.jsonl", work_dir=str(tmp_path))
    assert first == _results("openmathinstruct2", "openmathinstruct2.jsonl", work_dir=str(tmp_path))
    assert list(tmp_path.iterdir()) == []  # the on-disk collapse table is removed afterwards
    limited = _results("openmathinstruct2", "openmathinstruct2.jsonl", limit=4)
    assert [_meta(p)["num_solutions"] for p in limited] == [2, 1, 1]


def test_openmathinstruct2_map_row_maps_one_row():
    row = json.loads((FIXTURES / "openmathinstruct2.jsonl").read_text().split("\n")[0])
    problem = get_source("openmathinstruct2")().map_row(row, 7)
    assert problem.source_id == "train/7" and problem.answer == "100" and _meta(problem)["num_solutions"] == 1


def test_edge_cases():
    results = _results("numinamath_cot", "edge_cases.jsonl")
    assert [r.reason for r in results if isinstance(r, Rejection)] == ["adapter:empty_problem"] * 3
    answers = {int(r.source_id.rsplit("/", 1)[1]) + 1: r.answer for r in results if isinstance(r, Problem)}
    assert answers == {
        1: r"\frac{1}{2}",  # nested braces, two boxes: the last
        2: None,  # no box
        3: "4",  # two boxes
        4: "3",  # unicode
        8: None,  # empty \boxed{}
        9: "5",  # \boxed 5
        10: "7",  # \fbox{7}
        11: r"\{0, 1\}",  # escaped braces
        12: "2",  # truncated last box is skipped
        13: "25",  # \boxed{\boxed{25}}
    }
    unicode_problem = next(r for r in results if r.source_id.endswith("/3")).problem
    assert unicode_problem == "已知 $x^2 = 9$ 且 $x > 0$，求 $x$。 答案≤ 10。\nCompute π ≈ 3.14 ."


def test_malformed_line_names_file_row_and_field():
    with pytest.raises(InputError) as caught:
        _results("numinamath_cot", "malformed.jsonl")
    err = caught.value
    assert err.path.endswith("malformed.jsonl") and err.row == 2 and err.field == "(json)"
    assert "malformed.jsonl" in str(err) and "row 2" in str(err) and "'(json)'" in str(err)


@pytest.mark.parametrize(("row", "field", "words"), [
    ({"source": "x", "problem": 5, "solution": "s"}, "problem", "expected a string, got int"),
    ({"source": "x", "solution": "s"}, "problem", "missing field"),
    ({"source": ["x"], "problem": "p", "solution": "s"}, "source", "expected a string, got list"),
])
def test_bad_field_names_file_row_and_field(tmp_path, row, field, words):
    path = tmp_path / "bad.jsonl"
    path.write_text(json.dumps({"source": "x", "problem": "ok", "solution": "s"}) + "\n" + json.dumps(row) + "\n")
    with pytest.raises(InputError) as caught:
        list(get_source("numinamath_cot")(path=str(path)).iter_results())
    assert (caught.value.path, caught.value.row, caught.value.field) == (str(path), 2, field)
    assert words in str(caught.value)


def test_repeated_upstream_ids_are_made_unique_deterministically(tmp_path):
    row = {"year": "2000", "contest": "AMC_10", "number": 1, "level": 1, "subject": "algebra",
           "multiple_choice_only": False, "problem": "What is $1+1$?", "answer": "$2$", "solution_1": "$\\boxed{2}$"}
    path = tmp_path / "dupes.jsonl"
    path.write_text("\n".join(json.dumps(row | {"problem": f"What is $1+{i}$?"}) for i in range(3)) + "\n")
    results = list(get_source("harp")(path=str(path)).iter_results())
    assert [r.source_id for r in results] == ["2000/AMC_10/1", "2000/AMC_10/1#2", "2000/AMC_10/1#3"]
    assert [r.id for r in results] == [make_id("harp", r.source_id) for r in results]
    assert results == list(get_source("harp")(path=str(path)).iter_results())
