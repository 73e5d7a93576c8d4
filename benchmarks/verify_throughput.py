r"""Throughput of :func:`bigmath.verify.check_many` (2 workers) vs math-verify called directly.

Builds 5,000 (gold, response) pairs from real gold answers (MATH test split and HARP, the shared
samples) with rollout-like responses: the correct answer boxed or stated ("The final answer is
..."), an equivalent form (sympy's own LaTeX of the parsed gold, a decimal for a fraction),
wrong answers (off by one, another problem's answer), and responses without an answer. Each
problem gets 20 responses, each with its own reasoning text, as a GRPO group would.

Prints pairs/s for ``check_many(workers=2)`` (a fresh pool) and for the direct loop
``verify(parse("$" + gold + "$"), parse(response))`` in one fresh process, the speed-up, and how
often the two agree on correct / not correct. Wall-clock figures need two free cores, so the
script first prints the machine's "parallel capacity" (busy processes it runs side by side);
the "dedicated cores" figures divide by CPU seconds (the busiest worker's, the loop's) and hold
on a shared machine. A last line grades only the distinct (gold, final answer) pairs, to
separate the parallel speed-up from the de-duplication.

Run: ``.venv/bin/python benchmarks/verify_throughput.py [--pairs 5000] [--workers 2]``
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bigmath.verify.types import DEFAULT_TIMEOUT_S

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
FILLER = ["Let x be the unknown.", "We expand and simplify.", "By symmetry the two cases agree.",
          "Substituting back gives a consistent value.", "Checking small cases confirms it."]


def _golds(limit: int) -> list[str]:
    from bigmath.boxed import last_boxed

    golds = []
    with (SHARED / "math" / "sample.jsonl").open(encoding="utf-8") as handle:
        golds += [last_boxed(json.loads(line)["solution"]) for line in handle]
    with (SHARED / "harp" / "sample.jsonl").open(encoding="utf-8") as handle:
        golds += [json.loads(line)["answer"].strip("$ ") for line in handle]
    golds = [g for g in golds if g]
    random.Random(7).shuffle(golds)
    return golds[:limit]


def _equivalent(gold: str) -> str:
    """Another way of writing the gold: sympy's LaTeX of it, or a decimal for a fraction."""
    from math_verify import LatexExtractionConfig, parse
    from sympy import Float, Rational, latex

    parsed = parse("\\boxed{" + gold + "}", [LatexExtractionConfig(boxed_match_priority=0)])
    expr = parsed[0] if parsed and not isinstance(parsed[0], str) else None
    if isinstance(expr, Rational) and not expr.is_integer:
        return str(Float(expr, 10))
    try:
        return latex(expr) if expr is not None else gold
    except Exception:  # noqa: BLE001 - exotic objects keep the gold's spelling
        return gold


def build_pairs(n_pairs: int, group: int = 20, seed: int = 0) -> list[tuple[str, str]]:
    """``n_pairs`` (gold, response) pairs, ``group`` responses per gold, deterministic."""
    rng = random.Random(seed)
    golds = _golds(n_pairs // group + 1)
    pairs = []
    for index, gold in enumerate(golds):
        other = golds[(index + 1) % len(golds)]
        equivalent = _equivalent(gold)
        answers = [
            r"\boxed{%s}" % gold, "The final answer is $%s$." % gold, r"so the result is $\boxed{%s}$" % gold,
            r"\boxed{%s}" % equivalent, r"Hence \boxed{%s}." % equivalent,
            r"\boxed{%s}" % other, r"\boxed{%s + 1}" % gold, r"\boxed{0}", "I am not sure how to finish.",
        ]
        for k in range(group):
            reasoning = " ".join(rng.choice(FILLER) for _ in range(rng.randint(2, 6)))
            pairs.append((gold, f"Step {k}. {reasoning}\n{rng.choice(answers)}"))
    return pairs[:n_pairs]


def _direct_loop(path: str) -> None:
    """Child process: grade the pairs in ``path`` with math-verify directly; print JSON."""
    from math_verify import parse, verify

    pairs = json.loads(Path(path).read_text(encoding="utf-8"))
    parse("$1$")  # imports and parser set-up outside the timing, as for the pool
    wall, cpu = time.perf_counter(), time.process_time()
    results = [bool(verify(parse("$" + gold + "$"), parse(response))) for gold, response in pairs]
    print(json.dumps({"results": results, "wall": time.perf_counter() - wall, "cpu": time.process_time() - cpu}))


def direct_math_verify(pairs: list[tuple[str, str]]) -> tuple[list[bool], float, float]:
    """The usual loop in one fresh process (cold caches, like the pool's workers), with
    math-verify's own signal timeouts. Returns results, wall seconds, CPU seconds."""
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False, encoding="utf-8") as handle:
        json.dump(pairs, handle)
    try:
        out = subprocess.run([sys.executable, __file__, "--direct", handle.name], capture_output=True, text=True, check=True)
    finally:
        os.unlink(handle.name)
    report = json.loads(out.stdout.strip().splitlines()[-1])
    return report["results"], report["wall"], report["cpu"]


