"""Short registry names for sources, filters and stages, as used in ``pipelines/*.yaml``.

Classes register themselves with a decorator::

    @register_filter("proof")
    class Proof(Filter): ...

Lookups import the packages that hold the built-in classes first, so ``get_filter("proof")``
works without the caller importing ``bigmath.filters``.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")

_KINDS = {
    # kind -> packages whose import registers the built-ins of that kind
    "source": ("bigmath.sources",),
    "filter": ("bigmath.filters",),
    "stage": ("bigmath.stages",),
}
_REGISTRY: dict[str, dict[str, type]] = {kind: {} for kind in _KINDS}


class UnknownNameError(KeyError):
    """Raised when a registry name is not known; the message lists the known names."""

    def __str__(self) -> str:  # KeyError quotes its message; keep it readable
        return str(self.args[0])


def _register(kind: str, name: str) -> Callable[[type[T]], type[T]]:
    def decorator(cls: type[T]) -> type[T]:
        table = _REGISTRY[kind]
        if name in table and table[name] is not cls:
            raise ValueError(f"{kind} name {name!r} is already registered by {table[name].__qualname__}")
        table[name] = cls
        cls.registry_name = name  # type: ignore[attr-defined]
        return cls

    return decorator


def register_source(name: str) -> Callable[[type[T]], type[T]]:
    """Class decorator: register a source adapter under ``name``."""
    return _register("source", name)


def register_filter(name: str) -> Callable[[type[T]], type[T]]:
    """Class decorator: register a filter under ``name`` (used as ``type:`` in recipes)."""
    return _register("filter", name)


def register_stage(name: str) -> Callable[[type[T]], type[T]]:
    """Class decorator: register a pipeline stage under ``name``."""
    return _register("stage", name)


def _load_builtins(kind: str) -> None:
    for module in _KINDS[kind]:
        importlib.import_module(module)


def names(kind: str) -> list[str]:
    """Return the sorted registry names of ``kind`` (``source``, ``filter`` or ``stage``)."""
    _load_builtins(kind)
    return sorted(_REGISTRY[kind])


def get(kind: str, name: str) -> type:
    """Return the class registered as ``name``.

    Raises:
        UnknownNameError: ``name`` is not registered; the message lists the known names.
    """
    _load_builtins(kind)
    try:
        return _REGISTRY[kind][name]
    except KeyError:
        known = ", ".join(sorted(_REGISTRY[kind]))
        raise UnknownNameError(f"unknown {kind} {name!r}; known {kind}s: {known}") from None


def get_source(name: str) -> type:
    """Return the source adapter class registered as ``name``."""
    return get("source", name)


def get_filter(name: str) -> type:
    """Return the filter class registered as ``name``."""
    return get("filter", name)


def get_stage(name: str) -> type:
    """Return the stage class registered as ``name``."""
    return get("stage", name)
