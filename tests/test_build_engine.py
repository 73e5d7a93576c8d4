"""The build engine on real shared data: accounting, determinism, resume after SIGKILL, caching."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyarrow.parquet as pq
import pytest
import yaml

from bigmath.pipeline.engine import build
from bigmath.pipeline.recipe import load_recipe

HELPER = Path(__file__).parent / "build_helpers" / "slow_build.py"


def _recipe(build_recipes, tmp_path: Path, shared: Path, *, filters=None, **options) -> Path:
    return build_recipes.write_recipe(tmp_path, shared, name="engine-test",
                                      filters=filters or [{"type": "hyperlink"}, {"type": "proof"}], **options)


def test_accounting_and_byte_identical_reruns(build_recipes, tmp_path, shared_data):
    recipe = load_recipe(_recipe(build_recipes, tmp_path, shared_data))
    first = build(recipe, tmp_path / "a")
    second = build(recipe, tmp_path / "b", workers=2)
    stats = first.stats
    assert stats["kept"] + stats["rejected"] == stats["ingested"] == 5000 + 310 + 2821
    assert pq.read_metadata(tmp_path / "a" / "kept.parquet").num_rows == stats["kept"]
    assert pq.read_metadata(tmp_path / "a" / "rejected.parquet").num_rows == stats["rejected"]
    assert stats["rejected"] > 0
    assert build_recipes.digest(tmp_path / "a") == build_recipes.digest(tmp_path / "b")
    assert json.loads((tmp_path / "a" / "stats.json").read_text()) == second.stats
    # every ledger row names its stage and reason
    ledger = pq.read_table(tmp_path / "a" / "rejected.parquet", columns=["stage", "reason"]).to_pylist()
    assert all(row["stage"] and row["reason"] for row in ledger)


def test_rerun_reuses_every_shard_and_threshold_change_reruns_only_later_stages(build_recipes, tmp_path, shared_data):
    path = _recipe(build_recipes, tmp_path, shared_data)
    out = tmp_path / "out"
    first = build(load_recipe(path), out)
    assert first.shards_run["rule_filters"] == first.shards_cached["rule_filters"] + 9
    again = build(load_recipe(path), out)
    assert sum(again.shards_run.values()) == 0
    data = yaml.safe_load(path.read_text())
    data["stages"][0]["filters"] = [{"type": "hyperlink"}]
    path.write_text(yaml.safe_dump(data))
    changed = build(load_recipe(path), out)
    assert changed.shards_run == {"ingest": 0, "rule_filters": 9}
    assert changed.stats["reasons"].keys() <= {"hyperlink:url"}
    folders = sorted(p.name for p in out.iterdir() if p.is_dir() and p.name[:2].isdigit())
    assert len(folders) == 2, folders  # the stale rule_filters folder was pruned


def test_sigkill_mid_stage_then_resume(build_recipes, tmp_path, shared_data):
    path = _recipe(build_recipes, tmp_path, shared_data, stage_type="slow_filters", shard_size=400)
    reference = tmp_path / "reference"
    subprocess.run([sys.executable, str(HELPER), str(path), str(reference), "0"], check=True, capture_output=True)

    out = tmp_path / "killed"
    proc = subprocess.Popen([sys.executable, str(HELPER), str(path), str(out), "0.4"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.time() + 120
    done_before: set[str] = set()
    while time.time() < deadline:
        stage_dirs = list(out.glob("01_rule_filters-*"))
        if stage_dirs:
            done_before = {p.name for p in stage_dirs[0].glob("*.done")}
            if len(done_before) >= 3:
                break
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    stage_dir = next(out.glob("01_rule_filters-*"))
    done_before = {p.name for p in stage_dir.glob("*.done")}  # what really finished before the kill
    total = len(list(next(out.glob("00_ingest-*")).glob("part-*.done")))
    assert 3 <= len(done_before) < total, "the build was not killed mid-stage"
    assert not (out / "kept.parquet").exists()
    mtimes = {name: (stage_dir / name).stat().st_mtime_ns for name in done_before}

    rerun = subprocess.run([sys.executable, str(HELPER), str(path), str(out), "0"], check=True,
                           capture_output=True, text=True)
    assert "RUN" in rerun.stdout
    for name, mtime in mtimes.items():  # finished shards were not redone
        assert (stage_dir / name).stat().st_mtime_ns == mtime
    run_counts = eval(rerun.stdout.split("RUN", 1)[1].split("CACHED")[0])  # dict printed by the helper
    assert run_counts["rule_filters"] == total - len(done_before)
    assert build_recipes.digest(out) == build_recipes.digest(reference)


def test_malformed_recipe_fails_before_work_naming_the_key(build_recipes, tmp_path, shared_data):
    from bigmath.pipeline.components import RecipeError

    path = _recipe(build_recipes, tmp_path, shared_data, filters=[{"type": "hyperlink"}, {"type": "prooof"}])
    with pytest.raises(RecipeError, match=r"stages\[0\]\.filters\[1\]\.type: unknown filter 'prooof'"):
        load_recipe(path)
    data = yaml.safe_load(path.read_text())
    data["stages"][0]["filters"] = [{"type": "hyperlink", "drop": "sometimes"}]
    data["shard_size"] = "big"
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(RecipeError, match=r"shard_size"):
        load_recipe(path)
    data["shard_size"] = 10
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(RecipeError, match=r"stages\[0\]\.filters\[0\]\.drop"):
        load_recipe(path)
    data["stages"][0]["filters"] = [{"type": "hyperlink"}]
    data["sources"][0]["colour"] = "red"
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(RecipeError, match=r"sources\[0\]\.colour: unknown key"):
        load_recipe(path)
    assert not any(tmp_path.glob("**/part-*.parquet"))
