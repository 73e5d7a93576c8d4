"""The request cache: exact keys, resume without regeneration, and survival of SIGKILL.

Generation is real: a tiny random-weight Llama built in the test runs on the CPU through the
``transformers`` backend (it emits garbage, which is all caching needs).
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from bigmath.filters.judges import PROMPTS_DIR
from bigmath.llm.base import SamplingParams
from bigmath.llm.cache import CacheNamespace, RequestCache
from bigmath.llm.config import BackendConfig
from bigmath.llm.generate import CachedGenerator
from bigmath.llm.prompts import load_template
from bigmath.llm.transformers_backend import TransformersBackend
from bigmath.pipeline.stage import StageContext
from bigmath.schema import Problem, problems_to_table
from bigmath.stages.llm_judges import LLMJudgeStage


@pytest.fixture(scope="module")
def backend(tiny_model):
    return TransformersBackend(str(tiny_model), device="cpu", threads=1, batch_size=8)


def _math_rows(shared_data: Path, n: int) -> list[dict]:
    with open(shared_data / "math/sample.jsonl", encoding="utf-8") as handle:
        return [json.loads(next(handle)) for _ in range(n)]


def _math_problems(shared_data: Path, n: int) -> list[tuple[str, str]]:
    return [(f"math-{r['idx']}", r["problem"]) for r in _math_rows(shared_data, n)]


def _namespace(**changes) -> CacheNamespace:
    params = SamplingParams(**{"temperature": 0.2, "max_tokens": 5, **changes.pop("params", {})})
    base = {"model": "m", "revision": "r1", "template_sha256": "t1", "params": params.cache_key()}
    return CacheNamespace(**{**base, **changes})


def test_cache_never_serves_other_params_model_or_prompt(tmp_path):
    with RequestCache(tmp_path / "c.sqlite") as cache:
        cache.put_many(_namespace(), [("p1", "sha-a", 0, "yes"), ("p1", "sha-a", 1, "no")])
        assert cache.get_many(_namespace(), [("p1", "sha-a")], 2) == [{0: "yes", 1: "no"}]
        # n is not part of the key: a larger n reuses the stored samples, a smaller one trims
        assert cache.get_many(_namespace(), [("p1", "sha-a")], 1) == [{0: "yes"}]
        misses = [
            _namespace(params={"temperature": 0.8}), _namespace(params={"seed": 1}),
            _namespace(params={"max_tokens": 6}), _namespace(params={"top_p": 0.95}),
            _namespace(params={"choices": ("yes", "no")}), _namespace(model="other"),
            _namespace(revision="r2"), _namespace(template_sha256="t2"),
        ]
        for namespace in misses:
            assert cache.get_many(namespace, [("p1", "sha-a")], 2) == [{}], namespace
        assert cache.get_many(_namespace(), [("p1", "sha-b"), ("p2", "sha-a")], 2) == [{}, {}]
        # the first reply stored for a key wins (two workers racing agree on one answer)
        cache.put_many(_namespace(), [("p1", "sha-a", 0, "changed")])
        assert cache.get_many(_namespace(), [("p1", "sha-a")], 1) == [{0: "yes"}]
        assert cache.count() == 2 and cache.count(_namespace(model="other")) == 0


def test_rerun_and_more_samples_generate_only_what_is_missing(tmp_path, backend, shared_data):
    problems = _math_problems(shared_data, 6)
    template = load_template(PROMPTS_DIR / "judge_proof.txt")
    params = SamplingParams(n=2, temperature=0.8, max_tokens=6, seed=3)
    with RequestCache(tmp_path / "c.sqlite") as cache:
        generator = CachedGenerator(backend, cache, chunk_size=5, progress=False)
        calls = backend.requests_generated
        first = generator.run(template, problems, params)
        assert [len(r) for r in first] == [2] * 6 and backend.requests_generated - calls == 12
        again = generator.run(template, problems, params)
        assert again == first and backend.requests_generated - calls == 12
        more = generator.run(template, problems, SamplingParams(n=3, temperature=0.8, max_tokens=6, seed=3))
        assert [r[:2] for r in more] == first and backend.requests_generated - calls == 18
        assert generator.stats.cached == 12 + 12 and generator.stats.generated == 18
        # the transformers backend cannot constrain choices, so choices do not split its cache
        constrained = SamplingParams(n=2, temperature=0.8, max_tokens=6, seed=3, choices=("yes", "no"))
        assert generator.run(template, problems, constrained) == first


_CHILD = textwrap.dedent(
    """
    import json, sys
    from pathlib import Path
    import pyarrow.parquet as pq
    from bigmath.llm.config import BackendConfig
    from bigmath.stages.llm_judges import LLMJudgeStage
    from bigmath.llm.transformers_backend import TransformersBackend
    from bigmath.pipeline.stage import StageContext

    model, out, block_at = sys.argv[1], Path(sys.argv[2]), int(sys.argv[3])
    real_generate = TransformersBackend.generate
    calls = 0

    def generate(self, *args, **kwargs):
        # real generation; announce each finished call, then (once) hang before the cache
        # commit so the parent's SIGKILL lands mid-run with a chunk in flight
        global calls
        texts = real_generate(self, *args, **kwargs)
        calls += 1
        print(f"generated {calls}", flush=True)
        if calls == block_at:
            sys.stdin.readline()
        return texts

    TransformersBackend.generate = generate
    table = pq.read_table(out / "shard.parquet")
    stage = LLMJudgeStage(backend=BackendConfig(type="transformers", model=model, alias="tiny", device="cpu",
                                                threads=1),
                          judges=[{"type": "judge_proof", "mode": "sample", "sampling": {"samples": 4, "temperature": 0.8}}], chunk_size=4,
                          progress=False)
    ctx = StageContext(stage_dir=out / "stage", inputs=[], cache_dir=out / "cache", out_dir=out)
    stage.check(ctx)
    stage.setup(ctx)
    result = stage.process(table, ctx)
    print("stats " + json.dumps(result.stats), flush=True)
    """
)


def _run_child(tiny_model: Path, out: Path, block_at: int) -> subprocess.Popen:
    env = {**os.environ, "OMP_NUM_THREADS": "1", "HF_HUB_OFFLINE": "1"}
    with open(out / f"child-{block_at}.err", "w") as stderr:
        return subprocess.Popen([sys.executable, "-c", _CHILD, str(tiny_model), str(out), str(block_at)],
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=stderr, text=True, env=env)


def test_resume_after_sigkill_regenerates_nothing_cached(tmp_path, tiny_model, shared_data):
    # a real shard: 8 MATH problems x 4 samples = 32 replies, in 8 chunks of 4
    shard = problems_to_table([Problem.create(source="math", source_id=str(r["idx"]), problem=r["problem"],
                                              license="MIT") for r in _math_rows(shared_data, 8)])
    pq.write_table(shard, tmp_path / "shard.parquet")
    child = _run_child(tiny_model, tmp_path, block_at=3)
    try:
        seen = [child.stdout.readline().strip() for _ in range(3)]
        assert seen == ["generated 1", "generated 2", "generated 3"], (tmp_path / "child-3.err").read_text()[-3000:]
        child.send_signal(signal.SIGKILL)  # chunk 3 generated but not committed
        assert child.wait(timeout=60) == -signal.SIGKILL
    finally:
        if child.poll() is None:
            child.kill()
        child.stdout.close()
        child.stdin.close()
    database = tmp_path / "cache" / "llm" / "requests.sqlite"
    with sqlite3.connect(database) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        before = dict(((pid, i), reply) for pid, i, reply in
                      conn.execute("SELECT problem_id, sample_index, reply FROM replies"))
    assert len(before) == 8  # exactly the two committed chunks survive the kill

    # rerun the same stage in this process: only the 24 missing replies reach the backend
    stage = LLMJudgeStage(backend=BackendConfig(type="transformers", model=str(tiny_model), alias="tiny",
                                                device="cpu", threads=1),
                          judges=[{"type": "judge_proof", "mode": "sample", "sampling": {"samples": 4, "temperature": 0.8}}], chunk_size=4,
                          progress=False)
    ctx = StageContext(stage_dir=tmp_path / "stage", inputs=[], cache_dir=tmp_path / "cache", out_dir=tmp_path)
    stage.check(ctx)
    stage.setup(ctx)
    result = stage.process(shard, ctx)
    assert stage._backend.requests_generated == 24 and stage._backend.calls == 6
    assert result.stats["llm_replies_cached"] == 8 and result.stats["llm_replies_generated"] == 24
    raw = {}  # the random model may say "yes" now and then: read kept and rejected rows
    for table in (result.kept, result.rejected):
        raw.update(zip(table.column("id").to_pylist(), table.column("judge_proof_tiny").to_pylist()))
    assert len(raw) == 8
    stage.teardown()
    with sqlite3.connect(database) as conn:
        after = dict(((pid, i), reply) for pid, i, reply in
                     conn.execute("SELECT problem_id, sample_index, reply FROM replies"))
    assert len(after) == 32 and all(after[key] == reply for key, reply in before.items())
    # the stage's output carries exactly the cached replies for the problems done before the kill
    for (problem_id, index), reply in before.items():
        assert raw[problem_id]["raw"][index] == reply
