"""bigmath eval on real models: SmolLM2-135M-Instruct greedy, sampled pass@k, a trained run folder."""

from __future__ import annotations

import json

import pytest

from bigmath.train.evaluate import EvalSettings, evaluate
from bigmath.train.settings import SFTSettings
from bigmath.train.sft import train_sft


def test_greedy_eval_of_smollm2_on_math500(shared_data, tmp_path):
    settings = EvalSettings(benchmark="math500", n=2, max_tokens=16, threads=1, data_dir=str(shared_data / "labelled"))
    result = evaluate("smollm2-135m-instruct", tmp_path / "eval", settings)
    rows = [json.loads(line) for line in (tmp_path / "eval" / "results.jsonl").read_text().splitlines()]
    assert rows == result.rows and len(rows) == 2
    lines = (shared_data / "labelled" / "math500_test.jsonl").read_text().splitlines()
    native = [json.loads(line) for line in lines[:2]]
    assert [r["answer"] for r in rows] == [n["answer"] for n in native]
    assert all(len(r["responses"]) == 1 and len(r["outcomes"]) == 1 for r in rows)
    summary = json.loads((tmp_path / "eval" / "eval.json").read_text())
    low, high = summary["interval_95"]
    assert low <= summary["accuracy"] <= high and summary["problems"] == 2
    assert summary["accuracy"] == sum(r["correct"] for r in rows) / 2
    assert summary["generation"]["temperature"] == 0.0 and summary["backend"]["type"] == "transformers"
    assert summary["model"]["local_model"]["name"] == "smollm2-135m-instruct"
    assert sum(summary["outcomes"].values()) == 2 and summary["benchmark"]["sha256"]


def test_sampled_eval_reports_pass_at_k_and_reruns_identically(shared_data, tiny_model, tmp_path):
    settings = EvalSettings(benchmark="amc23", n=3, samples=3, max_tokens=4, threads=1, seed=1,
                            data_dir=str(shared_data / "labelled"))
    first = evaluate(str(tiny_model), tmp_path / "a", settings)
    assert first.summary["generation"]["temperature"] == 0.6 and first.summary["generation"]["top_p"] == 0.95
    assert set(first.summary["pass_at_k"]) == {"1", "3"} and all(len(r["responses"]) == 3 for r in first.rows)
    assert "Miller" in first.summary["interval_method"]
    evaluate(str(tiny_model), tmp_path / "b", settings)
    assert (tmp_path / "a" / "results.jsonl").read_bytes() == (tmp_path / "b" / "results.jsonl").read_bytes()


def test_a_training_run_folder_evaluates_its_model(export_helpers, shared_data, tiny_model, tmp_path):
    build = export_helpers.real_build(tmp_path / "build", shared_data, n_math=4, n_omni=0, n_harp_proof=0)
    run = train_sft(build, tmp_path / "run", SFTSettings(model=str(tiny_model), max_steps=1, batch_size=2,
                                                          max_length=128, threads=1)).out_dir
    result = evaluate(str(run), tmp_path / "eval", EvalSettings(benchmark="gsm8k", n=1, max_tokens=4, threads=1,
                                                                data_dir=str(shared_data / "labelled")))
    assert result.summary["model"]["resolved"] == str(run / "model")


def test_unknown_benchmark_fails_before_loading_a_model(tmp_path):
    from bigmath.errors import InputError

    with pytest.raises(InputError, match="not a built-in benchmark"):
        evaluate("no-such-model", tmp_path, EvalSettings(benchmark="nope"))
