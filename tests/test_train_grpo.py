"""bigmath train grpo: SmolLM2-135M-Instruct with the verifier reward, per-step logs, difficulty window."""

from __future__ import annotations

import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from bigmath import rewards
from bigmath.train.grpo import check_vllm, train_grpo
from bigmath.train.settings import GRPOSettings

OUTCOMES = ("correct", "wrong", "unparseable_prediction", "unparseable_gold", "timeout")


@pytest.fixture(scope="module")
def build(export_helpers, shared_data, tmp_path_factory):
    return export_helpers.real_build(tmp_path_factory.mktemp("grpo_build"), shared_data,
                                     n_math=12, n_omni=4, n_harp_proof=0)


def test_grpo_on_smollm2_logs_reward_and_verifier_outcomes_per_step(build, tmp_path):
    settings = GRPOSettings(max_steps=2, prompts_per_step=2, num_generations=2, max_completion_length=8,
                            threads=1, learning_rate=1e-5)
    result = train_grpo(build, tmp_path / "run", settings)
    assert [r["step"] for r in result.log] == [1, 2]
    for record in result.log:
        assert 0.0 <= record["reward"] <= 1.0 and record["reward_std"] >= 0.0
        assert sum(record[f"verify/{o}"] for o in OUTCOMES) == 4  # 2 problems x 2 completions
        assert 0.0 <= record["groups/all_zero"] + record["groups/all_one"] <= 1.0
        assert record["verify/disagree"] == 0
        assert record["rewards/verifier/mean"] == pytest.approx(record["reward"])
        assert record["completions/max_length"] <= 8
    info = json.loads((tmp_path / "run" / "train.json").read_text())
    assert info["reward"]["function"] == "bigmath.rewards.trl_accuracy" and info["reward"]["file"] == rewards.__file__
    arguments = info["trainer"]["arguments"]
    assert arguments["num_generations"] == 2 and arguments["per_device_train_batch_size"] == 4
    assert arguments["max_completion_length"] == 8 and arguments["beta"] == 0.0
    assert info["data"]["format"] == "trl-grpo" and info["data"]["digest"].startswith("sha256:")
    assert (tmp_path / "run" / "reward.png").read_bytes()[:4] == b"\x89PNG"
    assert (tmp_path / "run" / "model" / "model.safetensors").is_file()


def test_the_window_selects_the_prompts_grpo_trains_on(export_helpers, build, tiny_model, tmp_path):
    kept = pq.read_table(build / "kept.parquet")
    rates = [0.0, 0.5, 1.0, 0.25] * (kept.num_rows // 4) + [0.5] * (kept.num_rows % 4)
    rated = export_helpers.rewrite_kept(build, tmp_path / "rated",
                                        kept.append_column("solve_rate_tiny", pa.array(rates, pa.float64())))
    settings = GRPOSettings(model=str(tiny_model), max_steps=1, prompts_per_step=2, num_generations=2,
                            max_completion_length=4, threads=1, min_solve_rate=0.1, max_solve_rate=0.9)
    result = train_grpo(rated, tmp_path / "run", settings)
    data = result.info["data"]
    assert data["window"] == {"low": 0.1, "high": 0.9, "column": "solve_rate_tiny"}
    assert data["window_excluded"] == {"window:too_easy": rates.count(1.0), "window:too_hard": rates.count(0.0)}
    assert data["rows"] == kept.num_rows - rates.count(1.0) - rates.count(0.0)


def test_settings_that_cannot_run_here_fail_before_loading(build, tmp_path):
    with pytest.raises(ValueError, match="vllm"):
        check_vllm(GRPOSettings(use_vllm=True))
    with pytest.raises(ValueError, match="do not split over 1 process"):
        train_grpo(build, tmp_path / "run", GRPOSettings(prompts_per_step=3, num_generations=3,
                                                          gradient_accumulation_steps=2))
    assert not (tmp_path / "run").exists()
    with pytest.raises(ValueError, match="min_solve_rate 0.9 > max_solve_rate 0.1"):
        GRPOSettings(min_solve_rate=0.9, max_solve_rate=0.1)
