r"""How many gold answers of the shared samples parse, by source and answer type.

Reads every gold answer the way the source adapters map them (MATH: last ``\boxed{}`` of the
solution; HARP, Omni-MATH, MATH-500, AIME, AMC: the ``answer`` field), types each with
:func:`bigmath.verify.answer_type` (in the verifier's worker pool), and prints per source the
rows, the share that parses, the answer types, and every answer that does not parse.

Run: ``.venv/bin/python benchmarks/verify_gold_parse.py [--workers 2]``
"""

from __future__ import annotations

import argparse
import collections
import json
import time
from pathlib import Path

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"


def gold_answers(shared: Path = SHARED) -> dict[str, list]:
    """Source name -> gold answers of the shared data folder ``shared``, in file order (also read by
    ``tests/test_verify_types.py``)."""
    import pyarrow.parquet as pq

    from bigmath.boxed import last_boxed

    def jsonl(name: str) -> list[dict]:
        with (shared / name).open(encoding="utf-8") as handle:
            return [json.loads(line) for line in handle if line.strip()]

    return {
        "math": [last_boxed(r["solution"]) for r in jsonl("math/sample.jsonl")],
        "harp": [r["answer"] for r in jsonl("harp/sample.jsonl")],
        "omni_math": [r["answer"] for r in jsonl("omni_math/sample.jsonl")],
        "math500": [r["answer"] for r in jsonl("labelled/math500_test.jsonl")],
        "aime24": [r["answer"] for r in jsonl("labelled/aime24_test.jsonl")],
        "aime25": [r["answer"] for r in jsonl("labelled/aime25_test.jsonl")],
        "amc23": [r["answer"] for r in jsonl("labelled/amc23_test.jsonl")],
        "aimo_aime": pq.read_table(shared / "labelled/aimo_validation_aime.parquet").column("answer").to_pylist(),
        "aimo_amc": pq.read_table(shared / "labelled/aimo_validation_amc.parquet").column("answer").to_pylist(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()

    from bigmath.verify.pool import VerifierPool

    golds = gold_answers()
    flat = [(name, gold) for name, values in golds.items() for gold in values]
    start = time.perf_counter()
    with VerifierPool(args.workers) as pool:
        typed = pool.answer_types([gold for _, gold in flat], timeout_s=10.0)
    seconds = time.perf_counter() - start
    total = parsed = 0
    for name in golds:
        rows = [(gold, t) for (source, gold), t in zip(flat, typed) if source == name]
        ok = sum(t.parses for _, t in rows)
        kinds = collections.Counter(t.type.value for _, t in rows)
        total, parsed = total + len(rows), parsed + ok
        print(f"{name:10} {len(rows):5} rows  {ok / len(rows):7.2%} parse  {dict(kinds.most_common())}")
        for gold, t in rows:
            if not t.parses:
                print(f"    does not parse ({t.type.value}): {gold!r}")
    print(f"all        {total:5} rows  {parsed / total:7.2%} parse  ({seconds:.0f} s, {args.workers} workers)")


if __name__ == "__main__":
    main()
