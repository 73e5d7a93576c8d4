"""The dependency rules of the one-engine design, read from the source files' imports.

- executors run whatever a stage declares through ``Stage.resources()``: nothing under
  ``bigmath/executors/`` imports the LLM code or the stages;
- ``bigmath.llm`` (backends, cache, prompts) depends on neither the filters nor the stages; the
  judge filters use it, never the other way round (not even by a package lookup by name);
- every stage lives in ``bigmath/stages/`` (one module each) and is registered by name.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pyarrow.parquet as pq
import pytest

import bigmath


def _modules(package: str) -> list[Path]:
    root = Path(bigmath.__file__).parent.parent
    folder = {"bigmath.filters": root / "filters", "bigmath.sources": root / "sources"}.get(
        package, Path(bigmath.__file__).parent / package.removeprefix("bigmath.").replace(".", "/"))
    return sorted(folder.rglob("*.py"))


def _imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = [n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module]
    found += [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
    # a module named in a string (importlib.import_module / find_spec) is a dependency too
    found += [n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)
              and n.value.startswith("bigmath.") and " " not in n.value]
    return found


@pytest.mark.parametrize("package, forbidden", [
    ("bigmath.executors", ("bigmath.llm", "bigmath.stages", "bigmath.filters", "bigmath.dedup")),
    ("bigmath.llm", ("bigmath.filters", "bigmath.stages", "bigmath.executors")),
    ("bigmath.pipeline", ("bigmath.llm", "bigmath.filters", "bigmath.dedup")),
])
def test_package_does_not_import(package, forbidden):
    modules = _modules(package)
    assert modules, package
    for path in modules:
        bad = [m for m in _imports(path) if m.startswith(forbidden)]
        assert not bad, f"{path} imports {bad}"


def test_filters_use_llm_in_one_direction_only():
    users = [p.name for p in _modules("bigmath.filters") if any(m.startswith("bigmath.llm") for m in _imports(p))]
    assert users == ["judges.py"]  # the judges call models; llm never imports filters (test above)


def test_every_stage_lives_in_bigmath_stages():
    from bigmath import registry

    for name in registry.names("stage"):
        module = registry.get_stage(name).__module__
        if module.startswith("bigmath."):  # tests may register stages of their own
            assert module.startswith("bigmath.stages."), (name, module)


def test_the_worked_example_in_contributing_adds_a_stage_in_one_file(tmp_path, shared_data):
    """The ``max_length`` stage of docs/CONTRIBUTING.md, as written there, registers by name and
    runs in a recipe (it is loaded from the doc, registered for this test, then removed)."""
    import re
    import types

    from bigmath import registry
    from bigmath.pipeline.engine import build
    from bigmath.pipeline.recipe import recipe_from_dict

    doc = (Path(bigmath.__file__).parent.parent / "docs" / "CONTRIBUTING.md").read_text(encoding="utf-8")
    code = next(block for block in re.findall(r"```python\n(.*?)```", doc, re.S) if '"max_length"' in block)
    module = types.ModuleType("bigmath_contributing_example")
    try:
        exec(compile(code, "CONTRIBUTING.md", "exec"), module.__dict__)
        recipe = recipe_from_dict({"name": "example", "limit": 300,
                                   "sources": [{"type": "math", "path": str(shared_data / "math" / "sample.jsonl")}],
                                   "stages": [{"type": "max_length", "max_chars": 300}]})
        stats = build(recipe, tmp_path / "out").stats
    finally:
        registry._REGISTRY["stage"].pop("max_length", None)
    assert stats["kept"] + stats["rejected"] == 300 and stats["reasons"]["length:too_long"] == stats["rejected"] > 0
    kept = pq.read_table(tmp_path / "out" / "kept.parquet")
    assert max(kept.column("problem_chars").to_pylist()) <= 300
