"""Parent-side handles of the verifier's processes: the zygote and the workers it forks.

:class:`Zygote` starts ``python -m bigmath.verify.worker`` with :mod:`subprocess` and asks it,
over a Unix socket, to fork workers; each request carries the worker's two pipe ends as file
descriptors (``socket.send_fds``). :class:`Worker` holds one worker's pipes and the bookkeeping
:class:`~bigmath.verify.pool.VerifierPool` needs to enforce its deadlines.
"""

from __future__ import annotations

import collections
import os
import signal
import socket
import subprocess
import sys
import time
from multiprocessing.connection import Connection

#: Seconds a new zygote or worker may take to become ready (imports on a slow disk included).
STARTUP_TIMEOUT_S = 120.0


class VerifierError(RuntimeError):
    """A worker failed to start, or raised an unexpected exception on an item (a bug)."""


class WorkerError(RuntimeError):
    """An item raised an unexpected exception in a worker (sent back to the parent, which raises
    :class:`VerifierError`). Defined here, not in :mod:`bigmath.verify.worker`: that module runs
    as ``__main__`` in the zygote, and the parent could not unpickle a class defined there."""


class Zygote:
    """The ``python -m bigmath.verify.worker`` process that forks workers on request.

    Args:
        memory_mb: address-space limit each forked worker sets on itself (None: no limit).
    """

    def __init__(self, memory_mb: int | None) -> None:
        ours, theirs = socket.socketpair()
        # the zygote sees the parent's import path, as multiprocessing's spawn would give it
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in sys.path if p))
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bigmath.verify.worker", str(theirs.fileno()), str(memory_mb or 0)],
            pass_fds=(theirs.fileno(),), stdin=subprocess.DEVNULL, env=env,
        )
        theirs.close()
        self.sock = ours
        self.sock.settimeout(STARTUP_TIMEOUT_S)

    def fork(self) -> tuple[int, Connection, Connection]:
        """Return (pid, inbox, outbox) of a new worker."""
        to_child_r, to_child_w = os.pipe()
        from_child_r, from_child_w = os.pipe()
        try:
            socket.send_fds(self.sock, [b"fork"], [to_child_r, from_child_w])
            reply = b""
            while len(reply) < 8:
                chunk = self.sock.recv(8 - len(reply))
                if not chunk:
                    raise VerifierError(f"verifier zygote exited (code {self.process.poll()}); see stderr above")
                reply += chunk
        except BaseException as error:
            os.close(to_child_w)
            os.close(from_child_r)
            if isinstance(error, OSError):  # socket.timeout is an OSError
                raise VerifierError(f"could not start a verifier worker: {error}") from error
            raise
        finally:
            os.close(to_child_r)
            os.close(from_child_w)
        inbox = Connection(to_child_w, readable=False)
        return int.from_bytes(reply, "little"), inbox, Connection(from_child_r, writable=False)

    def close(self) -> None:
        """Close the socket (the zygote sees EOF and exits) and wait for it."""
        self.sock.close()
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


class Worker:
    """One forked worker, the two pipes to it, and what the pool has sent it.

    Attributes:
        pid: the worker's process id.
        inbox: where the pool sends ``(op, items, soft_timeout_s)`` messages (None = stop).
        outbox: where the worker sends ``("ready", pid)``, then ``(task_id, result)`` per item.
        ready: True once the worker said so.
        queue: task ids sent and not answered yet, in order.
        deadline: ``time.monotonic()`` by which the head of ``queue`` must be answered.
    """

    def __init__(self, zygote: Zygote) -> None:
        self.pid, self.inbox, self.outbox = zygote.fork()
        self.started = time.monotonic()
        self.ready = False
        self.queue: collections.deque[int] = collections.deque()  # task ids sent, in order
        self.deadline = 0.0

    def stop(self, kill: bool = False) -> None:
        """Ask the worker to exit (or ``SIGKILL`` it), then close the pipes."""
        if not kill:
            try:
                self.inbox.send(None)
            except OSError:  # already gone
                pass
        else:
            try:
                os.kill(self.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.inbox.close()
        self.outbox.close()
