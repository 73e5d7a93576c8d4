"""Quality of the LLM judges against labelled rows, beside the rule filter of the same family.

Usage::

    python benchmarks/judge_quality.py --backend transformers --model smollm2-135m-instruct --limit 20
    python benchmarks/judge_quality.py --backend vllm --model meta-llama/Llama-3.1-70B-Instruct \\
        --tensor-parallel-size 4 --limit 0 --target-precision 0.95          # choose a threshold

Labelled rows (real rows of ``../shared/data``; ``--limit N`` takes N evenly spaced rows per
source file, 0 = all):

* ``source`` set, labels from where the row comes from. multiple_choice: yes = HARP MCQ
  (choices written into the problem in the layouts real datasets use: AoPS ``\\textbf{(A)}``,
  ``(A)`` lines, ``A.`` lines, inline ...), AQuA, SAT and MMLU math subjects with their options;
  no = open MATH and Omni-MATH problems. proof: yes = HARP's proof split, no = HARP short-answer
  problems (a few proof-split rows ask for a value: the hand set below labels those).
* ``hand`` set: ``tests/data/filter_labels.jsonl``, 521 rows labelled by hand for every family
  (multiple_choice 104 positives, proof 46, yes_no 24, multi_part 20, true_false 13).

Rows that are few-shot examples of a judge prompt (cited in its header) are left out. Each row is
scored once (``--mode score``: ``p_yes`` from next-token probabilities, one forward pass) or
sampled (``--mode sample``: ``p_yes`` = share of ``yes`` among ``--samples`` parsed replies,
Big-Math's temperature 0.2 and 5 tokens). Printed per judge and set: the judge's precision /
recall / F1 at ``--threshold`` (default 0.5), ROC AUC of ``p_yes``, the rule filter
(``bigmath.registry.get_filter(family)``) on the same rows, how often they disagree, the lowest
threshold reaching ``--target-precision`` and its recall, and the disagreeing rows. Replies and
scores are cached in ``--cache``: rerunning with another threshold costs no model call.
"""

from __future__ import annotations

import argparse
import os
import re
import time
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

import bigmath.filters  # noqa: F401  (registers the filters)
from bigmath.filters._evaluation import LAYOUTS, load_labelled, render, scores, to_table
from bigmath.llm.config import BackendConfig
from bigmath.llm.prompts import PromptTemplate, parse_template
from bigmath.registry import get_filter

ROOT = Path(__file__).resolve().parents[1]
FAMILIES = ("multiple_choice", "proof", "yes_no", "true_false", "multi_part")
MATH_SUBJECTS = ("elementary_mathematics", "high_school_mathematics", "high_school_statistics",
                 "college_mathematics", "abstract_algebra")
#: Source-labelled sets: family -> [(file, label, layouts or None)].
SOURCE_SETS: dict[str, list[tuple[str, bool, tuple[str, ...] | None]]] = {
    "multiple_choice": [("labelled/harp_mcq_sample.jsonl", True, tuple(LAYOUTS)),
                        ("labelled/aqua_test.jsonl", True, ("lines", "inline_paren")),
                        ("labelled/sat_math_test.jsonl", True, ("inline",)),
                        ("labelled/mmlu_stem_test.jsonl", True, tuple(LAYOUTS)),
                        ("math/sample.jsonl", False, None), ("omni_math/sample.jsonl", False, None)],
    "proof": [("harp/proof_based.jsonl", True, None), ("harp/sample.jsonl", False, None)],
}
_CITE = re.compile(r"^#\s+example \d+ \((?:yes|no)\):\s+(\S+) line (\d+)")


def template_of(family: str) -> tuple[PromptTemplate, set[str]]:
    """The judge's prompt (``filters/prompts/judge_<family>.txt``) and the ``file:line`` origins
    of its few-shot examples (kept out of the evaluation)."""
    path = ROOT / "filters" / "prompts" / f"judge_{family}.txt"
    text = path.read_text(encoding="utf-8")
    cited = {f"{m.group(1)}:{m.group(2)}" for m in map(_CITE.match, text.splitlines()) if m}
    return parse_template(text, str(path)), cited


def _spread(items: list, limit: int) -> list:
    """``limit`` evenly spaced items (all when ``limit`` is 0 or larger than the list)."""
    if not limit or limit >= len(items):
        return items
    step = len(items) / limit
    return [items[int(k * step)] for k in range(limit)]


