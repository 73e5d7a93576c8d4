r"""Echoes of the problem: how often a response that restates the problem is graded correct.

A new-user trial of the verifier found that the first 2,000 MATH test problems, each given back
as its own response (gold: the solution), were graded correct 160 times (math-verify alone: 148),
mostly through the "no answer marker; graded the last expression in the text" fallback
(``Compute $17 \cdot 23$.`` equals 391). This script prints:

1. *echo*: those 2,000 pairs graded by math-verify (``verify(parse(solution), parse(problem))``),
   by :func:`bigmath.verify.check_many` without the problem, and with it (``problems=``), with
   the reasons of what is still correct;
2. *cost*: correct answers that the echo rule could hurt. For every gold answer of the MATH,
   HARP and Omni-MATH samples: how many are written in their own problem (not as a bare
   number), and how many predictions that write the gold another way (sympy's LaTeX of it, as
   in ``benchmarks/verify_throughput.py``), graded correct without the problem, are wrong with it;
3. *real output*: the 100 Omni-MATH generations of ``labelled/omni_math_gpteval100.jsonl``
   graded without and with their problem (they should agree);
4. *speed*: the same rollout-like pairs (no echoes: the cost of the rule on ordinary rollouts)
   graded with and without problems, back to back, on a fresh pool each time.

Run: ``.venv/bin/python benchmarks/verify_echo.py [--rows 2000] [--workers 2]``
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import time
from pathlib import Path

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"


def _jsonl(name: str) -> list[dict]:
    with (SHARED / name).open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def problems_with_golds() -> dict[str, list[tuple[str, str]]]:
    """Source -> (problem, gold answer) of the MATH, HARP and Omni-MATH samples, in file order."""
    from bigmath.boxed import last_boxed

    return {
        "math": [(r["problem"], last_boxed(r["solution"]) or "") for r in _jsonl("math/sample.jsonl")],
        "harp": [(r["problem"], r["answer"]) for r in _jsonl("harp/sample.jsonl")],
        "omni_math": [(r["problem"], r["answer"]) for r in _jsonl("omni_math/sample.jsonl")],
    }


def echo(rows: int, workers: int) -> None:
    from math_verify import parse, verify

    from bigmath.verify import check_many

    math = _jsonl("math/sample.jsonl")[:rows]
    golds, problems = [r["solution"] for r in math], [r["problem"] for r in math]
    mv = sum(bool(verify(parse(g), parse(p))) for g, p in zip(golds, problems))
    without = check_many(golds, problems, workers=workers, timeout_s=10.0)
    given = check_many(golds, problems, problems=problems, workers=workers, timeout_s=10.0)
    print(f"echo: the first {len(math)} MATH problems as their own responses (gold: the solution)")
    print(f"  math-verify:                     {mv:5} correct")
    print(f"  bigmath, no problem given:       {sum(v.correct for v in without):5} correct")
    print(f"  bigmath, problem given:          {sum(v.correct for v in given):5} correct")
    reasons = collections.Counter(v.reason.split(":")[0] for v in given if v.correct)
    for reason, count in reasons.most_common():
        print(f"    still correct ({reason or 'plain'}): {count}")
    for line, (v, problem) in enumerate(zip(given, problems), start=1):
        if v.correct:
            print(f"    line {line}: prediction {v.prediction!r:.30} gold {v.gold!r:.20} problem ...{problem[-70:]!r}")


def cost(workers: int) -> None:
    from verify_throughput import _equivalent  # sympy's LaTeX of a gold: another spelling

    from bigmath.verify import check_many
    from bigmath.verify.echo import restated
    from bigmath.verify.grading import ECHO_REASON

    print("cost: correct answers written in the problem")
    for source, pairs in problems_with_golds().items():
        pairs = [(p, g) for p, g in pairs if g and g.strip()]
        written = [g for p, g in pairs if restated(g, "", p)]  # an echo but for the gold's own exemption
        spelled = [(p, g, _equivalent(g)) for p, g in pairs]
        verdicts = check_many([g for _, g, _ in spelled], [r"\boxed{%s}" % e for _, _, e in spelled],
                              problems=[p for p, _, _ in spelled], workers=workers, timeout_s=10.0)
        hurt = [(g, e) for (_, g, e), v in zip(spelled, verdicts) if v.reason.startswith(ECHO_REASON)]
        correct = sum(v.correct for v in verdicts) + len(hurt)
        print(f"  {source:10} {len(pairs):5} golds; {len(written):3} written in their problem (not as a bare number "
              f"or words): {written[:4]}")
        print(f"  {'':10} another spelling: {correct} correct without the problem, {len(hurt)} wrong with it")
        for gold, spelling in hurt:
            print(f"    hurt: gold {gold!r:.40} prediction {spelling!r:.40}")


def real_output(workers: int) -> None:
    from bigmath.verify import check_many

    rows = _jsonl("labelled/omni_math_gpteval100.jsonl")
    golds, responses = [r["answer"] for r in rows], [r["model_generation"] for r in rows]
    without = check_many(golds, responses, workers=workers, timeout_s=10.0)
    given = check_many(golds, responses, problems=[r["problem"] for r in rows], workers=workers, timeout_s=10.0)
    changed = [i + 1 for i, (a, b) in enumerate(zip(without, given)) if a.outcome != b.outcome]
    print(f"real output: {len(rows)} Omni-MATH generations: {sum(v.correct for v in without)} correct without the "
          f"problem, {sum(v.correct for v in given)} with it; outcome changed on lines {changed or 'none'}")


def speed(rows: int, workers: int) -> None:
    from bigmath.verify.pool import VerifierPool

    math = _jsonl("math/sample.jsonl")[:rows]
    golds = [r["solution"] for r in math]
    triples = []
    for index, row in enumerate(math):
        other = golds[(index + 1) % len(golds)]
        for response in (golds[index], f"Working.\n{golds[index]}", other, "I am not sure."):  # no echo
            triples.append((golds[index], response, row["problem"]))
    for label, payload in (("without problems", [t[:2] for t in triples]), ("with problems", triples)) * 2:
        with VerifierPool(workers) as pool:
            pool.run([("1", "1")])
            start = time.perf_counter()
            pool.run(payload, timeout_s=10.0)
            seconds = time.perf_counter() - start
        print(f"speed: {len(payload)} pairs {label:17} {len(payload) / seconds:7.1f} pairs/s "
              f"(load average {os.getloadavg()[0]:.1f})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=2000, help="MATH problems echoed back (the trial used 2,000)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--skip", nargs="*", default=[], choices=["echo", "cost", "real", "speed"])
    args = parser.parse_args()
    if "echo" not in args.skip:
        echo(args.rows, args.workers)
    if "cost" not in args.skip:
        cost(args.workers)
    if "real" not in args.skip:
        real_output(args.workers)
    if "speed" not in args.skip:
        speed(min(args.rows, 500), args.workers)


if __name__ == "__main__":
    main()
