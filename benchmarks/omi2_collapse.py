"""OpenMathInstruct-2 collapse at scale: rows/s and peak memory for N synthetic native rows.

Writes N rows in OpenMathInstruct-2 layout (``problem, generated_solution, expected_answer,
problem_source``; about ``N / solutions`` distinct problems, rows shuffled so a problem's
solutions are not contiguous, ~600-character solutions as upstream) to a temp jsonl, runs the
``openmathinstruct2`` adapter over it, and prints the row rate and the peak resident memory of
the collapse (measured in a child process, so the file generation does not count). CPU time is
printed next to wall time because wall time depends on what else the machine runs.

Usage::

    .venv/bin/python benchmarks/omi2_collapse.py [ROWS] [SOLUTIONS_PER_PROBLEM]
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
import tempfile
from pathlib import Path

_CHILD = """
import json, resource, sys, time
from bigmath.registry import get_source
start = time.perf_counter()
problems = rejected = solutions = 0
for item in get_source("openmathinstruct2")(path=sys.argv[1]).iter_results():
    if hasattr(item, "reason"):
        rejected += 1
    else:
        problems += 1
        solutions += json.loads(item.meta)["num_solutions"]
seconds = time.perf_counter() - start
usage = resource.getrusage(resource.RUSAGE_SELF)
print(json.dumps({"problems": problems, "rejected": rejected, "solutions": solutions, "seconds": seconds,
                  "cpu_seconds": usage.ru_utime + usage.ru_stime,
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def write_rows(path: Path, rows: int, per_problem: int) -> None:
    """Write ``rows`` synthetic rows, ``per_problem`` solutions per problem, in shuffled order."""
    rng = random.Random(0)
    n_problems = max(1, rows // per_problem)
    order = [i % n_problems for i in range(rows)]
    rng.shuffle(order)
    filler = "We compute step by step. " * 24
    sources = ("math", "gsm8k", "augmented_math", "augmented_gsm8k")
    with open(path, "w", encoding="utf-8") as f:
        for k in order:
            answer = str(k % 997 if rng.random() > 0.05 else k % 991)  # ~5% dissenting votes
            f.write(json.dumps({
                "problem": f"Problem {k}: find the value of $x$ such that $x + {k} = {2 * k}$.",
                "generated_solution": f"{filler}So $x = \\boxed{{{answer}}}$.",
                "expected_answer": answer, "problem_source": sources[k % 4],
            }) + "\n")


def main(rows: int, per_problem: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "omi2.jsonl"
        write_rows(path, rows, per_problem)
        size_mb = path.stat().st_size / 2**20
        out = subprocess.run([sys.executable, "-c", _CHILD, str(path)], capture_output=True, text=True, check=True)
    result = json.loads(out.stdout)
    baseline = subprocess.run([sys.executable, "-c", "import resource, bigmath.sources; "
                               "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)"],
                              capture_output=True, text=True, check=True)
    print(f"native rows            {rows:,} ({size_mb:.0f} MB jsonl)")
    print(f"distinct problems      {result['problems']:,} (solutions counted: {result['solutions']:,})")
    print(f"collapse time          {result['seconds']:.1f} s wall ({rows / result['seconds']:,.0f} rows/s), "
          f"{result['cpu_seconds']:.1f} s CPU ({rows / result['cpu_seconds']:,.0f} rows per CPU-second)")
    print(f"peak RSS               {result['peak_rss_mb']:.0f} MB "
          f"(python + bigmath.sources alone: {float(baseline.stdout):.0f} MB)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 200_000, int(sys.argv[2]) if len(sys.argv) > 2 else 20)
