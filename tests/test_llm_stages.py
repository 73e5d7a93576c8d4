"""The ``llm_judges`` and ``solve_rate`` stages on real shards, end to end on the CPU.

What a model says decides these tests, so they use the real SmolLM2-135M-Instruct (session
fixture ``smollm2``; other backends built for it share its weights): judges score real rows from
next-token probabilities (and, in sample mode, parse its real replies); solve rate grades its
real rollouts; the SFT export takes its verified-correct rollouts. The tiny random model stays
where the model's words do not matter: majority votes over given replies, engine skipping and
resume, the ``bigmath judge`` command's cache.
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
from bigmath.llm.labels import majority, parse_label
from bigmath.llm.prompts import PromptTemplate
from bigmath.pipeline.stage import StageContext, StageSkipped
from bigmath.schema import Problem, problems_to_table
from bigmath.stages.llm_judges import LLMJudgeStage
from bigmath.stages.solve_rate import SolveRateStage

MC, PROOF = "judge_multiple_choice_smollm2", "judge_proof_smollm2"


def _jsonl(shared_data: Path, rel: str, lines: range) -> list[dict]:
    rows = (shared_data / rel).read_text(encoding="utf-8").splitlines()
    return [json.loads(rows[i - 1]) for i in lines]


@pytest.fixture(scope="module")
def shard(shared_data) -> pa.Table:
    """6 real problems: 2 AQuA multiple choice (options inline), 2 HARP proofs, 2 MATH (with
    answers); none is a few-shot example of a judge prompt."""
    problems = []
    for n, row in zip(range(3, 5), _jsonl(shared_data, "labelled/aqua_test.jsonl", range(3, 5))):
        problems.append(Problem.create(source="aqua", source_id=str(n), license="Apache-2.0",
                                       problem=row["question"] + "\n" + "\n".join(row["options"])))
    for n, row in zip(range(2, 4), _jsonl(shared_data, "harp/proof_based.jsonl", range(2, 4))):
        problems.append(Problem.create(source="harp", source_id=f"proof-{n}", license="MIT", problem=row["problem"]))
    for row in _jsonl(shared_data, "math/sample.jsonl", range(3, 5)):
        problems.append(Problem.create(source="math", source_id=str(row["idx"]), license="MIT", problem=row["problem"],
                                       answer=last_boxed(row["solution"])))
    return problems_to_table(problems)


def _smollm2() -> BackendConfig:
    return BackendConfig(type="transformers", model="smollm2-135m-instruct", alias="smollm2", device="cpu", threads=1)


def _tiny(tiny_model: Path) -> BackendConfig:
    return BackendConfig(type="transformers", model=str(tiny_model), alias="tiny", device="cpu", threads=1)


def _ctx(tmp_path: Path, gpu: bool = False) -> StageContext:
    return StageContext(stage_dir=tmp_path / "stage", inputs=[], cache_dir=tmp_path / "cache", out_dir=tmp_path,
                        gpu_available=gpu)


def _run(stage, table: pa.Table, ctx: StageContext):
    stage.check(ctx)
    stage.setup(ctx)
    try:
        return stage.process(table, ctx)
    finally:
        stage.teardown()


def _cells(result, columns: list[str]) -> dict[str, dict]:
    """id -> {column: cell} over kept and rejected rows."""
    cells = {}
    for table in (result.kept, result.rejected):
        for row in table.select(["id", *columns]).to_pylist():
            cells[row.pop("id")] = row
    return cells


def _reasons(result) -> dict[str, str]:
    return dict(zip(result.rejected.column("id").to_pylist(), result.rejected.column("reason").to_pylist()))


def test_judges_score_every_row_and_rethreshold_from_the_cache(tmp_path, smollm2, shard):
    stage = LLMJudgeStage(backend=_smollm2(), progress=False,
                          judges=["judge_multiple_choice", {"type": "judge_proof", "drop": False}])
    result = _run(stage, shard, _ctx(tmp_path))
    ids = shard.column("id").to_pylist()
    cells, reasons = _cells(result, [MC, PROOF]), _reasons(result)
    assert sorted(cells) == sorted(ids)
    for pid, row in cells.items():
        for cell in row.values():  # one forward pass each: a probability, a label from the threshold
            assert cell["mode"] == "score" and 0.0 <= cell["p_yes"] <= 1.0 and 0.0 < cell["mass"] <= 1.0
            assert cell["threshold"] == 0.5 and cell["label"] == ("yes" if cell["p_yes"] >= 0.5 else "no")
            assert cell["raw"] == [] and cell["sample_labels"] == []
        # the multiple-choice judge drops, the proof judge (drop: false) only flags; reasons name the threshold
        assert reasons.get(pid) == ("judge_multiple_choice:p_yes>=threshold" if row[MC]["label"] == "yes" else None)
    flags = dict(zip(result.kept.column("id").to_pylist(), result.kept.column("flags").to_pylist()))
    for pid, row_flags in flags.items():
        assert row_flags == (["judge_proof:p_yes>=threshold"] if cells[pid][PROOF]["label"] == "yes" else [])
    # what the model says: options written into the problem read as multiple choice, open MATH problems not
    assert [cells[pid][MC]["label"] for pid in ids[:2]] == ["yes", "yes"]
    assert [cells[pid][MC]["label"] for pid in ids[4:]] == ["no", "no"]
    assert result.stats["llm_scored"] == result.stats["llm_problems"] == 12
    assert result.stats["llm_replies_generated"] == 0 and result.stats["judge_multiple_choice:yes"] == 2 + sum(
        cells[pid][MC]["label"] == "yes" for pid in ids[2:4])

    again = _run(stage, shard, _ctx(tmp_path))  # a rerun: every score from the cache, same bytes
    assert (again.stats["llm_scored"], again.stats["llm_scores_cached"]) == (0, 12) and again.kept.equals(result.kept)

    # a stricter threshold between the two multiple-choice scores: labels move, the model is not asked
    low, high = sorted(cells[pid][MC]["p_yes"] for pid in ids[:2])
    strict = LLMJudgeStage(backend=_smollm2(), progress=False,
                           judges=[{"type": "judge_multiple_choice", "threshold": (low + high) / 2}])
    rerouted = _run(strict, shard, _ctx(tmp_path))
    assert rerouted.stats["llm_scored"] == 0 and rerouted.rejected.num_rows == 1
    assert _cells(rerouted, [MC])[_reasons(rerouted).popitem()[0]][MC]["p_yes"] == high


def test_sample_mode_parses_the_model_replies(tmp_path, smollm2, shard):
    table = shard.take([0, 4])  # one multiple choice, one open problem
    stage = LLMJudgeStage(backend=_smollm2(), progress=False,
                          judges=[{"type": "judge_multiple_choice", "mode": "sample", "sampling": {"samples": 2}}])
    result = _run(stage, table, _ctx(tmp_path))
    cells, reasons = _cells(result, [MC]), _reasons(result)
    for pid, row in cells.items():
        cell = row[MC]
        assert cell["mode"] == "sample" and len(cell["raw"]) == 2 and cell["threshold"] is None
        assert cell["sample_labels"] == [parse_label(reply) for reply in cell["raw"]]
        assert cell["label"] == majority(cell["sample_labels"])[0]
        assert cell["p_yes"] == cell["sample_labels"].count("yes") / 2
        assert reasons.get(pid) == ("judge_multiple_choice:yes" if cell["label"] == "yes" else None)
    # the instruct model answers with one of the two words, which the parser reads
    assert all(label in ("yes", "no") for row in cells.values() for label in row[MC]["sample_labels"])
    assert result.stats["llm_replies_generated"] == 4 and result.stats["llm_scored"] == 0
    assert result.stats["llm_generated_tokens"] >= 4


def _inject(tmp_path: Path, tiny_model: Path, template: PromptTemplate, params: SamplingParams, table: pa.Table,
            replies: dict[str, list[str]]) -> None:
    """Store replies in the build's request cache, exactly where the stage looks them up."""
    problems = dict(zip(table.column("id").to_pylist(), table.column("problem").to_pylist()))
    namespace = CacheNamespace(str(tiny_model), "", template.sha256, params.cache_key())
    rows = [(pid, prompt_sha256(template.render(problems[pid])), i, text)
            for pid, texts in replies.items() for i, text in enumerate(texts)]
    with RequestCache(tmp_path / "cache" / "llm" / "requests.sqlite") as cache:
        cache.put_many(namespace, rows)


