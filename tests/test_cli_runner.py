"""Every single-purpose command is a recipe run by the one engine: same outputs, resume, dry run.

``bigmath dedup`` killed with SIGKILL in the middle of embedding resumes on rerun without
re-embedding what the first run cached, and ends byte-identical to an uninterrupted run;
``--dry-run`` prints a recipe that ``bigmath build`` runs to the same outputs; options come
from the stage models (``--help`` shows their defaults, ``--set`` reaches nested fields).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from bigmath.cli import app
from bigmath.registry import get_source

runner = CliRunner()
ROWS = 500  # in shards of 200 rows: embeddings are cached shard by shard, so a kill lands between them


@pytest.fixture(scope="module")
def math_parquet(tmp_path_factory, shared_data) -> Path:
    """The first ROWS MATH test problems in the common schema (a build's ``kept.parquet`` layout)."""
    from bigmath.pipeline.engine import build
    from bigmath.pipeline.recipe import Recipe

    out = tmp_path_factory.mktemp("math")
    source = get_source("math")(path=str(shared_data / "math" / "sample.jsonl"), limit=ROWS)
    build(Recipe(name="math", sources=[source]), out / "build")
    return out / "build" / "kept.parquet"


def _bigmath(*args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "bigmath", *args], stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)


def _semdedup_info(out: Path) -> dict:
    return json.loads(next(out.glob("*_semdedup-*/semdedup.json")).read_text())


def test_dedup_killed_mid_embedding_resumes_without_re_embedding(math_parquet, tmp_path):
    args = ["dedup", str(math_parquet), "--threshold", "0.9", "--shard-size", "200"]
    out = tmp_path / "killed"
    process = _bigmath(*args, "--out", str(out))
    deadline = time.monotonic() + 300
    while not list((out / "cache").glob("embeddings/*/part-*")) and time.monotonic() < deadline:
        assert process.poll() is None, process.stderr.read()
        time.sleep(0.05)
    os.kill(process.pid, signal.SIGKILL)  # mid-run: the first chunk of embeddings is on disk
    process.wait()
    assert not (out / "kept.parquet").exists()

    resumed = _bigmath(*args, "--out", str(out))
    assert resumed.wait(timeout=600) == 0, resumed.stderr.read()
    info = _semdedup_info(out)
    assert info["embeddings_cached"] >= 1 and 0 < info["embedded"] < info["rows"]  # only the rest was embedded

    clean = runner.invoke(app, [*args, "--out", str(tmp_path / "clean")])  # uninterrupted, in this process
    assert clean.exit_code == 0, clean.output
    assert _semdedup_info(tmp_path / "clean")["embeddings_cached"] == 0
    for name in ("kept.parquet", "rejected.parquet"):
        assert (out / name).read_bytes() == (tmp_path / "clean" / name).read_bytes(), name
    stats = json.loads((out / "stats.json").read_text())
    assert stats["kept"] + stats["rejected"] == ROWS and stats["reasons"].get("semdedup:duplicate", 0) > 0


def test_every_command_prints_a_recipe_with_dry_run(math_parquet, tmp_path):
    commands = {
        "filter": ["filter", str(math_parquet), "--only", "proof"],
        "dedup": ["dedup", str(math_parquet), "--no-exact", "--set", "chain=greedy", "--epsilon", "0.05"],
        "decontaminate": ["decontaminate", str(math_parquet), "--against", "math500", "--ngram-size", "8"],
        "judge": ["judge", str(math_parquet), "--backend", "transformers", "--model", "smollm2-135m-instruct",
                  "--judges", "proof", "--judge-samples", "3", "--solve-rate", "--samples", "4"],
        "ingest": ["ingest", "custom", "--path", str(math_parquet), "--answer-field", "answer"],
    }
    recipes = {}
    for name, args in commands.items():
        result = runner.invoke(app, [*args, "--out", str(tmp_path / name), "--dry-run"])
        assert result.exit_code == 0, (name, result.output)
        assert not (tmp_path / name).exists()  # a dry run computes nothing
        recipes[name] = yaml.safe_load(result.stdout)
    assert recipes["filter"]["stages"] == [{"type": "filters", "stage_name": "rule_filters",
                                            "filters": [{"type": "proof"}]}]
    assert recipes["dedup"]["stages"] == [{"type": "semdedup", "epsilon": 0.05, "chain": "greedy"}]
    assert recipes["decontaminate"]["stages"][0]["ngram_size"] == 8
    judges, solve_rate = recipes["judge"]["stages"]
    assert judges["judges"] == [{"type": "judge_proof", "sampling": {"samples": 3}}]
    assert judges["backend"]["model"] == solve_rate["backend"]["model"] == "smollm2-135m-instruct"
    assert solve_rate["sampling"] == {"samples": 4}
    assert recipes["ingest"]["sources"] == [{"type": "custom", "path": str(math_parquet), "answer_field": "answer"}]
    assert all(r["sources"][0]["path"] == str(math_parquet) for n, r in recipes.items() if n != "ingest")


