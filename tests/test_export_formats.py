"""Exports (verl, trl-grpo, openrlhf, sft) load back with `datasets` in the layout each trainer reads."""

from __future__ import annotations

import json
from pathlib import Path

import datasets
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from datasets import List, Value

from bigmath.export.formats import DEFAULT_INSTRUCTION, ExportOptions
from bigmath.export.writer import assign_splits, export_build, split_of


MESSAGES = List({"role": Value("string"), "content": Value("string")})


@pytest.fixture(scope="module")
def build_dir(shared_data, tmp_path_factory, export_helpers) -> Path:
    """A real build of 80 MATH + 40 Omni-MATH + 6 HARP proof rows with only the multiple-choice
    filter, so the answer-less HARP proof rows stay kept. Their kept rows then get one
    verified-correct rollout each in ``solve_rate_tiny_correct_rollouts``, the column the
    solve-rate stage writes (no CPU model here solves problems, so it is added to the file)."""
    build = export_helpers.real_build(tmp_path_factory.mktemp("build"), shared_data, filters=("multiple_choice",))
    kept = pq.read_table(build / "kept.parquet")
    rollouts = [["Working... so the proof is complete: $\\blacksquare$."] if source == "harp" else []
                for source in kept.column("source").to_pylist()]
    kept = kept.append_column("solve_rate_tiny_correct_rollouts", pa.array(rollouts, pa.list_(pa.string())))
    return export_helpers.rewrite_kept(build, tmp_path_factory.mktemp("build_with_rollouts") / "out", kept)


def _load(out: Path) -> datasets.DatasetDict:
    return datasets.load_dataset("parquet", data_dir=str(out))


def _kept_count(build_dir: Path) -> int:
    return pq.read_metadata(build_dir / "kept.parquet").num_rows


def _kept_harp(build_dir: Path) -> int:
    """Kept HARP proof rows: no answer, a solution and a verified rollout each."""
    return pq.read_table(build_dir / "kept.parquet").column("source").to_pylist().count("harp")


def test_verl_layout_and_split(build_dir, tmp_path):
    report = export_build(build_dir, "verl", tmp_path, test_size=0.2, seed=3)
    ds = _load(tmp_path)
    assert set(ds) == {"train", "test"}
    features = ds["train"].features
    assert features["data_source"] == Value("string")
    assert features["prompt"] == MESSAGES
    assert features["ability"] == Value("string")
    assert features["reward_model"] == {"style": Value("string"), "ground_truth": Value("string")}
    assert features["extra_info"] == {"id": Value("string"), "source": Value("string"), "split": Value("string"), "index": Value("int64"),
                                      "problem": Value("string")}
    for split in ("train", "test"):
        rows = ds[split]
        assert [r["index"] for r in rows["extra_info"]] == list(range(len(rows)))
        assert {r["split"] for r in rows["extra_info"]} == {split}
        assert set(rows["ability"]) == {"math"}
        assert all(split_of(r["id"], 0.2, 3) == split for r in rows["extra_info"])
    row = ds["train"][0]
    assert row["prompt"][0]["role"] == "user" and row["prompt"][0]["content"].endswith(DEFAULT_INSTRUCTION)
    assert row["reward_model"]["style"] == "rule" and row["reward_model"]["ground_truth"]
    # HARP proof rows have no answer: recorded as excluded, never dropped silently
    assert _kept_harp(build_dir) > 0 and report.excluded == {"export:no_answer": _kept_harp(build_dir)}
    excluded = pq.read_table(tmp_path / "excluded.parquet").to_pylist()
    assert {e["source"] for e in excluded} == {"harp"}
    assert sum(report.rows.values()) + len(excluded) == _kept_count(build_dir)
    manifest = json.loads((tmp_path / "export.json").read_text())
    assert manifest["rows"] == report.rows and manifest["format"] == "verl"


def test_trl_grpo_layout(build_dir, tmp_path):
    export_build(build_dir, "trl-grpo", tmp_path, ExportOptions(system_prompt="You are a careful mathematician."))
    train = _load(tmp_path)["train"]
    assert train.features["prompt"] == MESSAGES
    assert train.features["answer"] == Value("string")
    assert [m["role"] for m in train[0]["prompt"]] == ["system", "user"]
    kept = {r["id"]: r for r in pq.read_table(build_dir / "kept.parquet").to_pylist()}
    assert all(kept[i]["answer"] == a for i, a in zip(train["id"], train["answer"]))


@pytest.mark.parametrize("chat", [True, False])
def test_openrlhf_layout(build_dir, tmp_path, chat):
    options = ExportOptions(input_key="context_messages", label_key="answer", chat=chat, instruction="")
    export_build(build_dir, "openrlhf", tmp_path, options)
    train = _load(tmp_path)["train"]
    assert set(train.column_names) == {"context_messages", "answer", "datasource", "id"}
    if chat:
        assert train.features["context_messages"] == MESSAGES
        assert train[0]["context_messages"] == [{"role": "user", "content": train[0]["context_messages"][0]["content"]}]
    else:
        assert train.features["context_messages"] == Value("string")
    kept = {r["id"]: r for r in pq.read_table(build_dir / "kept.parquet").to_pylist()}
    first = train[0]
    text = first["context_messages"][0]["content"] if chat else first["context_messages"]
    assert text == kept[first["id"]]["problem"].strip()  # empty instruction: the problem alone


