"""Persistent worker processes that grade pairs with a hard per-item timeout: :func:`check_many`.

Why processes: math-verify bounds its time with ``signal.alarm``, which only works in the main
thread and cannot interrupt a single C call (sympy with gmpy2 computing ``9^{9^9}``;
Math-Verify issues #50, #55, #63, #65). Each worker grades in its own main thread with a
``SIGALRM`` soft limit at 80 % of the bound; the parent kills a worker that is still busy at
100 % and forks another from a preloaded zygote (:mod:`bigmath.verify.worker`, started with
:mod:`subprocess`, so the caller's ``__main__`` is never re-imported), so one stuck pair costs
``timeout_s`` and the batch goes on. A worker that dies before it is ready raises
:class:`VerifierError`.

Why it is fast: pairs with the same gold, problem and extracted final answer are graded once
(the 64 rollouts of a problem often agree), pairs are sorted by gold and sent in chunks so a
worker parses each gold once (:func:`bigmath.verify.parsing.parse_gold` is cached), and the
workers stay up between calls (:func:`shared_pool`).
"""

from __future__ import annotations

import atexit
import collections
import os
import threading
import time
from collections.abc import Callable, Sequence
from multiprocessing.connection import wait
from typing import Any

from bigmath.verify.echo import problem_text
from bigmath.verify.extract import answer_parts, gold_text, prediction_text
from bigmath.verify.processes import STARTUP_TIMEOUT_S, VerifierError, Worker, Zygote
from bigmath.verify.types import DEFAULT_TIMEOUT_S, AnswerType, Outcome, TypedAnswer, Verdict

#: Fraction of ``timeout_s`` at which a worker interrupts itself (``SIGALRM``).
SOFT_FRACTION = 0.8


