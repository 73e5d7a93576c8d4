"""bigmath eval's benchmarks and statistics: gold answers as each benchmark stores them, intervals, pass@k."""

from __future__ import annotations

import json

import pytest

from bigmath.errors import InputError
from bigmath.train.benchmarks import benchmark_file, load_benchmark
from bigmath.train.evaluate import mean_interval, pass_at_k, summarise, wilson_interval
from bigmath.verify import check


@pytest.mark.parametrize("name, field", [("math500", "answer"), ("aime24", "answer"), ("amc23", "answer"),
                                         ("gsm8k", "answer")])
def test_builtin_benchmarks_load_with_gold_answers_the_verifier_reads(name, field, shared_data):
    loaded, path, problems = load_benchmark(name, n=5, data_dir=shared_data / "labelled")
    assert loaded == name and path.parent == shared_data / "labelled" and len(problems) == 5
    native = [json.loads(line) for line in path.read_text().splitlines()[:5]]
    for problem, row in zip(problems, native):
        assert problem.problem and problem.benchmark == name
        # each gold, graded against itself in a box, is correct: the gold was read as upstream grades it
        assert check(problem.answer, rf"\boxed{{{problem.answer}}}").correct
        if name == "gsm8k":
            assert row[field].endswith(f"#### {problem.answer}")  # the number after ####
        else:
            assert problem.answer == row[field]


def test_default_folder_is_the_shared_data_and_any_file_works(shared_data, tmp_path, monkeypatch):
    monkeypatch.setenv("BIGMATH_SHARED_DATA", str(shared_data))
    assert benchmark_file("math500") == ("math500", shared_data / "labelled" / "math500_test.jsonl")
    mine = tmp_path / "mine.jsonl"
    mine.write_text(json.dumps({"question": "1+1?", "final_answer": ["2"], "id": 9}) + "\n")
    name, _, problems = load_benchmark(str(mine))
    assert name == "mine" and problems[0].answer == "2" and problems[0].item_id == "9"


def test_bad_benchmarks_are_named(tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps({"problem": "2+2?", "answer": "4"}) + "\n" + json.dumps({"problem": "3+3?"}) + "\n")
    with pytest.raises(InputError, match=r"bad.jsonl, row 2, field 'answer': no gold answer"):
        load_benchmark(str(bad))
    with pytest.raises(InputError, match="not a built-in benchmark"):
        load_benchmark("nope")
    with pytest.raises(InputError, match="math500_test.jsonl not found"):
        load_benchmark("math500", data_dir=tmp_path)


def test_intervals_and_pass_at_k():
    # Wilson (1927): 0 of 20 gives [0, 0.161]; 10 of 20 gives [0.299, 0.701]
    assert wilson_interval(0, 20) == (0.0, pytest.approx(0.1611, abs=1e-4))
    assert wilson_interval(10, 20) == (pytest.approx(0.2993, abs=1e-4), pytest.approx(0.7007, abs=1e-4))
    assert mean_interval([0.0, 1.0, 0.5, 0.5]) == (pytest.approx(0.5 - 1.96 * 0.4082 / 2, abs=1e-3),
                                                   pytest.approx(0.5 + 1.96 * 0.4082 / 2, abs=1e-3))
    # a new-user trial: 3 problems all unsolved over 2 samples gave the point interval [0, 0]
    assert mean_interval([0.0, 0.0, 0.0]) == wilson_interval(0, 3) == (0.0, pytest.approx(0.5615, abs=1e-4))
    assert mean_interval([1.0] * 4) == wilson_interval(4, 4)
    assert wilson_interval(1, 3)[0] > 0 and all(0.0 <= b <= 1.0 for b in wilson_interval(3, 3))
    # Chen et al. (2021): pass@k = 1 - C(n-c, k) / C(n, k)
    assert pass_at_k(4, 1, 1) == pytest.approx(0.25) and pass_at_k(4, 1, 2) == pytest.approx(0.5)
    assert pass_at_k(4, 0, 4) == 0.0 and pass_at_k(4, 3, 2) == 1.0
    rows = [{"correct": 2, "outcomes": ["correct", "correct", "wrong", "timeout"]},
            {"correct": 0, "outcomes": ["wrong"] * 4}]
    summary = summarise(rows, 4)
    assert summary["accuracy"] == 0.25 and summary["pass_at_k"] == {"1": 0.25, "4": 0.5}
    assert summary["outcomes"] == {"correct": 2, "timeout": 1, "wrong": 5}
