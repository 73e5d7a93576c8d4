"""The Big-Math-sized build (1.5M rows) measured stage by stage, and the embedding cost per backend.

    .venv/bin/python benchmarks/big_build.py                          # 1.5M rows, ~30-60 min on 2 cores
    .venv/bin/python benchmarks/big_build.py --rows 100000 --work /tmp/big
    .venv/bin/python benchmarks/big_build.py --cost-only --device cuda --backends torch torch:bf16   # GPU node

Input: the shared samples (MATH test, Omni-MATH, HARP; 9,821 problems) repeated with
perturbations up to ``--rows`` (copy k adds k to the first number, as ``build_scaling.py`` does),
as one jsonl file read by the ``custom`` source. Recipe: ingest -> ``filters`` (all rule filters)
-> ``exact_dedup`` -> ``semdedup`` (defaults: threshold 0.99), shards of 10,000 rows, 1 worker.

Every stage runs in its own child process, on the folders the earlier ones left (the engine
reuses finished stages by fingerprint), so each line's peak RSS is that of the process that ran
the stage, ingest to final outputs (``VmHWM``). "stage s" is the engine's time for the stage alone; "wall s"
adds start-up and writing ``kept.parquet`` / ``rejected.parquet``.

SemDeDup runs on precomputed embeddings, as a rebuild over cached embeddings does: before the
semdedup step, every exact-dedup shard's vectors are written into the embedding cache exactly as
the embedding step stores them (one part per shard, named after its text hashes), so
``semdedup`` reads 1.5M vectors from the cache and loads no model. The vectors are real: the
base problems embedded with ``--base-backend``; copy k > 0 of a problem is its vector plus
Gaussian noise (sigma uniform in [0, 0.6] per row, as in ``semdedup_scaling.py``), renormalised.

The embedding cost per 1,000 problems is measured per backend on 1,000 of the input problems
(one warm-up batch first), and projected to the whole input.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
STEPS = ["ingest", "rule_filters", "exact_dedup", "semdedup"]


def _scaling():
    spec = importlib.util.spec_from_file_location("build_scaling", REPO / "benchmarks" / "build_scaling.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def write_recipe(path: Path, data: Path, steps: int) -> None:
    """Recipe over ``data`` with the first ``steps`` stages of :data:`STEPS` after ingest."""
    scaling = _scaling()
    stages = [scaling.rule_filters_stage(), {"type": "exact_dedup"}, {"type": "semdedup"}][: steps]
    scaling.write_scaled_recipe(path, data, stages, "big", "big")


def _child_build(recipe: str, out: str) -> None:
    from rich.console import Console

    from bigmath.pipeline.engine import build
    from bigmath.pipeline.recipe import load_recipe

    start = time.perf_counter()
    result = build(load_recipe(recipe), out, console=Console(file=sys.stdout, force_terminal=False, width=200))
    usage = resource.getrusage(resource.RUSAGE_SELF)
    print("RESULT " + json.dumps({"wall_s": time.perf_counter() - start, "cpu_s": usage.ru_utime + usage.ru_stime,
                                  "peak_rss_mb": _peak_rss_mb(), "kept": result.stats["kept"],
                                  "input": result.stats["stages"][-1]["input"]}), flush=True)


def base_vectors(cache_dir: Path, backend: str) -> tuple[list[str], np.ndarray]:
    """Texts and real vectors of the base problems (embedded once, cached in ``cache_dir``)."""
    from bigmath.dedup.embeddings import embed_texts

    rows = _scaling()._base_rows()
    texts = [f"Problem: {r['problem']} Answer: {r['answer'] or ''}" for r in rows]
    name, _, quantize = backend.partition(":")
    return texts, embed_texts(texts, backend=name, quantize=quantize or None, cache_dir=cache_dir).vectors


def _child_precompute(out: str, base_file: str) -> None:
    """Write every exact-dedup shard's vectors into ``out/cache`` as the embedding step would."""
    from bigmath.dedup.embed_backends import EncoderSpec
    from bigmath.dedup.embeddings import EmbeddingCache, format_texts, text_key

    base = np.load(base_file)
    cache = EmbeddingCache(Path(out) / "cache", EncoderSpec().key)
    shards = sorted(next(Path(out).glob("02_exact_dedup-*")).glob("part-*.parquet"))
    import pyarrow.parquet as pq

    start = time.perf_counter()
    for path in shards:
        table = pq.read_table(path, columns=["source_id", "problem", "answer"])
        texts = format_texts({c: table.column(c).to_pylist() for c in ("problem", "answer")})
        index = np.array([int(s[1:]) for s in table.column("source_id").to_pylist()], dtype=np.int64)
        copy = index // len(base)
        rng = np.random.default_rng(int(index[0]) if len(index) else 0)
        sigma = np.where(copy == 0, 0.0, rng.uniform(0.0, 0.6, size=len(index))).astype(np.float32)
        x = base[index % len(base)] + sigma[:, None] * rng.normal(size=(len(index), base.shape[1])).astype(
            np.float32) / np.sqrt(base.shape[1])
        x /= np.linalg.norm(x, axis=1, keepdims=True)
        keys = [text_key(t) for t in texts]
        first = dict.fromkeys(keys)  # unique texts, first occurrence order (what embed_texts stores)
        rows = {k: i for i, k in reversed(list(enumerate(keys)))}
        cache.add(list(first), x[[rows[k] for k in first]])
    usage = resource.getrusage(resource.RUSAGE_SELF)
    print("RESULT " + json.dumps({"wall_s": time.perf_counter() - start, "cpu_s": usage.ru_utime + usage.ru_stime,
                                  "peak_rss_mb": _peak_rss_mb(), "shards": len(shards)}), flush=True)