class VerifierPool:
    """Worker processes grading with a hard per-item timeout (thread-safe, reused across calls).

    Args:
        workers: number of worker processes (>= 1).
        memory_mb: address-space limit per worker in MiB (None: no limit); a pair that needs
            more ends as ``timeout`` with a reason saying so.
        soft_fraction: fraction of ``timeout_s`` at which a worker interrupts its own item with
            ``SIGALRM`` (cheap, the worker survives); None relies on the hard kill alone, which
            is what happens anyway when sympy is stuck in C code (e.g. with gmpy2 installed).
    """

    def __init__(self, workers: int = 2, *, memory_mb: int | None = 4096,
                 soft_fraction: float | None = SOFT_FRACTION) -> None:
        if workers < 1:
            raise ValueError(f"workers must be >= 1, got {workers}")
        self.workers = workers
        self.memory_mb = memory_mb
        self.soft_fraction = soft_fraction
        self._lock = threading.Lock()
        self._pool: list[Worker] = []
        self._zygote: Zygote | None = None
        self._pid = os.getpid()
        self.replaced = 0  # workers killed and replaced so far (for tests and logs)

    def _ensure(self) -> None:
        if self._pid != os.getpid():  # inherited through fork: those processes are not ours
            self._pool, self._zygote, self._pid = [], None, os.getpid()
        if self._zygote is None or self._zygote.process.poll() is not None:
            self._zygote = Zygote(self.memory_mb)
        while len(self._pool) < self.workers:
            self._pool.append(Worker(self._zygote))

    def close(self) -> None:
        """Stop every worker (idempotent)."""
        with self._lock:
            if self._pid == os.getpid():
                for worker in self._pool:
                    worker.stop()
                if self._zygote is not None:
                    self._zygote.close()
            self._pool, self._zygote = [], None

    def __enter__(self) -> "VerifierPool":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def run(self, pairs: Sequence[tuple], *, timeout_s: float = DEFAULT_TIMEOUT_S,
            chunk_size: int | None = None, progress: Callable[[int], None] | None = None) -> list[Verdict]:
        """Grade ``(gold, prediction)`` or ``(gold, prediction, problem)`` tuples; returns one
        :class:`Verdict` per tuple, in order.

        Raises:
            TypeError: a gold, prediction or problem of the wrong type (the message names the pair).
        """
        keys, payloads_in = [], []
        for index, pair in enumerate(pairs):
            gold, prediction, problem = (*pair, None)[:3]
            try:
                prediction, problem = prediction_text(prediction), problem_text(problem)
                keys.append((gold_text(gold), problem, _prediction_key(prediction)))
            except TypeError as err:
                raise TypeError(f"pair {index}: {err}") from None
            payloads_in.append((gold, prediction, problem))
        unique: dict[tuple, int] = {}
        payloads: list[tuple[Any, str | None, str | None]] = []
        weights: list[int] = []  # how many input pairs each unique task stands for
        for key, pair in zip(keys, payloads_in):
            index = unique.get(key)
            if index is None:
                unique[key] = len(payloads)
                payloads.append(pair)
                weights.append(1)
            else:
                weights[index] += 1
        gold_rank: dict[str, int] = {}
        for gold, _, _ in unique:
            gold_rank.setdefault(gold, len(gold_rank))
        unique_keys = list(unique)
        # same gold -> same chunk, so a worker parses each gold once (stable sort keeps order)
        order = sorted(range(len(payloads)), key=lambda i: gold_rank[unique_keys[i][0]])
        results = self._execute("check", payloads, order, timeout_s, chunk_size, progress, weights)
        return [results[unique[key]] for key in keys]

    def answer_types(self, answers: Sequence[str | None], *, timeout_s: float = DEFAULT_TIMEOUT_S) -> list[TypedAnswer]:
        """Type ``answers`` (see :func:`bigmath.verify.answer_type`) in the workers; each
        distinct answer is typed once."""
        distinct = list(dict.fromkeys(answers))
        typed = self._execute("answer_type", distinct, list(range(len(distinct))), timeout_s, None, None)
        by_answer = dict(zip(distinct, typed))
        return [by_answer[answer] for answer in answers]

    def _execute(self, op: str, payloads: list, order: list[int], timeout_s: float, chunk_size: int | None,
                 progress: Callable[[int], None] | None, weights: list[int] | None = None) -> list:
        if not payloads:
            return []
        size = chunk_size or max(1, min(16, len(order) // (self.workers * 8)))
        pending = collections.deque(order[i : i + size] for i in range(0, len(order), size))
        soft = timeout_s * self.soft_fraction if self.soft_fraction else None
        results: list[Any] = [None] * len(payloads)
        remaining = len(payloads)

        def settle(task_id: int, result: Any) -> None:
            nonlocal remaining
            results[task_id] = result
            remaining -= 1
            if progress:
                progress(weights[task_id] if weights else 1)

        with self._lock:
            self._ensure()
            try:
                self._loop(op, payloads, pending, soft, timeout_s, settle, lambda: remaining)
            except BaseException:  # bug, Ctrl-C: workers may hold stale items; start afresh next time
                for worker in self._pool:
                    worker.stop(kill=True)
                self._pool = []
                raise
        return results

    def _loop(self, op: str, payloads: list, pending: collections.deque, soft: float | None, timeout_s: float,
              settle: Callable[[int, Any], None], remaining: Callable[[], int]) -> None:
        """Dispatch chunks, collect results, kill and replace overrunning workers."""
        while remaining():
            now = time.monotonic()
            for worker in self._pool:  # hand out chunks to ready, idle workers
                if worker.ready and not worker.queue and pending:
                    chunk = pending.popleft()
                    try:
                        worker.inbox.send((op, [(i, payloads[i]) for i in chunk], soft))
                    except OSError:  # it died while idle: put the chunk back, the wait sees EOF
                        pending.appendleft(chunk)
                        worker.ready = False
                        continue
                    worker.queue.extend(chunk)
                    worker.deadline = now + timeout_s
            deadlines = [w.deadline for w in self._pool if w.queue]
            deadlines += [w.started + STARTUP_TIMEOUT_S for w in self._pool if not w.ready]
            if not deadlines:
                raise RuntimeError("verifier pool: items pending but no worker busy or starting")
            ready = wait([w.outbox for w in self._pool if w.queue or not w.ready],
                         timeout=max(0.0, min(deadlines) - now))
            for slot, worker in enumerate(self._pool):
                failure = self._drain(worker, ready, payloads, timeout_s, settle)
                if failure is None and worker.queue and time.monotonic() > worker.deadline:
                    failure = "hard timeout"
                if failure is None:
                    continue
                if not worker.queue:  # died or hung before it was ready
                    worker.stop(kill=True)
                    raise VerifierError(f"verifier worker failed to start: {failure}")
                settle(worker.queue.popleft(), _timed_out(op, timeout_s, failure))
                if worker.queue:
                    pending.appendleft(list(worker.queue))
                worker.stop(kill=failure == "hard timeout")  # a dead worker's pid may be reused
                self._pool[slot] = Worker(self._zygote)
                self.replaced += 1

    @staticmethod
    def _drain(worker: Worker, ready: list, payloads: list, timeout_s: float,
               settle: Callable[[int, Any], None]) -> str | None:
        """Read every message a worker has sent; return why it failed, or None."""
        if worker.outbox not in ready:
            if not worker.ready and time.monotonic() > worker.started + STARTUP_TIMEOUT_S:
                return f"no ready message after {STARTUP_TIMEOUT_S:g} s"
            return None
        try:
            while worker.outbox.poll():
                task_id, result = worker.outbox.recv()
                if task_id == "ready":
                    worker.ready = True
                    continue
                if isinstance(result, Exception):
                    raise VerifierError(f"grading item {task_id} ({payloads[task_id]!r:.200}) failed: {result}")
                worker.queue.popleft()
                settle(task_id, result)
                worker.deadline = time.monotonic() + timeout_s
        except (EOFError, OSError):
            return f"worker process {worker.pid} died"
        return None


def _timed_out(op: str, timeout_s: float, why: str) -> Any:
    if op == "answer_type":
        return TypedAnswer(AnswerType.UNKNOWN, False)
    return Verdict(Outcome.TIMEOUT, None, None, f"{why} after {timeout_s:g} s; worker replaced")


def _prediction_key(prediction: str | None) -> tuple[str, Any]:
    """Two predictions with the same key (and the same gold and problem) get the same verdict:
    the same explicit final answer, part by part for an answer in several boxes."""
    parts = answer_parts(prediction) if prediction else None
    return ("marker", tuple(parts)) if parts is not None else ("text", prediction)


_SHARED: dict[int, VerifierPool] = {}
_SHARED_LOCK = threading.Lock()


def shared_pool(workers: int = 2) -> VerifierPool:
    """Return the process-wide pool with ``workers`` workers (created on first use, closed at exit)."""
    with _SHARED_LOCK:
        pool = _SHARED.get(workers)
        if pool is None:
            pool = _SHARED[workers] = VerifierPool(workers)
        return pool


def check_many(golds: Sequence[Any], predictions: Sequence[Any], *, problems: Sequence[str | None] | None = None,
               workers: int = 2, timeout_s: float = DEFAULT_TIMEOUT_S, chunk_size: int | None = None,
               progress: bool = False) -> list[Verdict]:
    """Grade many (gold, prediction) pairs in worker processes; gold first, always.

    Each pair gets the same verdict :func:`bigmath.verify.check` would give, with a hard bound:
    a worker still busy with one pair after ``timeout_s`` seconds is killed and replaced, the
    pair is ``timeout`` and the batch goes on. Safe to call from any thread or event loop.

    Args:
        golds: gold answers (str, or int/float), one per pair.
        predictions: model responses or final answers (str, int/float read as text, or None),
            one per pair.
        problems: the problem text of each pair (None for a pair without one), when the caller
            has them: answers that restate the problem are then ``wrong``
            (:mod:`bigmath.verify.echo`). Pass them whenever you can.
        workers: worker processes of the shared pool to use (a persistent pool per size).
        timeout_s: hard per-pair bound in seconds.
        chunk_size: pairs sent to a worker at once (default: up to 16, by batch size).
        progress: show a rich progress bar (:func:`bigmath.progress.track`).

    Returns:
        One :class:`Verdict` per pair, in input order.

    Raises:
        ValueError: ``golds``, ``predictions`` and ``problems`` differ in length.
        TypeError: a string given for a sequence, or a value of the wrong type (the message
            names the pair).
        VerifierError: a worker raised an unexpected exception (a bug; the message names the pair).
    """
    if isinstance(problems, str) or isinstance(golds, str) or isinstance(predictions, str):
        raise TypeError("check_many: golds, predictions and problems are sequences of values, one per pair; "
                        "got a string (for one pair use check())")
    if len(golds) != len(predictions):
        raise ValueError(f"check_many: {len(golds)} golds but {len(predictions)} predictions")
    if problems is not None and len(problems) != len(golds):
        raise ValueError(f"check_many: {len(golds)} golds but {len(problems)} problems")
    pairs = list(zip(golds, predictions, problems if problems is not None else [None] * len(golds)))
    pool = shared_pool(workers)
    if not progress:
        return pool.run(pairs, timeout_s=timeout_s, chunk_size=chunk_size)
    from bigmath.progress import track

    with track("verifying", total=len(pairs)) as advance:
        return pool.run(pairs, timeout_s=timeout_s, chunk_size=chunk_size, progress=advance)


@atexit.register
def _close_shared() -> None:
    for pool in _SHARED.values():
        pool.close()
