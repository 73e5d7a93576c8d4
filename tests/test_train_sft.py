"""bigmath train sft: SmolLM2-135M-Instruct on a real build, completion-only loss, reruns, LoRA."""

from __future__ import annotations

import importlib.metadata
import json
import math

import pyarrow.parquet as pq
import pytest

from bigmath.train.data import load_training_data, rows_digest
from bigmath.train.run import read_log
from bigmath.train.runner import prepare
from bigmath.train.settings import SFTSettings
from bigmath.train.sft import build_sft_trainer, train_sft

TINY = dict(max_steps=3, batch_size=2, max_length=96, learning_rate=1e-4, threads=1)


@pytest.fixture(scope="module")
def build(export_helpers, shared_data, tmp_path_factory):
    return export_helpers.real_build(tmp_path_factory.mktemp("sft_build"), shared_data,
                                     n_math=12, n_omni=4, n_harp_proof=0)


@pytest.fixture(scope="module")
def smollm_run(build, tmp_path_factory):
    return train_sft(build, tmp_path_factory.mktemp("sft") / "run", SFTSettings(**TINY))


def test_sft_on_smollm2_trains_and_records_the_run(smollm_run):
    run = smollm_run.out_dir
    assert [r["step"] for r in smollm_run.log] == [1, 2, 3]
    assert all(math.isfinite(r["loss"]) and r["loss"] > 0 for r in smollm_run.log)
    assert read_log(run / "trainer_log.jsonl")[:3] == smollm_run.log
    info = json.loads((run / "train.json").read_text())
    rows = pq.read_table(run / "data" / "train.parquet").to_pylist()
    assert info["data"]["digest"] == f"sha256:{rows_digest(rows)}" and info["data"]["kind"] == "build"
    assert info["model"]["local_model"]["name"] == "smollm2-135m-instruct"
    assert info["settings"] == SFTSettings(**TINY).model_dump(mode="json")
    arguments = info["trainer"]["arguments"]
    assert arguments["completion_only_loss"] is True and arguments["learning_rate"] == 1e-4
    assert arguments["per_device_train_batch_size"] == 2 and arguments["seed"] == 0 and arguments["bf16"] is False
    assert info["versions"]["trl"] == importlib.metadata.version("trl")
    assert info["hardware"] == {"device": "cpu", "torch_threads": 1, "world_size": 1}
    assert {"config.json", "model.safetensors", "tokenizer.json"} <= {p.name for p in (run / "model").iterdir()}
    assert (run / "loss.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "steps" in json.loads((run / "timings.json").read_text())


def test_the_prompt_is_masked_out_of_the_loss(build, tiny_model, tmp_path):
    settings = SFTSettings(model=str(tiny_model), max_length=2048, threads=1)
    setup = prepare(settings, tmp_path / "run")
    data = load_training_data(build, "sft", tmp_path / "run" / "data")
    trainer = build_sft_trainer(data, settings, setup)
    example = trainer.train_dataset[0]
    prompt = trainer.processing_class.apply_chat_template(data.rows[0]["messages"][:-1], add_generation_prompt=True,
                                                          tokenize=True)["input_ids"]
    labels, ids = example["labels"], example["input_ids"]
    assert ids[:len(prompt)] == prompt and set(labels[:len(prompt)]) == {-100}
    assert labels[len(prompt):] == ids[len(prompt):] and len(ids) > len(prompt)


def test_a_rerun_with_the_same_seed_logs_the_same_losses(build, tiny_model, tmp_path):
    settings = SFTSettings(model=str(tiny_model), max_steps=3, batch_size=2, max_length=256, learning_rate=1e-3,
                           threads=1, seed=7)
    first = train_sft(build, tmp_path / "a", settings)
    second = train_sft(build, tmp_path / "b", settings)
    assert (tmp_path / "a" / "trainer_log.jsonl").read_bytes() == (tmp_path / "b" / "trainer_log.jsonl").read_bytes()
    assert [r["loss"] for r in first.log] == [r["loss"] for r in second.log]
    for info in (first.info, second.info):
        info["data"].pop("export_dir")
    assert first.info == second.info
    other = train_sft(build, tmp_path / "c", settings.model_copy(update={"seed": 8}))
    assert [r["loss"] for r in other.log] != [r["loss"] for r in first.log]


def test_lora_saves_the_adapter_and_a_merged_model(build, tiny_model, tmp_path):
    from transformers import AutoModelForCausalLM

    result = train_sft(build, tmp_path / "lora", SFTSettings(model=str(tiny_model), max_steps=1, batch_size=2,
                                                             max_length=256, threads=1, lora_r=4))
    assert (tmp_path / "lora" / "adapter" / "adapter_config.json").is_file()
    assert result.info["outputs"]["adapter"] == "adapter"
    assert result.info["trainer"]["class"] == "SFTTrainer"
    merged = AutoModelForCausalLM.from_pretrained(result.model_dir)
    assert not [name for name, _ in merged.named_parameters() if "lora" in name]
