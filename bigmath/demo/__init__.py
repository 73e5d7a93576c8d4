"""The demo dataset: about 20 hand-written problems per source, in each source's native row layout.

The rows exercise every adapter rule and every rule filter, positive and negative (see
``README.md`` in this folder for which line exercises which case). One MATH-500 problem is
included verbatim in ``math.jsonl`` so decontamination has something to catch.
"""

from __future__ import annotations

from pathlib import Path

DEMO_DIR = Path(__file__).resolve().parent

#: source adapter name -> file name (jsonl, native fields of that source)
DEMO_FILES: dict[str, str] = {
    "math": "math.jsonl",
    "numinamath_cot": "numinamath_cot.jsonl",
    "numinamath_1_5": "numinamath_1_5.jsonl",
    "harp": "harp.jsonl",
    "omni_math": "omni_math.jsonl",
    "openmathinstruct2": "openmathinstruct2.jsonl",
}


def demo_files() -> dict[str, Path]:
    """Return ``{source name: path of its demo jsonl file}`` for the six built-in adapters.

    Each file can be read by the adapter of the same name, e.g.
    ``get_source("harp")(path=str(demo_files()["harp"]))``.

    Raises:
        FileNotFoundError: a demo file is missing from the installation.
    """
    files = {name: DEMO_DIR / file for name, file in DEMO_FILES.items()}
    missing = [str(p) for p in files.values() if not p.is_file()]
    if missing:
        raise FileNotFoundError(f"demo files missing from the installation: {missing}")
    return files


def demo_recipe() -> Path:
    """Return the path of ``demo.yaml``, the recipe ``bigmath build`` runs when given none.

    Raises:
        FileNotFoundError: the recipe is missing from the installation.
    """
    path = DEMO_DIR / "demo.yaml"
    if not path.is_file():
        raise FileNotFoundError(f"demo recipe missing from the installation: {path}")
    return path
