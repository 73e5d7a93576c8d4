"""SemDeDup identify step: bigmath vs. a faithful re-implementation of Big-Math's algorithm.

Run from the repository root::

    .venv/bin/python benchmarks/semdedup_scaling.py                      # N = 10k, 50k, 100k, 200k
    .venv/bin/python benchmarks/semdedup_scaling.py --sizes 10000 --vectors random

Vectors (``--vectors``):

* ``real`` (default): all-MiniLM-L6-v2 embeddings of every shared sample problem (MATH test 5000,
  HARP 2000 + 310 proof, Omni-MATH 2821, labelled benchmark sets; ``Problem: ... Answer: ...``),
  embedded once and cached under ``--cache-dir``. Row i of an N-row set is base row ``i mod
  n_base`` plus Gaussian noise (sigma uniform in [0, 0.6] per row, 0 for the first copy),
  renormalised: each problem gets N / n_base noisy copies with cosine ~0.86..1 to it.
* ``random``: i.i.d. random unit vectors (no duplicates at all; the cheapest case for Big-Math).

Both algorithms get the same vectors (written to a .npy file once per N), only the identify step
is timed (embedding excluded), and each (algorithm, N) runs in its own child process. Peak
memory is the child's peak RSS during the identify step (Linux ``VmHWM``, reset just before it;
``resource.getrusage``'s ``ru_maxrss`` is not used because it survives ``exec`` and starts at the
forking parent's peak); ``+MB`` is that peak minus the RSS once the libraries (numpy, faiss,
torch, pandas) and the vectors are loaded, i.e. what the identify step itself added. Big-Math-style runs are killed after ``--bigmath-timeout`` seconds and
reported as such.

The Big-Math-style algorithm follows ``semantic_deduplication`` in Big-Math's ``semdedup.py``
(SynthLabsAI/big-math, imported by ``signals/add_semdedup_signal.py`` @ 20633de): faiss k-means
with ``k = N // 100``, 20 iterations, seed 42, non-spherical; then per cluster a pandas boolean
mask over the whole frame, a sort by distance to the centroid, a dense n x n torch similarity
matrix, ``triu``, ``> epsilon`` (0.99, the default that actually ran), ``nonzero`` and the
pairwise Python loop that builds one pandas DataFrame of duplicates per head row.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("BIGMATH_SHARED_DATA", REPO.parent / "shared" / "data"))


def _status_mb(field: str) -> float | None:
    """``VmRSS`` / ``VmHWM`` of this process from /proc (MiB), or None off Linux."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def _reset_peak() -> None:
    """Reset this process's peak-RSS mark (Linux ``clear_refs``), so the peak is the identify step's."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        pass


def _current_mb() -> float:
    return _status_mb("VmRSS") or resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _peak_mb() -> float:
    # VmHWM, not getrusage's ru_maxrss: the latter survives exec and so starts at the forking
    # parent's peak, which holds all the vectors.
    return _status_mb("VmHWM") or resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def base_vectors(kind: str, cache_dir: Path) -> np.ndarray:
    """Real embeddings of the shared samples (cached), or 12,000 random unit vectors."""
    if kind == "random":
        x = np.random.default_rng(0).normal(size=(12_000, 384)).astype(np.float32)
        return x / np.linalg.norm(x, axis=1, keepdims=True)
    from bigmath.dedup.embeddings import embed_texts
    from bigmath.registry import get_source
    from bigmath.schema import Problem

    texts = []
    for name, path in [("math", "math/sample.jsonl"), ("harp", "harp/sample.jsonl"), ("harp", "harp/proof_based.jsonl"),
                       ("omni_math", "omni_math/sample.jsonl")]:
        for item in get_source(name)(path=str(SHARED / path)).iter_results():
            if isinstance(item, Problem):
                texts.append(f"Problem: {item.problem} Answer: {item.answer or ''}")
    from bigmath.dedup.benchmarks import parse_benchmark

    for source in parse_benchmark(str(SHARED / "labelled")):
        texts += [f"Problem: {item.problem} Answer: " for item in source.load()]
    return embed_texts(texts, cache_dir=cache_dir).vectors


def make_vectors(base: np.ndarray, n: int, kind: str) -> np.ndarray:
    """``n`` vectors: random unit vectors, or noisy copies of ``base`` rows (see module docstring)."""
    rng = np.random.default_rng(n)
    if kind == "random":
        x = rng.normal(size=(n, base.shape[1])).astype(np.float32)
    else:
        idx = np.arange(n) % len(base)
        sigma = np.where(np.arange(n) < len(base), 0.0, rng.uniform(0.0, 0.6, size=n)).astype(np.float32)
        noise = rng.normal(size=(n, base.shape[1])).astype(np.float32) / np.sqrt(base.shape[1])
        x = base[idx] + sigma[:, None] * noise
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


def run_ours(x: np.ndarray) -> dict:
    from bigmath.dedup.semdedup import SemDedupConfig, identify

    ids = [f"r{i:07d}" for i in range(len(x))]
    table, info = identify(x, ids, config=SemDedupConfig(similarity_threshold=0.99))
    return {"duplicates": info["duplicates"], "clusters": info["clusters"], "largest_cluster": info["largest_cluster"]}


def run_bigmath_style(x: np.ndarray, epsilon: float = 0.99) -> dict:
    """Big-Math's identify step, re-implemented from its ``semdedup.py`` (see module docstring)."""
    import faiss
    import pandas as pd
    import torch

    n = len(x)
    df = pd.DataFrame({"id": [f"r{i:07d}" for i in range(n)], "problem": ["p"] * n, "final_answer": ["a"] * n})
    embedded_content = torch.from_numpy(x)
    k = n // 100
    kmeans = faiss.Kmeans(d=x.shape[1], k=k, niter=20, verbose=False, seed=42, spherical=False)
    kmeans.train(x)
    centroids = kmeans.centroids
    dist_to_cent, nearest_cent = kmeans.index.search(x, 1)
    df["distance_to_centroid"] = dist_to_cent.squeeze()
    df["kmeans_cluster"] = nearest_cent.squeeze()
    indices_to_remove, cluster_duplicates_dfs = [], {}
    for cluster_id in range(k):
        cluster_df = df[df["kmeans_cluster"] == cluster_id]
        if len(cluster_df) == 0:
            continue
        cluster_idxs = cluster_df.index.tolist()
        cluster_embeddings = embedded_content[cluster_idxs]
        sim_to_cent = torch.nn.functional.cosine_similarity(cluster_embeddings, torch.tensor(centroids[cluster_id]))
        cluster_sorted = sorted(zip(cluster_idxs, cluster_embeddings, 1 - sim_to_cent), key=lambda t: t[2], reverse=True)
        sorted_idxs = [t[0] for t in cluster_sorted]
        sorted_embeddings = torch.stack([t[1] for t in cluster_sorted])
        matrix = sorted_embeddings @ sorted_embeddings.T
        matrix.fill_diagonal_(0.0)
        removals = torch.where(torch.triu(matrix) > epsilon, 1, 0)
        heads, tails = removals.nonzero(as_tuple=True)
        remove_local = list(set(tails.tolist()))
        heads, tails = heads.tolist(), tails.tolist()
        while heads:
            head, tail = heads.pop(0), tails.pop(0)
            if sorted_idxs[head] not in cluster_duplicates_dfs:
                cluster_duplicates_dfs[sorted_idxs[head]] = pd.DataFrame(columns=df.columns)
                cluster_duplicates_dfs[sorted_idxs[head]].loc[sorted_idxs[head]] = df.loc[sorted_idxs[head]]
            cluster_duplicates_dfs[sorted_idxs[head]].loc[sorted_idxs[tail]] = df.loc[sorted_idxs[tail]]
            for i in [i for i, h in enumerate(heads) if h == tail][::-1]:
                heads.pop(i)
                tails.pop(i)
        indices_to_remove.extend(sorted_idxs[i] for i in remove_local)
    return {"duplicates": len(indices_to_remove), "clusters": k,
            "largest_cluster": int(df["kmeans_cluster"].value_counts().max())}


