"""``bigmath filters`` and ``bigmath filter IN.parquet --out DIR [--only ...] [--annotate]``."""

from __future__ import annotations

import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

import bigmath.filters  # noqa: F401
from bigmath.cli import app
from bigmath.registry import get_filter
from bigmath.stages.filters import RULE_FILTERS
from bigmath.schema import Problem, problems_to_table

runner = CliRunner()


def _flat(text: str) -> str:
    return " ".join(text.split())  # rich wraps long lines


@pytest.fixture(scope="module")
def problems_parquet(tmp_path_factory, shared_data):
    """300 real problems (MATH, HARP proof, gaokao) plus a duplicate, as a core-schema parquet."""
    problems = []
    for source, file, count in (("math", "math/sample.jsonl", 150), ("harp", "harp/proof_based.jsonl", 100),
                                ("gaokao", "labelled/gaokao_math_qa_test.jsonl", 50)):
        with open(shared_data / file, encoding="utf-8") as fh:
            for number, line in zip(range(count), fh):
                native = json.loads(line)
                problems.append(Problem.create(source=source, source_id=str(number), license="MIT",
                                               problem=native.get("problem") or native["question"],
                                               answer=native.get("answer") if isinstance(native.get("answer"), str) else None,
                                               solution=native.get("solution")))
    problems.append(Problem.create(source="copy", source_id="0", license="MIT", problem=problems[0].problem,
                                   answer="x"))
    path = tmp_path_factory.mktemp("in") / "problems.parquet"
    pq.write_table(problems_to_table(problems), path)
    return path


def test_filters_lists_every_filter_and_reason():
    result = runner.invoke(app, ["filters"], env={"COLUMNS": "250"})
    assert result.exit_code == 0, result.output
    for name in RULE_FILTERS:
        assert name in result.output
        for reason in get_filter(name).reasons[:3]:
            family, detail = reason.split(":")
            assert reason in result.output or (family == "language" and detail in result.output)
    listed = {f["name"]: f for f in json.loads(runner.invoke(app, ["filters", "--json"]).output)}
    assert all(listed[name]["reasons"] == list(get_filter(name).reasons) for name in RULE_FILTERS)
    assert listed["proof"]["reads"] == ["problem"] and listed["proof"]["signal"] == "is_proof"
    assert listed["language"]["signals"] == ["is_non_english", "language"]
    assert listed["verifiable_answer"]["signals"] == ["answer_type", "answer_parses"]
    narrow = runner.invoke(app, ["filters"], env={"COLUMNS": "80"})  # blocks, nothing squeezed away
    assert narrow.exit_code == 0 and "proof (cpu) reads problem -> columns is_proof" in narrow.output


def test_filter_writes_kept_and_rejected(problems_parquet, tmp_path):
    out = tmp_path / "out"
    result = runner.invoke(app, ["filter", str(problems_parquet), "--out", str(out)], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    kept, rejected = pq.read_table(out / "kept.parquet"), pq.read_table(out / "rejected.parquet")
    total = pq.read_metadata(problems_parquet).num_rows
    assert kept.num_rows + rejected.num_rows == total  # nothing silently dropped
    reasons = rejected.column("reason").to_pylist()
    assert any(r.startswith("proof:") for r in reasons)
    assert any(r == "language:zh" for r in reasons)
    assert set(rejected.column("stage").to_pylist()) == {"rule_filters"}
    stats = json.loads((out / "stats.json").read_text())  # the engine's outputs, as for `bigmath build`
    assert stats["ingested"] == total and stats["kept"] == kept.num_rows
    assert [s["name"] for s in stats["stages"]] == ["ingest", "rule_filters"]
    assert json.loads((out / "build.json").read_text())["recipe"]["sources"][0]["type"] == "problems"
    for column in ("is_proof", "is_multiple_choice", "language", "is_non_english", "flags"):
        assert column in kept.column_names
    assert "proof" in result.output and "rejected" in result.output


def test_annotate_drops_nothing_and_lists_every_reason(problems_parquet, tmp_path):
    out = tmp_path / "ann"
    result = runner.invoke(app, ["filter", str(problems_parquet), "--out", str(out), "--annotate",
                                 "--only", "proof", "--only", "language", "--only", "multiple_choice"])
    assert result.exit_code == 0, result.output
    annotated = pq.read_table(out / "kept.parquet")
    source = pq.read_table(problems_parquet)
    assert annotated.num_rows == source.num_rows and pq.read_metadata(out / "rejected.parquet").num_rows == 0
    assert annotated.column("id").to_pylist() == source.column("id").to_pylist()
    assert annotated.schema.field("flags").type == pa.list_(pa.string())
    rows = annotated.to_pylist()
    gaokao = [r for r in rows if r["source"] == "gaokao"]
    assert {r["language"] for r in gaokao} <= {"zh", "und"}  # "und": a row that is only math
    assert sum("language:zh" in r["flags"] for r in gaokao) >= 45
    assert all(r["is_multiple_choice"] == any(x.startswith("multiple_choice:") for x in r["flags"]) for r in rows)
    assert any(any(x.startswith("proof:") for x in r["flags"]) for r in rows)


def test_output_is_byte_identical_between_runs(problems_parquet, tmp_path):
    for run in ("a", "b"):
        result = runner.invoke(app, ["filter", str(problems_parquet), "--out", str(tmp_path / run)])
        assert result.exit_code == 0, result.output
    for name in ("kept.parquet", "rejected.parquet"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


def test_clear_errors(problems_parquet, tmp_path):
    missing = runner.invoke(app, ["filter", str(tmp_path / "nope.parquet"), "--out", str(tmp_path / "o")])
    assert missing.exit_code != 0 and "no such file" in _flat(missing.output)
    unknown = runner.invoke(app, ["filter", str(problems_parquet), "--out", str(tmp_path / "o"), "--only", "nope"])
    assert unknown.exit_code != 0 and "--only nope: unknown filter" in _flat(unknown.output)
    bare = tmp_path / "bare.parquet"
    pq.write_table(pa.table({"problem": ["Prove it."]}), bare)
    cols = runner.invoke(app, ["filter", str(bare), "--out", str(tmp_path / "o")])
    assert cols.exit_code != 0 and f"{bare}, field 'id': column missing" in _flat(cols.output)
    empty = tmp_path / "empty-id.parquet"
    pq.write_table(pa.table({"id": ["a", None], "problem": ["Prove it.", "Find x."]}), empty)
    rows = runner.invoke(app, ["filter", str(empty), "--out", str(tmp_path / "o2")])
    assert rows.exit_code != 0 and f"{empty}, row 2, field 'id': empty value" in _flat(rows.output)


def test_dry_run_prints_a_recipe_that_builds(problems_parquet, tmp_path):
    """``--dry-run`` prints the recipe the command runs; saved as YAML, ``bigmath build`` runs it
    to the same outputs."""
    command = ["filter", str(problems_parquet), "--only", "proof", "--only", "language"]
    shown = runner.invoke(app, [*command, "--out", str(tmp_path / "cmd"), "--dry-run"])
    assert shown.exit_code == 0 and not (tmp_path / "cmd").exists()
    recipe = tmp_path / "recipe.yaml"
    recipe.write_text(shown.stdout)
    assert runner.invoke(app, [*command, "--out", str(tmp_path / "cmd")]).exit_code == 0
    built = runner.invoke(app, ["build", str(recipe), "--out", str(tmp_path / "built")])
    assert built.exit_code == 0, built.output
    for name in ("kept.parquet", "rejected.parquet"):
        assert (tmp_path / "cmd" / name).read_bytes() == (tmp_path / "built" / name).read_bytes()
