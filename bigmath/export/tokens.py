"""Count prompt tokens the way a trainer will, for the export's max-prompt-length filter.

verl drops or fails on prompts longer than ``data.max_prompt_length`` (with
``data.truncation: error`` it raises mid-training); its ``RLHFDataset`` measures a prompt as
``len(tokenizer.apply_chat_template(messages, add_generation_prompt=True))``
(volcengine/verl ``verl/utils/dataset/rl_dataset.py``, ``maybe_filter_out_long_prompts`` under
``data.filter_overlong_prompts``). This module
measures the same: the chat template with the generation prompt when the tokenizer has one,
else the plain text with the tokenizer's special tokens.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

#: Prompts tokenized per call; bounds memory on large exports.
BATCH_SIZE = 1024


class TokenizerError(ValueError):
    """The named tokenizer could not be loaded; the message names it and the cause."""


class PromptTokenCounter:
    """Token counter for prompts (chat messages or plain strings).

    Args:
        tokenizer: a Hugging Face tokenizer name (``Qwen/Qwen2.5-7B-Instruct``) or a local folder
            holding ``tokenizer.json``/``tokenizer_config.json``; loaded with
            ``transformers.AutoTokenizer.from_pretrained``.

    Raises:
        TokenizerError: the tokenizer cannot be loaded (unknown name, no network, bad folder).
    """

    def __init__(self, tokenizer: str):
        from transformers import AutoTokenizer  # heavy: import on use

        self.name = tokenizer
        try:
            self.tokenizer = AutoTokenizer.from_pretrained(tokenizer)
        except Exception as exc:  # transformers raises OSError/ValueError/HTTP errors
            raise TokenizerError(f"cannot load tokenizer {tokenizer!r}: {exc}") from None
        self.has_chat_template = bool(getattr(self.tokenizer, "chat_template", None))
        # we only count: silence the "longer than the model's maximum length" warning
        self.tokenizer.model_max_length = 10**12

    def render(self, prompt: Any) -> tuple[str, bool]:
        """Return ``(text, add_special_tokens)`` for one prompt as the trainer would tokenize it."""
        if isinstance(prompt, str):
            if self.has_chat_template:
                prompt = [{"role": "user", "content": prompt}]
            else:
                return prompt, True
        messages = [{"role": m["role"], "content": m["content"]} for m in prompt]
        if self.has_chat_template:
            text = self.tokenizer.apply_chat_template(messages, add_generation_prompt=True, tokenize=False)
            return text, False  # the template already holds the special tokens
        return "\n\n".join(m["content"] for m in messages), True

    def count(self, prompts: Sequence[Any], progress: Any = None) -> list[int]:
        """Return the token count of each prompt (list of ints, same order).

        Args:
            prompts: chat message lists (``[{role, content}, ...]``) or plain strings.
            progress: optional ``callable(advance: int)`` called after each batch.
        """
        counts: list[int] = []
        for start in range(0, len(prompts), BATCH_SIZE):
            rendered = [self.render(p) for p in prompts[start : start + BATCH_SIZE]]
            counts.extend(self._encode_lengths(rendered))
            if progress:
                progress(len(rendered))
        return counts

    def _encode_lengths(self, rendered: list[tuple[str, bool]]) -> list[int]:
        out = [0] * len(rendered)
        for special in (True, False):
            idx = [i for i, (_, s) in enumerate(rendered) if s is special]
            if idx:
                encoded = self.tokenizer([rendered[i][0] for i in idx], add_special_tokens=special)["input_ids"]
                for i, ids in zip(idx, encoded):
                    out[i] = len(ids)
        return out
