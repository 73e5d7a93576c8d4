"""A time limit for the main thread, built on ``SIGALRM`` / ``setitimer`` (POSIX).

math-verify's own timeouts call ``signal.alarm`` with whole seconds, swallow the timeout into
``False`` and cancel any alarm set by the caller (pytest-timeout, a trainer's watchdog). This
helper takes float seconds, raises :class:`Deadline` (a ``BaseException``, so sympy's and
math-verify's ``except Exception`` blocks cannot swallow it) and re-arms an outer timer with
its remaining time when it leaves. It only works in the main thread; callers check
:func:`can_use_signals` first and use a worker process otherwise (see :mod:`bigmath.verify.pool`).
"""

from __future__ import annotations

import contextlib
import signal
import threading
import time
from collections.abc import Iterator


class Deadline(BaseException):
    """Raised inside a :func:`time_limit` block when its time is up."""


def can_use_signals() -> bool:
    """True when this is the main thread of the main interpreter on a POSIX system."""
    return hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()


def _raise_deadline(signum, frame) -> None:  # pragma: no cover - runs in the signal handler
    raise Deadline("time limit reached")


@contextlib.contextmanager
def time_limit(seconds: float | None) -> Iterator[None]:
    """Raise :class:`Deadline` in the body when it runs longer than ``seconds``.

    ``seconds`` None or <= 0 means no limit. Code stuck inside a single C call (a huge integer
    power) is interrupted only when that call returns; the process pool's hard kill covers it.

    Raises:
        RuntimeError: called off the main thread with a limit (signals would not be delivered).
    """
    if not seconds or seconds <= 0:
        yield
        return
    if not can_use_signals():
        raise RuntimeError("time_limit() needs the main thread; bigmath.verify.check switches to a worker process")
    previous_handler = signal.signal(signal.SIGALRM, _raise_deadline)
    outer_delay, outer_interval = signal.setitimer(signal.ITIMER_REAL, seconds)
    started = time.monotonic()
    try:
        yield
    finally:
        while True:  # the alarm may fire between the body's end and this line: disarm first
            try:
                signal.setitimer(signal.ITIMER_REAL, 0)
                break
            except Deadline:
                continue
        signal.signal(signal.SIGALRM, previous_handler)
        if outer_delay > 0:  # give the caller's own alarm back, minus the time we used
            remaining = max(outer_delay - (time.monotonic() - started), 1e-3)
            signal.setitimer(signal.ITIMER_REAL, remaining, outer_interval)
