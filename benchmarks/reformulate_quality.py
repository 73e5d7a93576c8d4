r"""Quality of the rule-based multiple-choice reformulation (``bigmath.reformulate``).

Data (read-only, ``../shared/data``):

* ``labelled/harp_mcq_sample.jsonl``: 1,000 HARP multiple-choice problems with their options
  (``choices``) and the keyed letter (``answer_choice``); ``multiple_choice_only: true`` marks
  the 313 that cannot be answered without the options. Each row is run once per notation: the
  options written into the text as ``(A) ..`` (paren), ``A. ..`` and ``A: ..`` one per line
  (NuminaMath cn_k12), ``$\textbf{(A)}\ 20 \qquad ..$`` (NuminaMath amc_aime), ``A)..`` (AQuA),
  and the option field itself. The gold answer is given the way each family of datasets gives
  it (a letter, ``(C) 21``, ``\textbf{(C)}\ 21``).
* ``harp/sample.jsonl``: 278 of those problems also appear there, open-ended, with HARP's short
  answer: the verifier must find the new answer equal to it, and the new problem is compared to
  HARP's open-ended stem after whitespace/LaTeX normalisation (``bigmath.textnorm``).
* ``labelled/aqua_test.jsonl`` (options field), ``labelled/sat_math_test.jsonl`` (options in
  one string), ``labelled/mmlu_stem_test.jsonl`` (choices list + index): no labels, so only the
  shares and the checks are printed.

Usage::

    python benchmarks/reformulate_quality.py [--data ../shared/data] [--show DETAIL] [--refused] [--limit N]

``--refused`` prints every one of the 278 that is not rewritten with an answer equal to HARP's,
with its line in both files, the rule that refused it, the keyed option and HARP's answer.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import sys
import time
from pathlib import Path

from bigmath.reformulate import BOXED_INSTRUCTION, options_from_field, parse_options, reformulate
from bigmath.reformulate.checks import option_labels_left, option_texts_left
from bigmath.reformulate.latex import comparable, option_value
from bigmath.textnorm import normalize_problem
from bigmath.verify import check

HARP_NOTATIONS = ("paren", "lines_dot", "lines_colon", "textbf", "right_paren", "field")


def _inline(problem: str, choices: dict[str, str], notation: str) -> str:
    """``problem`` with ``choices`` written after it in ``notation``."""
    labels = sorted(choices)
    if notation == "paren":
        return problem + "\n" + " ".join(f"({k}) {choices[k]}" for k in labels)
    if notation == "lines_dot":
        return problem + "\n" + "\n".join(f"{k}. {choices[k]}" for k in labels)
    if notation == "lines_colon":
        return problem + "\n" + "\n".join(f"{k}: {choices[k]}" for k in labels)
    if notation == "textbf":
        items = " \\qquad ".join(f"\\textbf{{({k})}}\\ {option_value(choices[k])}" for k in labels)
        return f"{problem}\n${items}$"
    if notation == "right_paren":
        return problem + "\n" + " ".join(f"{k}){choices[k]}" for k in labels)
    raise ValueError(notation)


def _gold(row: dict, notation: str) -> str:
    """The keyed answer as datasets in this notation write it."""
    letter = row["answer_choice"]
    value = option_value(row["choices"][letter])
    return {"textbf": f"\\textbf{{({letter})}}\\ {value}", "paren": f"({letter}) {value}"}.get(notation, letter)


def _strip_instruction(problem: str) -> str:
    return problem[: -len(BOXED_INSTRUCTION)].rstrip() if problem.endswith(BOXED_INSTRUCTION) else problem


def same_text(a: str, b: str) -> bool:
    """Equal after whitespace/LaTeX normalisation (``bigmath.textnorm.normalize_problem``)."""
    return normalize_problem(a) == normalize_problem(b)


def _read(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def harp(data: Path, limit: int | None, show: str | None, refused: bool = False) -> None:
    rows = _read(data / "labelled" / "harp_mcq_sample.jsonl")[:limit]
    key = lambda r: (r["year"], r["contest"], r["number"])  # noqa: E731
    open_lines = {key(r): n for n, r in enumerate(_read(data / "harp" / "sample.jsonl"), 1)}
    open_ended = {key(r): r for r in _read(data / "harp" / "sample.jsonl")}
    missed: list[str] = []
    print(f"HARP MCQ: {len(rows)} rows, {sum(r['multiple_choice_only'] for r in rows)} multiple_choice_only, "
          f"{sum(key(r) in open_ended for r in rows)} also open-ended in harp/sample.jsonl\n")
    header = (f"{'notation':12} {'rewritten F':>11} {'=option':>8} {'rewritten T':>11} {'texts left':>10} "
              f"{'| 278: rewritten':>16} {'verifier=HARP':>13} {'=HARP/278':>9} {'stem=HARP':>9} {'removal=HARP':>12}")
    print(header)
    print("-" * len(header))
    details: dict[str, collections.Counter] = {}
    for notation in HARP_NOTATIONS:
        count = collections.Counter()
        details[notation] = collections.Counter()
        for line, row in enumerate(rows, 1):
            choices = row["choices"]
            text = row["problem"] if notation == "field" else _inline(row["problem"], choices, notation)
            gold = row["answer_choice"] if notation == "field" else _gold(row, notation)
            result = reformulate(text, gold, choices=choices if notation == "field" else None)
            group = "T" if row["multiple_choice_only"] else "F"
            count[group] += 1
            details[notation][f"{group} {result.status} {result.detail}"] += 1
            if show and show in f"{group} {result.status} {result.detail}" and notation == "field":
                print(f"--- {group} {result.status} {result.detail}\n{row['problem'][-300:]}\n"
                      f"  -> {result.problem}\n  answer {result.answer}")
            block = options_from_field(choices, row["problem"])
            if result.status == "rewritten":
                count[f"rewritten {group}"] += 1
                keyed = option_value(choices[row["answer_choice"]])
                count[f"equal {group}"] += comparable(result.answer) == comparable(keyed)
                count["texts left"] += bool(option_texts_left(result.problem, block)
                                            or option_labels_left(result.problem, block.stem))
            if key(row) not in open_ended:
                continue
            published = open_ended[key(row)]
            count["open"] += 1
            parsed = block if notation == "field" else parse_options(text)
            count["removal"] += parsed is not None and same_text(parsed.stem, published["problem"])
            equal = False
            if result.status == "rewritten":
                count["open rewritten"] += 1
                equal = check(published["answer"], f"\\boxed{{{result.answer}}}").correct
                count["verifier"] += equal
                count["stem"] += same_text(_strip_instruction(result.problem), published["problem"])
            if refused and notation == "field" and not equal:
                missed.append(f"  mcq line {line:4d} / sample line {open_lines[key(row)]:4d}  {result.status} "
                              f"{result.detail}  keyed {result.answer!r}  HARP {published['answer']!r}")
        rewritten, n_open = count["rewritten F"], max(count["open"], 1)
        open_rewritten = max(count["open rewritten"], 1)
        print(f"{notation:12} {rewritten / max(count['F'], 1):11.1%} {count['equal F'] / max(rewritten, 1):8.1%} "
              f"{count['rewritten T'] / max(count['T'], 1):11.1%} {count['texts left']:10d} "
              f"{count['open rewritten'] / n_open:16.1%} {count['verifier'] / open_rewritten:13.1%} "
              f"{count['verifier'] / n_open:9.1%} {count['stem'] / open_rewritten:9.1%} "
              f"{count['removal'] / n_open:12.1%}")
    print("\ncolumns: rewritten F / T = share of the multiple_choice_only: false / true rows rewritten (T: wrongly);"
          " =option = rewritten answers equal to the keyed option's text; texts left = rewritten problems still"
          " holding an option label or text; 278 = rows with a published open-ended version: share rewritten;"
          " verifier=HARP = of those rewritten, share whose answer bigmath.verify.check finds equal to HARP's short"
          " answer; =HARP/278 = share of all 278 rewritten with an answer the verifier finds equal to HARP's;"
          " stem=HARP = of those rewritten, share equal to HARP's open-ended stem after normalisation"
          " (instruction removed); removal=HARP = share whose stem with only the options removed equals it.\n")
    print("outcomes by label (F/T = multiple_choice_only), notation 'field':")
    for detail, n in details["field"].most_common():
        print(f"  {n:5d}  {detail}")
    if refused:
        print(f"\nthe {len(missed)} of the 278 without an equal rewritten answer (labelled/harp_mcq_sample.jsonl,"
              " harp/sample.jsonl lines):")
        print("\n".join(missed))
    print()


def others(data: Path, limit: int | None) -> None:
    sets = [
        ("aqua", "aqua_test.jsonl", lambda r: reformulate(r["question"], r["correct"], choices=r["options"])),
        ("sat_math", "sat_math_test.jsonl", lambda r: reformulate(r["question"], r["Answer"], choices=r["options"])),
        ("mmlu_stem", "mmlu_stem_test.jsonl", lambda r: reformulate(r["question"], r["answer"], choices=r["choices"])),
    ]
    print(f"{'dataset':10} {'rows':>5} {'rewritten':>9} {'needs_choices':>13} {'no_answer':>9} {'failed_check':>12} "
          f"{'texts left':>10}")
    for name, file, run in sets:
        rows = _read(data / "labelled" / file)[:limit]
        count = collections.Counter()
        for row in rows:
            result = run(row)
            count[result.status] += 1
            if result.status == "rewritten":
                choices = row.get("options", row.get("choices"))
                block = options_from_field(choices, row["question"])
                count["left"] += bool(option_texts_left(result.problem, block)
                                      or option_labels_left(result.problem, block.stem))
        n = len(rows)
        print(f"{name:10} {n:5d} {count['rewritten'] / n:9.1%} {count['needs_choices'] / n:13.1%} "
              f"{count['no_answer_option'] / n:9.1%} {count['failed_check'] / n:12.1%} {count['left']:10d}")


def main() -> None:
    default = Path(os.environ.get("BIGMATH_SHARED_DATA", Path(__file__).resolve().parents[2] / "shared" / "data"))
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=default, help="shared data folder")
    parser.add_argument("--show", default=None,
                        help="print the rows whose outcome contains this text (option-field notation)")
    parser.add_argument("--refused", action="store_true",
                        help="list the rows of the 278 without a rewritten answer equal to HARP's")
    parser.add_argument("--limit", type=int, default=None, help="rows per file (default: all)")
    args = parser.parse_args()
    if not (args.data / "labelled" / "harp_mcq_sample.jsonl").exists():
        sys.exit(f"shared data not found under {args.data}")
    start = time.perf_counter()
    harp(args.data, args.limit, args.show, args.refused)
    others(args.data, args.limit)
    print(f"\n{time.perf_counter() - start:.1f} s")


if __name__ == "__main__":
    main()
