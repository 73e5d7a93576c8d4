"""The embedding step through the build engine: the ``embed`` stage's column gives SemDeDup the
same decisions (same bytes) as SemDeDup embedding by itself; mismatched settings are an error
naming the file; embedding is resumable shard by shard; bad settings fail at recipe validation."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from rich.console import Console

from bigmath.dedup.embed_backends import EncoderSpec
from bigmath.dedup.embed_shards import EMBEDDING_COLUMN, KEY_METADATA, embed_shard, upstream_embeddings
from bigmath.errors import InputError
from bigmath.pipeline.components import RecipeError
from bigmath.pipeline.engine import build
from bigmath.pipeline.recipe import recipe_from_dict

SEMDEDUP = {"type": "semdedup", "similarity_threshold": 0.95}


def _recipe(shared: Path, stages: list[dict], limit: int = 40):
    """MATH, HARP, and the first 10 MATH problems again under another source name (true duplicates)."""
    math = str(shared / "math" / "sample.jsonl")
    sources = [{"type": "math", "path": math}, {"type": "harp", "path": str(shared / "harp" / "sample.jsonl")},
               {"type": "custom", "name": "math_copy", "path": math, "solution_field": "solution", "license": "MIT",
                "limit": 10}]
    return recipe_from_dict({"name": "embed-test", "shard_size": 25, "limit": limit, "sources": sources,
                             "stages": stages}, base_dir=shared, where="test")


def test_embed_stage_gives_semdedup_the_same_bytes(tmp_path, shared_data):
    alone = build(_recipe(shared_data, [SEMDEDUP]), tmp_path / "alone", console=Console(quiet=True))
    staged = build(_recipe(shared_data, [{"type": "embed"}, SEMDEDUP]), tmp_path / "staged",
                   console=Console(quiet=True))
    for name in ("kept.parquet", "rejected.parquet"):
        assert (tmp_path / "alone" / name).read_bytes() == (tmp_path / "staged" / name).read_bytes()
    assert alone.stats["rejected"] == staged.stats["rejected"] >= 10
    assert EMBEDDING_COLUMN not in pq.read_schema(tmp_path / "staged" / "kept.parquet").names  # dropped by semdedup
    embed_dir = next((tmp_path / "staged").glob("01_embed-*"))
    shard = pq.read_table(embed_dir / "part-00000.parquet")
    field = shard.schema.field(EMBEDDING_COLUMN)
    assert field.metadata[KEY_METADATA] == EncoderSpec().key.encode() and field.type.list_size == 384
    info = json.loads(next((tmp_path / "staged").glob("02_semdedup-*/semdedup.json")).read_text())
    assert info["embeddings_from_column"] == info["rows"] == 90 and info["embedded"] == 0
    # the 10 copies have the texts of 10 MATH rows of an earlier shard: found in the cache, not embedded
    assert staged.stats["stages"][1]["extra"] == {"embedded": 80, "embeddings_cached": 10}
    again = build(_recipe(shared_data, [{"type": "embed"}, SEMDEDUP]), tmp_path / "staged", force=True,
                  console=Console(quiet=True))
    assert again.stats["stages"][1]["extra"] == {"embedded": 0, "embeddings_cached": 90}  # one cache part per shard


def test_embeddings_made_with_other_settings_are_refused(tmp_path, shared_data):
    """The recipe is refused when it is read, before any row is embedded."""
    with pytest.raises(RecipeError, match="backend=torch.*backend=onnx"):
        _recipe(shared_data, [{"type": "embed"}, {**SEMDEDUP, "backend": "onnx"}], limit=10)


def test_embedding_resumes_shard_by_shard(tmp_path, shared_data):
    """After a kill during shard 2, the shards done before are read from the cache, not embedded."""
    build(_recipe(shared_data, [], limit=30), tmp_path / "ingest", console=Console(quiet=True))
    shards = sorted(next((tmp_path / "ingest").glob("00_ingest-*")).glob("part-*.parquet"))
    assert len(shards) == 5  # per source, 25 rows a shard: MATH 25 + 5, HARP 25 + 5, 10 copies of MATH
    spec, template, cache = EncoderSpec(), "Problem: {problem} Answer: {answer}", tmp_path / "cache"
    for path in shards[:2]:  # what a killed run left behind
        embed_shard(pq.read_table(path), spec, template, cache)
    found = upstream_embeddings(shards, spec, template, cache)
    first_two = sum(pq.read_metadata(p).num_rows for p in shards[:2])
    assert first_two == 30  # the MATH rows; the 10 copies' texts are among them, so cached too
    assert (found.cached, found.computed) == (40, 30)
    assert found.vectors.shape == (70, 384) and len(set(found.ids)) == 70
    again = upstream_embeddings(shards, spec, template, cache)
    assert (again.cached, again.computed) == (70, 0) and (again.vectors == found.vectors).all()


def test_bad_embedding_settings_fail_when_the_recipe_is_read(shared_data):
    from bigmath.pipeline.components import RecipeError

    with pytest.raises(RecipeError, match=r"stages\[0\]: embedding backend 'onnx' takes quantize in"):
        _recipe(shared_data, [{"type": "embed", "backend": "onnx", "quantize": "bf16"}])
    with pytest.raises(RecipeError, match=r"stages\[1\]: unknown embedding backend 'tpu'"):
        _recipe(shared_data, [{"type": "exact_dedup"}, {"type": "semdedup", "backend": "tpu"}])