def test_majority_over_samples_and_undecided_drop(tmp_path, tiny_model, shard):
    stage = LLMJudgeStage(backend=_tiny(tiny_model), progress=False,
                          judges=[{"type": "judge_yes_no", "mode": "sample", "sampling": {"samples": 3},
                                   "on_unparseable": "drop"}])
    judge = stage.judges[0]
    ids = shard.column("id").to_pylist()
    _inject(tmp_path, tiny_model, judge.template(), judge.sampling_params().without_choices(), shard,
            {ids[0]: ["yes", "No.", "**yes**"], ids[1]: ["yes", "no", "maybe"], ids[2]: ["no", "No", "hmm"]})
    result = _run(stage, shard, _ctx(tmp_path))
    cells = {pid: row["judge_yes_no_tiny"] for pid, row in _cells(result, ["judge_yes_no_tiny"]).items()}
    assert [cells[i]["label"] for i in ids[:3]] == ["yes", "tie", "no"]
    assert [cells[i]["p_yes"] for i in ids[:3]] == [2 / 3, 1 / 3, 0.0]
    assert cells[ids[1]]["sample_labels"] == ["yes", "no", "unparseable"]
    reasons = _reasons(result)
    assert reasons[ids[0]] == "judge_yes_no:yes" and reasons[ids[1]] == "judge_yes_no:undecided"
    assert ids[2] in result.kept.column("id").to_pylist()
    for pid, cell in cells.items():  # every row lands where its label sends it
        expected = {"yes": "judge_yes_no:yes", "no": None}.get(cell["label"], "judge_yes_no:undecided")
        assert reasons.get(pid) == expected


