"""Judge problems/s (scoring and sampled modes) and solve-rate rollouts/s of a local model.

Usage (defaults: SmolLM2-135M-Instruct on CPU, the bundled local model, transformers backend)::

    python benchmarks/llm_throughput.py --problems 32 --solve-problems 8 --samples 4 --max-tokens 256
    python benchmarks/llm_throughput.py --backend vllm --model meta-llama/Llama-3.1-8B-Instruct \
        --problems 2000 --solve-problems 200 --samples 64 --max-tokens 2048

Problems are real MATH test problems from ``../shared/data`` (the few-shot rows of the judge
prompt left out). No request cache: every score and reply is computed. Figures:

* judge, scoring mode: ``judge_multiple_choice`` prompt, one forward pass per problem
  (``Backend.score``: shared few-shot prefix computed once, suffixes batched by length);
* judge, sampled mode: the same prompt, Big-Math's temperature 0.2 and 5 tokens, one reply each;
* solve rate: ``--samples`` rollouts per problem (temperature 0.8, top-p 0.95, ``--max-tokens``),
  then graded by the verifier (grading time apart).

Each figure is wall time of the backend calls (model loading excluded), with the load average
at the end, since a busy machine skews CPU figures.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def math_problems(data: Path, n: int, skip: int = 2) -> list[tuple[str, str, str | None]]:
    """``n`` (id, problem, answer) MATH test rows after the first ``skip`` lines (answer = last
    ``\\boxed{}`` of the solution)."""
    from bigmath.boxed import last_boxed

    rows = []
    with open(data / "math" / "sample.jsonl", encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if number > skip and len(rows) < n:
                row = json.loads(line)
                rows.append((f"math-{row['idx']}", row["problem"], last_boxed(row["solution"])))
    return rows


def timed(backend, call) -> tuple[object, float, dict]:
    """Run ``call()``; return its result, the backend's seconds and its throughput delta."""
    before = dataclasses.replace(backend.throughput)
    result = call()
    done = backend.throughput.since(before)
    return result, done.seconds, dataclasses.asdict(done)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=("transformers", "vllm", "openai"), default="transformers")
    parser.add_argument("--model", default="smollm2-135m-instruct", help="Hub id, local path or local model name")
    parser.add_argument("--base-url", default=None, help="openai: server URL ending in /v1")
    parser.add_argument("--tensor-parallel-size", type=int, default=1, help="vllm: GPUs per model")
    parser.add_argument("--device", default="cpu", help="transformers device: cpu, cuda, auto")
    parser.add_argument("--problems", type=int, default=32, help="problems per judge mode")
    parser.add_argument("--solve-problems", type=int, default=8, help="problems for solve rate")
    parser.add_argument("--samples", type=int, default=4, help="rollouts per problem")
    parser.add_argument("--max-tokens", type=int, default=256, help="max tokens per rollout")
    parser.add_argument("--batch-size", type=int, default=16, help="requests per forward / generate call")
    parser.add_argument("--threads", type=int, default=None, help="CPU threads for torch (default: torch's)")
    parser.add_argument("--data", type=Path, default=Path(os.environ.get("BIGMATH_SHARED_DATA", ROOT.parent / "shared" / "data")))
    args = parser.parse_args()

    from bigmath.llm.base import SamplingParams
    from bigmath.llm.config import BackendConfig
    from bigmath.llm.generate import CachedGenerator
    from bigmath.llm.labels import parse_label
    from bigmath.llm.prompts import load_template
    from bigmath.verify import check_many

    backend = BackendConfig(type=args.backend, model=args.model, base_url=args.base_url, device=args.device,
                            batch_size=args.batch_size, threads=args.threads,
                            tensor_parallel_size=args.tensor_parallel_size).build()
    generator = CachedGenerator(backend, None, chunk_size=max(args.problems, 1), progress=False)
    judge = load_template(ROOT / "filters" / "prompts" / "judge_multiple_choice.txt")
    solve = load_template(ROOT / "bigmath" / "stages" / "prompts" / "solve_rate.txt")
    problems = math_problems(args.data, max(args.problems, args.solve_problems))
    judged = [(pid, text) for pid, text, _ in problems[: args.problems]]
    where = f"{backend.device}, torch threads {__import__('torch').get_num_threads()}, batch size {args.batch_size}" \
        if args.backend == "transformers" else args.backend
    print(f"{args.model} on {where}")

    if backend.supports_scores:
        scores, seconds, _ = timed(backend, lambda: generator.score(judge, judged))
        yes = sum(s.p_yes is not None and s.p_yes >= 0.5 for s in scores)
        print(f"judge, scoring mode: {len(judged)} problems in {seconds:.1f} s = {len(judged) / seconds:.2f} "
              f"problems/s ({yes} p_yes >= 0.5)")
    else:
        print("judge, scoring mode: the backend returns no log-probabilities")

    params = SamplingParams(n=1, temperature=0.2, max_tokens=5, seed=0)
    replies, seconds, done = timed(backend, lambda: generator.run(judge, judged, params))
    parsed = sum(parse_label(texts[0]) != "unparseable" for texts in replies)
    print(f"judge, sampled mode: {len(judged)} problems in {seconds:.1f} s = {len(judged) / seconds:.2f} problems/s, "
          f"{done['generated_tokens'] / seconds:.1f} generated tokens/s ({parsed} replies parseable)")

    solvable = [(pid, text) for pid, text, _ in problems[: args.solve_problems]]
    rollout = SamplingParams(n=args.samples, temperature=0.8, top_p=0.95, max_tokens=args.max_tokens, seed=0)
    rollouts, seconds, done = timed(backend, lambda: generator.run(solve, solvable, rollout))
    count = len(solvable) * args.samples
    print(f"solve rate: {count} rollouts in {seconds:.1f} s = {count / seconds:.2f} rollouts/s, "
          f"{done['generated_tokens'] / seconds:.1f} generated tokens/s ({done['generated_tokens'] / count:.0f} tokens each)")
    golds = [answer for _, _, answer in problems[: args.solve_problems] for _ in range(args.samples)]
    started = time.perf_counter()
    verdicts = check_many(golds, [text for texts in rollouts for text in texts])
    correct = sum(str(getattr(v.outcome, "value", v.outcome)) == "correct" for v in verdicts)
    print(f"grading: {count} rollouts in {time.perf_counter() - started:.1f} s; {correct} correct")
    print("load average (1, 5, 15 min): " + ", ".join(f"{x:.2f}" for x in os.getloadavg()))
    backend.close()


if __name__ == "__main__":
    main()
