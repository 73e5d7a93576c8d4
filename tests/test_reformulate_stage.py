"""The ``reformulate`` stage in real builds: lineage, ledger, byte-identical reruns, resuming after
a kill, the LLM path behind the request cache, and ``bigmath reformulate``.

Input rows are real: HARP multiple-choice problems (``labelled/harp_mcq_sample.jsonl``) with their
choices written inline as ``(A) ..`` and the keyed letter as answer, and the NuminaMath fixture
rows of ``sources/fixtures/numinamath_cot.jsonl`` (options in AMC notation, solutions ending in
``\\boxed{\\textbf{(C)}\\ 45}``).
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from rich.console import Console

from bigmath.boxed import last_boxed
from bigmath.llm.cache import CacheNamespace, RequestCache
from bigmath.llm.generate import prompt_sha256
from bigmath.pipeline.engine import build
from bigmath.pipeline.recipe import recipe_from_dict
from bigmath.pipeline.stage import StageContext
from bigmath.reformulate.replies import check_input, llm_input
from bigmath.schema import Problem, problems_to_table
from bigmath.stages.reformulate import LINEAGE, ReformulateStage, rewritten_counts


@pytest.fixture(scope="module")
def mc_parquet(shared_data, repo_root, tmp_path_factory) -> Path:
    """24 HARP multiple-choice rows (options inline) + the NuminaMath fixture rows (two of them in AMC notation)."""
    problems = []
    lines = (shared_data / "labelled" / "harp_mcq_sample.jsonl").read_text(encoding="utf-8").splitlines()
    for i, row in enumerate(map(json.loads, lines[:24])):
        options = " ".join(f"({k}) {v}" for k, v in sorted(row["choices"].items()))
        problems.append(Problem.create(source="harp_mcq", source_id=str(i + 1), license="MIT",
                                       problem=f"{row['problem']}\n{options}", answer=row["answer_choice"],
                                       solution=row["solution_1"]))
    fixture = repo_root / "sources" / "fixtures" / "numinamath_cot.jsonl"
    for i, row in enumerate(map(json.loads, fixture.read_text(encoding="utf-8").splitlines())):
        problems.append(Problem.create(source="numinamath_cot", source_id=str(i), license="Apache-2.0",
                                       problem=row["problem"], solution=row["solution"],
                                       answer=last_boxed(row["solution"])))
    path = tmp_path_factory.mktemp("mc") / "mc.parquet"
    pq.write_table(problems_to_table(problems), path)
    return path


def _recipe(path: Path, shard_size: int = 8, reformulate: dict | None = None):
    return recipe_from_dict({
        "name": "mc", "shard_size": shard_size, "sources": [{"type": "problems", "path": str(path)}],
        "stages": [{"type": "filters", "stage_name": "rule_filters",
                    "filters": [{"type": "multiple_choice", "drop": False}, {"type": "proof"}]},
                   {"type": "reformulate", **(reformulate or {})}]})


def _quiet(tmp_path: Path) -> Console:
    return Console(file=open(tmp_path / "log.txt", "a"))


def test_rules_build_lineage_ledger_and_byte_identical_rerun(tmp_path, mc_parquet):
    first = build(_recipe(mc_parquet), tmp_path / "a", console=_quiet(tmp_path))
    build(_recipe(mc_parquet), tmp_path / "b", console=_quiet(tmp_path))
    for name in ("kept.parquet", "rejected.parquet", "stats.json", "funnel.md"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name

    kept = pq.read_table(tmp_path / "a" / "kept.parquet").to_pylist()
    rewritten = [r for r in kept if r["reformulated_from"]]
    assert rewritten and all(set(LINEAGE) <= set(r) for r in kept)
    for row in rewritten:
        assert row["reformulated_from"] == row["id"] and row["reformulation"] == "rules"
        assert "(A)" not in row["problem"] and row["problem"].endswith("Put your final answer in \\boxed{}.")
        assert row["original_problem"] != row["problem"] and row["original_answer"] != row["answer"]
        assert not any(f.startswith("multiple_choice:") for f in row["flags"])
        assert row["is_multiple_choice"] is False
    amc = next(r for r in rewritten if "digits of $10^{5} - 1$" in r["problem"])
    assert amc["answer"] == "45" and amc["solution"].endswith("$\\boxed{45}$.")  # box no longer names (C)
    untouched = [r for r in kept if r["reformulation"] is None]
    assert untouched and all(r["reformulated_from"] is None and r["original_problem"] is None for r in untouched)

    stage = first.stats["stages"][-1]
    rejected = pq.read_table(tmp_path / "a" / "rejected.parquet").to_pylist()
    mine = [r for r in rejected if r["stage"] == "reformulate"]
    assert {r["reason"] for r in mine} <= set(ReformulateStage.reasons) and mine
    assert all(r["reformulation_detail"] and r["reasons"] == [r["reason"]] for r in mine)
    assert stage["extra"]["rewritten:rules"] == len(rewritten)
    assert stage["extra"]["rewritten:rules:numinamath_cot"] == sum(r["source"] == "numinamath_cot" for r in rewritten)
    assert stage["input"] == stage["kept"] + stage["rejected"]
    by_source = {s: sum(r["source"] == s for r in rewritten) for s in sorted({r["source"] for r in rewritten})}
    assert rewritten_counts(first.stats) == {"rules": by_source}


_SLOW = """
import sys, time
from typing import ClassVar
from rich.console import Console
from bigmath.pipeline.engine import build
from bigmath.pipeline.recipe import recipe_from_dict
from bigmath.registry import register_stage
from bigmath.stages.reformulate import ReformulateStage

