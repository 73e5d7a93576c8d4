"""The ``llm_judges`` and ``solve_rate`` stages on real shards, end to end on the CPU.

The tiny random-weight model generates for real (garbage, hence mostly ``unparseable``);
replies a capable model would give are placed in the request cache beforehand, which is also
how a resumed run sees them, so routing, majority votes and verifier grading are exercised on
known answers. Also: skipping without a GPU (stage and ``bigmath build``), and ``bigmath judge``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from rich.console import Console
from typer.testing import CliRunner

from bigmath.boxed import last_boxed
from bigmath.cli import app
from bigmath.llm.base import SamplingParams
from bigmath.llm.cache import CacheNamespace, RequestCache
from bigmath.llm.config import BackendConfig
from bigmath.llm.generate import prompt_sha256
from bigmath.llm.judge_stage import LLMJudgeStage
from bigmath.llm.labels import parse_label
from bigmath.llm.prompts import PromptTemplate, load_template
from bigmath.llm.solve_rate import SolveRateStage
from bigmath.pipeline.stage import StageContext, StageSkipped
from bigmath.schema import Problem, problems_to_table


def _jsonl(shared_data: Path, rel: str, n: int) -> list[dict]:
    with open(shared_data / rel, encoding="utf-8") as handle:
        return [json.loads(next(handle)) for _ in range(n)]


@pytest.fixture(scope="module")
def shard(shared_data) -> pa.Table:
    """12 real problems: 4 AQuA multiple choice, 4 HARP proofs, 4 MATH (with answers)."""
    problems = []
    for i, row in enumerate(_jsonl(shared_data, "labelled/aqua_test.jsonl", 4)):
        problems.append(Problem.create(source="aqua", source_id=str(i), license="Apache-2.0",
                                       problem=row["question"] + "\n" + " ".join(row["options"])))
    for i, row in enumerate(_jsonl(shared_data, "harp/proof_based.jsonl", 4)):
        problems.append(Problem.create(source="harp", source_id=f"proof-{i}", license="MIT", problem=row["problem"]))
    for row in _jsonl(shared_data, "math/sample.jsonl", 4):
        problems.append(Problem.create(source="math", source_id=str(row["idx"]), license="MIT", problem=row["problem"],
                                       answer=last_boxed(row["solution"])))
    return problems_to_table(problems)


def _backend(tiny_model: Path) -> BackendConfig:
    return BackendConfig(type="transformers", model=str(tiny_model), alias="tiny", device="cpu", threads=1)


def _ctx(tmp_path: Path, gpu: bool = False) -> StageContext:
    return StageContext(stage_dir=tmp_path / "stage", inputs=[], cache_dir=tmp_path / "cache", out_dir=tmp_path,
                        gpu_available=gpu)


def _inject(tmp_path: Path, tiny_model: Path, template: PromptTemplate, params: SamplingParams, table: pa.Table,
            replies: dict[str, list[str]]) -> None:
    """Store replies in the build's request cache, exactly where the stage looks them up."""
    problems = dict(zip(table.column("id").to_pylist(), table.column("problem").to_pylist()))
    namespace = CacheNamespace(str(tiny_model), "", template.sha256, params.cache_key())
    rows = [(pid, prompt_sha256(template.render(problems[pid])), i, text)
            for pid, texts in replies.items() for i, text in enumerate(texts)]
    with RequestCache(tmp_path / "cache" / "llm" / "requests.sqlite") as cache:
        cache.put_many(namespace, rows)


def _run(stage, table: pa.Table, ctx: StageContext):
    stage.check(ctx)
    stage.setup(ctx)
    try:
        return stage.process(table, ctx)
    finally:
        stage.teardown()


