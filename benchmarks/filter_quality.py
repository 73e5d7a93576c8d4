"""Precision / recall / F1 of our rule filters vs Big-Math's rules on the labelled set.

Usage::

    .venv/bin/python benchmarks/filter_quality.py [--labels tests/data/filter_labels.jsonl]
        [--shared-data ../shared/data] [--errors] [--markdown] [--subset all|real|written]

Prints one row per signal: ours (P, R, F1, TP/FP/FN) side by side with the re-implementation of
Big-Math's published rule for the same signal (``benchmarks/bigmath_rules.py``); ``--errors``
also lists every row either side gets wrong. Labels: ``tests/data/filter_labels.jsonl``
(hand-labelled, see ``docs/filters.md``).
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
from pathlib import Path

from rich.console import Console
from rich.table import Table

import bigmath.filters  # noqa: F401  (registers the filters)
from bigmath.filters._evaluation import FLAGS, load_labelled, scores, to_table
from bigmath.registry import get_filter

ROOT = Path(__file__).resolve().parents[1]


def load_bigmath_rules():
    """Import ``benchmarks/bigmath_rules.py`` (benchmarks/ is not a package)."""
    spec = importlib.util.spec_from_file_location("bigmath_rules", ROOT / "benchmarks" / "bigmath_rules.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["bigmath_rules"] = module
    spec.loader.exec_module(module)
    return module


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--labels", type=Path, default=ROOT / "tests" / "data" / "filter_labels.jsonl")
    parser.add_argument("--shared-data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--errors", action="store_true", help="list misclassified rows")
    parser.add_argument("--markdown", action="store_true", help="print the table as markdown (for docs)")
    parser.add_argument("--subset", choices=("all", "real", "written"), default="all",
                        help="score all rows, only real rows from shared/data, or only written ones")
    args = parser.parse_args()

    rows = load_labelled(args.labels, args.shared_data)
    if args.subset != "all":
        rows = [r for r in rows if r["origin"].startswith("written:") == (args.subset == "written")]
    table = to_table(rows)
    rules = load_bigmath_rules()
    console = Console(width=200)
    out = Table(title=f"rule filters on {len(rows)} labelled problems "
                      f"({sum(not r['origin'].startswith('written') for r in rows)} real, "
                      f"{sum(r['origin'].startswith('written') for r in rows)} written)")
    for column in ("signal", "positives", "ours P", "ours R", "ours F1", "ours TP/FP/FN",
                   "Big-Math P", "Big-Math R", "Big-Math F1", "Big-Math TP/FP/FN"):
        out.add_column(column, justify="right" if column != "signal" else "left")
    errors = []
    for family in FLAGS:
        flt = get_filter(family)()
        flt.setup()
        ours = [reason is not None for reason in flt.verdicts(table).reasons]
        labels = [family in r["flags"] for r in rows]
        mine = scores(ours, labels)
        cells = [family, str(sum(labels)), f"{mine['precision']:.3f}", f"{mine['recall']:.3f}", f"{mine['f1']:.3f}",
                 f"{mine['tp']}/{mine['fp']}/{mine['fn']}"]
        if family in rules.SIGNALS:
            theirs = [rules.predict(family, {"problem": r["problem"], "answer": r["answer"],
                                             "solution": r["solution"], "source": r["origin"].split("/")[0]})
                      for r in rows]
            base = scores(theirs, labels)
            cells += [f"{base['precision']:.3f}", f"{base['recall']:.3f}", f"{base['f1']:.3f}",
                      f"{base['tp']}/{base['fp']}/{base['fn']}"]
        else:
            theirs = [False] * len(rows)
            cells += ["-", "-", "-", "no rule"]
        out.add_row(*cells)
        for r, o, t, lab in zip(rows, ours, theirs, labels):
            if o != lab or (family in rules.SIGNALS and t != lab):
                errors.append((family, r["id"], r["origin"], lab, o, t, r["problem"][:90].replace("\n", " ")))
    if args.markdown:
        header = [c.header for c in out.columns]
        print("| " + " | ".join(header) + " |")
        print("|" + "|".join(["---"] + ["---:"] * (len(header) - 1)) + "|")
        for cells in zip(*[c._cells for c in out.columns]):
            print("| " + " | ".join(cells) + " |")
    else:
        console.print(out)
    if args.errors:
        for family, rid, origin, lab, o, t, text in errors:
            console.print(f"{family:16} {rid} {origin:45} label={lab!s:5} ours={o!s:5} bigmath={t!s:5} {text}",
                          highlight=False)


if __name__ == "__main__":
    main()
