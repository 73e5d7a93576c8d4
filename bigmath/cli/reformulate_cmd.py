"""Command: ``bigmath reformulate`` -- multiple-choice problems in IN rewritten as open-ended ones.

A one-stage recipe (the ``problems`` source and a ``reformulate`` stage) run by the build engine
(:mod:`bigmath.cli.runner`), so the outputs, the ledger and resuming are those of ``bigmath build``
(the LLM path reuses ``OUT/cache/llm/requests.sqlite``). The command selects rows itself
(``--select detect``: rows the multiple-choice filter flags, options in the text or in an option
field of ``meta`` such as HARP MCQ's ``choices``, or whose ``flags`` already say so), so IN can be
any problems parquet, e.g. ``bigmath ingest`` output. Options are generated from the stage and
backend models (list settings through ``--set``, e.g. ``--set 'options_fields=[choices]'``).
"""

from __future__ import annotations

import dataclasses
from typing import Any

from rich.table import Table

from bigmath.cli.app import app, console
from bigmath.cli.options import field_options, model_command
from bigmath.cli.runner import (build_component, input_parameter, problems_source, run_parameters, run_recipe,
                                sets_of, stage_spec)
from bigmath.llm.config import BackendConfig
from bigmath.stages.reformulate import ReformulateStage

_BACKEND = field_options(BackendConfig, "backend", rename={"type": "--backend"},
                         panel="Backend (--method llm|rules+llm, --llm-check)")
#: the command selects rows itself (IN need not come from a recipe that flags them)
SELECT = "detect"
_STAGE = [dataclasses.replace(o, default=SELECT) if o.key == "select" else o
          for o in field_options(ReformulateStage, "reformulate", skip=("backend", "check_sampling"),
                                 panel="Reformulation")]


def _reformulate(fixed: dict[str, Any], groups: dict[str, dict[str, Any]]) -> None:
    spec = stage_spec("reformulate", groups, sets_of(fixed), {"select": SELECT})
    if groups.get("backend"):
        spec["backend"] = stage_spec("backend", groups, {})
    stage = build_component("stage", "reformulate", spec, _BACKEND + _STAGE, "reformulate")
    result = run_recipe("reformulate", [problems_source(fixed["input_path"])], [stage], fixed)
    if result is not None:
        _print_counts(result.stats["stages"][-1])


def _print_counts(stage: dict[str, Any]) -> None:
    """Rewritten rows per method and source, refused rows per reason."""
    table = Table(title=f"reformulate over {stage['input']:,} rows")
    for column in ("outcome", "rows"):
        table.add_column(column, justify="right" if column == "rows" else "left")
    for key, count in sorted(stage["extra"].items()):
        if key.startswith("rewritten:"):
            table.add_row(key, f"{count:,}")
    for reason, count in sorted(stage["reasons"].items()):
        table.add_row(reason, f"{count:,}")
    console.print(table)


model_command(
    app, "reformulate", _reformulate,
    doc="Rewrite the multiple-choice problems in IN as open-ended ones (rules, an LLM, or rules then an LLM); "
        "refused rows go to rejected.parquet with reformulate:needs_choices|no_answer_option|failed_check.\n\n"
        "Example: bigmath reformulate mc.parquet --out open --method rules+llm --backend transformers "
        "--model smollm2-135m-instruct",
    fixed=[input_parameter(), *run_parameters()],
    generated=_BACKEND + _STAGE,
)