def test_judges_route_rows_and_record_raw_replies(tmp_path, tiny_model, shard):
    stage = LLMJudgeStage(backend=_backend(tiny_model), progress=False,
                          judges=["judge_multiple_choice", "judge_proof", {"type": "judge_multi_part", "drop": False}])
    mc, proof, multi = stage.judges
    ids = shard.column("id").to_pylist()
    # what a capable judge answers for the labelled rows (the transformers backend ignores choices)
    _inject(tmp_path, tiny_model, mc.template(), mc.sampling().without_choices(), shard,
            {pid: ["**Yes**"] for pid in ids[:4]})
    _inject(tmp_path, tiny_model, proof.template(), proof.sampling().without_choices(), shard,
            {**{pid: ["Yes."] for pid in ids[4:8]}, **{pid: ["no"] for pid in ids[8:10]}})
    _inject(tmp_path, tiny_model, multi.template(), multi.sampling().without_choices(), shard, {ids[8]: ["YES"]})

    result = _run(stage, shard, _ctx(tmp_path))
    assert result.kept.num_rows + result.rejected.num_rows == shard.num_rows
    rejected = dict(zip(result.rejected.column("id").to_pylist(), result.rejected.column("reason").to_pylist()))
    cells = {}
    for table in (result.kept, result.rejected):
        for row in table.select(["id", "judge_multiple_choice_tiny", "judge_proof_tiny", "judge_multi_part_tiny"]).to_pylist():
            cells[row.pop("id")] = row
    # the labelled rows leave with their judge's reason ...
    assert all(rejected.get(pid) == "judge_multiple_choice:yes" for pid in ids[:4])
    assert all(cells[pid]["judge_proof_tiny"]["label"] == "yes" and pid in rejected for pid in ids[4:8])
    # ... and every row's fate follows its labels: the first dropping judge saying "yes" wins
    for pid, row in cells.items():
        expected = next((f"judge_{family}:yes" for family in ("multiple_choice", "proof")
                         if row[f"judge_{family}_tiny"]["label"] == "yes"), None)
        assert rejected.get(pid) == expected
        for cell in row.values():
            # the label is what the raw reply says; garbage is "unparseable", never "no"
            assert len(cell["raw"]) == 1 and cell["label"] == parse_label(cell["raw"][0])
    assert any(cell["label"] == "unparseable" for row in cells.values() for cell in row.values())
    flags = dict(zip(result.kept.column("id").to_pylist(), result.kept.column("flags").to_pylist()))
    assert flags[ids[8]] == ["judge_multi_part:yes"]  # drop: false -> a flag, the row stays
    assert result.stats["llm_replies_cached"] == 11 and result.stats["llm_replies_generated"] == 36 - 11
    assert result.stats["judge_proof:yes"] >= 4 and result.stats["judge_proof:no"] >= 2

    again = _run(stage, shard, _ctx(tmp_path))  # everything cached now: same rows, same bytes
    assert again.stats["llm_replies_generated"] == 0 and again.kept.equals(result.kept)


def test_majority_over_samples_and_undecided_drop(tmp_path, tiny_model, shard):
    stage = LLMJudgeStage(backend=_backend(tiny_model), progress=False,
                          judges=[{"type": "judge_yes_no", "samples": 3, "on_unparseable": "drop"}])
    judge = stage.judges[0]
    ids = shard.column("id").to_pylist()
    _inject(tmp_path, tiny_model, judge.template(), judge.sampling().without_choices(), shard,
            {ids[0]: ["yes", "No.", "**yes**"], ids[1]: ["yes", "no", "maybe"], ids[2]: ["no", "No", "hmm"]})
    result = _run(stage, shard, _ctx(tmp_path))
    cells = {**dict(zip(result.kept.column("id").to_pylist(), result.kept.column("judge_yes_no_tiny").to_pylist())),
             **dict(zip(result.rejected.column("id").to_pylist(), result.rejected.column("judge_yes_no_tiny").to_pylist()))}
    assert [cells[i]["label"] for i in ids[:3]] == ["yes", "tie", "no"]
    assert cells[ids[1]]["sample_labels"] == ["yes", "no", "unparseable"]
    reasons = dict(zip(result.rejected.column("id").to_pylist(), result.rejected.column("reason").to_pylist()))
    assert reasons[ids[0]] == "judge_yes_no:yes" and reasons[ids[1]] == "judge_yes_no:undecided"
    assert ids[2] in result.kept.column("id").to_pylist()
    for pid, cell in cells.items():  # every row lands where its label sends it
        expected = {"yes": "judge_yes_no:yes", "no": None}.get(cell["label"], "judge_yes_no:undecided")
        assert reasons.get(pid) == expected


def test_solve_rate_grades_rollouts_with_the_verifier(tmp_path, tiny_model, shard):
    math_rows = shard.slice(8, 4)
    no_answer = shard.slice(0, 1)  # an AQuA row: no reference answer, so no rollouts
    table = pa.concat_tables([math_rows, no_answer])
    stage = SolveRateStage(backend=_backend(tiny_model), samples=4, max_tokens=12, progress=False,
                           drop_at_or_below=0.0)
    gold = math_rows.column("answer").to_pylist()[0]
    first = math_rows.column("id").to_pylist()[0]
    template = load_template("solve_rate")
    _inject(tmp_path, tiny_model, template, stage.sampling(), table, {first: [
        f"Factor the denominator; the answer is $\\boxed{{{gold}}}$.", f"So we get \\boxed{{{gold}}}",
        f"Final answer: $\\boxed{{{gold}}}$", "\\boxed{17}"]})
    result = _run(stage, table, _ctx(tmp_path))
    rows = {r["id"]: r for r in pa.concat_tables([result.kept, result.rejected.select(result.kept.column_names)],
                                                  promote_options="permissive").to_pylist()}
    assert rows[first]["solve_rate_tiny"] == 0.75 and rows[first]["solve_rate_tiny_n_correct"] == 3
    assert rows[first]["solve_rate_tiny_n_graded"] == 4 and rows[first]["solve_rate_tiny_n_samples"] == 4
    skipped = no_answer.column("id").to_pylist()[0]
    assert rows[skipped]["solve_rate_tiny"] is None and rows[skipped]["solve_rate_tiny_n_samples"] == 0
    assert result.stats["llm_replies_cached"] == 4 and result.stats["llm_replies_generated"] == 12
    # the tiny model's garbage never solves anything: those rows are too hard and leave
    for pid, row in rows.items():
        if row["solve_rate_tiny"] == 0.0:
            assert pid in result.rejected.column("id").to_pylist()
    assert set(result.rejected.column("reason").to_pylist()) <= {"solve_rate:too_hard"}
    assert first in result.kept.column("id").to_pylist() and skipped in result.kept.column("id").to_pylist()

    easy = SolveRateStage(backend=_backend(tiny_model), samples=4, max_tokens=12, progress=False,
                          drop_at_or_above=0.75)
    rerouted = _run(easy, table, _ctx(tmp_path))  # all rollouts cached: only the threshold changed
    assert rerouted.stats["llm_replies_generated"] == 0
    assert dict(zip(rerouted.rejected.column("id").to_pylist(),
                    rerouted.rejected.column("reason").to_pylist())) == {first: "solve_rate:too_easy"}


