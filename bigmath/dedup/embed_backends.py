"""Embedding backends behind one interface: torch (sentence-transformers), onnxruntime, OpenVINO
and a model2vec static model, each optionally at reduced precision.

| backend | quantize | what runs |
| --- | --- | --- |
| ``torch`` | none / ``bf16`` | sentence-transformers on torch (``bf16``: CPU autocast, AMX/AVX512-BF16) |
| ``onnx`` | none / ``int8`` | onnxruntime on the exported ``model.onnx`` / ``model_int8.onnx`` |
| ``openvino`` | none / ``bf16`` | OpenVINO on the exported ``model.onnx`` (inference precision f32 / bf16) |
| ``static`` | none | model2vec static model distilled from the same model: a fast pre-pass, not MiniLM |

Exports are made once into the model cache (:mod:`bigmath.dedup.embed_export`). Every encoder
returns float32, L2-normalised vectors, one row per text, in input order. The onnx and openvino
encoders tokenise all texts once, sort them by token length (stable, so the batches are the same
run to run) and pad each batch only to its own longest text: for short problems padding is most
of the cost. Measured speed and SemDeDup decision changes per backend: docs/dedup.md.
"""

from __future__ import annotations

import dataclasses
import functools
import json
from collections.abc import Sequence

import numpy as np

from bigmath.dedup import DEFAULT_MODEL

#: Allowed ``quantize`` values per backend (None = full float32).
QUANTIZE: dict[str, tuple[str | None, ...]] = {
    "torch": (None, "bf16"), "onnx": (None, "int8"), "openvino": (None, "bf16"), "static": (None,)}
BACKENDS = tuple(QUANTIZE)


@dataclasses.dataclass(frozen=True)
class EncoderSpec:
    """Which model to run and how.

    Attributes:
        model: sentence-transformers name or local path (default all-MiniLM-L6-v2, bundled).
        backend: one of :data:`BACKENDS`.
        quantize: None, or the reduced precision allowed for the backend (:data:`QUANTIZE`).
        device: ``cpu`` or a torch device (``cuda``, ``cuda:1``); only ``torch`` runs on a GPU.
        batch_size: texts per forward pass.
        threads: CPU threads (None = the library's default, all cores); for torch this sets
            ``torch.set_num_threads`` for the whole process.
    """

    model: str = DEFAULT_MODEL
    backend: str = "torch"
    quantize: str | None = None
    device: str = "cpu"
    batch_size: int = 64
    threads: int | None = None

    def __post_init__(self) -> None:
        if self.backend not in QUANTIZE:
            raise ValueError(f"unknown embedding backend {self.backend!r}; known: {', '.join(BACKENDS)}")
        if self.quantize not in QUANTIZE[self.backend]:
            allowed = ", ".join(str(q) for q in QUANTIZE[self.backend])
            raise ValueError(f"embedding backend {self.backend!r} takes quantize in ({allowed}), got {self.quantize!r}")
        if self.backend != "torch" and self.device != "cpu":
            raise ValueError(f"embedding backend {self.backend!r} runs on cpu only (device {self.device!r}); "
                             "use backend: torch on a GPU")

    @property
    def key(self) -> str:
        """Cache key: vectors of one key are interchangeable (``model|backend=torch`` for the default)."""
        return f"{self.model}|backend={self.backend}" + (f"|quantize={self.quantize}" if self.quantize else "")


class Encoder:
    """Base class: ``encode(texts)`` -> (len(texts), dim) float32 unit vectors, input order."""

    spec: EncoderSpec
    dimension: int

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        raise NotImplementedError

    @staticmethod
    def _unit(vectors) -> np.ndarray:
        vectors = np.asarray(vectors, dtype=np.float32)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return vectors / np.where(norms > 0, norms, 1.0)


class TorchEncoder(Encoder):
    """sentence-transformers on torch; ``quantize: bf16`` runs under ``torch.autocast`` (CPU or CUDA)."""

    def __init__(self, spec: EncoderSpec):
        from bigmath.dedup.embeddings import load_model, sentence_dimension

        if spec.threads:
            import torch

            torch.set_num_threads(spec.threads)
        self.spec, self.model = spec, load_model(spec.model, spec.device)
        self.dimension = sentence_dimension(self.model)

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        import torch

        device_type = "cuda" if self.spec.device.startswith("cuda") else "cpu"
        with torch.autocast(device_type, dtype=torch.bfloat16, enabled=self.spec.quantize == "bf16"):
            vectors = self.model.encode(list(texts), batch_size=self.spec.batch_size, normalize_embeddings=True,
                                        convert_to_numpy=True, show_progress_bar=False)
        return self._unit(vectors)