def source_rows(data: Path, family: str, limit: int, skip: set[str]) -> list[dict[str, Any]]:
    """Rows of the ``source`` set of ``family`` (empty for families without one)."""
    import json

    rows = []
    for file, label, layouts in SOURCE_SETS.get(family, []):
        lines = (data / file).read_text(encoding="utf-8").splitlines()
        natives = [(n, json.loads(line)) for n, line in enumerate(lines, start=1) if line.strip()]
        if file.endswith("mmlu_stem_test.jsonl"):
            natives = [(n, r) for n, r in natives if r["type"] in MATH_SUBJECTS]
        natives = [(n, r) for n, r in natives if f"{file}:{n}" not in skip]
        for k, (n, native) in enumerate(_spread(natives, limit)):
            layout = layouts[k % len(layouts)] if layouts else None
            text = render(file, native, layout)
            origin = f"{file}:{n}" + (f"#{layout}" if layout else "")
            rows.append({"id": origin, "origin": origin, **text, "label": label})
    return rows


def hand_rows(labels: Path, data: Path, family: str, limit: int, skip: set[str]) -> list[dict[str, Any]]:
    """Rows of the hand-labelled set, label = ``family`` in the row's flags; ``limit`` positives
    and ``limit`` negatives at most."""
    rows = [{**r, "label": family in r["flags"]} for r in load_labelled(labels, data) if r["origin"] not in skip]
    positives = _spread([r for r in rows if r["label"]], limit)
    negatives = _spread([r for r in rows if not r["label"]], limit)
    return sorted(positives + negatives, key=lambda r: r["id"])


def judge_p_yes(generator: Any, template: PromptTemplate, rows: list[dict[str, Any]], args: argparse.Namespace) -> list[float]:
    """``p_yes`` per row: the next-token score, or the share of ``yes`` among sampled replies."""
    from bigmath.llm.base import SamplingParams
    from bigmath.llm.labels import parse_label

    problems = [(r["id"], r["problem"]) for r in rows]
    if args.mode == "score":
        return [s.p_yes if s.p_yes is not None else 0.0
                for s in generator.score(template, problems, description="judge scores")]
    params = SamplingParams(n=args.samples, temperature=0.2, max_tokens=5, seed=0)
    replies = generator.run(template, problems, params, description="judge replies")
    return [sum(parse_label(t) == "yes" for t in texts) / len(texts) for texts in replies]


def evaluate(family: str, rows: list[dict[str, Any]], p_yes: list[float], threshold: float, target: float) -> dict[str, Any]:
    """Judge and rule metrics on ``rows`` (see the module docstring)."""
    from sklearn.metrics import precision_recall_curve, roc_auc_score

    labels = [r["label"] for r in rows]
    judged = [p >= threshold for p in p_yes]
    rule = get_filter(family)()
    rule.setup()
    ruled = [reason is not None for reason in rule.verdicts(to_table(rows)).reasons]
    auc = roc_auc_score(labels, p_yes) if 0 < sum(labels) < len(labels) else float("nan")
    precision, recall, thresholds = precision_recall_curve(labels, p_yes)
    reach = [(t, r) for p, r, t in zip(precision[:-1], recall[:-1], thresholds) if p >= target]
    return {"judge": scores(judged, labels), "rule": scores(ruled, labels), "auc": auc,
            "at_target": min(reach) if reach else None, "judged": judged, "ruled": ruled}


