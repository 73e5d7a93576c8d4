"""The ``filters`` stage: run a list of filters over each shard and route rows by their reasons.

Recipe form (``filters`` left out = the Big-Math rule filters, :data:`RULE_FILTERS`)::

    - type: filters
      stage_name: rule_filters        # optional; names the work dir and the ledger's stage
      filters:
        - type: hyperlink
        - type: multiple_choice
        - {type: language, drop: false}   # annotate only: reason goes to `flags`

Every filter sees every row, so signal columns exist on kept and rejected rows alike; a rejected
row's ``reason`` is the first reason in filter order and ``reasons`` lists all of them.
"""

from __future__ import annotations

from typing import Any, ClassVar

import pyarrow as pa
from pydantic import Field, SerializeAsAny, field_validator

from bigmath.annotate import annotate, split
from bigmath.filter import Filter
from bigmath.pipeline.components import build_list
from bigmath.pipeline.stage import Stage, StageContext, StageResult, StageSkipped
from bigmath.registry import register_stage

#: The rule filters of the Big-Math recipe, in order: what a ``filters`` stage runs by default.
RULE_FILTERS = ("hyperlink", "language", "multiple_choice", "multi_part", "yes_no", "true_false", "proof",
                "answer", "figure")


@register_stage("filters")
class FilterStage(Stage):
    """Apply ``filters`` (rule-based or judge filters) in order to every shard.

    Reasons: whatever its filters declare (see ``bigmath filters``). Stats: one counter per reason.
    When no filter can run here (``Filter.unavailable_reason``, e.g. GPU judges without a GPU)
    the stage is skipped with that message and rows pass through; a stage where only some can
    run is refused before any work (see :meth:`check`).
    """

    name: ClassVar[str] = "filters"

    filters: list[SerializeAsAny[Filter]] = Field(default_factory=lambda: list(RULE_FILTERS), validate_default=True,
                                                  description="filters to run, in order (default: the rule filters)")

    @classmethod
    def resolve_components(cls, params: dict[str, Any], where: str) -> dict[str, Any]:
        """Build the ``filters`` list from registry specs, with key paths in errors."""
        if "filters" in params:
            params = {**params, "filters": build_list("filter", params["filters"], f"{where}.filters")}
        return params

    @field_validator("filters", mode="before")
    @classmethod
    def _build_filters(cls, value: Any) -> Any:
        if isinstance(value, list) and not all(isinstance(v, Filter) for v in value):
            return build_list("filter", value, "filters")
        return value

    @field_validator("filters")
    @classmethod
    def _not_empty(cls, value: list[Filter]) -> list[Filter]:
        if not value:
            raise ValueError("needs at least one filter")
        names = [f.name for f in value]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"filter(s) listed twice: {dupes}")
        return value

    def config(self) -> dict[str, Any]:
        return {"type": self.name, "stage_name": self.stage_name, "filters": [f.config() for f in self.filters]}

    def check(self, ctx: StageContext) -> None:
        """Skip when no filter can run here; refuse a stage where only some can.

        Raises:
            StageSkipped: every filter is unavailable (e.g. GPU judges without a GPU).
            ValueError: some filters can run and others cannot; skipping would silently drop the
                runnable ones (rule filters) too, so the recipe must put them in separate stages.
        """
        reasons = {f.name: f.unavailable_reason(ctx.gpu_available) for f in self.filters}
        missing = {name: r for name, r in reasons.items() if r}
        if missing and len(missing) == len(reasons):
            raise StageSkipped("; ".join(missing.values()))
        if missing:
            runnable = [name for name, r in reasons.items() if not r]
            raise ValueError(
                f"stage {self.label()!r}: filters {sorted(missing)} cannot run here ({'; '.join(missing.values())}) "
                f"but {runnable} can; skipping the stage would drop those too. Put the LLM judges in their own "
                "stage (type: llm_judges) so that only they are skipped.")

    def setup(self, ctx: StageContext) -> None:
        for flt in self.filters:
            flt.setup()

    def teardown(self) -> None:
        for flt in self.filters:
            flt.teardown()

    def process(self, table: pa.Table, ctx: StageContext) -> StageResult:
        annotated = annotate(table, self.filters)
        kept, rejected = split(annotated, self.label())
        flagged: dict[str, int] = {}
        for flags in annotated.flags:
            for flag in flags:
                flagged[f"flagged:{flag}"] = flagged.get(f"flagged:{flag}", 0) + 1
        return StageResult(kept, rejected, flagged)
