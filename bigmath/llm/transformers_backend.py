"""``transformers`` backend: a local Hugging Face causal LM on CPU or GPU, batched.

Meant for small models, CPU runs and tests; use ``vllm`` for 8B-70B judges. ``model`` is a Hub
id, a local folder, or a local model name (``smollm2-135m-instruct``, see
:mod:`bigmath.llm.models`), converted once into the bigmath models folder.

Generation: prompts are built with the tokenizer's chat template
(``apply_chat_template(..., add_generation_prompt=True)``), sorted by token length, left-padded
and generated in batches of ``batch_size`` requests. Hugging Face ``generate`` has one random
stream per call, so a batch is seeded with a hash of its requests' seeds: sampled replies are
reproducible for the same batch composition (greedy ones always); the request cache makes
resumed runs return the stored replies.

Scoring (:meth:`TransformersBackend.score`): the exact next-token distribution, the softmax of
the last prompt position's logits. Conversations built from one template share a long prefix
(system prompt and few-shot turns, ~500 tokens for the judges); its key/value cache is computed
once and reused, so each problem costs only its own tokens. Suffixes are sorted by length,
right-padded and run in batches of ``batch_size``; only the last positions' logits are
projected onto the vocabulary.
"""

from __future__ import annotations

import copy
import hashlib
import inspect
import weakref
from typing import Any

from bigmath.llm.base import Backend, BackendError, Conversation, GenerationRequest, SamplingParams
from bigmath.llm.scores import ScoreParams, YesNoScore, first_token_ids
from bigmath.progress import quiet_model_loading

_DTYPES = {"bfloat16", "float16", "float32"}
#: Shortest shared prompt prefix (tokens) worth caching once for a batch of scores.
MIN_SHARED_PREFIX = 16
#: Loaded models by (source, revision, dtype, device), while some backend still holds them: a
#: judge stage and a solve-rate stage on the same model in one process load the weights once.
_LOADED: weakref.WeakValueDictionary = weakref.WeakValueDictionary()


def load_model(source: str, revision: str | None, dtype: str, device: str) -> Any:
    """``AutoModelForCausalLM`` of ``source`` in eval mode on ``device``, shared while in use.

    Raises:
        OSError, ValueError: transformers cannot load it.
    """
    import torch
    from transformers import AutoModelForCausalLM

    key = (source, revision, dtype, device)
    lm = _LOADED.get(key)
    if lm is None:
        torch_dtype = "auto" if dtype == "auto" else getattr(torch, dtype)
        with quiet_model_loading():
            lm = AutoModelForCausalLM.from_pretrained(source, revision=revision, dtype=torch_dtype)
        lm.to(device).eval()
        _LOADED[key] = lm
    return lm


def shared_prefix_length(sequences: list[list[int]]) -> int:
    """Tokens every sequence starts with, leaving at least one token of each (whose logits score it)."""
    if not sequences:
        return 0
    limit = min(len(s) for s in sequences) - 1
    first = sequences[0]
    length = 0
    while length < limit and all(s[length] == first[length] for s in sequences):
        length += 1
    return max(length, 0)


