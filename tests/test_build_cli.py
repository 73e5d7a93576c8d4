"""`bigmath build` as users run it: the demo with no arguments, the samples recipe, stats/inspect."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq

BIGMATH = Path(sys.executable).with_name("bigmath")


def _run(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(BIGMATH), *args], cwd=cwd, capture_output=True, text=True, timeout=900,
                          env={"COLUMNS": "160", "PATH": str(BIGMATH.parent), "HOME": str(cwd)})


def test_demo_build_with_no_arguments(tmp_path):
    result = _run("build", cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Rows per source after each stage" in result.stdout
    assert "Removals per reason" in result.stdout
    out = tmp_path / "bigmath-out" / "demo"
    stats = json.loads((out / "stats.json").read_text())
    assert stats["kept"] + stats["rejected"] == stats["ingested"] == 122
    assert set(stats["sources"]) == {"math", "harp", "omni_math", "numinamath_1_5", "numinamath_cot",
                                     "openmathinstruct2"}
    # the demo exercises every rule-filter family and every dedup stage
    families = {reason.split(":")[0] for reason in stats["reasons"]}
    assert {"hyperlink", "language", "reformulate", "multi_part", "yes_no", "true_false", "proof",
            "answer", "figure", "duplicate", "semdedup", "decontamination", "adapter"} <= families
    skipped = {s["name"] for s in stats["stages"] if s["skipped"]}
    assert skipped == {"llm_judges", "solve_rate"}
    assert "skipped" in result.stdout and "no backend configured" in result.stdout

    # the MATH-500 problem copied into the demo is caught and points at its benchmark item
    rejected = pq.read_table(out / "rejected.parquet", columns=["reason", "duplicate_of", "problem"]).to_pylist()
    contaminated = [r for r in rejected if r["reason"].startswith("decontamination:")]
    assert any("test/number_theory/572.json" in r["duplicate_of"] for r in contaminated)

    shown = _run("inspect", str(out), "--reason", "decontamination", "-n", "5", cwd=tmp_path)
    assert shown.returncode == 0 and "196" in shown.stdout
    stats_cmd = _run("stats", str(out), cwd=tmp_path)
    assert stats_cmd.returncode == 0 and "122" in stats_cmd.stdout
    missing = _run("inspect", str(out), "--reason", "no_such_reason", cwd=tmp_path)
    assert missing.returncode != 0 and "reasons present" in missing.stderr


def test_samples_recipe_runs_every_source_and_stage(samples_build, shared_data):
    stats = json.loads((samples_build / "stats.json").read_text())
    build_info = json.loads((samples_build / "build.json").read_text())
    assert stats["kept"] + stats["rejected"] == stats["ingested"]
    assert pq.read_metadata(samples_build / "kept.parquet").num_rows == stats["kept"]
    assert pq.read_metadata(samples_build / "rejected.parquet").num_rows == stats["rejected"]
    # every source file of the shared data, plus our NuminaMath and OpenMathInstruct-2 fixtures
    paths = {Path(s["path"]).resolve() for s in build_info["sources"]}
    for folder in ("math", "harp", "omni_math"):
        for file in (shared_data / folder).glob("*.jsonl"):
            assert file.resolve() in paths, file
    assert {"numinamath_cot", "numinamath_1_5", "openmathinstruct2"} <= set(stats["sources"])
    ran = [s["name"] for s in stats["stages"] if not s["skipped"]]
    assert ran == ["ingest", "rule_filters", "reformulate", "exact_dedup", "semdedup", "decontaminate", "verifier"]
    assert any(r.startswith("decontamination:math500") for r in stats["reasons"])


def test_readme_setup_commands_are_what_ci_runs(repo_root):
    readme = (repo_root / "README.md").read_text()
    block = re.search(r"## Set-up.*?```bash\n(.*?)```", readme, re.DOTALL).group(1).strip().splitlines()
    assert len(block) == 2
    ci = [line.strip() for line in (repo_root / ".ci" / "run").read_text().splitlines()
          if line.strip() and not line.startswith("#") and not line.startswith(("set ", "cd "))]
    assert ci == block


def test_inspect_prints_problem_text_verbatim(tmp_path):
    """Square brackets in problems (``$[a,b]$``, ``[asy]``) are data, not rich markup."""
    import pyarrow as pa
    from typer.testing import CliRunner

    from bigmath.cli import app

    problem = "The symbols $[a,b,\\ldots, g]$ and [asy] draw((0,0)--(1,1)); [/asy] [bold]x[/bold]"
    pq.write_table(pa.table({"id": ["r1"], "source": ["math"], "stage": ["semdedup"],
                             "reason": ["semdedup:duplicate"], "duplicate_of": ["r0"], "similarity": [0.9931],
                             "problem": [problem], "answer": ["[1,2]"]}), tmp_path / "rejected.parquet")
    result = CliRunner().invoke(app, ["inspect", str(tmp_path), "--reason", "semdedup", "--width", "500"],
                                env={"COLUMNS": "300"})
    assert result.exit_code == 0, result.output
    assert problem in result.output and "answer: [1,2]" in result.output
    assert "1 row rejected" in result.output and "duplicate of: r0 (similarity 0.993)" in result.output