def test_stages_skip_without_gpu_or_backend(tmp_path, tiny_model):
    vllm = BackendConfig(type="vllm", model="meta-llama/Llama-3.1-70B-Instruct", alias="llama70b")
    for stage in (LLMJudgeStage(backend=vllm), SolveRateStage(backend=vllm)):
        with pytest.raises(StageSkipped, match="needs a CUDA GPU and none is available"):
            stage.check(_ctx(tmp_path))
    with pytest.raises(StageSkipped, match="no backend configured"):
        LLMJudgeStage().check(_ctx(tmp_path))
    LLMJudgeStage(backend=_backend(tiny_model)).check(_ctx(tmp_path))  # CPU backends run anywhere
    with pytest.raises(ValueError, match="set backend on the stage"):
        LLMJudgeStage(judges=[{"type": "judge_proof", "backend": {"type": "transformers", "model": "x"}}])


def test_build_skips_gpu_stages_and_runs_cpu_ones(tmp_path, tiny_model, shared_data):
    from bigmath.pipeline.engine import build
    from bigmath.pipeline.recipe import recipe_from_dict

    recipe = recipe_from_dict({
        "name": "llm", "shard_size": 3, "limit": 5,
        "sources": [{"type": "math", "path": str(shared_data / "math/sample.jsonl")}],
        "stages": [
            {"type": "llm_judges", "backend": {"type": "vllm", "model": "meta-llama/Llama-3.1-70B-Instruct"}},
            {"type": "solve_rate", "backend": {"type": "vllm", "model": "meta-llama/Llama-3.1-8B-Instruct"}},
            {"type": "llm_judges", "stage_name": "cpu_judges", "judges": ["judge_proof"],
             "backend": _backend(tiny_model).model_dump()},
        ]})
    result = build(recipe, tmp_path / "out", console=Console(file=open(tmp_path / "log.txt", "w")))
    stages = {s["name"]: s for s in result.stats["stages"]}
    assert "needs a CUDA GPU" in stages["llm_judges"]["skipped"] and "needs a CUDA GPU" in stages["solve_rate"]["skipped"]
    assert stages["cpu_judges"]["skipped"] is None and stages["cpu_judges"]["extra"]["llm_replies_generated"] == 5
    kept = pq.read_table(tmp_path / "out" / "kept.parquet")
    assert kept.num_rows == 5 and "judge_proof_tiny" in kept.column_names
    assert (tmp_path / "out" / "cache" / "llm" / "requests.sqlite").exists()


def test_judge_command_resumes_from_its_cache(tmp_path, tiny_model, shard):
    pq.write_table(shard.slice(8, 4), tmp_path / "in.parquet")
    args = ["judge", str(tmp_path / "in.parquet"), "--backend", "transformers", "--model", str(tiny_model),
            "--alias", "tiny", "--device", "cpu", "--threads", "1", "--out", str(tmp_path / "out"),
            "--judges", "proof,multi_part", "--solve-rate", "--samples", "2", "--max-tokens", "8"]
    runner = CliRunner()
    first = runner.invoke(app, args)
    assert first.exit_code == 0, first.output
    kept = (tmp_path / "out" / "kept.parquet").read_bytes()
    second = runner.invoke(app, args)
    assert second.exit_code == 0, second.output
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert [s["stats"]["llm_replies_generated"] for s in summary["stages"]] == [0, 0]
    assert [s["stats"]["llm_replies_cached"] for s in summary["stages"]] == [8, 8]
    assert (tmp_path / "out" / "kept.parquet").read_bytes() == kept
    table = pq.read_table(tmp_path / "out" / "kept.parquet")
    assert {"judge_proof_tiny", "judge_multi_part_tiny", "solve_rate_tiny"} <= set(table.column_names)

    pq.write_table(shard.select(["id"]), tmp_path / "bad.parquet")
    bad = runner.invoke(app, ["judge", str(tmp_path / "bad.parquet"), "--model", str(tiny_model),
                              "--out", str(tmp_path / "o2")])
    assert bad.exit_code == 1 and "bad.parquet" in bad.output and "'problem'" in bad.output
