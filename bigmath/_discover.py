"""Import every module of a package so their registry decorators run (sorted, deterministic)."""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterable


def import_submodules(package_name: str, package_path: Iterable[str]) -> list[str]:
    """Import ``package_name.<module>`` for every module in ``package_path`` not starting with ``_``.

    Returns the imported module names. Subpackages are imported too (their ``__init__`` decides
    what they import).
    """
    names = sorted(m.name for m in pkgutil.iter_modules(list(package_path)) if not m.name.startswith("_"))
    for name in names:
        importlib.import_module(f"{package_name}.{name}")
    return names