def test_stages_skip_without_gpu_or_backend(tmp_path, tiny_model):
    vllm = BackendConfig(type="vllm", model="meta-llama/Llama-3.1-70B-Instruct", alias="llama70b")
    for stage in (LLMJudgeStage(backend=vllm), SolveRateStage(backend=vllm)):
        with pytest.raises(StageSkipped, match="needs a CUDA GPU and none is available"):
            stage.check(_ctx(tmp_path))
    with pytest.raises(StageSkipped, match="no backend configured"):
        LLMJudgeStage().check(_ctx(tmp_path))
    LLMJudgeStage(backend=_tiny(tiny_model)).check(_ctx(tmp_path))  # CPU backends run anywhere
    with pytest.raises(ValueError, match="set backend on the stage"):
        LLMJudgeStage(judges=[{"type": "judge_proof", "backend": {"type": "transformers", "model": "x"}}])
    with pytest.raises(ValueError, match="threshold"):
        LLMJudgeStage(judges=[{"type": "judge_proof", "threshold": 1.5}])


def test_build_skips_gpu_stages_and_runs_cpu_ones(tmp_path, tiny_model, shared_data):
    from bigmath.pipeline.engine import build
    from bigmath.pipeline.recipe import recipe_from_dict

    recipe = recipe_from_dict({
        "name": "llm", "shard_size": 3, "limit": 5,
        "sources": [{"type": "math", "path": str(shared_data / "math/sample.jsonl")}],
        "stages": [
            {"type": "llm_judges", "backend": {"type": "vllm", "model": "meta-llama/Llama-3.1-70B-Instruct"}},
            {"type": "solve_rate", "backend": {"type": "vllm", "model": "meta-llama/Llama-3.1-8B-Instruct"}},
            {"type": "llm_judges", "stage_name": "cpu_judges", "judges": [{"type": "judge_proof", "drop": False}],
             "backend": _tiny(tiny_model).model_dump()},
        ]})
    result = build(recipe, tmp_path / "out", console=Console(file=open(tmp_path / "log.txt", "w")))
    stages = {s["name"]: s for s in result.stats["stages"]}
    assert "needs a CUDA GPU" in stages["llm_judges"]["skipped"] and "needs a CUDA GPU" in stages["solve_rate"]["skipped"]
    assert stages["cpu_judges"]["skipped"] is None and stages["cpu_judges"]["extra"]["llm_scored"] == 5
    kept = pq.read_table(tmp_path / "out" / "kept.parquet")
    assert kept.num_rows == 5 and "judge_proof_tiny" in kept.column_names
    assert (tmp_path / "out" / "cache" / "llm" / "requests.sqlite").exists()


#: MATH level-1 problems SmolLM2-135M-Instruct solves in some of its rollouts (about 1 in 4 on the
#: machines we tried; line = MATH ``idx`` + 1): ``log_3 27``, ``50% of 200% of 10``, and idx 4187.
SOLVABLE = (("math/sample.jsonl", 967), ("math/sample.jsonl", 839), ("math/sample.jsonl", 4188))


def _solvable(shared_data: Path) -> pa.Table:
    rows = [_jsonl(shared_data, rel, range(line, line + 1))[0] for rel, line in SOLVABLE]
    return problems_to_table([Problem.create(source="math", source_id=str(r["idx"]), license="MIT",
                                             problem=r["problem"], answer=last_boxed(r["solution"]),
                                             solution=r["solution"]) for r in rows])


