r"""Agreement of :func:`bigmath.verify.check` and math-verify with the verifier's decisions.

Three figures, each printed with its rows:

1. the rows of issue 18 (answers a solver writes every day): bigmath's outcome and reason, and
   math-verify's verdict;
2. the decision families of ``tests/test_verify_families.py`` (each row: gold, prediction, the
   decided outcome, its source): how many rows each grader grades as decided. math-verify is
   counted right when it says "equal" exactly on the rows decided ``correct``;
3. real model output: the 100 Omni-MATH problems of ``labelled/omni_math_gpteval100.jsonl`` with
   the generation the Omni-MATH authors graded (``model_generation``), graded by both; every
   pair where the two disagree is printed for reading;
4. the rule "a decimal that rounds a fraction" on real golds: for every distinct fraction among
   the MATH, HARP and Omni-MATH gold answers, how often its own value rounded to 2, 3, 4 places
   is accepted, and how often another gold fraction's rounded value is (a false acceptance).

math-verify is called the usual way: ``verify(parse("$" + gold + "$"), parse(prediction))``
(a gold already holding math delimiters, a box or several lines is parsed as it is).

Run: ``.venv/bin/python benchmarks/verify_agreement.py``
"""

from __future__ import annotations

import argparse
import collections
import importlib.util
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"


def decisions() -> object:
    """The module ``tests/test_verify_families.py`` (ISSUE_ROWS, FAMILIES, SOURCES)."""
    spec = importlib.util.spec_from_file_location("verify_families", ROOT / "tests" / "test_verify_families.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def math_verify_says(gold: str, prediction: str) -> bool:
    """math-verify's verdict, as a user calls it (errors count as "not equal")."""
    from math_verify import parse, verify

    wrapped = any(mark in gold for mark in ("$", "\\(", "\\[", "\\boxed", "\n"))
    try:
        return bool(verify(parse(gold if wrapped else f"${gold}$"), parse(prediction)))
    except Exception:  # noqa: BLE001 - math-verify raising is its "no"
        return False


def issue_rows(module) -> None:
    from bigmath.verify import check

    print("issue 18 rows (gold | prediction | bigmath | math-verify)")
    for number, (gold, prediction) in enumerate(module.ISSUE_ROWS, 1):
        verdict = check(gold, prediction)
        mv = "correct" if math_verify_says(gold, prediction) else "wrong"
        print(f"  {number}. {gold!r:.60} | {prediction!r:.60} | {verdict.outcome} ({verdict.reason or 'plain'}) | {mv}")


def families(module) -> None:
    from bigmath.verify import Outcome, check

    print("decision families: rows graded as decided (bigmath / math-verify)")
    totals = collections.Counter()
    for family, rows in module.FAMILIES.items():
        ours = theirs = 0
        for gold, prediction, expected, _ in rows:
            ours += check(gold, prediction).outcome is expected
            theirs += math_verify_says(gold, prediction) == (expected is Outcome.CORRECT)
        totals.update(rows=len(rows), ours=ours, theirs=theirs)
        print(f"  {family:26} {len(rows):3} rows   bigmath {ours:3}   math-verify {theirs:3}")
    print(f"  {'all':26} {totals['rows']:3} rows   bigmath {totals['ours']:3}   math-verify {totals['theirs']:3}")


def omni_generations(shared: Path) -> None:
    from bigmath.verify import check

    with (shared / "labelled" / "omni_math_gpteval100.jsonl").open(encoding="utf-8") as handle:
        rows = [json.loads(line) for line in handle if line.strip()]
    outcomes = collections.Counter()
    disagreements = []
    for index, row in enumerate(rows):
        verdict = check(row["answer"], row["model_generation"])
        mv = math_verify_says(row["answer"], row["model_generation"])
        outcomes[verdict.outcome.value] += 1
        if verdict.correct != mv:
            disagreements.append((index, row["answer"], verdict, mv))
    print(f"Omni-MATH generations ({len(rows)}): bigmath {dict(outcomes)}; "
          f"math-verify correct on {sum(math_verify_says(r['answer'], r['model_generation']) for r in rows)}")
    print(f"  bigmath and math-verify disagree on {len(disagreements)}:")
    for index, gold, verdict, mv in disagreements:
        print(f"    line {index + 1}: gold {gold!r:.40} bigmath {verdict.outcome} (read {verdict.prediction!r:.40}), "
              f"math-verify {'correct' if mv else 'wrong'}")


def decimal_rule(shared: Path) -> None:
    from fractions import Fraction

    from sympy import Float, Rational

    from bigmath.verify.extract import gold_text
    from bigmath.verify.numbers import rounds_to
    from bigmath.verify.parsing import parse_gold

    spec = importlib.util.spec_from_file_location("verify_gold_parse", ROOT / "benchmarks" / "verify_gold_parse.py")
    reader = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(reader)
    golds = reader.gold_answers(shared)
    fractions = sorted({expr for name in ("math", "harp", "omni_math") for gold in golds[name] if gold is not None
                        for expr in [parse_gold(gold_text(gold)).expr]
                        if isinstance(expr, Rational) and not expr.is_integer and abs(expr) < 1000})
    print(f"decimals for the {len(fractions)} distinct fraction golds of MATH, HARP and Omni-MATH:")
    for places in (2, 3, 4):
        written = {f: Float(round(float(f), places)) for f in fractions}
        exact = {f: Fraction(repr(float(d))) for f, d in written.items()}
        own = sum(rounds_to(written[f], f) or exact[f] == Fraction(int(f.p), int(f.q)) for f in fractions)
        others = [(g, d) for g in fractions for f, d in written.items()
                  if f != g and exact[f] != Fraction(int(g.p), int(g.q))]
        false = sum(rounds_to(d, g) for g, d in others)
        print(f"  {places} places: own value accepted for {own} of {len(fractions)}; another gold's value accepted "
              f"for {false} of {len(others)} pairs ({false / len(others):.1e})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=SHARED, help="the shared sample data folder")
    args = parser.parse_args()
    module = decisions()
    issue_rows(module)
    families(module)
    omni_generations(args.shared)
    decimal_rule(args.shared)


if __name__ == "__main__":
    main()
