"""The semdedup stage on real parquet shards: N = 1, 2, 99, 100 and all shared samples together."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from bigmath.dedup.embeddings import DEFAULT_MODEL, resolve_model
from bigmath.pipeline.engine import build
from bigmath.pipeline.recipe import Recipe
from bigmath.pipeline.stage import StageContext
from bigmath.schema import Problem, problems_to_table
from bigmath.sources.problems import ProblemsSource
from bigmath.stages.exact_dedup import ExactDedupStage
from bigmath.stages.semdedup import SemDedupStage


def _rows(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.open() if line.strip()]


def _math(shared_data: Path, limit: int | None = None) -> list[Problem]:
    from bigmath.boxed import last_boxed

    rows = _rows(shared_data / "math" / "sample.jsonl")[:limit]
    return [Problem.create(source="math", subset=r["type"], source_id=f"test/{r['idx']}", problem=r["problem"],
                           answer=last_boxed(r["solution"]), license="MIT") for r in rows]


def _synthetic_copy(problem: Problem) -> Problem:
    """The same problem re-spaced, from a synthetic source (must lose to the human original)."""
    return Problem.create(source="numinamath_cot", subset="synthetic_math", source_id=f"copy/{problem.source_id}",
                          problem="  " + problem.problem.replace(" ", "  "), answer=problem.answer, license="Apache-2.0")


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory) -> Path:
    """One embedding cache for the module: rows shared between tests are embedded once."""
    return tmp_path_factory.mktemp("embedding-cache")


@pytest.fixture(scope="module")
def static_model(tmp_path_factory) -> str:
    """A real, fast sentence-transformers model: MiniLM's own token embeddings, mean-pooled
    (``StaticEmbedding``), saved to disk, so all shared samples embed in seconds on CPU."""
    from safetensors.numpy import load_file
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.sentence_transformer.modules import StaticEmbedding
    from transformers import AutoTokenizer

    source = Path(resolve_model(DEFAULT_MODEL))
    weights = load_file(str(source / "model.safetensors"))["embeddings.word_embeddings.weight"]
    model = SentenceTransformer(modules=[StaticEmbedding(AutoTokenizer.from_pretrained(source), embedding_weights=weights)],
                                device="cpu")
    path = tmp_path_factory.mktemp("models") / "minilm-static"
    model.save(str(path))
    return str(path)


def _run_stage(stage, problems: list[Problem], tmp: Path, cache: Path, shards: int = 2):
    """Write ``problems`` as parquet shards and run prepare, setup and process like the engine."""
    paths = []
    size = max(1, -(-len(problems) // shards))
    for i in range(0, max(1, len(problems)), size):
        paths.append(tmp / f"part-{len(paths):05d}.parquet")
        pq.write_table(problems_to_table(problems[i : i + size]), paths[-1])
    ctx = StageContext(stage_dir=tmp / "stage", inputs=paths, cache_dir=cache, out_dir=tmp)
    ctx.stage_dir.mkdir()
    stage.prepare(ctx)
    stage.setup(ctx)
    return [stage.process(pq.read_table(p), ctx) for p in paths], ctx


@pytest.mark.parametrize("n", [1, 2, 99, 100])
def test_semdedup_stage_works_for_small_n(n, shared_data, tmp_path, cache_dir):
    originals = _math(shared_data, limit=max(1, n - 1))
    problems = originals if n == 1 else originals[: n - 1] + [_synthetic_copy(originals[0])]
    results, ctx = _run_stage(SemDedupStage(), problems, tmp_path, cache_dir)
    kept = sum(r.kept.num_rows for r in results)
    rejected = [row for r in results if r.rejected is not None for row in r.rejected.to_pylist()]
    assert kept + len(rejected) == n
    expected = [] if n == 1 else [(problems[-1].id, originals[0].id)]  # the synthetic copy goes
    assert [(r["id"], r["duplicate_of"]) for r in rejected] == expected
    if rejected:
        assert rejected[0]["reason"] == "semdedup:duplicate" and rejected[0]["similarity"] >= 0.99
        assert rejected[0]["semdedup_similarity"] == rejected[0]["similarity"]
    info = json.loads((ctx.stage_dir / "semdedup.json").read_text())
    assert info["clusters"] == 1 and info["rows"] == n and info["threshold"] == 0.99
    assert {"semdedup_cluster", "semdedup_similarity"} <= set(results[0].kept.column_names)
    assert pq.read_table(ctx.stage_dir / "duplicates.parquet").column_names == [
        "id", "duplicate_of", "similarity", "cluster", "representative"]


def test_all_shared_samples_together_rerun_embeds_nothing_and_is_byte_identical(shared_data, tmp_path, static_model):
    problems = _math(shared_data)
    for name, path, source in [("harp", "harp/sample.jsonl", "harp"), ("harp", "harp/proof_based.jsonl", "harp_proof"),
                               ("harp", "labelled/harp_mcq_sample.jsonl", "harp_mcq")]:
        problems += [Problem.create(source=source, source_id=f"{r['year']}/{r['contest']}/{r['number']}",
                                    problem=r["problem"], answer=r.get("answer"), license="MIT")
                     for r in _rows(shared_data / path)]
    problems += [Problem.create(source="omni_math", source_id=str(i), problem=r["problem"], answer=r["answer"],
                                license="Apache-2.0") for i, r in enumerate(_rows(shared_data / "omni_math" / "sample.jsonl"))]
    assert len(problems) == 5000 + 2000 + 310 + 1000 + 2821
    pq.write_table(problems_to_table(problems), tmp_path / "all.parquet")
    recipe = Recipe(name="dedup", shard_size=4000, sources=[ProblemsSource(path=str(tmp_path / "all.parquet"))],
                    stages=[ExactDedupStage(), SemDedupStage(model=static_model, similarity_threshold=0.995)])
    out = tmp_path / "out"
    first = build(recipe, out).stats
    stage_dir = next(out.glob("02_semdedup-*"))
    rejected_first = (out / "rejected.parquet").read_bytes()
    assignments_first = (stage_dir / "semdedup.parquet").read_bytes()
    info = json.loads((stage_dir / "semdedup.json").read_text())
    exact, semantic = first["stages"][1:]
    # real copies across sources: HARP MCQ in HARP 272 (+13 in MATH, +3 inside MCQ), HARP in MATH test 48,
    # Omni-MATH in HARP's proof split 17, inside Omni-MATH 8, Omni-MATH in MATH 2, inside HARP 2
    assert exact["reasons"] == {"duplicate:exact": 365}
    assert info["embedded"] == info["rows"] == len(problems) - 365
    assert info["clusters"] >= 10 and semantic["rejected"] > 0
    assert first["kept"] + first["rejected"] == len(problems)
    build(recipe, out, force=True)  # every stage recomputed; the embedding cache is kept
    assert json.loads((stage_dir / "semdedup.json").read_text())["embedded"] == 0  # all from the cache
    assert (out / "rejected.parquet").read_bytes() == rejected_first
    assert (stage_dir / "semdedup.parquet").read_bytes() == assignments_first
