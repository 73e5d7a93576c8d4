"""The SemDeDup threshold given on the command line or in a YAML recipe reaches the comparison."""

from __future__ import annotations

import json

import numpy as np
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from bigmath.cli import app
from bigmath.dedup.embeddings import embed_texts
from bigmath.schema import Problem, problems_to_table

# Two MATH test problems that differ in one number (and the answer).
PAIR = [("What is the sum of all of the multiples of 7 between 100 and 200?", "2107"),
        ("What is the sum of all of the multiples of 3 between 100 and 200?", "4950")]


@pytest.fixture(scope="module")
def similarity() -> float:
    """Cosine similarity of the pair's embedded texts (default model and template)."""
    vectors = embed_texts([f"Problem: {p} Answer: {a}" for p, a in PAIR]).vectors
    value = float(np.dot(vectors[0].astype(np.float64), vectors[1].astype(np.float64)))
    assert 0.5 < value < 0.99  # related, but not a duplicate at the default 0.99
    return value


def _dedup(tmp_path, name: str, *options: str):
    source = tmp_path / "pair.parquet"
    if not source.exists():
        rows = [Problem.create(source="math", source_id=str(i), problem=p, answer=a, license="MIT")
                for i, (p, a) in enumerate(PAIR)]
        pq.write_table(problems_to_table(rows), source)
    result = CliRunner().invoke(app, ["dedup", str(source), "--out", str(tmp_path / name), "--no-exact",
                                      "--cache-dir", str(tmp_path / "cache"), *options])
    assert result.exit_code == 0, result.output
    stats = json.loads((tmp_path / name / "stats.json").read_text())
    stats["semdedup"] = json.loads(next((tmp_path / name).glob("*_semdedup-*/semdedup.json")).read_text())
    return stats


def test_cli_threshold_flips_the_decision_at_the_pair_similarity(tmp_path, similarity):
    below = _dedup(tmp_path, "below", "--threshold", f"{similarity - 1e-4:.6f}")
    above = _dedup(tmp_path, "above", "--threshold", f"{similarity + 1e-4:.6f}")
    by_epsilon = _dedup(tmp_path, "eps", "--epsilon", f"{1 - similarity + 1e-4:.6f}")
    assert below["reasons"] == {"semdedup:duplicate": 1} and above["reasons"] == {}
    assert by_epsilon["reasons"] == {"semdedup:duplicate": 1}
    assert below["semdedup"]["threshold"] == pytest.approx(similarity - 1e-4, abs=1e-6)
    removed = pq.read_table(tmp_path / "below" / "rejected.parquet").to_pylist()[0]
    assert removed["similarity"] == pytest.approx(similarity, abs=1e-5) and removed["reason"] == "semdedup:duplicate"
    assert removed["duplicate_of"] == pq.read_table(tmp_path / "below" / "kept.parquet").column("id")[0].as_py()
    assert below["semdedup"]["embedded"] == 2 and above["semdedup"]["embedded"] == 0  # the shared --cache-dir
    # the per-row score is kept on the kept row too, so the user can re-threshold
    kept = pq.read_table(tmp_path / "above" / "kept.parquet").column("semdedup_similarity").to_pylist()
    assert sorted(kept, key=lambda v: v is None)[0] == pytest.approx(similarity, abs=1e-5)


def test_cli_rejects_threshold_and_epsilon_together(tmp_path):
    pq.write_table(problems_to_table([Problem.create(source="s", source_id="1", problem="p", license="MIT")]),
                   tmp_path / "one.parquet")
    result = CliRunner().invoke(app, ["dedup", str(tmp_path / "one.parquet"), "--out", str(tmp_path / "o"),
                                      "--threshold", "0.9", "--epsilon", "0.1"])
    assert result.exit_code == 1 and "not both" in result.output and "--threshold" in result.output


@pytest.mark.parametrize("offset, removed", [(-1e-4, 1), (1e-4, 0)])
def test_yaml_recipe_threshold_reaches_the_comparison(tmp_path, similarity, offset, removed):
    from bigmath.pipeline.engine import build
    from bigmath.pipeline.recipe import load_recipe

    data = tmp_path / "pair.jsonl"
    data.write_text("".join(json.dumps({"problem": p, "answer": a}) + "\n" for p, a in PAIR))
    recipe = tmp_path / "recipe.yaml"
    recipe.write_text(f"""
name: threshold-check
sources:
  - type: custom
    path: {data}
    answer_field: answer
    license: MIT
stages:
  - type: semdedup
    similarity_threshold: {similarity + offset:.6f}
""")
    stats = build(load_recipe(recipe), tmp_path / "out").stats
    assert stats["reasons"].get("semdedup:duplicate", 0) == removed
    assert stats["kept"] == 2 - removed


def test_input_without_a_required_column_is_named_in_the_error(tmp_path):
    import pyarrow as pa

    pq.write_table(pa.table({"id": ["a"], "question": ["p"]}), tmp_path / "noproblem.parquet")
    result = CliRunner().invoke(app, ["dedup", str(tmp_path / "noproblem.parquet"), "--out", str(tmp_path / "o")])
    assert result.exit_code == 1 and "noproblem.parquet" in result.output and "'problem'" in result.output
