"""The package layout: every package folder is installed, and the top-level folders are guarded."""

from __future__ import annotations

import subprocess
import sys
import tomllib

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]


def _declared_packages() -> tuple[list[str], dict[str, str]]:
    config = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    return config["packages"], config["package-dir"]


def test_every_package_folder_is_declared():
    packages, package_dir = _declared_packages()
    found = set()
    for name, folder in package_dir.items():
        root = REPO_ROOT / folder
        for init in root.rglob("__init__.py"):
            rel = init.parent.relative_to(root).parts
            found.add(".".join((name, *rel)))
    # bigmath's own folder also contains the mapped ones' names only through package-dir
    missing = sorted(found - set(packages))
    assert not missing, f"add these packages to [tool.setuptools] packages in pyproject.toml: {missing}"


def test_mapped_packages_import():
    out = subprocess.run(
        [sys.executable, "-c", "import bigmath.sources, bigmath.filters, bigmath.data_cards; print('ok')"],
        capture_output=True, text=True, cwd=REPO_ROOT.parent,
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"


def test_top_level_import_from_repo_root_fails_loudly():
    for folder in ("filters", "sources"):
        out = subprocess.run([sys.executable, "-c", f"import {folder}"], capture_output=True, text=True, cwd=REPO_ROOT)
        assert out.returncode != 0
        assert f"bigmath.{folder}" in out.stderr and "second copy" in out.stderr
