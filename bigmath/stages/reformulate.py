"""The ``reformulate`` stage: multiple-choice problems rewritten as open-ended ones, or rejected.

Big-Math keeps multiple-choice problems by rewriting them (47,010 of its 251,122 problems,
arXiv 2502.17387; ``SynthLabsAI/big-math`` ``reformulation/``). Recipe form, after rule filters
whose ``multiple_choice`` filter only flags (``drop: false``)::

    - type: filters
      stage_name: rule_filters
      filters: [..., {type: multiple_choice, drop: false}, ...]
    - type: reformulate                  # method: rules (no model)
    - type: reformulate                  # or: rules first, the LLM for what they refuse
      method: rules+llm
      backend: {type: vllm, model: meta-llama/Llama-3.1-70B-Instruct}
      llm_check: true                    # also ask the model: unique answer equal to the kept one?

Rows:

* selected (``select: flagged``: a ``multiple_choice:*`` reason in ``flags``; ``detect``: also what
  the filter flags here) and rewritten: kept, with the new ``problem``, ``answer`` = the keyed
  option's value, the solution's final box and trailing answer line naming it by value
  (:mod:`bigmath.reformulate.solution`), a ``meta`` option field renamed ``original_<key>``,
  ``multiple_choice:*`` flags removed and ``is_multiple_choice`` false;
* selected and refused: rejected with ``reformulate:needs_choices``,
  ``reformulate:no_answer_option`` or ``reformulate:failed_check``;
* not selected: unchanged.

A rewritten row keeps its ``id``: the id names the upstream row (hash of source and source_id),
so every ingested id still ends in exactly one of kept.parquet and rejected.parquet, and the
request caches stay valid (their keys hold the prompt hash, which changes with the text).
Columns on every row: :data:`LINEAGE`. Stats: ``rewritten:<method>[:<source>]``
(:func:`rewritten_counts`), ``solution_rewritten:box|answer_line``, LLM reply counts. The LLM
path uses the build's request cache, so a killed build resumes without regenerating. A method
that needs a model without a usable backend is an error before any work (no rows pass through).
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import Any, ClassVar, Literal

import pyarrow as pa
from pydantic import Field, model_validator

from bigmath.annotate import set_column, to_ledger
from bigmath.filters.multiple_choice import OPTION_FIELDS, MultipleChoice, option_field
from bigmath.llm.config import SamplingConfig, reject_flat_sampling
from bigmath.llm.labels import parse_label
from bigmath.llm.prompts import PromptTemplate, load_template, resolve_template
from bigmath.pipeline.stage import Resources, StageContext, StageResult, StageSkipped
from bigmath.reformulate import BOXED_INSTRUCTION, Option, OptionBlock, Reformulation
from bigmath.reformulate.answer import free_answer, resolve_answer
from bigmath.reformulate.fields import retire_option_fields, row_options
from bigmath.reformulate.replies import check_input, from_reply, llm_input
from bigmath.reformulate.rewrite import reformulate_block
from bigmath.reformulate.solution import rewrite_solution
from bigmath.registry import register_stage
from bigmath.stages.llm import LLMStage

#: Folder of the bundled prompts (``reformulate.txt``, ``reformulate_check.txt``).
PROMPTS_DIR = Path(__file__).parent / "prompts"
#: Lineage columns added to every row (string, null where they do not apply), with their meaning.
LINEAGE = {
    "reformulated_from": "id of the multiple-choice row this open-ended problem was rewritten from (same id)",
    "original_problem": "the multiple-choice problem before the rewrite",
    "original_answer": "the gold answer before the rewrite (often an option letter)",
    "reformulation": "how the reformulate stage decided the row: `rules` or `llm:<model>`",
    "reformulation_detail": "the rule or check that decided (`rephrased`, `stem:which_of_following`, ...)",
}
# rule outcomes the LLM does not retry: the keyed option names no answer
_FINAL = ("no_answer_option", "answer:no_answer_option_text")


def rewritten_counts(stats: dict[str, Any]) -> dict[str, dict[str, int]]:
    """Rows rewritten per method and source in a build's ``stats.json`` (every ``reformulate``
    stage summed): ``{"rules": {"math": 9, ...}, "llm:<model>": {...}}``, for the funnel and card."""
    counts: dict[str, dict[str, int]] = {}
    for stage in stats.get("stages", []):
        for key, value in (stage.get("extra") or {}).items():
            parts = key.split(":")
            if parts[0] == "rewritten" and len(parts) >= 3:
                method, source = ":".join(parts[1:-1]), parts[-1]
                counts.setdefault(method, {})[source] = counts.get(method, {}).get(source, 0) + value
    return {m: dict(sorted(per.items())) for m, per in sorted(counts.items())}


class ReformulateSampling(SamplingConfig):
    """Rewrites: one greedy reply of up to 1024 tokens (our choice; Big-Math does not state its own)."""

    max_tokens: int = Field(1024, ge=1, description="most tokens per rewrite")


class CheckSampling(SamplingConfig):
    """The optional check: one greedy yes/no reply of at most 5 tokens (as the judges)."""

    max_tokens: int = Field(5, ge=1, description="most tokens per check reply")


@register_stage("reformulate")
class ReformulateStage(LLMStage):
    """Rewrite flagged multiple-choice rows as open-ended problems (see the module docstring).

    Reasons: ``reformulate:needs_choices``, ``reformulate:no_answer_option``,
    ``reformulate:failed_check``. ``backend`` is needed only for ``method: llm|rules+llm`` or
    ``llm_check``.
    """

    name: ClassVar[str] = "reformulate"
    reasons: ClassVar[tuple[str, ...]] = ("reformulate:needs_choices", "reformulate:no_answer_option",
                                          "reformulate:failed_check")

    method: Literal["rules", "llm", "rules+llm"] = Field(
        "rules", description="rules; llm (every row to the model); rules+llm (the model gets what the rules refuse)")
    select: Literal["flagged", "detect", "all"] = Field(
        "flagged", description="rows to rewrite: flagged (a multiple_choice:* flag), detect (also run the "
                               "multiple_choice rule here, option fields in meta included), all")
    instruction: str = Field(BOXED_INSTRUCTION, description="appended after a blank line to every rewrite ('' = none)")
    options_fields: list[str] = Field(list(OPTION_FIELDS), description="meta keys holding a row's options when "
                                      "they are not in its text (the multiple_choice filter flags choices, options)")
    answer_fields: list[str] = Field(["answer_choice"], description="meta keys holding the keyed option's letter "
                                     "(HARP MCQ answer_choice), used instead of answer when they name an option")
    llm_check: bool = Field(False, description="ask the model whether each rewrite has one answer, the kept one")
    prompt: str = Field("reformulate", description="rewrite prompt: name in bigmath/stages/prompts or a .txt file")
    check_prompt: str = Field("reformulate_check", description="check prompt: name or .txt file")
    sampling: ReformulateSampling = Field(default_factory=ReformulateSampling, description="rewrite sampling")
    check_sampling: CheckSampling = Field(default_factory=CheckSampling, description="check sampling")

    @model_validator(mode="before")
    @classmethod
    def _sampling_is_nested(cls, data: Any) -> Any:
        return reject_flat_sampling(data)

    @property
    def needs_model(self) -> bool:
        """True when a backend is used (an LLM method or the LLM check)."""
        return self.method != "rules" or self.llm_check

    def template(self, which: str = "prompt") -> PromptTemplate:
        """The rewrite (``prompt``) or check (``check_prompt``) template."""
        return load_template(resolve_template(getattr(self, which), PROMPTS_DIR))

    def config(self) -> dict[str, Any]:
        """Fingerprint config: rules-only stages leave the model settings out; others add the prompt hashes."""
        if not self.needs_model:
            return {"type": self.name, "stage_name": self.stage_name, "method": self.method, "select": self.select,
                    "instruction": self.instruction, "options_fields": self.options_fields,
                    "answer_fields": self.answer_fields}
        hashes = {"prompt_sha256": self.template().sha256}
        if self.llm_check:
            hashes["check_prompt_sha256"] = self.template("check_prompt").sha256
        return {**super().config(), **hashes}

    def resources(self) -> Resources:
        """One CPU per worker for the rules; the backend's needs otherwise."""
        return super().resources() if self.needs_model else Resources()

    def check(self, ctx: StageContext) -> None:
        """Refuse, before any work, a method that needs a model without a usable backend.

        Raises:
            ValueError: ``method`` is ``llm``/``rules+llm`` or ``llm_check`` is set, and the
                backend is missing or cannot run here (skipping would keep multiple-choice rows).
        """
        if not self.needs_model:
            return
        try:
            super().check(ctx)
        except StageSkipped as exc:  # the base's message says rows pass through: here nothing does
            why = re.sub(r";\s*rows pass through.*$", "", str(exc)).removeprefix(f"{self.label()}: ")
            raise ValueError(f"stage {self.label()!r} (method {self.method}, llm_check {self.llm_check}) needs a "
                             f"model: {why}. Use method: rules without llm_check where no model can run.") from None

    def setup(self, ctx: StageContext) -> None:
        """Load the backend only when a model is used."""
        if self.needs_model:
            super().setup(ctx)

    def _selected(self, table: pa.Table, flags: list[list[str] | None]) -> list[bool]:
        """Rows to rewrite: all, or flagged ``multiple_choice:*``, or (``detect``) flagged here."""
        if self.select == "all":
            return [True] * table.num_rows
        chosen = [any(f.startswith("multiple_choice:") for f in fl or []) for fl in flags]
        if self.select == "detect":
            rule = MultipleChoice()
            view = pa.table({c: table.column(c) if c in table.column_names else pa.nulls(table.num_rows, pa.string())
                             for c in (*rule.columns, *rule.optional_columns)})
            extra = [f for f in self.options_fields if f not in OPTION_FIELDS]  # keys the filter does not read
            chosen = [c or r is not None or bool(extra and option_field(m, extra))
                      for c, r, m in zip(chosen, rule.verdicts(view).reasons, view.column("meta").to_pylist())]
        return chosen

    def _options(self, problem: str, answer: str | None, meta: str | None, row_id: str) -> tuple[Any, Any]:
        """``(options, gold answer)`` of one row (:func:`bigmath.reformulate.fields.row_options`)."""
        try:
            return row_options(problem, answer, meta, self.options_fields, self.answer_fields)
        except ValueError as exc:
            raise ValueError(f"row id {row_id}, {exc}") from None

    def _rules(self, block: OptionBlock | None, gold: str | None) -> Reformulation:
        if block is None:
            return Reformulation("needs_choices", detail="no_options")
        return reformulate_block(block, gold, instruction=self.instruction or None)

    def _llm(self, todo: list[tuple[int, str, str, OptionBlock, Any]], results: dict[int, Reformulation]) -> None:
        """Rewrite ``todo`` rows ``(index, id, problem, block, keyed option)`` with the model."""
        replies = self.generator.run(self.template(), [(rid, llm_input(text, keyed.value)) for _, rid, text, _, keyed
                                                       in todo], self.sampling.params(), description="reformulating")
        for (i, _, _, block, keyed), reply in zip(todo, replies):
            results[i] = from_reply(reply[0], block, keyed.value, label=keyed.label or None,
                                    instruction=self.instruction or None)

    def _check(self, ids: list[str], results: dict[int, Reformulation]) -> None:
        """The optional LLM check: a rewrite whose check reply is not "yes" fails."""
        rows = [i for i, r in sorted(results.items()) if r.status == "rewritten"]
        replies = self.generator.run(self.template("check_prompt"),
                                     [(ids[i], check_input(results[i].problem, results[i].answer)) for i in rows],
                                     self.check_sampling.params(), description="checking rewrites")
        for i, reply in zip(rows, replies):
            if parse_label(reply[0]) != "yes":
                r = results[i]
                results[i] = Reformulation("failed_check", None, r.answer, "check:llm_judge", r.notation, r.label)

    def process(self, table: pa.Table, ctx: StageContext) -> StageResult:
        cols = {c: table.column(c).to_pylist() for c in ("id", "source", "problem", "answer", "solution", "meta")
                if c in table.column_names}
        n, ids = table.num_rows, [str(v) for v in cols["id"]]
        answers, metas = cols.get("answer", [None] * n), cols.get("meta", [None] * n)
        flags = table.column("flags").to_pylist() if "flags" in table.column_names else [None] * n
        before = self.replies_counted() if self.needs_model else (0, 0)
        results: dict[int, Reformulation] = {}
        blocks: dict[int, OptionBlock | None] = {}
        golds: dict[int, Any] = {}
        todo = []
        for i, chosen in enumerate(self._selected(table, flags)):
            if not chosen:
                continue
            blocks[i], golds[i] = block, gold = self._options(cols["problem"][i], answers[i], metas[i], ids[i])
            results[i] = self._rules(block, gold)
            if self.method == "rules" or (self.method == "rules+llm" and (
                    results[i].status == "rewritten" or {results[i].status, results[i].detail} & set(_FINAL))):
                continue
            keyed = resolve_answer(gold, block) if block is not None else None
            if keyed is None and block is None and free_answer(answers[i]) is not None:
                block = OptionBlock((), cols["problem"][i], "none")  # options unreadable: the model is told the value
                keyed = Option("", "", free_answer(answers[i]))
            if keyed is not None:
                todo.append((i, ids[i], cols["problem"][i], block, keyed))
        llm_rows = {t[0] for t in todo}
        if todo:
            self._llm(todo, results)
        if self.llm_check and results:
            self._check(ids, results)
        model = f"llm:{self.backend.model}" if self.backend is not None else "llm"
        methods = {i: model if i in llm_rows else "rules" for i in results}
        return self._assemble(table, cols, flags, results, methods, (blocks, golds), before)

    def _assemble(self, table, cols, flags, results, methods, options, before) -> StageResult:
        (blocks, golds), n = options, table.num_rows
        rewritten = {i for i, r in results.items() if r.status == "rewritten"}
        new = {c: list(cols[c]) for c in ("problem", "answer", "solution", "meta") if c in cols}
        lineage: dict[str, list[Any]] = {c: [None] * n for c in LINEAGE}
        stats: Counter[str] = Counter()
        for i, r in results.items():
            lineage["reformulation"][i], lineage["reformulation_detail"][i] = methods[i], r.detail
            if i in rewritten:
                lineage["reformulated_from"][i] = str(cols["id"][i])
                lineage["original_problem"][i], lineage["original_answer"][i] = cols["problem"][i], cols["answer"][i]
                new["problem"][i], new["answer"][i] = r.problem, r.answer
                if "solution" in new:
                    new["solution"][i], changes = rewrite_solution(cols["solution"][i], blocks[i], golds[i], r.answer)
                    stats.update(f"solution_rewritten:{c}" for c in changes)
                if "meta" in new:
                    new["meta"][i] = retire_option_fields(new["meta"][i], self.options_fields)
        out = table
        for name, values in new.items():
            out = out.set_column(out.column_names.index(name), out.schema.field(name), pa.array(values, pa.string()))
        for name in LINEAGE:
            out = set_column(out, name, pa.array(lineage[name], pa.string()))
        if "flags" in out.column_names:
            kept_flags = [[f for f in (fl or []) if not (i in rewritten and f.startswith("multiple_choice:"))]
                          for i, fl in enumerate(flags)]
            out = set_column(out, "flags", pa.array(kept_flags, pa.list_(pa.string())))
        if "is_multiple_choice" in out.column_names:
            old = out.column("is_multiple_choice").to_pylist()
            signal = [False if i in rewritten else v for i, v in enumerate(old)]
            out = set_column(out, "is_multiple_choice", pa.array(signal, pa.bool_()))
        refused = sorted(i for i, r in results.items() if r.status != "rewritten")
        reasons = [results[i].reason for i in refused]
        ledger = {"stage": pa.array([self.label()] * len(refused), pa.string()),
                  "reason": pa.array(reasons, pa.string()),
                  "reasons": pa.array([[r] for r in reasons], pa.list_(pa.string()))}
        keep = pa.array([i not in results or i in rewritten for i in range(n)], pa.bool_())
        for i in sorted(rewritten):
            stats[f"rewritten:{methods[i]}"] += 1
            stats[f"rewritten:{methods[i]}:{cols['source'][i]}"] += 1
        if self.needs_model:
            after = self.replies_counted()
            stats["llm_replies_cached"], stats["llm_replies_generated"] = after[0] - before[0], after[1] - before[1]
        return StageResult(out.filter(keep), to_ledger(out.take(pa.array(refused, pa.int64())), ledger), dict(stats))