def test_solve_rate_grades_real_rollouts_and_exports_the_correct_ones(tmp_path, smollm2, shared_data):
    from bigmath.pipeline.engine import build
    from bigmath.pipeline.recipe import recipe_from_dict
    from bigmath.verify import check

    pq.write_table(_solvable(shared_data), tmp_path / "problems.parquet")
    stage = {"type": "solve_rate", "backend": _smollm2().model_dump(), "progress": False, "grade_workers": 1,
             "sampling": {"samples": 4, "max_tokens": 128}, "keep_correct_rollouts": 4}
    recipe = {"name": "solve", "sources": [{"type": "problems", "path": str(tmp_path / "problems.parquet")}],
              "stages": [stage]}
    result = build(recipe_from_dict(recipe), tmp_path / "out", console=Console(quiet=True))
    kept = pq.read_table(tmp_path / "out" / "kept.parquet").to_pylist()
    assert len(kept) == 3 and result.stats["stages"][-1]["extra"]["llm_replies_generated"] == 12
    for row in kept:  # the numbers are whatever the model earns; they add up and the kept rollouts are right
        assert row["solve_rate_smollm2_n_samples"] == 4
        graded, correct = row["solve_rate_smollm2_n_graded"], row["solve_rate_smollm2_n_correct"]
        assert graded + row["solve_rate_smollm2_n_timeout"] + row["solve_rate_smollm2_n_unparseable_gold"] == 4
        assert len(row["solve_rate_smollm2_outcomes"]) == 4 and row["solve_rate_smollm2_outcomes"].count("correct") == correct
        assert row["solve_rate_smollm2"] == (correct / graded if graded else None)
        rollouts = row["solve_rate_smollm2_correct_rollouts"]
        assert len(rollouts) == correct and all(str(check(row["answer"], r).outcome.value) == "correct" for r in rollouts)
    assert sum(r["solve_rate_smollm2_n_correct"] for r in kept) > 0  # it does solve some

    # a threshold change reruns the stage from the cached rollouts
    rerun = recipe_from_dict({**recipe, "stages": [{**stage, "drop_at_or_below": 0.25}]})
    again = build(rerun, tmp_path / "out", console=Console(quiet=True))
    assert again.stats["stages"][-1]["extra"]["llm_replies_generated"] == 0
    rejected = pq.read_table(tmp_path / "out" / "rejected.parquet").to_pylist() if again.stats["rejected"] else []
    assert {r["id"] for r in rejected} == {r["id"] for r in kept if r["solve_rate_smollm2"] <= 0.25}

    # SFT export: the assistant turn is a verified-correct rollout of the model
    build(recipe_from_dict(recipe), tmp_path / "out", console=Console(quiet=True))
    exported = CliRunner().invoke(app, ["export", str(tmp_path / "out"), "--format", "sft", "--sft-target", "rollout",
                                        "--out", str(tmp_path / "sft")])
    assert exported.exit_code == 0, exported.output
    train = pq.read_table(tmp_path / "sft" / "train.parquet").to_pylist()
    solved = {r["problem"]: r["solve_rate_smollm2_correct_rollouts"] for r in kept if r["solve_rate_smollm2_n_correct"]}
    assert len(train) == len(solved) > 0
    for row in train:
        user, assistant = row["messages"][-2]["content"], row["messages"][-1]["content"]
        problem = next(p for p in solved if p in user)
        assert assistant == solved[problem][0].strip()


def test_judge_command_scores_every_row_and_resumes_from_its_cache(tmp_path, tiny_model, shard):
    pq.write_table(shard.slice(2, 4), tmp_path / "in.parquet")
    args = ["judge", str(tmp_path / "in.parquet"), "--backend", "transformers", "--model", str(tiny_model),
            "--alias", "tiny", "--device", "cpu", "--threads", "1", "--out", str(tmp_path / "out"),
            "--judges", "proof,multi_part", "--annotate-only", "--solve-rate", "--samples", "2", "--max-tokens", "8"]
    runner = CliRunner()
    first = runner.invoke(app, args)
    assert first.exit_code == 0, first.output
    first_bytes = (tmp_path / "out" / "kept.parquet").read_bytes()
    kept = pq.read_table(tmp_path / "out" / "kept.parquet")
    assert kept.num_rows == 4  # annotate only: every row stays, with a label and p_yes per judge
    for column in ("judge_proof_tiny", "judge_multi_part_tiny"):
        assert all(c["label"] in ("yes", "no") and 0.0 <= c["p_yes"] <= 1.0 for c in kept.column(column).to_pylist())
    second = runner.invoke(app, [*args, "--force"])  # recompute every stage: all from the cache
    assert second.exit_code == 0, second.output
    stages = json.loads((tmp_path / "out" / "stats.json").read_text())["stages"][1:]
    assert [s["name"] for s in stages] == ["llm_judges", "solve_rate"]
    assert [(s["extra"]["llm_scored"], s["extra"]["llm_replies_generated"]) for s in stages] == [(0, 0), (0, 0)]
    assert [(s["extra"]["llm_scores_cached"], s["extra"]["llm_replies_cached"]) for s in stages] == [(8, 0), (0, 4)]
    assert (tmp_path / "out" / "kept.parquet").read_bytes() == first_bytes
