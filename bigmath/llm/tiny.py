"""Build a tiny random-weight chat model offline, for smoke tests of the LLM stages and benchmarks.

The model is a 2-layer ``LlamaForCausalLM`` (hidden size 64) with random weights and a byte-level
BPE tokenizer trained on the bundled prompt templates (or texts you pass), with a chat template.
It runs anywhere, with no download, and emits garbage: it exercises batching, caching, label
parsing and grading, not quality. ``python -m bigmath.llm.tiny OUT_DIR`` writes one.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from pathlib import Path

SPECIAL_TOKENS = ("<|pad|>", "<|bos|>", "<|eos|>", "<|system|>", "<|user|>", "<|assistant|>")

#: Jinja chat template: ``<|role|>\ncontent<|eos|>\n`` per message, then ``<|assistant|>\n``.
CHAT_TEMPLATE = (
    "{{ bos_token }}{% for message in messages %}<|{{ message['role'] }}|>\n{{ message['content'] }}"
    "<|eos|>\n{% endfor %}{% if add_generation_prompt %}<|assistant|>\n{% endif %}"
)


def _default_corpus() -> list[str]:
    """Training texts for the tokenizer: a short math-and-judging vocabulary, enough for a model
    whose point is speed, not sense (``bigmath.llm`` does not read the prompt packages)."""
    return [
        "You label math problems. Answer with one word: yes or no. Problem: Solve the equation "
        "and put the final answer in \\boxed{}. Which of the following is true? (A) 1 (B) 2 (C) 3",
        "Prove that the sum of two even numbers is even. Is the answer just yes or no? True or false?",
        "Yes No yes no True False 0 1 2 3 4 5 6 7 8 9 \\boxed{} \\frac{1}{2} x^2 + y = z",
    ]


def build_tiny_chat_model(
    out_dir: str | Path,
    *,
    texts: Iterable[str] | None = None,
    vocab_size: int = 512,
    seed: int = 0,
    max_position_embeddings: int = 4096,
) -> Path:
    """Write a random-weight chat model and its tokenizer to ``out_dir`` and return the path.

    Args:
        out_dir: folder to write (created; existing files are overwritten).
        texts: training texts for the BPE tokenizer (default: a short built-in corpus).
        vocab_size: BPE vocabulary size (the 256 byte symbols and 6 special tokens included).
        seed: torch seed of the random weights.
        max_position_embeddings: longest prompt + reply, in tokens.

    Returns:
        ``out_dir`` as a Path; load it with ``AutoModelForCausalLM``/``AutoTokenizer`` or pass
        it as ``model`` of a ``transformers`` backend or to ``transformers serve``.
    """
    import torch
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import GenerationConfig, LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    bpe = Tokenizer(models.BPE())
    bpe.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    bpe.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=list(SPECIAL_TOKENS),
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    bpe.train_from_iterator(list(texts) if texts is not None else _default_corpus(), trainer)
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=bpe, bos_token="<|bos|>", eos_token="<|eos|>", pad_token="<|pad|>"
    )
    tokenizer.chat_template = CHAT_TEMPLATE
    tokenizer.save_pretrained(out)

    config = LlamaConfig(
        vocab_size=len(tokenizer),
        hidden_size=64,
        intermediate_size=128,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=max_position_embeddings,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
        tie_word_embeddings=True,
    )
    torch.manual_seed(seed)
    model = LlamaForCausalLM(config)
    model.generation_config = GenerationConfig(
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
        do_sample=True,
        max_new_tokens=32,
    )
    model.save_pretrained(out)
    return out


def main(argv: list[str] | None = None) -> None:
    """``python -m bigmath.llm.tiny OUT_DIR``: build the tiny model and print its path."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        raise SystemExit("usage: python -m bigmath.llm.tiny OUT_DIR")
    print(build_tiny_chat_model(args[0]))


if __name__ == "__main__":
    main()
