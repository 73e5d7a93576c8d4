"""Rule filter vs LLM judge of the same family: the counts, ``bigmath inspect --disagreements`` and
the dataset card, on a real build (rule filters annotate, SmolLM2 judges score real rows)."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from rich.console import Console
from typer.testing import CliRunner

from bigmath.cli import app
from bigmath.export.disagreement import compare, compare_build


def _line(shared_data: Path, rel: str, line: int) -> dict:
    return json.loads((shared_data / rel).read_text(encoding="utf-8").splitlines()[line - 1])


@pytest.fixture(scope="module")
def judged_build(shared_data, smollm2, tmp_path_factory) -> Path:
    """A build of 5 real rows: rule filters ``multiple_choice`` and ``proof`` with ``drop: false``,
    then the two judges (SmolLM2, score mode; they drop)."""
    from bigmath.pipeline.engine import build
    from bigmath.pipeline.recipe import recipe_from_dict
    from bigmath.schema import Problem, problems_to_table

    out = tmp_path_factory.mktemp("disagreement")
    aqua = _line(shared_data, "labelled/aqua_test.jsonl", 5)
    rows = [Problem.create(source="aqua", source_id="5", license="Apache-2.0",
                           problem=aqua["question"] + "\n" + "\n".join(aqua["options"])),
            Problem.create(source="harp", source_id="proof-4", license="MIT",
                           problem=_line(shared_data, "harp/proof_based.jsonl", 4)["problem"])]
    rows += [Problem.create(source="math", source_id=str(n), license="MIT",
                            problem=_line(shared_data, "math/sample.jsonl", n)["problem"]) for n in (5, 6, 7)]
    pq.write_table(problems_to_table(rows), out / "in.parquet")
    backend = {"type": "transformers", "model": "smollm2-135m-instruct", "alias": "smollm2", "device": "cpu",
               "threads": 1}
    recipe = recipe_from_dict({
        "name": "disagreement", "sources": [{"type": "problems", "path": str(out / "in.parquet")}],
        "stages": [{"type": "filters", "stage_name": "rules",
                    "filters": [{"type": "multiple_choice", "drop": False}, {"type": "proof", "drop": False}]},
                   {"type": "llm_judges", "backend": backend, "progress": False,
                    "judges": ["judge_multiple_choice", "judge_proof"]}]})
    build(recipe, out / "build", console=Console(quiet=True))
    return out / "build"


def _rows(build: Path) -> list[dict]:
    rows = pq.read_table(build / "kept.parquet").to_pylist()
    if (build / "rejected.parquet").exists():
        rows += pq.read_table(build / "rejected.parquet").to_pylist()
    return rows


def test_counts_match_the_build(judged_build):
    results = {r.family: r for r in compare_build(judged_build, examples=5)}
    assert sorted(results) == ["multiple_choice", "proof"]
    rows = _rows(judged_build)
    for family, rule in (("multiple_choice", "is_multiple_choice"), ("proof", "is_proof")):
        result, judge = results[family], f"judge_{family}_smollm2"
        assert (result.rule_column, result.judge_column) == (rule, judge)
        pairs = [(bool(r[rule]), r[judge]["label"] == "yes") for r in rows]
        assert result.compared == 5 and result.undecided == 0 and result.not_judged == 0
        assert (result.both_yes, result.rule_only, result.judge_only, result.both_no) == (
            pairs.count((True, True)), pairs.count((True, False)), pairs.count((False, True)),
            pairs.count((False, False)))
        for example in result.rule_only_examples + result.judge_only_examples:
            row = next(r for r in rows if r["id"] == example["id"])
            assert example["p_yes"] == row[judge]["p_yes"] and example["problem"] == row["problem"]
    # the rules flag the AQuA row (options) and the HARP proof; the model agrees on the options
    assert results["multiple_choice"].both_yes == 1


def test_inspect_and_card_show_the_report(judged_build, tmp_path):
    shown = CliRunner().invoke(app, ["inspect", str(judged_build), "--disagreements", "-n", "2"],
                               env={"COLUMNS": "200"})
    assert shown.exit_code == 0, shown.output
    assert "multiple_choice: rule `is_multiple_choice` vs judge `judge_multiple_choice_smollm2`: 5 rows" in shown.output
    assert "proof: rule `is_proof` vs judge `judge_proof_smollm2`" in shown.output
    card = CliRunner().invoke(app, ["card", str(judged_build)])
    assert card.exit_code == 0, card.output
    text = (judged_build / "card" / "README.md").read_text(encoding="utf-8")
    assert "### Rule filters vs LLM judges" in text and "| multiple_choice | `judge_multiple_choice_smollm2` | 5 |" in text
    missing = CliRunner().invoke(app, ["inspect", str(judged_build)])
    assert missing.exit_code == 1 and "--disagreements" in missing.output


def test_rows_removed_before_the_judge_and_undecided_labels():
    judge = pa.struct([("label", pa.string()), ("p_yes", pa.float64())])
    table = pa.table({
        "id": ["a", "b", "c", "d", "e"], "source": ["s"] * 5, "problem": ["p"] * 5,
        "is_proof": [True, True, False, False, None],
        "judge_proof_m": pa.array([None, {"label": "no", "p_yes": 0.2}, {"label": "yes", "p_yes": 0.9},
                                   {"label": "unparseable", "p_yes": None}, {"label": "yes", "p_yes": 0.7}], judge),
    })
    (result,) = compare([table], examples=1)
    assert (result.compared, result.rule_only, result.judge_only, result.not_judged, result.undecided) == (2, 1, 1, 1, 1)
    assert result.agreement == 0.0 and [e["id"] for e in result.judge_only_examples] == ["c"]
    assert compare([table.drop_columns(["is_proof"])]) == []


def test_rows_the_rule_removed_have_no_judge_column_and_count_as_not_judged():
    """With the rule filter dropping (the default), rejected.parquet's rule-stage rows never met the
    judge: their table has the rule's column and no judge column (a new-user trial found them
    counted as 0)."""
    judge = pa.struct([("label", pa.string()), ("p_yes", pa.float64())])
    kept = pa.table({"id": ["k1", "k2"], "source": ["s"] * 2, "problem": ["p"] * 2, "is_proof": [False, False],
                     "judge_proof_m": pa.array([{"label": "no", "p_yes": 0.1}, {"label": "yes", "p_yes": 0.8}], judge)})
    removed_by_rule = pa.table({"id": ["r1", "r2", "r3"], "source": ["s"] * 3, "problem": ["p"] * 3,
                                "is_proof": [True, True, True]})
    (result,) = compare([kept, removed_by_rule])
    assert (result.compared, result.both_no, result.judge_only, result.not_judged) == (2, 1, 1, 3)
