"""Commands: ``bigmath dedup`` (exact dedup + SemDeDup) and ``bigmath decontaminate`` (benchmark overlap).

Both are one- or two-stage recipes run by the build engine (:mod:`bigmath.cli.runner`); their
options are generated from the stages' fields (:mod:`bigmath.cli.options`).
"""

from __future__ import annotations

import inspect
from typing import Any

import typer

from bigmath.cli.app import app, console, fail
from bigmath.cli.options import FieldOption, field_options, model_command
from bigmath.cli.runner import (build_component, input_parameter, problems_source, run_parameters, run_recipe,
                                route_sets, sets_of, stage_spec)
from bigmath.stages.decontaminate import DecontaminateStage
from bigmath.stages.exact_dedup import ExactDedupStage
from bigmath.stages.semdedup import SemDedupStage

_EXACT = field_options(ExactDedupStage, "exact_dedup", panel="Exact dedup (exact_dedup stage)")
_SEMANTIC = field_options(SemDedupStage, "semdedup", rename={"similarity_threshold": "--threshold"},
                          panel="SemDeDup (semdedup stage)")
_DECONTAMINATE = field_options(DecontaminateStage, "decontaminate", panel="Decontamination (decontaminate stage)")


def _switch(name: str, flag: str, help_text: str) -> inspect.Parameter:
    return inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, annotation=bool,
                             default=typer.Option(True, flag, help=help_text))


def _dedup(fixed: dict[str, Any], groups: dict[str, dict[str, Any]]) -> None:
    running = {name: cls for name, cls, on in (("exact_dedup", ExactDedupStage, fixed["exact"]),
                                                ("semdedup", SemDedupStage, fixed["semantic"])) if on}
    if not running:
        raise fail("nothing to do: both --no-exact and --no-semantic given")
    sets = route_sets(sets_of(fixed), running)
    options = {"exact_dedup": _EXACT, "semdedup": _SEMANTIC}
    stages = [build_component("stage", name, stage_spec(name, groups, sets[name]), options[name], name)
              for name in running]
    run_recipe("dedup", [problems_source(fixed["input_path"])], stages, fixed)


model_command(
    app, "dedup", _dedup,
    doc="Remove exact duplicates and semantic duplicates (SemDeDup) from IN.\n\n"
        "Runs the exact_dedup and semdedup stages with the build engine; --set KEY=VALUE goes to the stage "
        "that has KEY (or name it: --set exact_dedup.minhash=true).",
    fixed=[input_parameter(), *run_parameters(),
           _switch("exact", "--exact/--no-exact", "Run exact (normalised-text) dedup first."),
           _switch("semantic", "--semantic/--no-semantic", "Run SemDeDup.")],
    generated=_EXACT + _SEMANTIC,
)


def _decontaminate(fixed: dict[str, Any], groups: dict[str, dict[str, Any]]) -> None:
    base = {"benchmarks": list(fixed["against"])} if fixed["against"] else {}
    spec = stage_spec("decontaminate", groups, sets_of(fixed), base)
    stage = build_component("stage", "decontaminate", spec, _DECONTAMINATE + [_AGAINST], "decontaminate")
    if not fixed["dry_run"]:
        console.print(f"decontaminating against {', '.join(b.name for b in stage.benchmarks)} "
                      f"(word {stage.ngram_size}-grams, alignment >= {stage.min_similarity})", highlight=False)
    run_recipe("decontaminate", [problems_source(fixed["input_path"])], [stage], fixed)


_AGAINST_HELP = ("Benchmark: FILE, NAME=FILE, a folder of benchmark files, a built-in NAME (read from the Hub, or "
                 "from --benchmarks-dir) or hub:OWNER/NAME[@SPLIT]; repeatable. Default: the stage's benchmarks.")
_AGAINST = FieldOption(dest="against", flag="--against", group="decontaminate", key="benchmarks",
                       annotation=str, default=None, help=_AGAINST_HELP, panel="")

model_command(
    app, "decontaminate", _decontaminate,
    doc="Remove problems that copy an evaluation benchmark item (MATH-500, AIME, GSM8K, ...).\n\n"
        "Runs the decontaminate stage with the build engine.",
    fixed=[input_parameter(), *run_parameters(),
           inspect.Parameter("against", inspect.Parameter.KEYWORD_ONLY, annotation=list[str],
                             default=typer.Option([], "--against", help=_AGAINST_HELP))],
    generated=_DECONTAMINATE,
)
