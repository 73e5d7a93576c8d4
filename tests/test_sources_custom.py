"""The ``custom`` source: field mapping over real files (jsonl, parquet), the Hub path, and the CLI."""

from __future__ import annotations

import json

import pyarrow.parquet as pq
import pytest
from pydantic import ValidationError
from typer.testing import CliRunner

from bigmath.cli.app import app
from bigmath.errors import InputError
from bigmath.registry import get_source
from bigmath.schema import Problem

Custom = get_source("custom")


def test_custom_maps_fields_of_a_real_jsonl(shared_data):
    source = Custom(path=str(shared_data / "labelled" / "aime24_test.jsonl"), name="aime24", license="MIT",
                    problem_field="problem", answer_field="answer", solution_field="solution", id_field="id")
    results = list(source.iter_results())
    assert len(results) == 30 and all(isinstance(r, Problem) for r in results)
    first = results[0]
    assert first.source == "aime24" and first.license == "MIT" and first.source_id == "60" and first.answer == "204"
    assert first.solution and set(json.loads(first.meta)) == {"url", "question"}  # id is source_id
    assert source.describe()["mapping"]["answer"] == "answer"


def test_custom_reads_parquet_and_writes_float_answers_as_integers(shared_data):
    source = Custom(path=str(shared_data / "labelled" / "aimo_validation_amc.parquet"), answer_field="answer",
                    id_field="id")
    results = list(source.iter_results())
    assert len(results) == 83 and results[0].answer == "142" and results[0].source == "custom"
    assert all(r.answer and not r.answer.endswith(".0") for r in results)


def test_custom_takes_the_last_box_when_there_is_no_answer_field(shared_data):
    source = Custom(path=str(shared_data / "math" / "sample.jsonl"), solution_field="solution", limit=3)
    assert [r.answer for r in source.iter_results()] == ["2", "10", r"\dfrac{9}{7}"]
    no_box = Custom(path=str(shared_data / "math" / "sample.jsonl"), solution_field="solution", limit=3,
                    boxed_answer=False)
    assert [r.answer for r in no_box.iter_results()] == [None, None, None]


def test_custom_errors_name_the_field(tmp_path):
    path = tmp_path / "mine.jsonl"
    path.write_text(json.dumps({"q": "What is 1+1?", "a": "2", "uid": ""}) + "\n")
    with pytest.raises(InputError, match="'question'.*missing field"):
        list(Custom(path=str(path), problem_field="question").iter_results())
    with pytest.raises(InputError, match="row 1, field 'uid': empty id"):
        list(Custom(path=str(path), problem_field="q", id_field="uid").iter_results())
    with pytest.raises(ValidationError):
        Custom(problem_field="q")  # neither path nor hub_id
    with pytest.raises(ValidationError):
        Custom(path=str(path), nme="typo")  # unknown fields are refused


def test_custom_reads_a_hub_dataset_by_id(tmp_path, monkeypatch):
    monkeypatch.setenv("HF_DATASETS_CACHE", str(tmp_path / "cache"))
    repo = tmp_path / "my-org-dataset"
    (repo / "data").mkdir(parents=True)
    rows = [{"question": f"What is {i} squared?", "final": i * i} for i in range(4)]
    (repo / "data" / "train.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    source = Custom(hub_id=str(repo), problem_field="question", answer_field="final", name="mine")
    results = list(source.iter_results())
    assert [r.answer for r in results] == ["0", "1", "4", "9"]
    assert [r.source_id for r in results] == ["train/0", "train/1", "train/2", "train/3"]
    assert source.describe()["hub_id"] == str(repo)


def test_cli_ingest_custom_with_field_mapping(shared_data, tmp_path):
    out = tmp_path / "gsm8k"
    result = CliRunner().invoke(app, [
        "ingest", "custom", "--path", str(shared_data / "labelled" / "gsm8k_test.jsonl"), "--out", str(out),
        "--problem-field", "question", "--solution-field", "answer", "--id-field", "idx",
        "--name", "gsm8k_test", "--license", "MIT",
    ])
    assert result.exit_code == 0, result.output
    table = pq.read_table(out / "kept.parquet")
    assert table.num_rows == 1319 and set(table.column("source").to_pylist()) == {"gsm8k_test"}
    assert set(table.column("license").to_pylist()) == {"MIT"}
    assert json.loads((out / "build.json").read_text())["sources"][0]["license"] == "MIT"


def test_cli_refuses_custom_options_for_other_sources(tmp_path):
    result = CliRunner().invoke(app, ["ingest", "math", "--problem-field", "q", "--out", str(tmp_path)])
    assert result.exit_code != 0 and "--problem-field" in result.output and "custom" in result.output
    result = CliRunner().invoke(app, ["ingest", "nosuch", "--path", "x.jsonl", "--out", str(tmp_path)])
    assert result.exit_code != 0 and "unknown source 'nosuch'" in result.output
