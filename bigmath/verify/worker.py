"""Worker processes of :mod:`bigmath.verify.pool`: ``python -m bigmath.verify.worker SOCKET_FD MB``.

That command starts a *zygote*: a process that imports sympy and math-verify once, then forks
one worker per request received on a Unix socket (the request carries the worker's two pipe
ends as file descriptors). A replacement worker is therefore ready in milliseconds, and the
zygote is started with :mod:`subprocess` rather than :mod:`multiprocessing`, so the caller's
``__main__`` is never re-imported (a training script without an ``if __name__ == "__main__"``
guard, a notebook, verl's file-loaded reward module).

A worker reads ``(op, [(task_id, payload), ...], soft_timeout_s)`` messages, grades each item in
its main thread under a ``SIGALRM`` soft limit and sends ``(task_id, result)``, one per item.
"""

from __future__ import annotations

import os
import resource
import signal
import socket
import sys
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any

from bigmath.verify.classify import answer_type_here
from bigmath.verify.grading import check_here
from bigmath.verify.processes import WorkerError
from bigmath.verify.types import Outcome, Verdict

OPS: dict[str, Callable[[Any, float | None], Any]] = {
    "check": lambda payload, soft: check_here(payload[0], payload[1], soft, payload[2]),
    "answer_type": lambda payload, soft: answer_type_here(payload, soft),
}


#: One pair per comparison path (numbers, equations via solve, sets, intervals, matrices, text):
#: sympy's lazy imports happen once in the zygote, so a fresh worker's first ``solve`` does not
#: eat its time bound.
_WARM_UP = [
    ("1", r"\boxed{1}"), (r"\frac{1}{3}", "0.333333"), ("3x-y+13=0", "3x+4y+14=0"), ("x = 5", "5"),
    (r"\{1, 2\}", "2, 1"), ("(1, 2]", "[1, 2)"), (r"x \ge 2", r"[2, \infty)"), (r"3\sqrt{2}", r"\sqrt{18}"),
    (r"\begin{pmatrix}1\\2\end{pmatrix}", r"\begin{bmatrix}1\\3\end{bmatrix}"), (r"\text{yes}", "yes"),
    (r"50\%", "0.5"), ("2+3i", "3i+2"), ("x^2+1", "1+x^2"), (r"\frac{1}{2^{99}}", r"2^{-99}"),
    (r"x \in [-2,7]", r"-2 \le x \le 7"), (r"x < -8 \text{ or } x > 8", r"(-\infty,-8)\cup(8,\infty)"),
    (r"\frac{1}{3}", "0.33"), ("1.22", "1,22"), ("k = 45, n = 2", r"\boxed{45}, \boxed{2}"),
    ("(3, 5)", r"\boxed{3} and \boxed{5}"), ("5", "So she has 5 apples."),
    ("391", r"\boxed{17 \cdot 23}", r"Compute $17 \cdot 23$."),  # the echo rule (a problem given)
]


def serve(inbox: Connection, outbox: Connection, memory_mb: int) -> None:
    """Grade items from ``inbox`` until it closes or sends None."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's business
    if memory_mb > 0:
        limit = memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    outbox.send(("ready", os.getpid()))
    while True:
        try:
            message = inbox.recv()
        except (EOFError, OSError):
            return
        if message is None:
            return
        op, items, soft_timeout_s = message
        for task_id, payload in items:
            try:
                result = OPS[op](payload, soft_timeout_s)
            except MemoryError:
                result = Verdict(Outcome.TIMEOUT, None, None, f"worker memory limit ({memory_mb} MB) reached")
            except Exception as error:  # noqa: BLE001 - the parent raises it with the item named
                result = WorkerError(f"{type(error).__name__}: {error}")
            outbox.send((task_id, result))


def zygote(sock: socket.socket, memory_mb: int) -> None:
    """Fork a worker for each request on ``sock``; reply with its pid (8 bytes, little endian)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # the kernel reaps killed workers
    for gold, prediction, *problem in _WARM_UP:  # lazy sympy imports and parser set-up, once; forks inherit them
        check_here(gold, prediction, None, *problem)
    while True:
        try:
            message, fds, _, _ = socket.recv_fds(sock, 16, 2)
        except OSError:
            return
        if not message or len(fds) != 2:  # the pool closed its end
            return
        pid = os.fork()
        if pid == 0:
            sock.close()
            signal.signal(signal.SIGCHLD, signal.SIG_DFL)
            try:
                serve(Connection(fds[0], writable=False), Connection(fds[1], readable=False), memory_mb)
            finally:
                os._exit(0)
        for fd in fds:
            os.close(fd)
        sock.sendall(pid.to_bytes(8, "little"))


def main(argv: list[str]) -> None:
    """Entry point: ``argv`` = [zygote socket fd, worker memory limit in MiB (0 = none)]."""
    zygote(socket.socket(fileno=int(argv[0])), int(argv[1]))


if __name__ == "__main__":
    main(sys.argv[1:])