class GraphEncoder(Encoder):
    """Shared part of the onnxruntime and OpenVINO encoders: tokenise once, sort, pad per batch."""

    kind = "onnx"

    def __init__(self, spec: EncoderSpec):
        from transformers import AutoTokenizer

        from bigmath.dedup.embed_export import exported

        self.spec = spec
        self.path = exported(spec.model, self.kind)
        info = json.loads((self.path.parent / "encoder.json").read_text())
        self.dimension, self.max_length = info["dimension"], info["max_seq_length"]
        self.tokenizer = AutoTokenizer.from_pretrained(str(self.path.parent / "tokenizer"))
        self.pad_id = self.tokenizer.pad_token_id or 0

    def _run(self, feed: dict[str, np.ndarray]) -> np.ndarray:
        raise NotImplementedError

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        if not texts:
            return out
        ids = self.tokenizer(list(texts), truncation=True, max_length=self.max_length)["input_ids"]
        order = np.argsort(np.fromiter((len(i) for i in ids), dtype=np.int64, count=len(ids)), kind="stable")
        for start in range(0, len(order), self.spec.batch_size):
            rows = order[start : start + self.spec.batch_size]
            width = max(len(ids[r]) for r in rows)
            input_ids = np.full((len(rows), width), self.pad_id, dtype=np.int64)
            mask = np.zeros((len(rows), width), dtype=np.int64)
            for i, r in enumerate(rows):
                input_ids[i, : len(ids[r])] = ids[r]
                mask[i, : len(ids[r])] = 1
            out[rows] = self._run({"input_ids": input_ids, "attention_mask": mask,
                                   "token_type_ids": np.zeros_like(input_ids)})
        return self._unit(out)


class OnnxEncoder(GraphEncoder):
    """onnxruntime (CPU) on ``model.onnx``, or ``model_int8.onnx`` with ``quantize: int8``."""

    def __init__(self, spec: EncoderSpec):
        import onnxruntime as ort

        self.kind = "onnx-int8" if spec.quantize == "int8" else "onnx"
        super().__init__(spec)
        options = ort.SessionOptions()
        options.intra_op_num_threads = spec.threads or 0
        options.log_severity_level = 3
        options.enable_cpu_mem_arena = False  # with a new shape per batch the arena grows to GBs
        options.enable_mem_pattern = False
        self.session = ort.InferenceSession(str(self.path), options, providers=["CPUExecutionProvider"])

    def _run(self, feed: dict[str, np.ndarray]) -> np.ndarray:
        return self.session.run(None, feed)[0]


class OpenVINOEncoder(GraphEncoder):
    """OpenVINO (CPU) on ``model.onnx``; inference precision f32, or bf16 with ``quantize: bf16``
    (where the CPU lacks bf16 support OpenVINO runs f32; :attr:`precision` says which ran)."""

    def __init__(self, spec: EncoderSpec):
        import openvino as ov

        super().__init__(spec)
        config = {"INFERENCE_PRECISION_HINT": "bf16" if spec.quantize == "bf16" else "f32"}
        if spec.threads:
            config["INFERENCE_NUM_THREADS"] = spec.threads
        self.compiled = ov.Core().compile_model(str(self.path), "CPU", config)
        self.precision = str(self.compiled.get_property("INFERENCE_PRECISION_HINT"))

    def _run(self, feed: dict[str, np.ndarray]) -> np.ndarray:
        return self.compiled(feed)[0]


class StaticEncoder(Encoder):
    """model2vec static model distilled from ``spec.model`` (no transformer at run time)."""

    def __init__(self, spec: EncoderSpec, path=None):
        from model2vec import StaticModel

        from bigmath.dedup.embed_export import exported

        self.spec = spec
        self.model = StaticModel.from_pretrained(str(path or exported(spec.model, "static")), normalize=True)
        self.dimension = int(self.model.dim)

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return self._unit(self.model.encode(list(texts), batch_size=1024, use_multiprocessing=False))


_CLASSES = {"torch": TorchEncoder, "onnx": OnnxEncoder, "openvino": OpenVINOEncoder, "static": StaticEncoder}


@functools.lru_cache(maxsize=4)
def load_encoder(spec: EncoderSpec) -> Encoder:
    """Load (once per process) the encoder for ``spec``, exporting the model first if needed.

    Raises:
        ImportError: the backend's library is not installed (``pip install 'bigmath[embed]'``).
    """
    needs = {"onnx": ("onnxruntime", "onnxscript"), "openvino": ("openvino", "onnxscript"),
             "static": ("model2vec",)}.get(spec.backend, ())
    import importlib.util

    missing = [name for name in needs if importlib.util.find_spec(name) is None]
    if missing:
        raise ImportError(f"embedding backend {spec.backend!r} needs {', '.join(missing)}; "
                          "pip install 'bigmath[embed]' or use backend: torch")
    return _CLASSES[spec.backend](spec)
