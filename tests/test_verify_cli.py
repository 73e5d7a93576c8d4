"""``bigmath verify FILE --gold-col --pred-col [--out]`` on jsonl and parquet files."""

from __future__ import annotations

import json

import pyarrow as pa
import pyarrow.parquet as pq
from typer.testing import CliRunner

from bigmath.cli import app

ROWS = [
    {"question": "q1", "answer": r"\frac{1}{2}", "response": r"so \boxed{0.5}"},
    {"question": "q2", "answer": r"3\sqrt{2}", "response": r"\boxed{3}"},
    {"question": "q3", "answer": "27", "response": "The answer is 27."},
    {"question": "q4", "answer": "", "response": "5"},
]


def _write_jsonl(path, rows) -> None:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")


def test_verify_jsonl_prints_accuracy_and_writes_outcomes(tmp_path):
    source = tmp_path / "responses.jsonl"
    _write_jsonl(source, ROWS)
    out = tmp_path / "graded.jsonl"
    result = CliRunner().invoke(app, ["verify", str(source), "--gold-col", "answer", "--pred-col", "response", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "accuracy: 2/4 = 50.00%" in result.output
    assert "unparseable_gold" in result.output
    graded = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [g["verify_outcome"] for g in graded] == ["correct", "wrong", "correct", "unparseable_gold"]
    assert graded[1]["verify_gold"] == "3*sqrt(2)" and graded[1]["question"] == "q2"


def test_verify_parquet_round_trip(tmp_path):
    source = tmp_path / "responses.parquet"
    pq.write_table(pa.Table.from_pylist(ROWS), source)
    out = tmp_path / "graded.parquet"
    result = CliRunner().invoke(app, ["verify", str(source), "--pred-col", "response", "--out", str(out)])
    assert result.exit_code == 0, result.output
    table = pq.read_table(out)
    assert table.column("verify_outcome").to_pylist() == ["correct", "wrong", "correct", "unparseable_gold"]


def test_verify_reads_numeric_predictions_and_the_problem_column(tmp_path):
    # a new-user trial: {"answer": "2", "response": 2} printed a traceback
    rows = [{"answer": "2", "response": 2, "problem": "What is 1+1?", "topic": "sums"},
            {"answer": "391", "response": r"\boxed{17 \cdot 23}", "problem": r"Compute $17 \cdot 23$.", "topic": "products"},
            {"answer": 391, "response": 391.0, "problem": r"Compute $17 \cdot 23$.", "topic": "products"}]
    source, out = tmp_path / "numeric.jsonl", tmp_path / "graded.jsonl"
    _write_jsonl(source, rows)
    result = CliRunner().invoke(app, ["verify", str(source), "--out", str(out)])
    assert result.exit_code == 0, result.output
    graded = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [g["verify_outcome"] for g in graded] == ["correct", "wrong", "correct"]
    assert graded[1]["verify_reason"].startswith("restates the problem")
    other = CliRunner().invoke(app, ["verify", str(source), "--problem-col", "topic"])  # the column named wins
    assert other.exit_code == 0 and "accuracy: 3/3" in other.output, other.output
    assert "row 1, field 'missing'" in _error(["verify", str(source), "--problem-col", "missing"])
    _write_jsonl(source, [{"answer": "1", "response": True}])
    assert "row 1, field 'response': expected a string, got bool True" in _error(["verify", str(source)])


def _error(args: list[str]) -> str:
    result = CliRunner().invoke(app, args)
    assert result.exit_code != 0
    return " ".join(result.output.split())  # rich wraps long lines


def test_verify_names_file_row_and_field_on_bad_input(tmp_path):
    source = tmp_path / "bad.jsonl"
    _write_jsonl(source, ROWS[:2] + [{"answer": "1"}])
    message = _error(["verify", str(source)])
    assert "bad.jsonl, row 3, field 'response'" in message

    broken = tmp_path / "broken.jsonl"
    broken.write_text('{"answer": "1", "response": "1"}\n{not json\n', encoding="utf-8")
    assert "broken.jsonl, row 2, field '(json)': not valid JSON" in _error(["verify", str(broken)])
    assert "no such file" in _error(["verify", str(tmp_path / "missing.jsonl")])
    assert "must end in .jsonl or .parquet" in _error(["verify", str(source), "--out", str(tmp_path / "x.csv")])


def test_mixed_types_go_to_parquet_as_text_and_a_partial_problem_column_is_named(tmp_path):
    # a second new-user trial: a numeric and a string gold, a chat-list and a string response
    rows = [{"answer": "391", "response": "The answer is 391.", "problem": r"Compute $17 \cdot 23$."},
            {"answer": 2, "response": [{"role": "assistant", "content": r"\boxed{2}"}]}]
    source, out = tmp_path / "mixed.jsonl", tmp_path / "graded.parquet"
    _write_jsonl(source, rows)
    result = CliRunner().invoke(app, ["verify", str(source), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "1 of 2 rows have no problem: echo rule off there" in " ".join(result.output.split())
    table = pq.read_table(out)
    assert table.column("answer").to_pylist() == ["391", "2"]
    assert json.loads(table.column("response").to_pylist()[1]) == rows[1]["response"]
    assert table.column("verify_outcome").to_pylist() == ["correct", "correct"]


def test_rows_with_a_problem_get_the_echo_rule_when_others_lack_one(tmp_path):
    rows = [{"answer": "391", "response": r"\boxed{17 \cdot 23}", "problem": r"Compute $17 \cdot 23$."},
            {"answer": "4", "response": "The answer is 4."}]
    source, out = tmp_path / "partial.jsonl", tmp_path / "graded.jsonl"
    _write_jsonl(source, rows)
    result = CliRunner().invoke(app, ["verify", str(source), "--out", str(out)])
    assert result.exit_code == 0, result.output
    graded = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [g["verify_outcome"] for g in graded] == ["wrong", "correct"]
    assert graded[0]["verify_reason"].startswith("restates the problem")