def parallel_capacity(workers: int) -> float:
    """How many CPU-bound processes this machine runs at once right now: the time of one busy
    loop divided by the time of ``workers`` loops side by side, times ``workers`` (2.0 on an
    idle 2-core machine, ~1.0 when other jobs or a CPU quota leave room for one)."""
    loop = [sys.executable, "-c", "x = 0\nfor i in range(8_000_000): x += i"]
    start = time.perf_counter()
    subprocess.run(loop, check=True)
    alone = time.perf_counter() - start
    start = time.perf_counter()
    procs = [subprocess.Popen(loop) for _ in range(workers)]
    for proc in procs:
        proc.wait()
    together = time.perf_counter() - start
    return workers * alone / together


def _worker_cpu(pool) -> list[float]:
    """CPU seconds (user + system) each worker of ``pool`` has used, from /proc."""
    ticks = os.sysconf("SC_CLK_TCK")
    seconds = []
    for worker in pool._pool:  # noqa: SLF001 - a benchmark may look inside
        fields = Path(f"/proc/{worker.pid}/stat").read_text().rsplit(")", 1)[1].split()
        seconds.append((int(fields[11]) + int(fields[12])) / ticks)
    return seconds


def run_pool(pairs: list[tuple[str, str]], workers: int, timeout_s: float) -> tuple[list, float, float]:
    """Grade ``pairs`` on a fresh pool (cold caches). Returns verdicts, wall seconds, and the
    wall time on ``workers`` dedicated cores estimated from CPU seconds: the busiest worker's,
    or all workers' plus the parent's spread over the cores, whichever is larger."""
    from bigmath.verify.pool import VerifierPool

    with VerifierPool(workers) as pool:
        pool.run([("1", "1")])  # start the workers outside the timing
        before, parent = _worker_cpu(pool), time.process_time()
        wall = time.perf_counter()
        verdicts = pool.run(pairs, timeout_s=timeout_s)
        wall = time.perf_counter() - wall
        used = [after - start for after, start in zip(_worker_cpu(pool), before)]
        shared = (sum(used) + time.process_time() - parent) / workers
        return verdicts, wall, max(max(used), shared)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=5000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT_S)
    parser.add_argument("--direct", help=argparse.SUPPRESS)  # internal: the direct loop's child process
    args = parser.parse_args()
    if args.direct:
        _direct_loop(args.direct)
        return

    from bigmath.verify.pool import _prediction_key

    pairs = build_pairs(args.pairs)
    keys = [(g, _prediction_key(r)) for g, r in pairs]
    verdicts, ours, ours_cpu = run_pool(pairs, args.workers, args.timeout)
    direct, theirs, theirs_cpu = direct_math_verify(pairs)
    agree = sum(v.correct == d for v, d in zip(verdicts, direct)) / len(pairs)
    print(f"pairs: {len(pairs)} ({len(set(g for g, _ in pairs))} golds, {len(set(keys))} distinct (gold, final answer))")
    print(f"load average: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs; parallel capacity now: "
          f"{parallel_capacity(args.workers):.2f} of {args.workers} (wall speed-ups cannot exceed it)")
    print(f"check_many, {args.workers} workers: {len(pairs) / ours:8.1f} pairs/s wall, "
          f"{len(pairs) / ours_cpu:8.1f} pairs/s on dedicated cores ({ours_cpu:.1f} s)")
    print(f"math-verify direct, 1 process: {len(pairs) / theirs:8.1f} pairs/s wall, "
          f"{len(pairs) / theirs_cpu:8.1f} pairs/s on a dedicated core ({theirs_cpu:.1f} CPU s)")
    print(f"speed-up: {theirs / ours:.2f}x wall, {theirs_cpu / ours_cpu:.2f}x on dedicated cores; "
          f"agreement on correct/not correct: {agree:.2%}")
    print(f"accuracy: bigmath {sum(v.correct for v in verdicts) / len(pairs):.2%}, "
          f"math-verify {sum(direct) / len(pairs):.2%}")
    disagreements = [(g, r.splitlines()[-1], v.outcome.value, d) for (g, r), v, d in zip(pairs, verdicts, direct)
                     if v.correct != d]
    for gold, answer, ours_outcome, theirs_correct in list(dict.fromkeys(disagreements))[:15]:
        print(f"  differ: gold {gold!r:40.40} answer {answer!r:45.45} bigmath {ours_outcome}, math-verify {theirs_correct}")

    first: dict = {}
    for key, pair in zip(keys, pairs):
        first.setdefault(key, pair)
    distinct = list(first.values())
    _, ours_u, ours_u_cpu = run_pool(distinct, args.workers, args.timeout)
    _, theirs_u, theirs_u_cpu = direct_math_verify(distinct)
    print(f"distinct pairs only ({len(distinct)}): speed-up {theirs_u / ours_u:.2f}x wall, "
          f"{theirs_u_cpu / ours_u_cpu:.2f}x on dedicated cores")


if __name__ == "__main__":
    main()
