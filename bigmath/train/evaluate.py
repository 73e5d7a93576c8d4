"""``bigmath eval MODEL --benchmark B --n N``: generate answers, grade them with the verifier.

Greedy decoding by default (one answer per problem); ``--samples k`` draws k answers per problem
at temperature 0.6, top-p 0.95 (DeepSeek-R1's evaluation setting) and reports pass@1 (mean
accuracy over the samples) and pass@k with the unbiased estimator of Chen et al. 2021 (Codex).
Prompts are built as the exports build them (problem, blank line, the ``\\boxed{}`` instruction),
through the model's chat template. Generation uses a :mod:`bigmath.llm` backend: transformers
(CPU or GPU) or vLLM when installed with a GPU.

95 % intervals: the Wilson score interval (Wilson 1927) for a share of problems (greedy accuracy,
pass@k); for pass@1 over several samples, the normal interval of the per-problem mean accuracy
across problems (Miller 2024, "Adding Error Bars to Evals", arXiv 2411.00640).

Output folder: ``results.jsonl`` (one row per problem: id, problem, gold, responses, verifier
outcomes and parsed predictions, correct count), ``eval.json`` (model, benchmark file and sha256,
settings, accuracy, interval, outcome counts, versions) and ``timings.json``.
"""

from __future__ import annotations

import collections
import dataclasses
import json
import math
import time
import warnings
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from bigmath.export.formats import DEFAULT_INSTRUCTION, ExportOptions, prompt_messages
from bigmath.verify.types import DEFAULT_TIMEOUT_S

Z_95 = 1.959963984540054  # two-sided 95 % normal quantile