def test_options_come_from_the_stage_models():
    from bigmath.stages.decontaminate import DecontaminateStage
    from bigmath.stages.solve_rate import RolloutSampling

    def flat(text: str) -> str:
        return " ".join(text.split())

    dedup = flat(runner.invoke(app, ["dedup", "--help"], env={"COLUMNS": "200"}).output)
    assert "--minhash-threshold" in dedup and "[default: (0.8)]" in dedup and "--target-cluster-size" in dedup
    decontaminate = flat(runner.invoke(app, ["decontaminate", "--help"], env={"COLUMNS": "200"}).output)
    assert f"[default: ({DecontaminateStage.model_fields['ngram_size'].default})]" in decontaminate
    judge = flat(runner.invoke(app, ["judge", "--help"], env={"COLUMNS": "200"}).output)
    assert f"[default: ({RolloutSampling.model_fields['samples'].default})]" in judge and "--judge-temperature" in judge


def test_bad_values_are_named_by_the_flag_the_user_typed(math_parquet, tmp_path):
    out = str(tmp_path / "o")
    threshold = runner.invoke(app, ["dedup", str(math_parquet), "--out", out, "--threshold", "1.5"])
    assert threshold.exit_code == 1 and "--threshold: Input should be less than or equal to 1" in threshold.output
    nested = runner.invoke(app, ["judge", str(math_parquet), "--out", out, "--backend", "transformers",
                                 "--model", "m", "--judges", "none", "--solve-rate", "--samples", "0"])
    assert nested.exit_code == 1 and "--samples: Input should be greater than or equal to 1" in nested.output
    missing = runner.invoke(app, ["judge", str(math_parquet), "--out", out, "--model", "m", "--judges", "proof"])
    assert missing.exit_code == 1 and "--backend: Field required" in missing.output
    unknown = runner.invoke(app, ["dedup", str(math_parquet), "--out", out, "--set", "nonsense=1"])
    assert unknown.exit_code == 1 and "--set nonsense: unknown setting" in unknown.output
    wrong_source = runner.invoke(app, ["ingest", "math", "--problem-field", "q", "--out", out])
    assert wrong_source.exit_code == 1 and "--problem-field only applies to source(s) custom" in " ".join(
        wrong_source.output.split())


def test_set_goes_to_the_stage_that_has_the_setting(math_parquet, tmp_path):
    """A new-user trial: `judge --set` reached only solve_rate and `dedup --set` only semdedup, silently."""
    out = str(tmp_path / "o")
    dedup = runner.invoke(app, ["dedup", str(math_parquet), "--out", out, "--no-semantic", "--set", "minhash=true",
                                "--dry-run"])
    assert dedup.exit_code == 0 and "- type: exact_dedup\n  minhash: true" in dedup.output, dedup.output
    named = runner.invoke(app, ["dedup", str(math_parquet), "--out", out, "--set", "exact_dedup.num_perm=64",
                                "--set", "similarity_threshold=0.9", "--dry-run"])
    assert "  num_perm: 64" in named.output and "  similarity_threshold: 0.9" in named.output, named.output
    typo = runner.invoke(app, ["dedup", str(math_parquet), "--out", out, "--set", "minhsh=true"])
    assert typo.exit_code == 1 and "did you mean minhash?" in " ".join(typo.output.split())
    judge = ["judge", str(math_parquet), "--out", out, "--backend", "transformers", "--model", "m", "--dry-run"]
    unknown = runner.invoke(app, [*judge, "--set", "foo=1"])
    assert unknown.exit_code == 1 and "--set foo: unknown setting of the llm_judges stage" in unknown.output
    judges = runner.invoke(app, [*judge, "--set", "judges=[{type: judge_proof}]"])
    assert judges.exit_code == 0 and judges.output.count("- type: judge_") == 1, judges.output
    both = runner.invoke(app, [*judge, "--solve-rate", "--set", "backend.batch_size=3"])
    assert both.exit_code == 0 and both.output.count("batch_size: 3") == 2, both.output  # both LLM stages


def test_an_empty_set_value_is_the_empty_string():
    from bigmath.cli.options import parse_sets

    assert parse_sets(["instruction=", "threshold=0.5", "prompt=null"]) == {"instruction": "", "threshold": 0.5,
                                                                           "prompt": None}


def test_a_command_does_not_replace_its_output_for_another_input(math_parquet, tmp_path):
    """A new-user trial: `filter B --out X` silently replaced the `filter A` build in X."""
    import shutil

    other = tmp_path / "other.parquet"
    shutil.copy(math_parquet, other)
    out = str(tmp_path / "filtered")
    first = runner.invoke(app, ["filter", str(math_parquet), "--out", out, "--only", "proof"])
    assert first.exit_code == 0, first.output
    again = runner.invoke(app, ["filter", str(math_parquet), "--out", out, "--only", "proof"])
    assert again.exit_code == 0 and "shards computed: 0," in again.output, again.output  # a rerun resumes
    refused = runner.invoke(app, ["filter", str(other), "--out", out, "--only", "proof"])
    assert refused.exit_code == 1 and "holds the output of `bigmath filter` on" in " ".join(refused.output.split())
    forced = runner.invoke(app, ["filter", str(other), "--out", out, "--only", "proof", "--force"])
    assert forced.exit_code == 0, forced.output
