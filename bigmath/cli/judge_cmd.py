"""Command: ``bigmath judge`` -- the LLM judges (and optionally solve rate) over IN.

A one- or two-stage recipe (``llm_judges``, ``solve_rate``) run by the build engine
(:mod:`bigmath.cli.runner`): rerunning the same command reuses every reply in the request cache
(``OUT/cache/llm/requests.sqlite``) and every finished shard. Options are generated from the
backend, judge and solve-rate models (:mod:`bigmath.cli.options`).
"""

from __future__ import annotations

import inspect
from typing import Any

import typer

from bigmath.cli.app import app, fail
from bigmath.cli.options import field_options, merge, model_command, nest
from bigmath.cli.runner import (build_component, input_parameter, problems_source, run_parameters, run_recipe,
                                route_sets, sets_of, stage_spec)
from bigmath.filters.judges import JUDGE_FAMILIES, JudgeFilter
from bigmath.llm.config import BackendConfig
from bigmath.stages.llm import LLMStage
from bigmath.stages.llm_judges import LLMJudgeStage
from bigmath.stages.solve_rate import SolveRateStage

_BACKEND = field_options(BackendConfig, "backend", rename={"type": "--backend"}, panel="Backend (both stages)")
_LLM = field_options(LLMStage, "llm", skip=("backend",), panel="Backend (both stages)")
_JUDGE = field_options(JudgeFilter, "judge", prefix="judge-", skip=("backend", "prompt", "drop"),
                       panel="Judges (llm_judges stage; each judge)")
_SOLVE = field_options(SolveRateStage, "solve_rate", skip=("backend", *LLMStage.model_fields),
                       panel="Solve rate (solve_rate stage, with --solve-rate)")


def _judge(fixed: dict[str, Any], groups: dict[str, dict[str, Any]]) -> None:
    text = fixed["judges"].strip().lower()
    families = [] if text == "none" else [j.strip().removeprefix("judge_") for j in text.split(",") if j.strip()]
    unknown = sorted(set(families) - set(JUDGE_FAMILIES))
    if unknown:
        raise fail(f"--judges {unknown[0]}: unknown judge; choose from {', '.join(JUDGE_FAMILIES)} (or none)")
    if not families and not fixed["solve_rate"]:
        raise fail("nothing to do: give --judges or --solve-rate")
    running = {name: cls for name, cls, on in (("llm_judges", LLMJudgeStage, families),
                                                ("solve_rate", SolveRateStage, fixed["solve_rate"])) if on}
    sets = route_sets(sets_of(fixed), running)
    backend = stage_spec("backend", groups, {})
    shared = {"backend": backend, **stage_spec("llm", groups, {})}
    options = _BACKEND + _LLM
    stages = []
    if families:
        judge = stage_spec("judge", groups, {}, {"drop": not fixed["annotate_only"]})
        spec = merge({**shared, "judges": [{"type": f"judge_{f}", **judge} for f in families]},
                     nest(sets["llm_judges"]))  # --set judges=[...] replaces the --judges list
        stages.append(build_component("stage", "llm_judges", spec, options + _JUDGE, "llm_judges",
                                      nested={"backend": "backend", "llm": "", "judge": "judges"}))
    if fixed["solve_rate"]:
        import pyarrow.parquet as pq

        from bigmath.sources.problems import problem_files

        if fixed["input_path"].exists() and not any("answer" in pq.read_schema(f).names
                                                     for f in problem_files(fixed["input_path"])):
            raise fail(f"--solve-rate grades rollouts against the answer column, and {fixed['input_path']} has none")
        spec = stage_spec("solve_rate", groups, sets["solve_rate"], shared)
        stages.append(build_component("stage", "solve_rate", spec, options + _SOLVE, "solve_rate",
                                      nested={"backend": "backend", "llm": ""}))
    run_recipe("judge", [problems_source(fixed["input_path"])], stages, fixed)


model_command(
    app, "judge", _judge,
    doc="Run the LLM judges (and optionally solve rate) on IN; rerun to resume from the request cache.\n\n"
        "Example: bigmath judge kept.parquet --out judged --backend transformers --model smollm2-135m-instruct "
        "--judges multiple_choice,proof",
    fixed=[input_parameter(), *run_parameters(),
           inspect.Parameter("judges", inspect.Parameter.KEYWORD_ONLY, annotation=str,
                             default=typer.Option(",".join(JUDGE_FAMILIES), "--judges",
                                                  help="Comma-separated judges (proof or judge_proof), or none.")),
           inspect.Parameter("annotate_only", inspect.Parameter.KEYWORD_ONLY, annotation=bool,
                             default=typer.Option(False, "--annotate-only", help="Keep every row; only add columns.")),
           inspect.Parameter("solve_rate", inspect.Parameter.KEYWORD_ONLY, annotation=bool,
                             default=typer.Option(False, "--solve-rate/--no-solve-rate",
                                                  help="Also measure solve rate (needs an answer column)."))],
    generated=_BACKEND + _LLM + _JUDGE + _SOLVE,
)
