"""How `bigmath build` scales: wall time, rows/s and peak RSS of the CPU stages at growing sizes.

Input: the real shared samples (MATH test, HARP, Omni-MATH; ~10k problems) repeated with small
perturbations (copy k adds k to the first number in the problem, or appends "(k)") up to each
size, written as jsonl and read by the `custom` source. Stages: ingest, all rule filters, exact
dedup. SemDeDup is measured separately (`--semdedup`), since its cost is the embedding model.

Each size runs in a fresh child process (one worker, in-process), which reports its own peak
RSS and CPU time (user + system, which other load on the machine does not inflate), so sizes do
not pollute each other.

    .venv/bin/python benchmarks/build_scaling.py                       # 10k 50k 100k 200k
    .venv/bin/python benchmarks/build_scaling.py --sizes 10000 50000 --semdedup
"""

from __future__ import annotations

import argparse
import json
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
RULE_FILTERS = ["hyperlink", "language", "multiple_choice", "multi_part", "yes_no", "true_false", "proof",
                "answer", "figure"]
_NUMBER = re.compile(r"\d+")


def _base_rows() -> list[dict]:
    from bigmath.boxed import last_boxed

    rows = []
    for line in (SHARED / "math" / "sample.jsonl").open():
        r = json.loads(line)
        rows.append({"problem": r["problem"], "answer": last_boxed(r["solution"])})
    for name in ("omni_math/sample.jsonl", "harp/sample.jsonl"):
        for line in (SHARED / name).open():
            r = json.loads(line)
            rows.append({"problem": r["problem"], "answer": r.get("answer")})
    return rows


def _perturb(text: str, k: int) -> str:
    if k == 0:
        return text
    match = _NUMBER.search(text)
    if match is None:
        return f"{text} ({k})"
    return text[: match.start()] + str(int(match.group()) + k) + text[match.end():]


def write_input(path: Path, n: int) -> None:
    """Write ``n`` perturbed copies of the shared samples to ``path`` (jsonl: id, problem, answer)."""
    base = _base_rows()
    with path.open("w") as out:
        for i in range(n):
            row = base[i % len(base)]
            k = i // len(base)
            out.write(json.dumps({"id": f"r{i}", "problem": _perturb(row["problem"], k), "answer": row["answer"]}) + "\n")


def rule_filters_stage() -> dict:
    """The ``filters`` stage of every rule filter in :data:`RULE_FILTERS`."""
    return {"type": "filters", "stage_name": "rule_filters", "filters": [{"type": f} for f in RULE_FILTERS]}


def write_scaled_recipe(path: Path, data: Path, stages: list[dict], name: str, source_name: str) -> None:
    """A recipe reading the ``write_input`` jsonl ``data`` with the ``custom`` source, then ``stages``."""
    recipe = {"name": name, "shard_size": 10_000,
              "sources": [{"type": "custom", "name": source_name, "path": str(data), "problem_field": "problem",
                           "answer_field": "answer", "id_field": "id", "license": "MIT"}],
              "stages": stages}
    path.write_text(yaml.safe_dump(recipe))


def write_recipe(path: Path, data: Path, semdedup: bool) -> None:
    stages = [{"type": "semdedup"}] if semdedup else [rule_filters_stage(), {"type": "exact_dedup"}]
    write_scaled_recipe(path, data, stages, "scaling", "scaled")


def _child(recipe: str, out: str) -> None:
    from rich.console import Console

    from bigmath.pipeline.engine import build
    from bigmath.pipeline.recipe import load_recipe

    start = time.perf_counter()
    result = build(load_recipe(recipe), out, console=Console(file=open("/dev/null", "w")))
    wall = time.perf_counter() - start
    usage = resource.getrusage(resource.RUSAGE_SELF)
    peak_mb = usage.ru_maxrss / 1024
    print(json.dumps({"wall_s": wall, "cpu_s": usage.ru_utime + usage.ru_stime, "peak_rss_mb": peak_mb,
                      "kept": result.stats["kept"],
                      "rows": result.stats["ingested"]}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 50_000, 100_000, 200_000])
    parser.add_argument("--semdedup", action="store_true", help="measure the semdedup stage instead")
    args = parser.parse_args()
    label = "semdedup" if args.semdedup else "ingest + rule filters + exact dedup"
    print(f"build scaling, stages: {label}; 1 worker; input = shared samples repeated with perturbations")
    print(f"{'rows':>8} {'wall s':>8} {'rows/s':>8} {'CPU s':>8} {'rows/CPU s':>10} {'peak RSS MB':>12} {'kept':>8}")
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.sizes:
            data, recipe = Path(tmp) / f"in-{n}.jsonl", Path(tmp) / f"recipe-{n}.yaml"
            write_input(data, n)
            write_recipe(recipe, data, args.semdedup)
            out = subprocess.run([sys.executable, __file__, "--child", str(recipe), str(Path(tmp) / f"out-{n}")],
                                 check=True, capture_output=True, text=True)
            figures = json.loads(out.stdout.strip().splitlines()[-1])
            print(f"{n:>8} {figures['wall_s']:>8.1f} {n / figures['wall_s']:>8.0f} {figures['cpu_s']:>8.1f} "
                  f"{n / figures['cpu_s']:>10.0f} {figures['peak_rss_mb']:>12.0f} {figures['kept']:>8}", flush=True)


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        _child(sys.argv[2], sys.argv[3])
    else:
        main()