def _peak_rss_mb() -> float:
    """This process's peak RSS (Linux ``VmHWM``; ``ru_maxrss`` would include the parent's peak from
    before ``exec``)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _du_mb(path: Path) -> float:
    if path.is_file():
        return path.stat().st_size / 2**20
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 2**20 if path.exists() else 0.0


def _run(args: list[str]) -> tuple[dict, str]:
    done = subprocess.run([sys.executable, __file__, *args], capture_output=True, text=True)
    if done.returncode:
        raise RuntimeError(f"step {args} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    result = next(line for line in done.stdout.splitlines() if line.startswith("RESULT "))
    return json.loads(result[7:]), done.stdout


def embedding_costs(texts: list[str], backends: list[str], rows: int, device: str = "cpu") -> None:
    """Seconds per 1,000 problems per backend on ``texts``, and the projection to ``rows``
    (``device: cuda`` measures the torch backends on a GPU)."""
    from bigmath.dedup.embed_backends import EncoderSpec, load_encoder

    print(f"\n## Embedding cost ({len(texts)} input problems, {device}, {os.cpu_count()} CPUs, "
          f"load average {os.getloadavg()[0]:.2f})")
    print("| backend | s per 1k problems | problems/s | projected for all rows (h) |")
    print("| --- | ---: | ---: | ---: |")
    for name in backends:
        backend, _, quantize = name.partition(":")
        encoder = load_encoder(EncoderSpec(backend=backend, quantize=quantize or None,
                                           device=device if backend == "torch" else "cpu"))
        encoder.encode(texts[:64])  # warm-up
        start = time.perf_counter()
        encoder.encode(texts)
        seconds = time.perf_counter() - start
        per_k = 1000 * seconds / len(texts)
        print(f"| {name} | {per_k:.1f} | {len(texts) / seconds:.1f} | {rows / 1000 * per_k / 3600:.2f} |", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_500_000)
    parser.add_argument("--work", type=Path, default=Path("/tmp/bigmath-big-build"))
    parser.add_argument("--base-backend", default="openvino:bf16", help="backend embedding the base problems")
    parser.add_argument("--backends", nargs="+", default=["torch", "onnx", "onnx:int8", "openvino:bf16", "static"])
    parser.add_argument("--cost-sample", type=int, default=1000)
    parser.add_argument("--device", default="cpu", help="device of the torch backends' cost (cuda on a GPU node)")
    parser.add_argument("--cost-only", action="store_true", help="only measure the embedding cost per backend")
    parser.add_argument("--keep", action="store_true", help="keep the work folder")
    parser.add_argument("--cache-dir", type=Path, default=REPO / ".bigmath-cache" / "bench",
                        help="embedding cache for the base problems' vectors")
    args = parser.parse_args()
    if args.cost_only:
        texts, _ = base_vectors(args.cache_dir, args.base_backend)
        rng = np.random.default_rng(0)
        sample = [texts[i] for i in sorted(rng.choice(len(texts), size=min(args.cost_sample, len(texts)), replace=False))]
        embedding_costs(sample, args.backends, args.rows, args.device)
        return
    shutil.rmtree(args.work, ignore_errors=True)
    args.work.mkdir(parents=True)
    data, out = args.work / "input.jsonl", args.work / "out"
    print(f"# big build: {args.rows:,} rows, {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}", flush=True)
    start = time.perf_counter()
    _scaling().write_input(data, args.rows)
    print(f"input written: {_du_mb(data):,.0f} MB in {time.perf_counter() - start:.0f} s", flush=True)
    texts, base = base_vectors(args.cache_dir, args.base_backend)
    np.save(args.work / "base.npy", base)
    print("\n| step | rows in | stage s | wall s | CPU s | peak RSS MB | disk MB (step folder) | load avg |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for steps, label in enumerate(STEPS):
        if label == "semdedup":
            figures, _ = _run(["--precompute", str(out), str(args.work / "base.npy")])
            print(f"| embeddings written to the cache (precomputed) | | {figures['wall_s']:.1f} | {figures['wall_s']:.1f} "
                  f"| {figures['cpu_s']:.1f} | {figures['peak_rss_mb']:.0f} | {_du_mb(out / 'cache'):,.0f} "
                  f"| {os.getloadavg()[0]:.2f} |", flush=True)
        recipe = args.work / f"recipe-{steps}.yaml"
        write_recipe(recipe, data, steps)
        figures, log = _run(["--build", str(recipe), str(out)])
        note = [line for line in log.splitlines() if line.startswith(f"{label}:")]
        stage_s = note[-1].rsplit("[", 1)[1].split(" s]")[0] if note else "?"
        folder = next(out.glob(f"{steps:02d}_{label}-*"))
        print(f"| {label} | {figures['input']:,} | {stage_s} | {figures['wall_s']:.1f} | {figures['cpu_s']:.1f} | "
              f"{figures['peak_rss_mb']:.0f} | {_du_mb(folder):,.0f} | {os.getloadavg()[0]:.2f} |", flush=True)
    print(f"\nkept {figures['kept']:,} of {args.rows:,}; final kept.parquet {_du_mb(out / 'kept.parquet'):,.0f} MB, "
          f"rejected.parquet {_du_mb(out / 'rejected.parquet'):,.0f} MB", flush=True)
    semdedup = json.loads(next(out.glob("03_semdedup-*/semdedup.json")).read_text())
    print(f"semdedup: {semdedup['rows']:,} rows, {semdedup['clusters']:,} clusters, largest {semdedup['largest_cluster']:,}"
          f", {semdedup['duplicates']:,} duplicates, embedded now {semdedup['embedded']}, "
          f"from cache {semdedup['embeddings_cached']:,}", flush=True)
    rng = np.random.default_rng(0)
    sample = [texts[i] for i in sorted(rng.choice(len(texts), size=min(args.cost_sample, len(texts)), replace=False))]
    embedding_costs(sample, args.backends, args.rows, args.device)
    if not args.keep:
        shutil.rmtree(args.work, ignore_errors=True)


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--build":
        _child_build(sys.argv[2], sys.argv[3])
    elif len(sys.argv) > 1 and sys.argv[1] == "--precompute":
        _child_precompute(sys.argv[2], sys.argv[3])
    else:
        main()
