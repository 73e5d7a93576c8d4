"""The commands: bigmath train sft|grpo (TRL and the verl launch command) and bigmath eval."""

from __future__ import annotations

import importlib.util
import json

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from bigmath import rewards
from bigmath.cli import app


@pytest.fixture(scope="module")
def build(export_helpers, shared_data, tmp_path_factory):
    return export_helpers.real_build(tmp_path_factory.mktemp("cli_build"), shared_data,
                                     n_math=8, n_omni=4, n_harp_proof=0)


def _invoke(*args: str):
    return CliRunner().invoke(app, [str(a) for a in args], catch_exceptions=False)


def test_train_sft_prints_each_step_and_writes_the_run(build, tiny_model, tmp_path):
    result = _invoke("train", "sft", build, "--out", tmp_path / "run", "--model", tiny_model, "--max-steps", "2",
                     "--batch-size", "2", "--max-length", "128", "--threads", "1", "--learning-rate", "1e-3")
    assert result.exit_code == 0, result.output
    assert "step 1/2  loss" in result.output and "trained 2 steps on" in result.output
    info = json.loads((tmp_path / "run" / "train.json").read_text())
    assert info["settings"]["learning_rate"] == 1e-3 and info["settings"]["model"] == str(tiny_model)
    assert info["settings"]["epochs"] == 1.0  # options left out keep the model's defaults


def test_bad_values_are_named_by_their_flag(build, tmp_path):
    result = CliRunner().invoke(app, ["train", "sft", str(build), "--out", str(tmp_path / "x"),
                                      "--learning-rate", "-1"])
    assert result.exit_code == 1 and "--learning-rate" in result.output
    result = CliRunner().invoke(app, ["train", "grpo", str(build), "--out", str(tmp_path / "x"), "--trainer", "verl"])
    assert result.exit_code == 1 and "--print-command" in result.output
    assert not (tmp_path / "x").exists()


def test_verl_command_uses_our_export_and_reward_file(build, tmp_path):
    result = _invoke("train", "grpo", build, "--out", tmp_path / "verl", "--trainer", "verl", "--print-command",
                     "--model", "Qwen/Qwen2.5-7B-Instruct", "--num-generations", "16", "--beta", "0.001",
                     "--prompts-per-step", "128", "--verl-gpus-per-node", "8", "--verl-test-size", "2")
    assert result.exit_code == 0, result.output
    script = (tmp_path / "verl" / "verl_command.sh").read_text()
    assert "python3 -m verl.trainer.main_ppo" in script and "algorithm.adv_estimator=grpo" in script
    overrides = dict(part.rstrip(" \\").split("=", 1) for part in script.split() if "=" in part and "." in part)
    assert overrides["actor_rollout_ref.rollout.n"] == "16" and overrides["data.train_batch_size"] == "128"
    assert overrides["actor_rollout_ref.actor.use_kl_loss"] == "True"
    assert overrides["actor_rollout_ref.actor.kl_loss_coef"] == "0.001"
    assert overrides["actor_rollout_ref.model.path"] == "Qwen/Qwen2.5-7B-Instruct"
    train = pq.read_table(overrides["data.train_files"]).to_pylist()
    assert pq.read_table(overrides["data.val_files"]).num_rows == 2
    assert {"data_source", "prompt", "reward_model", "extra_info"} <= set(train[0])
    # verl loads the reward by file path and calls it by name: do the same
    assert overrides["custom_reward_function.path"] == rewards.__file__
    spec = importlib.util.spec_from_file_location("verl_custom_reward", overrides["custom_reward_function.path"])
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    score = getattr(module, overrides["custom_reward_function.name"])
    gold = train[0]["reward_model"]["ground_truth"]
    assert score(train[0]["data_source"], rf"so \boxed{{{gold}}}", gold, train[0]["extra_info"]) == 1.0
    assert score(train[0]["data_source"], "no idea", gold, train[0]["extra_info"]) == 0.0


def test_eval_prints_accuracy_with_an_interval(shared_data, tiny_model, tmp_path):
    result = _invoke("eval", tiny_model, "--benchmark", "aime24", "--n", "2", "--max-tokens", "4", "--threads", "1",
                     "--data-dir", shared_data / "labelled", "--out", tmp_path / "eval")
    assert result.exit_code == 0, result.output
    assert "aime24: accuracy" in result.output and "(95 % CI" in result.output and "on 2 problems" in result.output
    assert json.loads((tmp_path / "eval" / "eval.json").read_text())["problems"] == 2
    missing = CliRunner().invoke(app, ["eval", str(tiny_model), "--benchmark", "nope"])
    assert missing.exit_code == 1 and "not a built-in benchmark" in missing.output


@pytest.mark.timeout(300)
def test_two_processes_share_the_work_and_one_writes(build, tiny_model, tmp_path):
    import os
    import subprocess
    import sys

    run = tmp_path / "ddp"
    command = [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", "2", "-m", "bigmath", "train", "sft",
               str(build), "--out", str(run), "--model", str(tiny_model), "--max-steps", "1", "--batch-size", "2",
               "--max-length", "128", "--threads", "1", "--lora-r", "4"]
    done = subprocess.run(command, capture_output=True, text=True, env={**os.environ, "OMP_NUM_THREADS": "1"})
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.count("trained 1 steps") == 1  # the main process reports
    info = json.loads((run / "train.json").read_text())
    assert info["hardware"]["world_size"] == 2 and info["trainer"]["arguments"]["per_device_train_batch_size"] == 2
    assert (run / "adapter" / "adapter_config.json").is_file() and (run / "model" / "config.json").is_file()


def test_a_folder_that_is_not_a_model_is_named_for_what_it_is(tmp_path):
    """A new-user trial: a build folder passed as the model failed with a tokenizer error."""
    from bigmath.train.run import resolve_run_model

    build = tmp_path / "build"
    build.mkdir()
    (build / "kept.parquet").write_bytes(b"")
    with pytest.raises(ValueError, match="this is a build folder, not a model"):
        resolve_run_model(str(build))
    with pytest.raises(ValueError, match="no such folder"):
        resolve_run_model(str(tmp_path / "missing"))
    from bigmath.train.settings import TrainSettings

    with pytest.raises(ValueError, match="0 steps would save the model unchanged"):
        TrainSettings(max_steps=0)