def child(args: argparse.Namespace) -> None:
    import faiss  # noqa: F401  (libraries load before the baseline, for both algorithms)
    import pandas  # noqa: F401
    import torch  # noqa: F401

    import bigmath.dedup.semdedup  # noqa: F401

    x = np.load(args.vectors_file)
    baseline = _current_mb()
    _reset_peak()
    start = time.perf_counter()
    out = run_ours(x) if args.child == "ours" else run_bigmath_style(x)
    seconds = time.perf_counter() - start
    peak = _peak_mb()
    out.update(seconds=seconds, peak_mb=peak, above_baseline_mb=peak - baseline)
    print(json.dumps(out))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 50_000, 100_000, 200_000])
    parser.add_argument("--vectors", choices=["real", "random"], default="real")
    parser.add_argument("--cache-dir", type=Path, default=REPO / ".bigmath-cache" / "bench")
    parser.add_argument("--bigmath-timeout", type=float, default=1200.0)
    parser.add_argument("--child", choices=["ours", "bigmath"], help=argparse.SUPPRESS)
    parser.add_argument("--n", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--vectors-file", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
        return
    base = base_vectors(args.vectors, args.cache_dir)
    print(f"vectors: {args.vectors} ({len(base)} base rows, dim {base.shape[1]}); threshold 0.99; "
          f"{os.cpu_count()} CPUs")
    print(f"{'N':>8} {'algorithm':<14} {'seconds':>9} {'peak MB':>8} {'+MB':>7} {'dups':>7} {'clusters':>8}"
          f" {'largest':>8}")
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.sizes:
            vectors_file = Path(tmp) / f"vectors-{n}.npy"
            np.save(vectors_file, make_vectors(base, n, args.vectors))
            times = {}
            for algo in ("ours", "bigmath"):
                cmd = [sys.executable, __file__, "--child", algo, "--n", str(n), "--vectors-file", str(vectors_file)]
                try:
                    done = subprocess.run(cmd, capture_output=True, text=True, check=True,
                                          timeout=args.bigmath_timeout if algo == "bigmath" else None)
                except subprocess.TimeoutExpired:
                    print(f"{n:>8} {'big-math-style':<14} {'>' + str(int(args.bigmath_timeout)):>9}  (killed at timeout)")
                    continue
                res = json.loads(done.stdout.strip().splitlines()[-1])
                times[algo] = res["seconds"]
                name = "bigmath (ours)" if algo == "ours" else "big-math-style"
                print(f"{n:>8} {name:<14} {res['seconds']:>9.2f} {res['peak_mb']:>8.0f} {res['above_baseline_mb']:>7.0f} "
                      f"{res['duplicates']:>7} {res['clusters']:>8} {res['largest_cluster']:>8}", flush=True)
            if len(times) == 2:
                print(f"{n:>8} speed-up {times['bigmath'] / times['ours']:.1f}x", flush=True)


if __name__ == "__main__":
    main()
