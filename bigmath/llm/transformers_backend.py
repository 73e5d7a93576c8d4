"""``transformers`` backend: a local Hugging Face causal LM on CPU or GPU, batched ``generate``.

Meant for small models, CPU runs and tests; use ``vllm`` for 8B-70B judges. Prompts are built
with the tokenizer's chat template (``apply_chat_template(..., add_generation_prompt=True)``),
left-padded, and generated in batches of ``batch_size`` requests sorted by prompt length.

Seeding: Hugging Face ``generate`` has one random stream per call, so a batch is seeded with a
hash of its requests' seeds. Sampled replies are reproducible for the same batch composition
(greedy ones always); the request cache makes resumed runs return the stored replies.
"""

from __future__ import annotations

import hashlib

from bigmath.llm.base import Backend, BackendError, GenerationRequest, SamplingParams
from bigmath.progress import quiet_model_loading

_DTYPES = {"bfloat16", "float16", "float32"}


class TransformersBackend(Backend):
    """Generate with ``AutoModelForCausalLM`` + ``AutoTokenizer``.

    Args:
        model: Hub id or local folder (config, weights, tokenizer with a chat template).
        revision: Hub revision (ignored for local folders).
        device: ``auto`` (CUDA when available, else CPU), ``cpu``, ``cuda`` or ``cuda:N``.
        dtype: ``auto`` (the checkpoint's), ``bfloat16``, ``float16`` or ``float32``.
        batch_size: requests per ``generate`` call.
        threads: CPU threads for torch (process-wide ``torch.set_num_threads``); None keeps
            torch's default. Tiny models on a busy CPU run far faster with 1.

    Raises:
        BackendError: the model or tokenizer cannot be loaded, or the tokenizer has no chat template.
    """

    type = "transformers"

    def __init__(self, model: str, *, revision: str | None = None, device: str = "auto", dtype: str = "auto",
                 batch_size: int = 16, threads: int | None = None):
        super().__init__(model, revision)
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer

        if threads is not None:
            torch.set_num_threads(threads)

        if device == "auto":
            device = "cuda" if torch.cuda.is_available() else "cpu"
        if dtype != "auto" and dtype not in _DTYPES:
            raise BackendError(f"dtype must be auto or one of {sorted(_DTYPES)}, got {dtype!r}")
        self.device = device
        self.batch_size = batch_size
        try:
            self.tokenizer = AutoTokenizer.from_pretrained(model, revision=revision)
            torch_dtype = "auto" if dtype == "auto" else getattr(torch, dtype)
            with quiet_model_loading():
                self.lm = AutoModelForCausalLM.from_pretrained(model, revision=revision, dtype=torch_dtype)
        except (OSError, ValueError) as exc:
            raise BackendError(f"transformers backend: cannot load model {model!r}: {exc}") from exc
        if not getattr(self.tokenizer, "chat_template", None):
            raise BackendError(f"transformers backend: tokenizer of {model!r} has no chat template")
        self.lm.to(device).eval()
        self.tokenizer.padding_side = "left"
        if self.tokenizer.pad_token_id is None:
            self.tokenizer.pad_token = self.tokenizer.eos_token

    def render(self, request: GenerationRequest) -> str:
        """The prompt text of one request (chat template applied, generation prompt added)."""
        return self.tokenizer.apply_chat_template(request.conversation, tokenize=False, add_generation_prompt=True)

    def _generate(self, requests: list[GenerationRequest], params: SamplingParams) -> list[str]:
        import torch
        from transformers import GenerationConfig

        prompts = [self.render(r) for r in requests]
        lengths = [len(self.tokenizer(p, add_special_tokens=False)["input_ids"]) for p in prompts]
        order = sorted(range(len(requests)), key=lambda i: (lengths[i], i))
        sampling = params.temperature > 0
        # Explicit values everywhere: unset fields would be filled from the checkpoint's
        # generation_config.json (top_k, repetition_penalty), unlike vLLM's SamplingParams.
        config = GenerationConfig(
            max_new_tokens=params.max_tokens,
            do_sample=sampling,
            temperature=params.temperature if sampling else None,
            top_p=params.top_p if sampling else None,
            top_k=0 if sampling else None,
            repetition_penalty=1.0,
            pad_token_id=self.tokenizer.pad_token_id,
            eos_token_id=self.tokenizer.eos_token_id,
        )
        texts: list[str] = [""] * len(requests)
        for start in range(0, len(order), self.batch_size):
            batch = order[start : start + self.batch_size]
            encoded = self.tokenizer([prompts[i] for i in batch], return_tensors="pt", padding=True,
                                     add_special_tokens=False).to(self.device)
            seed_text = ",".join(str(requests[i].seed) for i in batch)
            torch.manual_seed(int.from_bytes(hashlib.sha256(seed_text.encode()).digest()[:4], "big"))
            with torch.inference_mode():
                output = self.lm.generate(**encoded, generation_config=config)
            new_tokens = output[:, encoded["input_ids"].shape[1] :]
            for row, i in enumerate(batch):
                texts[i] = self.tokenizer.decode(new_tokens[row], skip_special_tokens=True)
        return texts

    def close(self) -> None:
        """Drop the model (frees GPU memory when the last reference goes)."""
        self.lm = None
