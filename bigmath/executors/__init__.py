"""Executors run a stage's shard tasks: :class:`~bigmath.executors.local.LocalExecutor` (process
pool) and ``bigmath.executors.ray.RayExecutor`` (Ray Data; ``pip install bigmath[ray]``).

Stages never know which executor runs them; both call :func:`bigmath.pipeline.shard.run_shard`
semantics and write the same work-directory layout, so caching and resume are identical.
"""

from __future__ import annotations

from bigmath.executors.base import Executor


def get_executor(name: str, *, workers: int = 1, address: str | None = None) -> Executor:
    """Return the executor called ``name`` (``local`` or ``ray``).

    Raises:
        ValueError: unknown name.
        ImportError: ``ray`` asked for but not installed (message says how to install it).
    """
    if name == "local":
        from bigmath.executors.local import LocalExecutor

        return LocalExecutor(workers=workers)
    if name == "ray":
        from bigmath.executors.ray import RayExecutor

        return RayExecutor(workers=workers, address=address)
    raise ValueError(f"unknown executor {name!r}; use 'local' or 'ray'")


__all__ = ["Executor", "get_executor"]
