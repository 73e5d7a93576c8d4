"""The Ray executor (local Ray instance, 2 CPUs) on real shared data: byte parity with the local
executor, the actor path (a real model per actor), resume after SIGKILL, worker errors.

Ray starts once for the module (``ray_address`` fixture); in-process builds reuse it and the
resumed build in a subprocess joins it by address. Run as a script, this file is the driver of
the SIGKILL test: ``python test_executor_ray.py RECIPE OUT SECONDS_PER_SHARD [ADDRESS]``.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import ClassVar

import pyarrow.parquet as pq
import pytest
import yaml

HERE = Path(__file__).resolve()
LOCAL_HELPER = HERE.parent / "build_helpers" / "slow_build.py"
RULE_FILTERS = [{"type": "hyperlink"}, {"type": "proof"}, {"type": "multiple_choice"}]


def _slow_ray_build(recipe: str, out: str, delay: float, address: str | None) -> None:
    """Build ``recipe`` under Ray with a ``slow_filters`` stage (filters + ``delay`` s per shard).

    The stage class is defined here, in ``__main__``, so Ray pickles it by value for its workers;
    its config (and so fingerprint and output) equals that of ``build_helpers/slow_build.py``.
    """
    from bigmath.executors.ray import RayExecutor
    from bigmath.pipeline.engine import build
    from bigmath.pipeline.recipe import load_recipe
    from bigmath.stages.filters import FilterStage
    from bigmath.registry import register_stage

    @register_stage("slow_filters")
    class SlowFilters(FilterStage):
        name: ClassVar[str] = "slow_filters"

        def process(self, table, ctx):
            time.sleep(delay)
            return super().process(table, ctx)

    result = build(load_recipe(recipe), out, workers=2, executor=RayExecutor(workers=2, address=address))
    print("RUN", json.dumps(result.shards_run), "CACHED", json.dumps(result.shards_cached), flush=True)


def _recipe(build_recipes, tmp_path: Path, shared: Path, **options) -> Path:
    return build_recipes.write_recipe(tmp_path, shared, name="ray-test", filters=RULE_FILTERS, **options)


@pytest.fixture(scope="module")
def ray_address():
    """Start one local Ray instance (2 CPUs) for the module; yield its GCS address."""
    from bigmath.executors.ray import RayExecutor

    owner = RayExecutor(workers=2)
    ray = owner.connect()
    yield ray.get_runtime_context().gcs_address
    owner.close()


def _samples_recipe(tmp_path: Path, shared: Path, repo_root: Path, limit: int) -> Path:
    """``pipelines/samples.yaml`` with absolute paths (shared data from the fixture) and a row limit."""
    pipelines, default_shared = repo_root / "pipelines", (repo_root.parent / "shared" / "data").resolve()
    data = yaml.safe_load((pipelines / "samples.yaml").read_text())

    def absolute(value: str) -> str:
        path = (pipelines / value).resolve()
        return str(shared / path.relative_to(default_shared)) if path.is_relative_to(default_shared) else str(path)

    for source in data["sources"]:
        source["path"] = absolute(source["path"])
    for stage in data["stages"]:
        if "benchmarks_dir" in stage:
            stage["benchmarks_dir"] = absolute(stage["benchmarks_dir"])
    data.pop("out", None)
    data["limit"] = limit
    path = tmp_path / "samples.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def test_samples_recipe_byte_identical_to_local_executor(build_recipes, tmp_path, shared_data, repo_root, ray_address):
    """The samples recipe (every stage; LLM stages skip here) gives the same bytes under both executors."""
    from bigmath.executors.ray import RayExecutor
    from bigmath.pipeline.engine import build
    from bigmath.pipeline.recipe import load_recipe

    recipe = load_recipe(_samples_recipe(tmp_path, shared_data, repo_root, limit=40))
    out = tmp_path / "out"
    local = build(recipe, out, workers=1)
    local_bytes, local_stats = build_recipes.digest(out), (out / "stats.json").read_text()
    # --force reruns every stage; out/cache (SemDeDup's embeddings) is kept, so the model is not rerun
    on_ray = build(recipe, out, workers=2, force=True, executor=RayExecutor(workers=2))
    assert sum(on_ray.shards_cached.values()) == 0 and on_ray.shards_run == local.shards_run
    assert build_recipes.digest(out) == local_bytes and (out / "stats.json").read_text() == local_stats
    ran = {s["name"] for s in on_ray.stats["stages"] if not s["skipped"]}
    assert {"rule_filters", "exact_dedup", "semdedup", "decontaminate", "verifier"} <= ran
    assert on_ray.stats["rejected"] > 0
    stage_dir = next(out.glob("01_rule_filters-*"))
    assert len(list(stage_dir.glob("part-*.done"))) == on_ray.shards_run["ingest"]  # the local layout
    again = build(recipe, out, workers=2, executor=RayExecutor(workers=2))
    assert sum(again.shards_run.values()) == 0  # a finished Ray build is fully cached


def test_stateful_stage_runs_in_actors_with_a_real_model(build_recipes, tmp_path, shared_data, ray_address, tiny_model):
    """``llm_judges`` (stateful) on a CPU transformers backend: the actor loads the model once and
    runs every shard on one thread (the SQLite request cache is bound to the thread that opened it)."""
    from bigmath.executors.ray import RayExecutor
    from bigmath.pipeline.engine import build
    from bigmath.pipeline.recipe import load_recipe
    from bigmath.pipeline.stage import Resources

    judges = {"type": "llm_judges", "judges": ["judge_proof"], "progress": False,
              "backend": {"type": "transformers", "model": str(tiny_model), "alias": "tiny", "device": "cpu",
                          "threads": 1}}
    recipe = load_recipe(_recipe(build_recipes, tmp_path, shared_data, shard_size=20, extra_stages=[judges], limit=20))
    assert type(recipe.stages[1]).stateful  # one replica of the model, one CPU thread, no GPU:
    assert recipe.stages[1].resources() == Resources(cpus=1.0, gpus=0.0, concurrency=1)
    local = build(recipe, tmp_path / "local", workers=1)
    on_ray = build(recipe, tmp_path / "ray", workers=1, executor=RayExecutor(workers=1))  # one actor, 3 shards
    assert on_ray.shards_run["llm_judges"] == 3
    assert "judge_proof_tiny" in pq.read_schema(tmp_path / "ray" / "kept.parquet").names
    assert build_recipes.digest(tmp_path / "local") == build_recipes.digest(tmp_path / "ray")
    assert local.stats["stages"][-1]["extra"] == on_ray.stats["stages"][-1]["extra"]


def _session_members(session: int) -> list[int]:
    """PIDs of live processes in session ``session`` (Linux ``/proc``): the Ray instance we started."""
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[3]) == session and fields[0] != "Z":
            pids.append(int(entry.name))
    return pids


def _kill_session(session: int) -> None:
    """SIGKILL every process of ``session`` (the killed driver's Ray head and workers) and wait."""
    deadline = time.time() + 60
    while (members := _session_members(session)) and time.time() < deadline:
        for pid in members:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        time.sleep(0.2)
    assert not _session_members(session), "Ray processes of the killed build survived"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc to stop the killed Ray instance")
def test_sigkill_mid_stage_then_resume_on_ray(build_recipes, tmp_path, shared_data, ray_address):
    path = _recipe(build_recipes, tmp_path, shared_data, stage_type="slow_filters", shard_size=400)
    reference = tmp_path / "reference"  # the local executor, for cross-executor byte identity
    subprocess.run([sys.executable, str(LOCAL_HELPER), str(path), str(reference), "0"], check=True,
                   capture_output=True)

    out = tmp_path / "killed"
    proc = subprocess.Popen([sys.executable, str(HERE), str(path), str(out), "0.5"], start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 240
    while time.time() < deadline and proc.poll() is None:
        stage_dirs = list(out.glob("01_rule_filters-*"))
        if stage_dirs and len(list(stage_dirs[0].glob("*.done"))) >= 3:
            break
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    _kill_session(proc.pid)  # the driver's own Ray instance: head, raylet and workers
    stage_dir = next(out.glob("01_rule_filters-*"))
    done_before = {p.name for p in stage_dir.glob("*.done")}
    total = len(list(next(out.glob("00_ingest-*")).glob("part-*.done")))
    assert 3 <= len(done_before) < total, "the build was not killed mid-stage"
    assert not (out / "kept.parquet").exists()
    mtimes = {name: (stage_dir / name).stat().st_mtime_ns for name in done_before}

    rerun = subprocess.run([sys.executable, str(HERE), str(path), str(out), "0", ray_address], check=True,
                           capture_output=True, text=True)
    run_counts = json.loads(rerun.stdout.split("RUN", 1)[1].split("CACHED")[0])
    assert run_counts == {"ingest": 0, "rule_filters": total - len(done_before)}
    for name, mtime in mtimes.items():  # finished shards were not redone
        assert (stage_dir / name).stat().st_mtime_ns == mtime
    assert build_recipes.digest(out) == build_recipes.digest(reference)


def test_worker_error_reaches_the_driver_with_its_type_and_shard(build_recipes, tmp_path, shared_data, ray_address):
    from bigmath.executors.ray import RayExecutor
    from bigmath.pipeline.engine import build
    from bigmath.pipeline.recipe import load_recipe

    recipe = load_recipe(_recipe(build_recipes, tmp_path, shared_data, shard_size=50, limit=100))
    build(recipe, tmp_path / "out", workers=1)
    out = tmp_path / "out"
    broken = next(out.glob("00_ingest-*")) / "part-00003.parquet"
    pq.write_table(pq.read_table(broken).drop_columns(["problem"]), broken)
    for folder in out.glob("01_rule_filters-*"):
        for file in folder.iterdir():
            file.unlink()
    with pytest.raises(KeyError, match="reads missing columns") as caught:
        build(recipe, out, workers=2, executor=RayExecutor(workers=2))
    notes = "\n".join(getattr(caught.value, "__notes__", []))
    assert "part-00003.parquet" in notes and "rule_filters" in notes
    assert not (next(out.glob("01_rule_filters-*")) / "part-00003.done").exists()
    # the other shards ran to the end (kept for a rerun) before the error was raised
    shards = len(list(next(out.glob("00_ingest-*")).glob("part-*.done")))
    assert len(list(next(out.glob("01_rule_filters-*")).glob("part-*.done"))) == shards - 1


def test_stages_declare_their_resources_from_their_own_config():
    """Executors read only ``Stage.resources()``; each stage derives it from its own settings."""
    from bigmath.pipeline.components import build as build_component
    from bigmath.pipeline.stage import Resources

    def judges(backend):
        return build_component("stage", {"type": "llm_judges", "backend": backend}, "stages[0]")

    vllm = judges({"type": "vllm", "model": "meta-llama/Llama-3.1-70B-Instruct", "tensor_parallel_size": 4})
    server = judges({"type": "openai", "model": "m", "base_url": "http://127.0.0.1:8000/v1"})
    ray_data = judges({"type": "ray_data", "model": "meta-llama/Llama-3.1-70B-Instruct", "tensor_parallel_size": 4})
    rules = build_component("stage", {"type": "filters", "filters": RULE_FILTERS}, "stages[0]")
    assert vllm.resources() == Resources(cpus=1.0, gpus=4.0)
    assert server.resources() == Resources(cpus=1.0, gpus=0.0)  # a remote server needs no GPU in the actor
    assert ray_data.resources() == Resources(cpus=1.0, in_driver=True)  # Ray Data schedules the engines
    assert rules.resources() == Resources()
    semdedup = build_component("stage", {"type": "semdedup", "device": "cuda"}, "stages[0]")
    assert semdedup.resources() == Resources(cpus=1.0, gpus=1.0)
    decontaminate = {"type": "decontaminate", "benchmarks": ["x=/dev/null"], "device": "cuda"}
    assert build_component("stage", decontaminate, "stages[0]").resources().gpus == 0.0  # n-grams only
    decontaminate["embedding_threshold"] = 0.9
    assert build_component("stage", decontaminate, "stages[0]").resources().gpus == 1.0


def test_ray_data_llm_rows_and_identity():
    """The ``ray_data`` backend's request rows and fingerprint identity (the engine is not run here)."""
    from bigmath.llm.base import GenerationRequest, SamplingParams
    from bigmath.llm.config import BackendConfig
    from bigmath.llm.ray_data_backend import request_rows

    params = SamplingParams(n=2, temperature=0.2, max_tokens=5, choices=("yes", "no"))
    conversation = [{"role": "user", "content": "Is 7 prime?"}]
    requests = [GenerationRequest(conversation, i, params.sample_seed(i)) for i in range(2)]
    rows = request_rows(requests, params)
    assert [r["request_index"] for r in rows] == [0, 1]
    assert rows[1]["sampling_params"] == {"n": 1, "temperature": 0.2, "top_p": 1.0, "max_tokens": 5,
                                          "seed": params.sample_seed(1), "structured_outputs": {"choice": ["yes", "no"]}}
    assert "structured_outputs" not in request_rows(requests, params.without_choices())[0]["sampling_params"]
    plain = BackendConfig(type="vllm", model="meta-llama/Llama-3.1-8B-Instruct", tensor_parallel_size=2)
    on_ray = BackendConfig(**{**plain.model_dump(), "type": "ray_data", "replicas": 4})
    assert on_ray.identity() == plain.identity()  # same engine, same replies: the same cache and fingerprint


def test_rejects_bad_settings():
    from bigmath.executors import get_executor
    from bigmath.executors.ray import RayExecutor, _check_reachable

    with pytest.raises(ValueError, match="workers must be >= 1"):
        RayExecutor(workers=0)
    assert isinstance(get_executor("ray", workers=2, address="auto"), RayExecutor)  # connects lazily
    with pytest.raises(ValueError, match="no Ray cluster answers there"):
        _check_reachable("127.0.0.1:1")  # ray.init itself would retry for ever


if __name__ == "__main__":
    _slow_ray_build(sys.argv[1], sys.argv[2], float(sys.argv[3]), sys.argv[4] if len(sys.argv) > 4 else None)