class EvalSettings(BaseModel):
    """Settings of ``bigmath eval``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    benchmark: str = Field("math500", description="math500, aime24, amc23, gsm8k (any built-in name) or a file.")
    n: int | None = Field(None, ge=1, description="Evaluate the first N problems (all when unset).")
    samples: int = Field(1, ge=1, description="Answers per problem; 1 = greedy, k > 1 gives pass@1 and pass@k.")
    temperature: float | None = Field(None, ge=0, description="Default 0 (greedy) with 1 sample, 0.6 with more.")
    top_p: float | None = Field(None, gt=0, le=1, description="Default 1.0 greedy, 0.95 sampled.")
    max_tokens: int = Field(1024, ge=1, description="Most generated tokens per answer.")
    backend: Literal["auto", "transformers", "vllm"] = Field("auto", description="auto = vLLM with a GPU, "
                                                                                 "else transformers.")
    device: Literal["auto", "cpu", "cuda"] = Field("auto", description="transformers: where the model runs.")
    batch_size: int = Field(16, ge=1, description="transformers: prompts per generate call.")
    threads: int | None = Field(None, ge=1, description="transformers on CPU: torch threads.")
    tensor_parallel_size: int = Field(1, ge=1, description="vllm: GPUs per model.")
    max_model_len: int | None = Field(None, ge=1, description="vllm: context length.")
    seed: int = Field(0, description="Sampling seed.")
    instruction: str = Field(DEFAULT_INSTRUCTION, description="Text after each problem, as in the exports.")
    system_prompt: str | None = Field(None, description="Optional system message.")
    data_dir: str | None = Field(None, description="Folder of the built-in benchmark files (default: shared data).")
    verify_workers: int = Field(2, ge=1, description="Verifier worker processes.")
    verify_timeout_s: float = Field(DEFAULT_TIMEOUT_S, gt=0, description="Verifier bound per answer, seconds.")

    def sampling(self) -> tuple[float, float]:
        """``(temperature, top_p)`` after defaults."""
        sampled = self.samples > 1
        temperature = self.temperature if self.temperature is not None else (0.6 if sampled else 0.0)
        return temperature, self.top_p if self.top_p is not None else (0.95 if sampled else 1.0)


@dataclasses.dataclass(frozen=True)
class EvalResult:
    """A finished evaluation: ``out_dir``, ``summary`` (the content of ``eval.json``) and the
    per-problem ``rows`` of ``results.jsonl``."""

    out_dir: Path
    summary: dict[str, Any]
    rows: list[dict[str, Any]]


class BenchmarkSizeWarning(UserWarning):
    """More problems were asked for (``n``) than the benchmark has."""


def wilson_interval(successes: int, n: int, z: float = Z_95) -> tuple[float, float]:
    """Wilson score interval of a binomial share (Wilson 1927); (0, 1) when ``n`` is 0."""
    if n == 0:
        return 0.0, 1.0
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return round(max(0.0, centre - half), 12), round(min(1.0, centre + half), 12)


def mean_interval(values: list[float], z: float = Z_95) -> tuple[float, float]:
    """Normal interval of the mean of per-problem scores, clipped to [0, 1] and rounded to 12
    places. When every problem has the same score the sample spread is 0 and the normal interval
    a point, so the Wilson interval of the share of problems at that score is used instead (3
    problems all at 0 do not prove an accuracy of exactly 0)."""
    n = len(values)
    mean = sum(values) / n
    if n < 2:
        return 0.0, 1.0
    if all(v == values[0] for v in values) and values[0] in (0.0, 1.0):
        return wilson_interval(round(mean * n), n, z)
    sd = math.sqrt(sum((v - mean) ** 2 for v in values) / (n - 1))
    return (round(max(0.0, mean - z * sd / math.sqrt(n)), 12), round(min(1.0, mean + z * sd / math.sqrt(n)), 12))


def pass_at_k(n: int, c: int, k: int) -> float:
    """Unbiased pass@k from ``n`` samples with ``c`` correct (Chen et al. 2021, eq. 1)."""
    if n - c < k:
        return 1.0
    return 1.0 - math.prod((n - c - i) / (n - i) for i in range(k))


def _backend(model_path: str, settings: EvalSettings) -> Any:
    import importlib.util

    from bigmath.llm.config import BackendConfig, cuda_available

    kind = settings.backend
    if kind == "auto":
        kind = "vllm" if importlib.util.find_spec("vllm") is not None and cuda_available() else "transformers"
    config = BackendConfig(type=kind, model=model_path, device=settings.device, batch_size=settings.batch_size,
                           threads=settings.threads, tensor_parallel_size=settings.tensor_parallel_size,
                           max_model_len=settings.max_model_len)
    return config.build()


def summarise(rows: list[dict[str, Any]], samples: int) -> dict[str, Any]:
    """Accuracy, 95 % interval, pass@k, outcome counts and the answers stated with an explicit
    final-answer marker (``marked``: a ``\\boxed{}``, "the answer is", ``####``) of graded ``rows``."""
    n = len(rows)
    per_problem = [r["correct"] / samples for r in rows]
    outcomes = collections.Counter(o for r in rows for o in r["outcomes"])
    if samples == 1:
        solved = sum(r["correct"] for r in rows)
        interval, method = wilson_interval(solved, n), "Wilson score (share of problems)"
    else:
        interval, method = mean_interval(per_problem), "normal, per-problem mean over samples (Miller 2024)"
    passes = {str(k): sum(pass_at_k(samples, r["correct"], k) for r in rows) / n for k in sorted({1, samples})}
    solved_any = sum(1 for r in rows if r["correct"])
    return {"problems": n, "samples": samples, "accuracy": sum(per_problem) / n, "interval_95": list(interval),
            "interval_method": method, "pass_at_k": passes,
            "pass_at_k_interval_95": list(wilson_interval(solved_any, n)) if samples > 1 else list(interval),
            "outcomes": {o: outcomes[o] for o in sorted(outcomes)},
            "marked_answers": sum(r.get("marked", 0) for r in rows)}


def evaluate(model: str, out_dir: str | Path, settings: EvalSettings | None = None) -> EvalResult:
    """Evaluate ``model`` on ``settings.benchmark`` and write the output folder.

    Args:
        model: local model name, Hub id, model folder, or a ``bigmath train`` run folder.
        out_dir: folder for ``results.jsonl``, ``eval.json``, ``timings.json`` (created).
        settings: what to evaluate and how; defaults when None.

    Raises:
        bigmath.errors.InputError: unknown benchmark or a bad row (file, row, field named).
        bigmath.llm.base.BackendError: the model cannot be loaded.
    """
    from bigmath.llm.base import SamplingParams
    from bigmath.progress import track
    from bigmath.train.benchmarks import file_sha256, load_benchmark
    from bigmath.train.run import model_identity, resolve_run_model, versions, write_json
    from bigmath.verify import check_many, extract_answer

    settings = settings or EvalSettings()
    name, path, problems = load_benchmark(settings.benchmark, settings.n, settings.data_dir)
    if settings.n and len(problems) < settings.n:
        warnings.warn(f"--n {settings.n}: {name} has {len(problems)} problems; evaluating all of them",
                      BenchmarkSizeWarning, stacklevel=2)
    model_path = resolve_run_model(model)
    options = ExportOptions(instruction=settings.instruction, system_prompt=settings.system_prompt)
    temperature, top_p = settings.sampling()
    params = SamplingParams(n=settings.samples, temperature=temperature, top_p=top_p,
                            max_tokens=settings.max_tokens, seed=settings.seed)
    started = time.perf_counter()
    backend = _backend(model_path, settings)
    loaded = time.perf_counter()
    conversations = [prompt_messages({"problem": p.problem}, options) for p in problems]
    responses: list[list[str]] = []
    with track(f"generating ({name})", total=len(problems)) as advance:
        for start in range(0, len(conversations), settings.batch_size):
            responses += backend.generate(conversations[start:start + settings.batch_size], params)
            advance(len(conversations[start:start + settings.batch_size]))
    backend.close()
    generated = time.perf_counter()
    golds = [p.answer for p, replies in zip(problems, responses) for _ in replies]
    asked = [p.problem for p, replies in zip(problems, responses) for _ in replies]  # echo rule
    verdicts = iter(check_many(golds, [r for replies in responses for r in replies], problems=asked,
                               workers=settings.verify_workers, timeout_s=settings.verify_timeout_s))
    rows = []
    for problem, replies in zip(problems, responses):
        graded = [next(verdicts) for _ in replies]
        rows.append({"benchmark": name, "id": problem.item_id, "problem": problem.problem, "answer": problem.answer,
                     "responses": replies, "outcomes": [v.outcome.value for v in graded],
                     "predictions": [v.prediction for v in graded], "correct": sum(v.correct for v in graded),
                     "marked": sum(extract_answer(r) is not None for r in replies)})
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    with (out / "results.jsonl").open("w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")
    summary = {
        "model": model_identity(model, model_path), "backend": backend.describe(),
        "benchmark": {"name": name, "file": str(path), "sha256": file_sha256(path), "first_n": settings.n},
        "generation": {"samples": settings.samples, "temperature": temperature, "top_p": top_p,
                       "max_tokens": settings.max_tokens, "seed": settings.seed},
        "settings": settings.model_dump(mode="json"),
        **summarise(rows, settings.samples),
        "versions": versions(),
    }
    write_json(out / "eval.json", summary)
    write_json(out / "timings.json", {"load_s": loaded - started, "generate_s": generated - loaded,
                                      "grade_s": time.perf_counter() - generated})
    return EvalResult(out, summary, rows)
