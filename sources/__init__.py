"""Source adapters, one module per dataset, importable as ``bigmath.sources``.

Every module in this folder is imported on package import and registers its adapter by name
(see :mod:`bigmath.registry`); ``bigmath sources`` lists them.
"""

if __name__ != "bigmath.sources":  # the repo root is on sys.path: refuse a second copy
    raise ImportError(
        f"this folder is the package 'bigmath.sources', imported here as {__name__!r}. "
        "Install bigmath (pip install -e .) and use 'import bigmath.sources'; importing the "
        "top-level folder would create a second copy of every adapter and its registry entries."
    )

from bigmath._discover import import_submodules

__all__ = import_submodules(__name__, __path__)