def test_sft_uses_solutions_then_rollouts(build_dir, tmp_path):
    report = export_build(build_dir, "sft", tmp_path)
    train = _load(tmp_path)["train"]
    assert train.features["messages"] == MESSAGES
    assert all([m["role"] for m in msgs] == ["user", "assistant"] for msgs in train["messages"])
    targets = dict(zip(train["id"], train["target"]))
    sources = dict(zip(train["id"], train["source"]))
    assert {targets[i] for i in targets if sources[i] == "harp"} <= {"solution"}  # harp rows have solution_1
    rollout_only = export_build(build_dir, "sft", tmp_path / "rollouts", ExportOptions(sft_target="rollout"))
    harp = _kept_harp(build_dir)
    assert rollout_only.rows["train"] == harp and rollout_only.excluded == {"export:no_rollout": _kept_count(build_dir) - harp}
    assert set(_load(tmp_path / "rollouts")["train"]["target"]) == {"rollout"}
    assert report.excluded.get("export:no_solution", 0) + report.rows["train"] == _kept_count(build_dir)
    # the default instruction asks for \boxed{}: assistant turns without one are counted (CLI warns)
    assert report.unboxed_targets == sum("\\boxed" not in m[-1]["content"] for m in train["messages"])


def test_split_is_a_function_of_id_and_seed():
    ids = [f"{i:016x}" for i in range(2000)]
    splits = assign_splits(ids, 0.1, seed=7)
    assert 120 < splits.count("test") < 280  # ~10 %
    # adding or removing other rows never moves a row
    assert assign_splits(ids[:500], 0.1, seed=7) == splits[:500]
    assert assign_splits(ids, 0.1, seed=8) != splits
    exact = assign_splits(ids, 25, seed=7)
    assert exact.count("test") == 25
    with pytest.raises(ValueError, match="row count"):
        assign_splits(ids[:10], 11)


def test_export_is_byte_identical_on_rerun(build_dir, tmp_path):
    for name in ("a", "b"):
        export_build(build_dir, "verl", tmp_path / name, test_size=0.25)
    for file in ("train.parquet", "test.parquet", "excluded.parquet", "export.json"):
        assert (tmp_path / "a" / file).read_bytes() == (tmp_path / "b" / file).read_bytes()


def test_bad_inputs_give_clear_errors(build_dir, tmp_path, export_helpers):
    with pytest.raises(ValueError, match="unknown export format 'grpo'; known formats: verl, trl-grpo"):
        export_build(build_dir, "grpo", tmp_path)
    with pytest.raises(ValueError, match="needs a tokenizer"):
        export_build(build_dir, "verl", tmp_path, max_prompt_tokens=100)
    with pytest.raises(ValueError, match="kept.parquet: file not found"):
        export_build(tmp_path, "verl", tmp_path / "x")
    kept = pq.read_table(build_dir / "kept.parquet").slice(0, 3)
    blank = kept.set_column(kept.column_names.index("problem"), "problem", pa.array([" "] * 3))
    broken = export_helpers.rewrite_kept(build_dir, tmp_path / "broken", blank)
    with pytest.raises(ValueError, match=r"kept.parquet: row 0 \(id \w+\): field 'problem' is empty"):
        export_build(broken, "verl", tmp_path / "y")
    no_rollouts = export_helpers.rewrite_kept(
        build_dir, tmp_path / "no_rollouts", kept.select([c for c in kept.column_names if not c.startswith("solve_rate_")]))
    with pytest.raises(ValueError, match=r"has no column 'solve_rate_<alias>_correct_rollouts'; run the solve_rate"):
        export_build(no_rollouts, "sft", tmp_path / "z", ExportOptions(sft_target="rollout"))
    with pytest.raises(ValueError, match=r"rollouts column 'nosuch' is not in .*kept.parquet; this build has 'solve_rate_"):
        export_build(build_dir, "sft", tmp_path / "w", ExportOptions(rollouts_column="nosuch"))


def test_exports_feed_the_reward_functions(build_dir, tmp_path):
    """Each RL layout hands its gold answer to bigmath.rewards the way the trainer does."""
    from bigmath.rewards import openrlhf_reward_func, trl_accuracy, verl_compute_score

    export_build(build_dir, "verl", tmp_path / "verl")
    verl = _load(tmp_path / "verl")["train"][0]
    gold = verl["reward_model"]["ground_truth"]
    response = f"So the answer is $\\boxed{{{gold}}}$."
    assert verl_compute_score(verl["data_source"], response, gold, verl["extra_info"]) == 1.0
    assert verl_compute_score(verl["data_source"], "So the answer is $\\boxed{-12345}$.", gold, verl["extra_info"]) == 0.0
    kept = {r["id"]: r["problem"] for r in pq.read_table(build_dir / "kept.parquet", columns=["id", "problem"]).to_pylist()}
    assert verl["extra_info"]["problem"] == kept[verl["extra_info"]["id"]]  # the echo rule's input

    export_build(build_dir, "trl-grpo", tmp_path / "trl")
    trl = _load(tmp_path / "trl")["train"][0]
    assert trl_accuracy([[{"role": "assistant", "content": response}]], answer=[trl["answer"]]) == [1.0]

    export_build(build_dir, "openrlhf", tmp_path / "openrlhf", ExportOptions(chat=False))
    orl = _load(tmp_path / "openrlhf")["train"][0]
    out = openrlhf_reward_func([orl["input"] + response], [orl["input"]], [orl["label"]])
    assert out["rewards"].tolist() == [1.0]
