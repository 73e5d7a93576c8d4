"""Real HARP MCQ rows through the harp adapter: options in ``meta.choices``, the answer the option's
text (``../shared/data/labelled/harp_mcq_sample.jsonl``, split ``mcq``). The rule filter flags them
(``multiple_choice:options_field``) and the stage rewrites or rejects every one, with
``select: flagged`` after the rule filters as with ``select: detect`` on its own (the CLI)."""

from __future__ import annotations

import json

import pyarrow.parquet as pq
import pytest
from rich.console import Console

from bigmath.filters.multiple_choice import MultipleChoice
from bigmath.pipeline.engine import build
from bigmath.pipeline.recipe import recipe_from_dict
from bigmath.reformulate.latex import comparable, option_value

ROWS = 60


def _build(shared_data, out, stages):
    source = {"type": "harp", "path": str(shared_data / "labelled" / "harp_mcq_sample.jsonl"), "split": "mcq",
              "limit": ROWS}
    recipe = recipe_from_dict({"name": "harp_mcq", "sources": [source], "stages": stages})
    return build(recipe, out, console=Console(file=open(out.parent / f"{out.name}.log", "w")))


@pytest.fixture(scope="module")
def builds(shared_data, tmp_path_factory):
    root = tmp_path_factory.mktemp("harp_mcq")
    flagged = _build(shared_data, root / "flagged", [
        {"type": "filters", "stage_name": "rule_filters", "filters": [{"type": "multiple_choice", "drop": False}]},
        {"type": "reformulate"}])
    detect = _build(shared_data, root / "detect", [{"type": "reformulate", "select": "detect"}])
    return root, flagged, detect


def test_the_filter_flags_rows_whose_options_are_in_meta(builds):
    _, flagged, _ = builds
    counters = next(s for s in flagged.stats["stages"] if s["name"] == "rule_filters")["extra"]
    assert counters["flagged:multiple_choice:options_field"] >= ROWS - 5  # the others have a text reason first
    assert sum(v for k, v in counters.items() if k.startswith("flagged:multiple_choice:")) == ROWS


def test_every_row_is_rewritten_to_its_option_value_or_rejected(builds):
    root, flagged, _ = builds
    kept = pq.read_table(root / "flagged" / "kept.parquet").to_pylist()
    rejected = pq.read_table(root / "flagged" / "rejected.parquet").to_pylist()
    assert len(kept) + len(rejected) == ROWS and len(kept) >= 10
    wrongly = 0
    for row in kept:
        meta = json.loads(row["meta"])
        assert row["reformulated_from"] == row["id"] and row["is_multiple_choice"] is False
        assert "choices" not in meta and row["original_answer"] == meta["answer_raw"].strip("$")
        keyed = meta["original_choices"][meta["answer_choice"]]
        assert comparable(row["answer"]) == comparable(option_value(keyed))
        assert "none of" not in row["answer"].lower()
        wrongly += meta["multiple_choice_only"]
    assert wrongly <= 0.1 * sum(json.loads(r["meta"])["multiple_choice_only"] for r in kept + rejected)
    assert {r["reason"] for r in rejected} <= {"reformulate:needs_choices", "reformulate:no_answer_option"}
    # a rewritten row is not taken for a multiple-choice row again
    table = pq.read_table(root / "flagged" / "kept.parquet")
    flt = MultipleChoice()
    assert flt.verdicts(table.select(list(flt.columns))).reasons == [None] * table.num_rows


def test_select_detect_rewrites_the_same_rows(builds):
    root = builds[0]
    columns = ["id", "problem", "answer", "solution", "meta", "reformulation_detail"]
    flagged = pq.read_table(root / "flagged" / "kept.parquet", columns=columns)
    detect = pq.read_table(root / "detect" / "kept.parquet", columns=columns)
    assert detect.equals(flagged)
    reasons = [pq.read_table(root / name / "rejected.parquet", columns=["id", "reason"]).to_pylist()
               for name in ("flagged", "detect")]
    assert reasons[0] == reasons[1]


def test_rewritten_item_number_problems_are_not_flagged_again(shared_data, tmp_path):
    """A new-user trial: HARP 1959 AHSME 14 and 46 (lines 142 and 150), rewritten with their "(1) ...
    (4)" items kept in the open question, were flagged ``multiple_choice:numbered_options`` by the
    filter run again and refused by a second ``reformulate``. The filter reads the lineage column."""
    stages = [{"type": "reformulate", "select": "detect"},
              {"type": "filters", "filters": [{"type": "multiple_choice"}]},
              {"type": "reformulate", "stage_name": "again", "select": "detect"}]
    source = {"type": "harp", "path": str(shared_data / "labelled" / "harp_mcq_sample.jsonl"), "split": "mcq",
              "limit": 150}
    recipe = recipe_from_dict({"name": "twice", "sources": [source], "stages": stages})
    result = build(recipe, tmp_path / "out", console=Console(file=open(tmp_path / "log", "w")))
    kept = pq.read_table(tmp_path / "out" / "kept.parquet", columns=["source_id", "problem"]).to_pylist()
    items = [r for r in kept if r["source_id"] in ("mcq/1959/AHSME/14", "mcq/1959/AHSME/46")]
    assert len(items) == 2 and all("(1)" in r["problem"] for r in items)
    stages_out = {s["name"]: s for s in result.stats["stages"]}
    assert stages_out["filters"]["rejected"] == 0 and stages_out["again"]["rejected"] == 0
