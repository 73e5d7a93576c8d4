"""Exported copies of a sentence-transformers model for the fast CPU backends, made once, offline.

Each copy is made from the local model (the bundled all-MiniLM-L6-v2 by default) and stored under
``<models_dir>/embeddings/<name>-<hash>/`` (``models_dir`` is :func:`bigmath.llm.models.models_dir`,
default ``~/.cache/bigmath/models``), where every later process finds it:

* ``model.onnx``: the transformer plus the model's own pooling (mean or CLS) and L2
  normalisation, exported with ``torch.onnx.export`` (the torch.export-based exporter, opset 18);
  inputs ``input_ids``, ``attention_mask``, ``token_type_ids`` (int64, batch x tokens), output
  ``sentence_embedding`` (float32, batch x dim, unit length). Run by onnxruntime or OpenVINO.
* ``model_int8.onnx``: ``model.onnx`` with every MatMul weight quantised to int8 per output
  channel and activations quantised dynamically per batch (onnxruntime ``quantize_dynamic``).
* ``static/``: a model2vec static model distilled from the same model (Tulkens and van Dongen
  2024, model2vec): every vocabulary token embedded once, PCA to 256 dimensions, Zipf weighting.

Why not sentence-transformers' own ``backend="onnx"``: it needs ``optimum-onnx``, which requires
``transformers<4.58`` and would downgrade the installed transformers (docs/dedup.md).

A copy is made by one process at a time (an ``fcntl`` lock per folder), written to a temporary
name and renamed, so a killed export never leaves a half file that looks finished.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import logging
import os
import warnings
from collections.abc import Iterator
from pathlib import Path

ARTIFACTS = {"onnx": "model.onnx", "onnx-int8": "model_int8.onnx", "static": "static"}


def artifacts_root() -> Path:
    """``<models_dir>/embeddings``: where exported embedding models live."""
    from bigmath.llm.models import models_dir

    return models_dir() / "embeddings"


def artifact_folder(model: str) -> Path:
    """The folder holding the exported copies of ``model`` (name or path; it may not exist yet).

    The name carries the model's last path part and a hash of its resolved location and weights
    size, so two models never share a folder and replacing the weights makes a new one.
    """
    from bigmath.dedup.embeddings import resolve_model

    path = resolve_model(model)
    weights = Path(path) / "model.safetensors"
    identity = f"{path}|{weights.stat().st_size if weights.exists() else ''}"
    slug = Path(model.rstrip("/")).name or "model"
    return artifacts_root() / f"{slug}-{hashlib.sha1(identity.encode()).hexdigest()[:10]}"


@contextlib.contextmanager
def _locked(folder: Path) -> Iterator[None]:
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / ".lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def exported(model: str, kind: str) -> Path:
    """Return the exported copy ``kind`` (``onnx``, ``onnx-int8`` or ``static``) of ``model``,
    making it first if it is missing (seconds for ONNX, a few minutes for the static distillation).

    Raises:
        ValueError: unknown ``kind``.
        ImportError: the library that makes it (onnx/onnxscript, onnxruntime, model2vec) is missing.
    """
    if kind not in ARTIFACTS:
        raise ValueError(f"unknown exported model kind {kind!r}; known: {sorted(ARTIFACTS)}")
    folder = artifact_folder(model)
    target = folder / ARTIFACTS[kind]
    if target.exists():
        return target
    with _locked(folder):
        if not target.exists():  # another process may have made it while we waited
            if kind == "onnx":
                export_onnx(model, target)
            elif kind == "onnx-int8":
                source = folder / ARTIFACTS["onnx"]
                if not source.exists():
                    export_onnx(model, source)
                quantize_int8(source, target)
            else:
                distill_static(model, target)
            _write_manifest(folder, model)
    return target


def _write_manifest(folder: Path, model: str) -> None:
    from bigmath.pipeline.outputs import library_versions
    from bigmath.pipeline.workdir import atomic_write_json

    files = sorted(p.name for p in folder.iterdir() if not p.name.startswith("."))
    atomic_write_json({"model": model, "files": files, "versions": library_versions()}, folder / "manifest.json")


def _tmp(path: Path) -> Path:
    return path.with_name(f".{path.name}.tmp-{os.getpid()}")


def export_onnx(model: str, target: Path) -> None:
    """Export ``model`` (transformer + pooling + normalisation) to ONNX at ``target``.

    Raises:
        ValueError: the model's modules are not Transformer, Pooling (mean or cls) [, Normalize].
    """
    import torch

    from bigmath.dedup.embeddings import load_model, sentence_dimension

    st_model = load_model(model, "cpu")
    pooling = _pooling_mode(st_model)
    encoder = st_model[0].auto_model
    wrapper = _pooled_encoder(encoder, pooling).eval()
    tokens = st_model.tokenizer(["a short text", "a somewhat longer text to pad the batch with"],
                                padding=True, return_tensors="pt")
    names = ["input_ids", "attention_mask", "token_type_ids"]
    example = tuple(tokens[n] if n in tokens else torch.zeros_like(tokens["input_ids"]) for n in names)
    batch, length = torch.export.Dim("batch"), torch.export.Dim("tokens", max=max(8, st_model.max_seq_length))
    tmp = _tmp(target)
    logging.getLogger("torch.onnx").setLevel(logging.ERROR)  # "torchvision is not installed" notices
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(wrapper, example, str(tmp), input_names=names, output_names=["sentence_embedding"],
                          dynamo=True, external_data=False, opset_version=18,
                          dynamic_shapes=tuple({0: batch, 1: length} for _ in names), verbose=False)
    os.replace(tmp, target)
    (target.parent / "tokenizer").mkdir(exist_ok=True)
    st_model.tokenizer.save_pretrained(str(target.parent / "tokenizer"))
    from bigmath.pipeline.workdir import atomic_write_json

    atomic_write_json({"max_seq_length": st_model.max_seq_length, "pooling": pooling,
                       "dimension": sentence_dimension(st_model)},
                      target.parent / "encoder.json")


def _pooling_mode(st_model) -> str:
    kinds = [type(m).__name__ for m in st_model]
    mode = getattr(st_model[1], "pooling_mode", None) if len(st_model) > 1 else None
    if kinds[:2] != ["Transformer", "Pooling"] or mode not in ("mean", "cls") or kinds[2:] not in ([], ["Normalize"]):
        raise ValueError(f"cannot export modules {kinds} (pooling {mode!r}) to ONNX: the onnx/openvino backends "
                         "support Transformer + Pooling(mean|cls) [+ Normalize]; use backend: torch")
    return mode


def _pooled_encoder(encoder, pooling: str):
    """``encoder`` followed by ``pooling`` and L2 normalisation, as one ``torch.nn.Module``."""
    import torch

    class PooledEncoder(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.encoder = encoder

        def forward(self, input_ids, attention_mask, token_type_ids):
            hidden = self.encoder(input_ids=input_ids, attention_mask=attention_mask,
                                  token_type_ids=token_type_ids).last_hidden_state
            if pooling == "cls":
                pooled = hidden[:, 0]
            else:
                mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
                pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            return torch.nn.functional.normalize(pooled, p=2.0, dim=1)

    return PooledEncoder()


def quantize_int8(source: Path, target: Path) -> None:
    """Dynamic int8 quantisation of ``source`` (MatMul weights per channel) into ``target``."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    tmp = _tmp(target)
    quantize_dynamic(str(source), str(tmp), weight_type=QuantType.QInt8, per_channel=True,
                     op_types_to_quantize=["MatMul"], extra_options={"DefaultTensorType": 1})  # 1 = float32
    os.replace(tmp, target)


def distill_static(model: str, target: Path) -> None:
    """Distil a model2vec static model from ``model`` into the folder ``target`` (256 dims, PCA)."""
    import shutil

    from model2vec.distill import distill

    from bigmath.dedup.embeddings import resolve_model
    from bigmath.progress import quiet_model_loading

    tmp = _tmp(target)
    with quiet_model_loading():
        static = distill(model_name=resolve_model(model), pca_dims=256, device="cpu")
    static.save_pretrained(str(tmp))
    (tmp / "bigmath.json").write_text(json.dumps({"distilled_from": model}) + "\n")
    shutil.rmtree(target, ignore_errors=True)
    os.replace(tmp, target)
