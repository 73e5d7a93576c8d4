"""Embedding backends on the shared samples in one run: speed, SemDeDup decisions, known-duplicate recall.

Run from the repository root (about 15 minutes on 2 idle cores; exports are made once first)::

    .venv/bin/python benchmarks/embedding_backends.py
    .venv/bin/python benchmarks/embedding_backends.py --sample 4000 --backends torch onnx onnx:int8 openvino:bf16 static

Input: every shared sample read as in ``benchmarks/known_duplicates.py`` (11,131 rows; ``--sample N``
keeps every row of a known duplicate pair plus evenly spaced others, N in all, in input order), embedded
as ``Problem: {problem} Answer: {answer}`` with all-MiniLM-L6-v2 on each backend
(``backend[:quantize]``, see :mod:`bigmath.dedup.embed_backends`). The texts are cut into
chunks of ``--chunk`` rows in input order and every chunk goes to every backend in turn (the
order rotates per chunk), so a change in machine load hits all backends alike; problems/s is
rows / the backend's summed encode time. Load time (including a first export) is reported apart.

Per backend, against torch (float32, the reference):

* cos: min and mean cosine of each row's vector to torch's (same model only);
* SemDeDup rows changed: rows removed by one backend and kept by the other when
  :func:`bigmath.dedup.semdedup.identify` runs with its defaults (threshold 0.99, k-means);
* pairs changed: pairs with cosine >= 0.99 (all pairs, no clustering) found by one and not the
  other, over the pairs either finds;
* recall: share of the known duplicate pairs (exact + MinHash, :func:`known_duplicates.known_pairs`)
  with cosine >= 0.99, and share of their rows that ``identify`` removes.

The static model (model2vec distilled from MiniLM, 256 dimensions) lives in another vector
space: it is a fast pre-pass, so its line also says which share of torch's 0.99 pairs it finds at
lower thresholds, and with how many candidate pairs.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
THRESHOLD = 0.99


def _known_duplicates():
    spec = importlib.util.spec_from_file_location("known_duplicates", REPO / "benchmarks" / "known_duplicates.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def close_pairs(x: np.ndarray, threshold: float, block: int = 2048) -> set[tuple[int, int]]:
    """All pairs (i < j) with ``x[i] @ x[j] >= threshold``, by blocks of rows (no N x N matrix)."""
    pairs: set[tuple[int, int]] = set()
    for start in range(0, len(x), block):
        sims = x[start : start + block] @ x.T
        rows, cols = np.nonzero(sims >= threshold)
        rows = rows + start
        keep = rows < cols
        pairs.update(zip(rows[keep].tolist(), cols[keep].tolist()))
    return pairs


def _sample(table, truth, n: int):
    """``n`` rows of ``table`` in input order: every row of a known pair, then evenly spaced others."""
    import pyarrow as pa

    ids = table.column("id").to_pylist()
    paired = set(truth.column("id").to_pylist()) | set(truth.column("duplicate_of").to_pylist())
    others = [i for i, row_id in enumerate(ids) if row_id not in paired]
    room = max(0, n - len(paired))
    chosen = {i for i, row_id in enumerate(ids) if row_id in paired}
    chosen |= {others[int(j * len(others) / room)] for j in range(room)} if room else set()
    return table.take(pa.array(sorted(chosen)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backends", nargs="+", default=["torch", "torch:bf16", "onnx", "onnx:int8", "openvino",
                                                           "openvino:bf16", "static"])
    parser.add_argument("--sample", type=int, default=None, help="N rows: all known-pair rows + evenly spaced others")
    parser.add_argument("--chunk", type=int, default=512)
    parser.add_argument("--batch-size", type=int, default=64)
    args = parser.parse_args()

    from bigmath.dedup.embed_backends import EncoderSpec, load_encoder
    from bigmath.dedup.embeddings import format_texts
    from bigmath.dedup.semdedup import SemDedupConfig, identify

    known = _known_duplicates()
    table = known.load_all()
    if args.sample and args.sample < table.num_rows:
        table = _sample(table, known.known_pairs(table), args.sample)
    texts = format_texts({c: table.column(c).to_pylist() for c in ("problem", "answer")})
    ids = table.column("id").to_pylist()
    print(f"{len(texts)} texts, chunks of {args.chunk}, batch size {args.batch_size}, {os.cpu_count()} CPUs, "
          f"load average at start {os.getloadavg()[0]:.2f}", flush=True)
    encoders, load_s = {}, {}
    for name in args.backends:
        backend, _, quantize = name.partition(":")
        start = time.perf_counter()
        encoders[name] = load_encoder(EncoderSpec(backend=backend, quantize=quantize or None, batch_size=args.batch_size))
        load_s[name] = time.perf_counter() - start
    seconds = dict.fromkeys(encoders, 0.0)
    parts: dict[str, list[np.ndarray]] = {name: [] for name in encoders}
    names = list(encoders)
    for number, first in enumerate(range(0, len(texts), args.chunk)):
        chunk = texts[first : first + args.chunk]
        for name in names[number % len(names):] + names[: number % len(names)]:
            start = time.perf_counter()
            parts[name].append(encoders[name].encode(chunk))
            seconds[name] += time.perf_counter() - start
        print(f"  {first + len(chunk)}/{len(texts)} rows, load average {os.getloadavg()[0]:.2f}", flush=True)
    vectors = {name: np.concatenate(chunks) for name, chunks in parts.items()}
    reference = "torch" if "torch" in vectors else names[0]
    config = SemDedupConfig()
    sources, subsets = table.column("source").to_pylist(), table.column("subset").to_pylist()
    removed = {name: identify(v, ids, sources, subsets, config)[0].column("duplicate").to_numpy(zero_copy_only=False)
               for name, v in vectors.items()}
    pairs = {name: close_pairs(v, THRESHOLD) for name, v in vectors.items()}
    index = {row_id: i for i, row_id in enumerate(ids)}
    truth = known.known_pairs(table)
    truth_pairs = [(index[a], index[b]) for a, b in zip(truth.column("id").to_pylist(),
                                                        truth.column("duplicate_of").to_pylist())]
    print(f"\nknown duplicate pairs (exact + MinHash): {len(truth_pairs)}; load average at end {os.getloadavg()[0]:.2f}\n")
    print("| backend | load s | problems/s | x torch | min cos | mean cos | SemDeDup removed | rows changed "
          "| pairs >= 0.99 | pairs changed | known-pair recall (cos) | known-row recall (SemDeDup) |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for name, v in vectors.items():
        rate = len(texts) / seconds[name]
        same_space = v.shape[1] == vectors[reference].shape[1]
        cos = (v * vectors[reference]).sum(1) if same_space else None
        changed = int((removed[name] != removed[reference]).sum())
        union = pairs[name] | pairs[reference]
        pair_changed = len(pairs[name] ^ pairs[reference])
        sims = np.einsum("ij,ij->i", v[[a for a, _ in truth_pairs]], v[[b for _, b in truth_pairs]])
        row_recall = removed[name][[a for a, _ in truth_pairs]].mean()
        print(f"| {name} | {load_s[name]:.1f} | {rate:.1f} | {seconds[reference] / seconds[name]:.2f} | "
              f"{'%.5f' % cos.min() if cos is not None else 'n/a'} | {'%.6f' % cos.mean() if cos is not None else 'n/a'} | "
              f"{int(removed[name].sum())} | {changed} ({100 * changed / len(texts):.2f} %) | {len(pairs[name])} | "
              f"{pair_changed} ({100 * pair_changed / max(1, len(union)):.1f} %) | {(sims >= THRESHOLD).mean():.3f} | "
              f"{row_recall:.3f} |")
    for name, v in vectors.items():
        if v.shape[1] != vectors[reference].shape[1]:
            target = pairs[reference]
            print(f"\n{name} as a pre-pass for {reference}'s {len(target)} pairs >= {THRESHOLD}:")
            for threshold in (0.95, 0.9, 0.85, 0.8):
                found = close_pairs(v, threshold)
                print(f"  static cosine >= {threshold}: {len(found)} candidate pairs, "
                      f"recall {len(found & target) / max(1, len(target)):.3f}")


if __name__ == "__main__":
    main()