def write_problems(args: argparse.Namespace) -> None:
    """Write the ``source`` rows of the chosen judges as a common-schema parquet (``id`` =
    ``file:line#layout``; columns ``label_<family>`` hold the labels), one row per origin."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    rows: dict[str, dict[str, Any]] = {}
    families = [f.strip().removeprefix("judge_") for f in args.judges.split(",") if f.strip()]
    for family in families:
        _, cited = template_of(family)
        for row in source_rows(args.data, family, args.limit, cited):
            entry = rows.setdefault(row["id"], {k: row[k] for k in ("id", "problem", "answer", "solution")})
            folder, name = row["origin"].split(":")[0].split("/")
            entry["source"] = name.split(".")[0].removesuffix("_test").removesuffix("_sample") if folder == "labelled" else folder
            entry[f"label_{family}"] = row["label"]
    columns = list(dict.fromkeys(key for entry in rows.values() for key in entry))
    table = pa.table({c: [entry.get(c) for entry in rows.values()] for c in columns})
    args.write_problems.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, args.write_problems)
    print(f"wrote {table.num_rows} problems to {args.write_problems}: "
          + ", ".join(f"{c} {sum(v is True for v in table.column(c).to_pylist())}" for c in table.column_names
                      if c.startswith("label_")))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=("transformers", "vllm", "openai"), default="transformers")
    parser.add_argument("--model", default="smollm2-135m-instruct", help="Hub id, local path or local model name")
    parser.add_argument("--base-url", default=None, help="openai: server URL ending in /v1")
    parser.add_argument("--tensor-parallel-size", type=int, default=1, help="vllm: GPUs per model")
    parser.add_argument("--threads", type=int, default=None, help="transformers: CPU threads")
    parser.add_argument("--judges", default=",".join(FAMILIES), help="comma-separated families")
    parser.add_argument("--limit", type=int, default=20, help="rows per source file / per class of the hand set; 0 = all")
    parser.add_argument("--mode", choices=("score", "sample"), default="score")
    parser.add_argument("--samples", type=int, default=1, help="sample mode: replies per problem")
    parser.add_argument("--threshold", type=float, default=0.5, help="p_yes at or above which the judge says yes")
    parser.add_argument("--target-precision", type=float, default=0.9, help="report the threshold reaching it")
    parser.add_argument("--show", type=int, default=3, help="disagreeing rows printed per direction")
    parser.add_argument("--markdown", action="store_true", help="print the table as markdown (for docs)")
    parser.add_argument("--cache", type=Path, default=Path(".bigmath-cache/judge_quality/requests.sqlite"))
    parser.add_argument("--labels", type=Path, default=ROOT / "tests" / "data" / "filter_labels.jsonl")
    parser.add_argument("--data", type=Path, default=Path(os.environ.get("BIGMATH_SHARED_DATA", ROOT.parent / "shared" / "data")))
    parser.add_argument("--write-problems", type=Path, default=None, metavar="PATH",
                        help="write the source-set rows of --judges as a problems parquet (for `bigmath judge`) and stop")
    args = parser.parse_args()
    if args.write_problems:
        write_problems(args)
        return

    from bigmath.llm.cache import RequestCache
    from bigmath.llm.generate import CachedGenerator

    families = [f.strip().removeprefix("judge_") for f in args.judges.split(",") if f.strip()]
    config = BackendConfig(type=args.backend, model=args.model, base_url=args.base_url,
                           tensor_parallel_size=args.tensor_parallel_size, threads=args.threads)
    backend = config.build()
    if args.mode == "score" and not backend.supports_scores:
        raise SystemExit(f"{args.backend} backend returns no log-probabilities here; use --mode sample")
    console = Console(width=200)
    table = Table(title=f"LLM judges ({args.mode}, {args.backend} {args.model}) vs rule filters, threshold {args.threshold}")
    for column in ("judge", "set", "rows", "yes", "judge P", "judge R", "judge F1", "AUC", "rule P", "rule R",
                   "rule F1", "disagree", f"t @ P>={args.target_precision}"):
        table.add_column(column, justify="left" if column in ("judge", "set") else "right")
    examples, started, scored = [], time.perf_counter(), 0
    with RequestCache(args.cache) as cache:
        generator = CachedGenerator(backend, cache, chunk_size=64)
        for family in families:
            template, cited = template_of(family)
            for name, rows in (("source", source_rows(args.data, family, args.limit, cited)),
                               ("hand", hand_rows(args.labels, args.data, family, args.limit, cited))):
                if not rows:
                    continue
                p_yes = judge_p_yes(generator, template, rows, args)
                scored += len(rows)
                m = evaluate(family, rows, p_yes, args.threshold, args.target_precision)
                j, r = m["judge"], m["rule"]
                disagree = [k for k, (a, b) in enumerate(zip(m["judged"], m["ruled"])) if a != b]
                target = "-" if m["at_target"] is None else f"{m['at_target'][0]:.2f} (R {m['at_target'][1]:.2f})"
                table.add_row(family, name, str(len(rows)), str(sum(x["label"] for x in rows)), f"{j['precision']:.2f}",
                              f"{j['recall']:.2f}", f"{j['f1']:.2f}", f"{m['auc']:.2f}", f"{r['precision']:.2f}",
                              f"{r['recall']:.2f}", f"{r['f1']:.2f}", str(len(disagree)), target)
                for judge_says in (True, False):
                    picked = [k for k in disagree if m["judged"][k] == judge_says][: args.show]
                    examples += [(family, name, rows[k], p_yes[k], judge_says) for k in picked]
    seconds = time.perf_counter() - started
    if args.markdown:
        header = [c.header for c in table.columns]
        print("| " + " | ".join(header) + " |\n|" + "|".join(["---"] * 2 + ["---:"] * (len(header) - 2)) + "|")
        for cells in zip(*[c._cells for c in table.columns]):
            print("| " + " | ".join(cells) + " |")
    else:
        console.print(table)
    rate = backend.throughput.problems / backend.throughput.seconds if backend.throughput.seconds else 0.0
    print(f"\n{scored} judge questions in {seconds:.0f} s; {backend.throughput.problems} sent to the model "
          f"({rate:.2f}/s), the rest from the cache {args.cache}")
    print("\nrule and judge disagree (label = the row's label):")
    for family, name, row, p, judge_says in examples:
        side = "judge yes, rule no" if judge_says else "judge no, rule yes"
        text = row["problem"][:110].replace("\n", " ")
        console.print(f"{family:15} {name:6} {side:18} label={'yes' if row['label'] else 'no ':3} p_yes={p:.2f} "
                      f"{row['origin']}: {text}", highlight=False, markup=False, emoji=False)
    backend.close()


if __name__ == "__main__":
    main()
