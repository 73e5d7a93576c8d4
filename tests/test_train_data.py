"""Training rows from build and export folders: same rows as `bigmath export`, digest, difficulty window."""

from __future__ import annotations

import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from bigmath.export.formats import ExportOptions
from bigmath.export.writer import export_build
from bigmath.train.data import (SolveRateWindow, TrainingDataError, load_training_data, rows_digest, sft_example,
                                solve_rate_column)


@pytest.fixture(scope="module")
def build(export_helpers, shared_data, tmp_path_factory):
    return export_helpers.real_build(tmp_path_factory.mktemp("train_data_build"), shared_data,
                                     n_math=12, n_omni=4, n_harp_proof=2)


def test_a_build_gives_the_rows_bigmath_export_writes(build, tmp_path):
    data = load_training_data(build, "sft", tmp_path / "run" / "data")
    exported = export_build(build, "sft", tmp_path / "export")
    rows = pq.read_table(tmp_path / "export" / "train.parquet").to_pylist()
    assert data.kind == "build" and data.rows == rows and len(rows) == exported.rows["train"]
    assert data.digest == rows_digest(rows)
    # the export folder itself is an input too, and names the same data
    again = load_training_data(tmp_path / "export", "sft", tmp_path / "unused")
    assert again.kind == "export" and again.digest == data.digest
    described = data.describe()
    assert described["digest"] == f"sha256:{data.digest}" and described["rows"] == len(rows)
    assert described["export"]["options"]["sft_target"] == "auto"


def test_the_digest_changes_with_the_data(build, tmp_path):
    plain = load_training_data(build, "trl-grpo", tmp_path / "a")
    other = load_training_data(build, "trl-grpo", tmp_path / "b", ExportOptions(instruction=""))
    assert plain.rows[0]["prompt"][-1]["content"].endswith("\\boxed{}.")
    assert other.digest != plain.digest and rows_digest(plain.rows[:-1]) != plain.digest


def test_wrong_inputs_are_named(build, tmp_path):
    export_build(build, "verl", tmp_path / "verl")
    with pytest.raises(TrainingDataError, match=r"export.json: a 'verl' export, but this trainer reads 'sft'"):
        load_training_data(tmp_path / "verl", "sft", tmp_path / "x")
    with pytest.raises(TrainingDataError, match="neither a build folder"):
        load_training_data(tmp_path, "sft", tmp_path / "x")
    with pytest.raises(TrainingDataError, match="options apply to a build folder"):
        load_training_data(tmp_path / "verl", "verl", tmp_path / "x", ExportOptions(instruction=""))
    with pytest.raises(TrainingDataError, match="pass the build folder"):
        load_training_data(tmp_path / "verl", "verl", tmp_path / "x", window=SolveRateWindow(0.1, 0.9))


def test_sft_examples_split_the_answer_turn_off(build, tmp_path):
    row = load_training_data(build, "sft", tmp_path / "d").rows[0]
    example = sft_example(row, 0, tmp_path / "train.parquet")
    assert [m["role"] for m in example["prompt"]] == ["user"] and example["completion"][0]["role"] == "assistant"
    with pytest.raises(TrainingDataError, match=r"row 3 \(id x\): field 'messages' must end with an assistant turn"):
        sft_example({"id": "x", "messages": row["messages"][:1]}, 3, tmp_path / "train.parquet")


def _with_solve_rates(export_helpers, build, out, rates):
    kept = pq.read_table(build / "kept.parquet")
    values = [rates[i % len(rates)] for i in range(kept.num_rows)]
    kept = kept.append_column("solve_rate_m", pa.array(values, pa.float64()))
    kept = kept.append_column("solve_rate_m_n_correct", pa.array([0] * kept.num_rows, pa.int32()))
    return export_helpers.rewrite_kept(build, out, kept)


def test_the_difficulty_window_keeps_problems_whose_groups_disagree(export_helpers, build, tmp_path):
    rated = _with_solve_rates(export_helpers, build, tmp_path / "rated", [0.0, 0.05, 0.5, 0.9, 1.0, None])
    kept = pq.read_table(rated / "kept.parquet")
    assert solve_rate_column(kept, rated) == "solve_rate_m"  # the int counter column is not a candidate
    data = load_training_data(rated, "trl-grpo", tmp_path / "run", window=SolveRateWindow(0.1, 0.9))
    rates = dict(zip(kept.column("id").to_pylist(), kept.column("solve_rate_m").to_pylist()))
    assert data.rows and all(0.1 <= rates[r["id"]] <= 0.9 for r in data.rows)
    excluded = pq.read_table(tmp_path / "run" / "window_excluded.parquet").to_pylist()
    reasons = {e["id"]: e["reason"] for e in excluded}
    assert all(reasons[i] == ("window:no_solve_rate" if r is None else "window:too_hard" if r < 0.1
                              else "window:too_easy") for i, r in rates.items() if i in reasons)
    assert len(data.rows) + len(excluded) == len(kept)
    assert data.excluded == {k: sum(1 for v in reasons.values() if v == k) for k in set(reasons.values())}
    assert data.describe()["window"] == {"low": 0.1, "high": 0.9, "column": "solve_rate_m"}


def test_window_errors(export_helpers, build, tmp_path):
    with pytest.raises(TrainingDataError, match="no solve_rate_<alias> column"):
        load_training_data(build, "trl-grpo", tmp_path / "a", window=SolveRateWindow(0.1, None))
    rated = _with_solve_rates(export_helpers, build, tmp_path / "rated", [0.0])
    with pytest.raises(TrainingDataError, match=r"no training row left \(window exclusions: \{'window:too_hard'"):
        load_training_data(rated, "trl-grpo", tmp_path / "b", window=SolveRateWindow(0.1, None))
    with pytest.raises(ValueError, match="window is empty"):
        SolveRateWindow(0.9, 0.1)
    manifest = json.loads((tmp_path / "b" / "export.json").read_text())
    assert manifest["format"] == "trl-grpo"