@register_stage("slow_reformulate")
class SlowReformulate(ReformulateStage):
    name: ClassVar[str] = "slow_reformulate"
    def process(self, table, ctx):
        time.sleep(float(sys.argv[3]))
        return super().process(table, ctx)

recipe = recipe_from_dict({"name": "mc", "shard_size": 8, "sources": [{"type": "problems", "path": sys.argv[1]}],
    "stages": [{"type": "filters", "stage_name": "rule_filters", "filters": [{"type": "multiple_choice", "drop": False}]},
               {"type": "slow_reformulate", "stage_name": "reformulate"}]})
result = build(recipe, sys.argv[2], console=Console(quiet=True))
print("RUN", result.shards_run["reformulate"], "CACHED", result.shards_cached["reformulate"], flush=True)
"""


def test_killed_build_resumes_mid_stage(tmp_path, mc_parquet):
    script = tmp_path / "slow.py"
    script.write_text(_SLOW)
    out = tmp_path / "out"
    proc = subprocess.Popen([sys.executable, str(script), str(mc_parquet), str(out), "2"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not list(out.glob("*_reformulate-*/*.done")):
        time.sleep(0.2)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    done = len(list(out.glob("*_reformulate-*/*.done")))
    assert done >= 1, proc.stderr.read()
    resumed = subprocess.run([sys.executable, str(script), str(mc_parquet), str(out), "0"], capture_output=True,
                             text=True, check=True)
    line = next(line for line in resumed.stdout.splitlines() if line.startswith("RUN"))
    run, cached = map(int, line.split()[1::2])
    shards = -(-pq.read_metadata(mc_parquet).num_rows // 8)
    assert cached >= done and run + cached == shards and run >= 1
    fresh = tmp_path / "fresh"
    subprocess.run([sys.executable, str(script), str(mc_parquet), str(fresh), "0"], capture_output=True, check=True)
    assert (out / "kept.parquet").read_bytes() == (fresh / "kept.parquet").read_bytes()
    assert (out / "rejected.parquet").read_bytes() == (fresh / "rejected.parquet").read_bytes()


def _inject(cache_dir: Path, model: Path, template, params, items: list[tuple[str, str, str]]) -> None:
    """Store ``(problem id, prompt text, reply)`` in the request cache where the stage looks."""
    namespace = CacheNamespace(str(model), "", template.sha256, params.cache_key())
    with RequestCache(cache_dir / "llm" / "requests.sqlite") as cache:
        cache.put_many(namespace, [(pid, prompt_sha256(template.render(text)), 0, reply) for pid, text, reply in items])


def test_llm_path_checks_replies_and_resumes_from_the_cache(tmp_path, tiny_model, mc_parquet, shared_data):
    table = pq.read_table(mc_parquet)
    math = json.loads((shared_data / "math" / "sample.jsonl").read_text(encoding="utf-8").splitlines()[807])
    points = Problem.create(source="math", source_id="807", license="MIT", problem=math["problem"],
                            answer=last_boxed(math["solution"]))  # options in prose: only the model can try
    harp = pa.concat_tables([table.filter(pc.equal(table.column("source"), "harp_mcq")).slice(0, 5),
                             problems_to_table([points])])
    backend = {"type": "transformers", "model": str(tiny_model), "alias": "tiny", "device": "cpu", "threads": 1}
    stage = ReformulateStage(method="llm", select="detect", llm_check=True, backend=backend,
                             sampling={"max_tokens": 8}, check_sampling={"max_tokens": 2})
    rows = harp.to_pylist()
    from bigmath.reformulate import parse_options, resolve_answer

    keyed = [resolve_answer(r["answer"], parse_options(r["problem"])).value for r in rows[:5]] + ["(-6,0)"]
    stem = rows[0]["problem"].split("\n(A)")[0].replace("$R$ is equal to:", "what is $R$?")
    replies = [f"<reformulated_problem>\n{stem}\n</reformulated_problem>",   # good; the check says yes
               "N/A",                                                      # the model refuses
               f"<reformulated_problem>\n{rows[2]['problem']}\n</reformulated_problem>",  # options left in
               f"<reformulated_problem>\n{stem} (It is {keyed[3]}.)\n</reformulated_problem>",  # answer written in
               None,  # row 5: the tiny model's own reply
               "<reformulated_problem>Of the points $(1,4)$, $(3,5)$, $(-6,0)$ and $(-4,-2)$, find the one farthest "
               "from the origin.</reformulated_problem>"]
    _inject(tmp_path / "cache", tiny_model, stage.template(), stage.sampling.params(),
            [(r["id"], llm_input(r["problem"], k), reply) for r, k, reply in zip(rows, keyed, replies) if reply])
    rewritten = f"{stem}\n\nPut your final answer in \\boxed{{}}."
    farthest = replies[5][22:-23] + "\n\nPut your final answer in \\boxed{}."
    _inject(tmp_path / "cache", tiny_model, stage.template("check_prompt"), stage.check_sampling.params(),
            [(rows[0]["id"], check_input(rewritten, keyed[0]), "yes"),
             (rows[5]["id"], check_input(farthest, "(-6,0)"), "Yes.")])
    ctx = StageContext(stage_dir=tmp_path / "stage", inputs=[], cache_dir=tmp_path / "cache", out_dir=tmp_path)
    stage.check(ctx)
    stage.setup(ctx)
    try:
        result = stage.process(harp, ctx)
        again = stage.process(harp, ctx)  # a rerun (or a resumed crash) generates nothing
    finally:
        stage.teardown()
    kept, rejected = result.kept.to_pylist(), result.rejected.to_pylist()
    assert [r["problem"] for r in kept] == [rewritten, farthest] and kept[0]["reformulation"] == f"llm:{tiny_model}"
    assert kept[1]["answer"] == "(-6,0)" and kept[1]["original_answer"] == "(-6,0)"
    details = {r["id"]: r["reformulation_detail"] for r in rejected}
    assert details[rows[1]["id"]] == "llm:not_applicable"
    assert details[rows[2]["id"]] == "check:option_labels_left,option_text_left,answer_in_problem"
    assert details[rows[3]["id"]] == "check:answer_in_problem"
    assert details[rows[4]["id"]] in ("check:llm_unreadable", "llm:not_applicable")  # the tiny model's own reply
    assert result.stats["llm_replies_generated"] == 1 and again.stats["llm_replies_generated"] == 0
    assert again.kept.equals(result.kept) and again.rejected.equals(result.rejected)


def test_model_methods_need_a_usable_backend(tmp_path):
    ctx = StageContext(stage_dir=tmp_path, inputs=[], cache_dir=tmp_path, out_dir=tmp_path)
    ReformulateStage().check(ctx)  # rules: no model, runs anywhere
    with pytest.raises(ValueError, match="needs a model: no backend configured") as refused:
        ReformulateStage(method="rules+llm").check(ctx)
    assert "pass through" not in str(refused.value)  # an error: no row passes
    vllm = {"type": "vllm", "model": "meta-llama/Llama-3.1-70B-Instruct"}
    with pytest.raises(ValueError, match="needs a CUDA GPU"):
        ReformulateStage(llm_check=True, backend=vllm).check(ctx)
    with pytest.raises(ValueError, match="sampling settings go under `sampling:`"):
        ReformulateStage(max_tokens=5)
    assert "backend" not in ReformulateStage(backend=vllm).config()  # rules: the model does not change results


def test_reformulate_command(tmp_path, shared_data):
    from typer.testing import CliRunner

    import bigmath.cli.reformulate_cmd  # noqa: F401  (registers the command)
    from bigmath.cli import app

    rows = [json.loads(line) for line in (shared_data / "labelled" / "aqua_test.jsonl").read_text().splitlines()[:6]]
    problems = [Problem.create(source="aqua", source_id=str(i), license="Apache-2.0", answer=r["correct"],
                               problem=r["question"] + "\n" + " ".join(r["options"]), solution=r["rationale"])
                for i, r in enumerate(rows)]
    pq.write_table(problems_to_table(problems), tmp_path / "in.parquet")
    runner = CliRunner()
    done = runner.invoke(app, ["reformulate", str(tmp_path / "in.parquet"), "--out", str(tmp_path / "out"),
                               "--instruction", ""])
    assert done.exit_code == 0, done.output
    kept = pq.read_table(tmp_path / "out" / "kept.parquet").to_pylist()
    assert kept and all(r["reformulation"] == "rules" and "A)" not in r["problem"] for r in kept)
    assert not any("boxed" in r["problem"] for r in kept)  # --instruction '' appends nothing
    # the rationales' last lines ("Answer : A") name the value now, not the letter (one ends in prose)
    named = [f"${r['answer']}$" in r["solution"].rstrip().splitlines()[-1] for r in kept]
    assert sum(named) == len(kept) - 1 >= 2
    stats = json.loads((tmp_path / "out" / "stats.json").read_text())
    assert stats["kept"] + stats["rejected"] == 6 and "rewritten:rules:aqua" in done.output
    assert stats["stages"][-1]["extra"]["solution_rewritten:answer_line"] == sum(named)

    dry = runner.invoke(app, ["reformulate", str(tmp_path / "in.parquet"), "--out", str(tmp_path / "o2"), "--dry-run"])
    assert dry.exit_code == 0 and "type: reformulate" in dry.output and "select: detect" in dry.output
    refused = runner.invoke(app, ["reformulate", str(tmp_path / "in.parquet"), "--out", str(tmp_path / "o3"),
                                  "--method", "llm"])
    said = " ".join(refused.output.split())
    assert refused.exit_code == 1 and "needs a model: no backend configured" in said and "pass through" not in said
