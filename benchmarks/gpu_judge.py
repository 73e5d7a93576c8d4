"""Throughput of the five LLM judges (problems/s) and of solve-rate rollouts (rollouts/s).

Usage (GPU machine, ``pip install 'bigmath[gpu]'``)::

    python benchmarks/gpu_judge.py meta-llama/Llama-3.1-8B-Instruct --backend vllm --problems 2000
    python benchmarks/gpu_judge.py /models/llama-70b --backend vllm --tensor-parallel-size 4

CPU smoke run with the tiny random-weight model (proves the script works; figures meaningless)::

    python benchmarks/gpu_judge.py --tiny --backend transformers --problems 30 --solve-problems 5 --samples 4

Problems are real rows from the shared sample data (MATH, Omni-MATH, HARP; solve rate on MATH,
whose answers are the last ``\\boxed{}`` of the solution). The request cache is a fresh temporary
folder, so every reply is generated. Judges use Big-Math's settings (temperature 0.2, 5 tokens);
rollouts use temperature 0.8, top-p 0.95 and ``--max-tokens``. Grading time is reported apart.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def load_problems(data: Path, n: int) -> list[tuple[str, str, str | None]]:
    """Up to ``n`` (id, problem, answer) rows, taken in turn from MATH, Omni-MATH and HARP."""
    from bigmath.boxed import last_boxed

    sources = []
    for rel, answer in (("math/sample.jsonl", lambda r: last_boxed(r["solution"])),
                        ("omni_math/sample.jsonl", lambda r: r.get("answer")),
                        ("harp/sample.jsonl", lambda r: r.get("answer"))):
        with open(data / rel, encoding="utf-8") as handle:
            rows = [json.loads(line) for line in handle]
        sources.append([(f"{rel}:{i + 1}", r["problem"], answer(r)) for i, r in enumerate(rows)])
    mixed = [row for group in zip(*sources) for row in group]
    return mixed[:n]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("model", nargs="?", help="Hub id or local path of the model")
    parser.add_argument("--backend", choices=("transformers", "vllm"), default="vllm")
    parser.add_argument("--tiny", action="store_true", help="build and use the tiny random model (CPU smoke run)")
    parser.add_argument("--problems", type=int, default=1000, help="problems per judge")
    parser.add_argument("--solve-problems", type=int, default=100, help="problems for solve rate")
    parser.add_argument("--samples", type=int, default=64, help="rollouts per problem")
    parser.add_argument("--max-tokens", type=int, default=2048, help="max tokens per rollout")
    parser.add_argument("--tensor-parallel-size", type=int, default=1)
    parser.add_argument("--max-model-len", type=int, default=None)
    parser.add_argument("--batch-size", type=int, default=32, help="transformers: requests per generate call")
    parser.add_argument("--threads", type=int, default=None, help="transformers: CPU threads")
    parser.add_argument("--data", type=Path, default=Path(os.environ.get("BIGMATH_SHARED_DATA", REPO.parent / "shared" / "data")))
    args = parser.parse_args()

    from rich.console import Console
    from rich.table import Table

    from bigmath.filters.judges import JUDGE_NAMES
    from bigmath.llm.cache import RequestCache
    from bigmath.llm.config import BackendConfig
    from bigmath.llm.generate import CachedGenerator
    from bigmath.llm.prompts import load_template
    from bigmath.llm.solve_rate import SolveRateStage, tally
    from bigmath.registry import get_filter
    from bigmath.verify import check_many

    console = Console()
    with tempfile.TemporaryDirectory(prefix="bigmath-bench-") as tmp:
        model = args.model
        if args.tiny:
            from bigmath.llm.tiny import build_tiny_chat_model

            model = str(build_tiny_chat_model(Path(tmp) / "tiny"))
        if not model:
            parser.error("give MODEL or --tiny")
        config = BackendConfig(type=args.backend, model=model, alias="bench", device="auto",
                               tensor_parallel_size=args.tensor_parallel_size, max_model_len=args.max_model_len,
                               batch_size=args.batch_size, threads=args.threads)
        started = time.perf_counter()
        backend = config.build()
        load_s = time.perf_counter() - started
        cache = RequestCache(Path(tmp) / "cache" / "requests.sqlite")
        generator = CachedGenerator(backend, cache, chunk_size=4096)
        problems = load_problems(args.data, args.problems)
        table = Table(title=f"LLM judge / solve-rate throughput: {args.backend} {model} (load {load_s:.1f} s)")
        for column in ("step", "items", "seconds", "items/s", "notes"):
            table.add_column(column, justify="left" if column in ("step", "notes") else "right")
        for name in JUDGE_NAMES:
            judge = get_filter(name)()
            judge.bind(generator, "bench")
            start = time.perf_counter()
            rows = judge.judge([p[0] for p in problems], [p[1] for p in problems])
            seconds = time.perf_counter() - start
            labels = " ".join(f"{label}={sum(r['label'] == label for r in rows)}" for label in ("yes", "no", "unparseable"))
            table.add_row(f"{name} (problems)", str(len(rows)), f"{seconds:.2f}", f"{len(rows) / seconds:.1f}", labels)

        stage = SolveRateStage(backend=config, samples=args.samples, max_tokens=args.max_tokens)
        solvable = [p for p in load_problems(args.data, 3 * args.solve_problems) if p[0].startswith("math/")]
        solvable = solvable[: args.solve_problems]
        start = time.perf_counter()
        replies = generator.run(load_template(stage.prompt), [(p[0], p[1]) for p in solvable], stage.sampling(),
                                description="solve-rate rollouts")
        seconds = time.perf_counter() - start
        rollouts = sum(len(r) for r in replies)
        table.add_row("solve-rate rollouts", str(rollouts), f"{seconds:.2f}", f"{rollouts / seconds:.1f}",
                      f"{len(solvable)} problems x {args.samples}, max {args.max_tokens} tokens")
        start = time.perf_counter()
        verdicts = check_many([p[2] for p, texts in zip(solvable, replies) for _ in texts],
                              [t for texts in replies for t in texts], workers=2)
        seconds = time.perf_counter() - start
        table.add_row("grading (check_many, 2 workers)", str(len(verdicts)), f"{seconds:.2f}",
                      f"{len(verdicts) / seconds:.1f}", "includes verifier pool start-up")
        outcomes = [v.outcome.value for v in verdicts]
        rates = [tally(outcomes[k * args.samples : (k + 1) * args.samples])["solve_rate"] for k in range(len(solvable))]
        graded = [r for r in rates if r is not None]
        console.print(table)
        console.print(f"mean solve rate {sum(graded) / max(1, len(graded)):.3f} over {len(graded)} problems; "
                      f"backend generated {backend.requests_generated} replies in {backend.calls} calls")
        backend.close()
        cache.close()


if __name__ == "__main__":
    main()
