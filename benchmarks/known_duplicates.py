"""Known duplicates in the shared samples: exact, MinHash, SemDeDup and benchmark contamination.

Run from the repository root (first run embeds ~11k problems on CPU, then they are cached)::

    .venv/bin/python benchmarks/known_duplicates.py [--cache-dir .bigmath-cache/bench] [--examples 3]
    .venv/bin/python benchmarks/known_duplicates.py --backend openvino --quantize bf16

Input: every shared sample read through the real source adapters (MATH test 5000, HARP 2000,
HARP proof 310, Omni-MATH-Rule 2821) plus the HARP multiple-choice sample (1000, ``custom``
source ``harp_mcq``). Each analysis runs on all rows independently (not chained): exact
(normalised text), MinHash (Jaccard >= 0.8), SemDeDup (all-MiniLM-L6-v2 on ``--backend``,
``Problem: ... Answer: ...``, counts re-thresholded from the per-row scores at 0.99 / 0.95 / 0.90)
and decontamination against every benchmark file in ``../shared/data/labelled/`` (word 13-grams,
alignment >= 0.9). :func:`known_pairs` (the exact and MinHash pairs) is the ground truth that
``benchmarks/embedding_backends.py`` measures each embedding backend's recall on.
"""

from __future__ import annotations

import argparse
import collections
import os
import tempfile
from pathlib import Path

import pyarrow as pa

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("BIGMATH_SHARED_DATA", REPO.parent / "shared" / "data"))


def load_all() -> pa.Table:
    from bigmath.registry import get_source
    from bigmath.schema import Problem, problems_to_table

    specs = [("math", {"path": "math/sample.jsonl"}), ("harp", {"path": "harp/sample.jsonl"}),
             ("harp", {"path": "harp/proof_based.jsonl", "split": "proof_based"}),
             ("omni_math", {"path": "omni_math/sample.jsonl"}),
             ("custom", {"path": "labelled/harp_mcq_sample.jsonl", "name": "harp_mcq", "answer_field": "answer",
                         "license": "MIT"})]
    problems, seen = [], set()
    for name, params in specs:
        source = get_source(name)(**{**params, "path": str(SHARED / params["path"])})
        for item in source.iter_results():
            if isinstance(item, Problem) and item.id not in seen:
                seen.add(item.id)
                problems.append(item)
    return problems_to_table(problems)


def _short(text: str, width: int = 90) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 3] + "..."


def report(title: str, removed: pa.Table, table: pa.Table, examples: int, benchmark: bool = False) -> None:
    """Print counts per (source -> source or benchmark) and a few examples of each."""
    source_of = dict(zip(table.column("id").to_pylist(), table.column("source").to_pylist()))
    text_of = dict(zip(table.column("id").to_pylist(), table.column("problem").to_pylist()))

    def target(row):
        return row["duplicate_of"].split(":")[0] if benchmark else source_of[row["duplicate_of"]]

    rows = removed.to_pylist()
    pairs = collections.Counter((source_of[r["id"]], target(r)) for r in rows)
    print(f"\n## {title}: {len(rows)} rows")
    for (src, dst), count in pairs.most_common():
        print(f"  {src:>10} -> {dst:<14} {count:>5}")
    shown: collections.Counter = collections.Counter()
    for r in rows:
        key = (source_of[r["id"]], target(r))
        if shown[key] < examples:
            shown[key] += 1
            other = r["duplicate_of"] if benchmark else _short(text_of[r["duplicate_of"]])
            print(f"  e.g. [{key[0]} -> {key[1]}, similarity {r['similarity']:.3f}]\n"
                  f"       {_short(text_of[r['id']])}\n       == {other}")


def known_pairs(table: pa.Table) -> pa.Table:
    """Exact and MinHash duplicate pairs of ``table``: ``id``, ``duplicate_of``, ``similarity``, ``reason``."""
    from bigmath.dedup.exact import find_duplicates

    rows = zip(table.column("id").to_pylist(), table.column("problem").to_pylist())
    return find_duplicates(rows, minhash=True)


def semdedup_scores(table: pa.Table, cache_dir: Path, backend: str = "torch", quantize: str | None = None,
                    threshold: float = 0.9) -> pa.Table:
    """SemDeDup's per-row table (:data:`bigmath.dedup.semdedup.SEMDEDUP_SCHEMA`) on ``table``."""
    from bigmath.dedup.embeddings import embed_texts, format_texts
    from bigmath.dedup.semdedup import SemDedupConfig, identify

    texts = format_texts({c: table.column(c).to_pylist() for c in ("problem", "answer")})
    vectors = embed_texts(texts, backend=backend, quantize=quantize, cache_dir=cache_dir).vectors
    scores, _ = identify(vectors, table.column("id").to_pylist(), table.column("source").to_pylist(),
                         table.column("subset").to_pylist(), SemDedupConfig(similarity_threshold=threshold))
    return scores


def contamination(table: pa.Table, cache_dir: Path) -> pa.Table:
    """Rejected-ledger rows of the ``decontaminate`` stage against every file in ``labelled/``."""
    from bigmath.pipeline.stage import StageContext
    from bigmath.stages.decontaminate import DecontaminateStage

    stage = DecontaminateStage(benchmarks=[str(SHARED / "labelled")])
    ctx = StageContext(stage_dir=cache_dir, inputs=[], cache_dir=cache_dir, out_dir=cache_dir)
    stage.setup(ctx)
    return stage.process(table, ctx).rejected


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cache-dir", type=Path, default=REPO / ".bigmath-cache" / "bench")
    parser.add_argument("--examples", type=int, default=2)
    parser.add_argument("--backend", default="torch")
    parser.add_argument("--quantize", default=None)
    args = parser.parse_args()
    table = load_all()
    print(f"# Known duplicates in the shared samples ({table.num_rows} rows)")
    print(dict(collections.Counter(table.column("source").to_pylist())))
    exact = known_pairs(table)
    reason = exact.column("reason").to_pylist()
    report("Exact duplicates (normalised text)", exact.filter(pa.array([r == "duplicate:exact" for r in reason])),
           table, args.examples)
    report("MinHash near-duplicates (Jaccard >= 0.8, not exact)",
           exact.filter(pa.array([r == "duplicate:minhash" for r in reason])), table, args.examples)
    scores = semdedup_scores(table, args.cache_dir, args.backend, args.quantize)
    print(f"\n## SemDeDup (all-MiniLM-L6-v2 on backend {args.backend}, quantize {args.quantize}; static = model2vec "
          "distilled from it) removals by threshold "
          "(same run, re-thresholded per-row scores)")
    values = [v for v in scores.column("max_similarity").to_pylist() if v is not None]
    for threshold in (1.0, 0.99, 0.95, 0.9):
        print(f"  similarity >= {threshold:.2f}: {sum(v >= threshold for v in values)}")
    sem = scores.filter(pa.array([bool(d) and s >= 0.99 for d, s in zip(scores.column("duplicate").to_pylist(),
                                                                      scores.column("max_similarity").to_pylist())]))
    report("SemDeDup duplicates at similarity >= 0.99", sem, table, args.examples)
    with tempfile.TemporaryDirectory() as tmp:
        decon = contamination(table, Path(tmp))
    report("Contamination (word 13-grams + alignment >= 0.9)", decon, table, args.examples, benchmark=True)
    exact_copies = sum(s == 1.0 for s in decon.column("similarity").to_pylist())
    print(f"  of which exact copies (score 1.0): {exact_copies}")


if __name__ == "__main__":
    main()
