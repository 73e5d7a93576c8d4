"""Embedding backends on real problems: onnxruntime and OpenVINO on the exported MiniLM give the
torch vectors (float32: to 1e-5; int8 and bf16: close), in input order whatever the batching; the
export folder; a model2vec static model through the same interface."""

from __future__ import annotations

import json

import numpy as np
import pytest

from bigmath.dedup.embed_backends import EncoderSpec, StaticEncoder, load_encoder
from bigmath.dedup.embed_export import artifact_folder, exported
from bigmath.dedup.embeddings import DEFAULT_MODEL, load_model


@pytest.fixture(scope="module")
def texts(shared_data):
    """12 real problems of very different lengths (MATH and Omni-MATH), as SemDeDup embeds them."""
    rows = [json.loads(line) for line in (shared_data / "omni_math" / "sample.jsonl").read_text().splitlines()[:6]]
    rows += [json.loads(line) for line in (shared_data / "math" / "sample.jsonl").read_text().splitlines()[:6]]
    return [f"Problem: {r['problem']} Answer: {r.get('answer', '')}" for r in rows]


@pytest.fixture(scope="module")
def reference(texts):
    return load_encoder(EncoderSpec()).encode(texts)


@pytest.mark.parametrize(("backend", "quantize", "min_cos"), [
    ("onnx", None, 0.99999), ("openvino", None, 0.99999), ("onnx", "int8", 0.97), ("openvino", "bf16", 0.999),
    ("torch", "bf16", 0.999)])
def test_backend_vectors_match_torch(texts, reference, backend, quantize, min_cos):
    encoder = load_encoder(EncoderSpec(backend=backend, quantize=quantize, batch_size=4))
    vectors = encoder.encode(texts)
    assert vectors.shape == reference.shape and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    cosines = (vectors * reference).sum(axis=1)
    assert cosines.min() >= min_cos, cosines


def test_sorted_batches_return_input_order(texts):
    """Batches are cut by token length; the result is still one row per text, in input order."""
    encoder = load_encoder(EncoderSpec(backend="onnx", batch_size=5))
    together = encoder.encode(texts)
    alone = np.concatenate([encoder.encode([t]) for t in texts])
    assert np.abs(together - alone).max() < 1e-5  # padding to a batch's longest text changes nothing
    assert np.array_equal(encoder.encode(texts), together)  # same texts, same bits
    assert encoder.encode([]).shape == (0, 384)


def test_export_folder_holds_graph_tokenizer_and_manifest():
    path = exported(DEFAULT_MODEL, "onnx")
    folder = artifact_folder(DEFAULT_MODEL)
    assert path == folder / "model.onnx" and (folder / "tokenizer" / "tokenizer.json").exists()
    info = json.loads((folder / "encoder.json").read_text())
    assert info == {"dimension": 384, "max_seq_length": 256, "pooling": "mean"}
    assert "model.onnx" in json.loads((folder / "manifest.json").read_text())["files"]
    assert exported(DEFAULT_MODEL, "onnx") == path  # made once
    with pytest.raises(ValueError, match="unknown exported model kind"):
        exported(DEFAULT_MODEL, "tflite")


def test_static_model_encodes_through_the_same_interface(tmp_path, texts):
    """A model2vec StaticModel made from MiniLM's own token embeddings (the distilled one in the
    cache takes minutes to make; benchmarks/embedding_backends.py measures that one)."""
    from model2vec import StaticModel

    st_model = load_model(DEFAULT_MODEL)
    table = st_model[0].auto_model.embeddings.word_embeddings.weight.detach().numpy()
    StaticModel(table, st_model.tokenizer.backend_tokenizer, normalize=True).save_pretrained(str(tmp_path / "static"))
    encoder = StaticEncoder(EncoderSpec(backend="static"), path=tmp_path / "static")
    vectors = encoder.encode(texts)
    assert vectors.shape == (len(texts), 384) and encoder.dimension == 384
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    twin = encoder.encode([texts[0], texts[0].replace("Problem:", "Problem :")])
    assert float(twin[0] @ twin[1]) > 0.99 and float(vectors[0] @ vectors[-1]) < 0.99
