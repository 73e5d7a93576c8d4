"""Filters: rule-based and LLM-judge, importable as ``bigmath.filters``.

Every module in this folder is imported on package import and registers its filters by name
(see :mod:`bigmath.registry`); ``bigmath filters`` lists them with their reasons.
"""

if __name__ != "bigmath.filters":  # the repo root is on sys.path: refuse a second copy
    raise ImportError(
        f"this folder is the package 'bigmath.filters', imported here as {__name__!r}. "
        "Install bigmath (pip install -e .) and use 'import bigmath.filters'; importing the "
        "top-level folder would create a second copy of every filter and its registry entries."
    )

from bigmath._discover import import_submodules

__all__ = import_submodules(__name__, __path__)