class TransformersBackend(Backend):
    """Generate and score with ``AutoModelForCausalLM`` + ``AutoTokenizer``.

    Args:
        model: Hub id, local folder (config, weights, tokenizer with a chat template), or a
            local model name from :data:`bigmath.llm.models.LOCAL_MODELS`.
        revision: Hub revision (ignored for local folders; not allowed with local model names,
            whose cache revision is the package version they come from).
        device: ``auto`` (CUDA when available, else CPU), ``cpu``, ``cuda`` or ``cuda:N``.
        dtype: ``auto`` (the checkpoint's), ``bfloat16``, ``float16`` or ``float32``.
        batch_size: requests per ``generate`` call, conversations per scoring forward pass.
        threads: CPU threads for torch (process-wide ``torch.set_num_threads``); None keeps
            torch's default. Tiny models on a busy CPU run far faster with 1.
        prefix_reuse: compute a shared prompt prefix once when scoring (same scores, less work).

    Raises:
        BackendError: the model or tokenizer cannot be loaded, the tokenizer has no chat
            template, or a local model's package is missing (the message names the extra).
    """

    type = "transformers"
    full_distribution = True

    def __init__(self, model: str, *, revision: str | None = None, device: str = "auto", dtype: str = "auto",
                 batch_size: int = 16, threads: int | None = None, prefix_reuse: bool = True):
        import torch
        from transformers import AutoTokenizer

        from bigmath.llm.models import LOCAL_MODELS, ModelNotAvailableError, local_revision, resolve_model

        super().__init__(model, revision)
        if model in LOCAL_MODELS:
            if revision is not None:
                raise BackendError(f"transformers backend: {model!r} is a local model name; it takes no revision")
            try:
                source = resolve_model(model)
            except ModelNotAvailableError as exc:
                raise BackendError(f"transformers backend: {exc}") from exc
            self.revision = local_revision(model)
        else:
            source = model
        if threads is not None:
            torch.set_num_threads(threads)
        if device == "auto":
            device = "cuda" if torch.cuda.is_available() else "cpu"
        if dtype != "auto" and dtype not in _DTYPES:
            raise BackendError(f"dtype must be auto or one of {sorted(_DTYPES)}, got {dtype!r}")
        self.device = device
        self.batch_size = batch_size
        self.prefix_reuse = prefix_reuse
        load_revision = revision if source == model else None
        try:
            self.tokenizer = AutoTokenizer.from_pretrained(source, revision=load_revision)
            self.lm = load_model(source, load_revision, dtype, device)
        except (OSError, ValueError) as exc:
            raise BackendError(f"transformers backend: cannot load model {model!r}: {exc}") from exc
        if not getattr(self.tokenizer, "chat_template", None):
            raise BackendError(f"transformers backend: tokenizer of {model!r} has no chat template")
        self.tokenizer.padding_side = "left"
        if self.tokenizer.pad_token_id is None:
            self.tokenizer.pad_token = self.tokenizer.eos_token
        forward = inspect.signature(self.lm.forward).parameters
        self._cache_arg = "cache" if "cache" in forward else "past_key_values"
        self._keeps_logits = "logits_to_keep" in forward
        self._prefix: tuple[tuple[int, ...], Any] | None = None
        self._answer_ids: dict[ScoreParams, tuple[list[int], list[int]]] = {}

    @property
    def supports_scores(self) -> bool:
        """Always True: the logits are right here."""
        return True

    def render(self, request: GenerationRequest) -> str:
        """The prompt text of one request (chat template applied, generation prompt added)."""
        return self.render_conversation(request.conversation)

    def render_conversation(self, conversation: Conversation) -> str:
        """The prompt text of ``conversation`` (chat template applied, generation prompt added)."""
        return self.tokenizer.apply_chat_template(conversation, tokenize=False, add_generation_prompt=True)

    def encode(self, text: str) -> list[int]:
        """Token ids of ``text`` without special tokens (the chat template already has them)."""
        return self.tokenizer(text, add_special_tokens=False)["input_ids"]

    def _generate(self, requests: list[GenerationRequest], params: SamplingParams) -> list[str]:
        import torch
        from transformers import GenerationConfig

        prompts = [self.render(r) for r in requests]
        lengths = [len(self.encode(p)) for p in prompts]
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
        stops = {self.tokenizer.pad_token_id, self.tokenizer.eos_token_id}
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
                tokens = new_tokens[row].tolist()
                # a reply ends at its first end-of-sequence token (counted); the rest is padding
                self.throughput.generated_tokens += next((k + 1 for k, t in enumerate(tokens) if t in stops),
                                                         len(tokens))
                texts[i] = self.tokenizer.decode(new_tokens[row], skip_special_tokens=True)
        return texts

    def answer_ids(self, params: ScoreParams) -> tuple[list[int], list[int]]:
        """``(yes_ids, no_ids)``: first tokens of each answer word's spellings (memoised)."""
        if params not in self._answer_ids:
            try:
                self._answer_ids[params] = first_token_ids(self.encode, params)
            except ValueError as exc:
                raise BackendError(f"transformers backend ({self.model}): {exc}") from exc
        return self._answer_ids[params]

    def _score(self, conversations: list[Conversation], params: ScoreParams) -> list[YesNoScore]:
        yes_ids, no_ids = self.answer_ids(params)
        ids = [self.encode(self.render_conversation(c)) for c in conversations]
        shared = shared_prefix_length(ids) if self.prefix_reuse else 0
        if shared < MIN_SHARED_PREFIX:
            shared = 0
        prefix = self._prefix_cache(ids[0][:shared]) if shared else None
        order = sorted(range(len(ids)), key=lambda i: (len(ids[i]), i))
        scores: list[YesNoScore] = [YesNoScore(None, 0.0)] * len(ids)
        for start in range(0, len(order), self.batch_size):
            batch = order[start : start + self.batch_size]
            probs = self._next_token_probs([ids[i][shared:] for i in batch], prefix, shared)
            p_yes, p_no = probs[:, yes_ids].sum(-1).tolist(), probs[:, no_ids].sum(-1).tolist()
            for row, i in enumerate(batch):
                scores[i] = YesNoScore.from_probs(p_yes[row], p_no[row])
        return scores

    def _prefix_cache(self, prefix: list[int]) -> Any:
        """Key/value cache of ``prefix`` (batch of one), kept for the next call with the same prefix."""
        import torch

        key = tuple(prefix)
        if self._prefix is None or self._prefix[0] != key:
            with torch.inference_mode():
                out = self.lm(input_ids=torch.tensor([prefix], device=self.device), use_cache=True)
            cache = getattr(out, "cache", None)
            self._prefix = (key, cache if cache is not None else out.past_key_values)
        return self._prefix[1]

    def _next_token_probs(self, suffixes: list[list[int]], prefix: Any, shared: int) -> Any:
        """Next-token probabilities (float64, ``[len(suffixes), vocab]``) after each
        ``prefix + suffix``; suffixes right-padded, the prefix cache copied per batch."""
        import torch

        rows, width = len(suffixes), max(len(s) for s in suffixes)
        input_ids = torch.full((rows, width), self.tokenizer.pad_token_id, dtype=torch.long)
        mask = torch.zeros((rows, shared + width), dtype=torch.long)
        mask[:, :shared] = 1
        for r, suffix in enumerate(suffixes):
            input_ids[r, : len(suffix)] = torch.tensor(suffix)
            mask[r, shared : shared + len(suffix)] = 1
        last = torch.tensor([len(s) - 1 for s in suffixes])
        kwargs: dict[str, Any] = {"input_ids": input_ids.to(self.device), "attention_mask": mask.to(self.device)}
        if prefix is not None:
            cache = copy.deepcopy(prefix)
            if rows > 1:
                cache.batch_repeat_interleave(rows)
            kwargs[self._cache_arg] = cache
        else:
            kwargs["use_cache"] = False
        keep = torch.unique(last)  # sorted; only these positions are projected onto the vocabulary
        if self._keeps_logits:
            kwargs["logits_to_keep"] = keep.to(self.device)
            column = torch.searchsorted(keep, last)
        else:
            column = last
        with torch.inference_mode():
            logits = self.lm(**kwargs).logits
        picked = logits[torch.arange(rows, device=logits.device), column.to(logits.device)]
        return torch.softmax(picked.double(), dim=-1).cpu()

    def close(self) -> None:
        """Drop the model (frees GPU memory when the last reference goes)."""
        self.lm = None
        self._prefix = None
