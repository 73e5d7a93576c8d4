"""Rule filter vs LLM judge of the same family: how often they disagree, with examples each way.

A build that runs both the rule filter of a family (``multiple_choice``: boolean signal column
``is_multiple_choice``) and its judge (``judge_multiple_choice``: struct column
``judge_multiple_choice_<alias>`` with ``label`` and ``p_yes``) holds both verdicts on every row
that reached the judge. Those rows are compared here; rows that left the build before the judge
ran (the rule filter removed them, when it drops) carry no judge label and are counted apart as
``not_judged``. Run the rule filter with ``drop: false`` (annotation) ahead of the judges to
compare on every row. ``bigmath inspect OUT --disagreements`` and the dataset card show this.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import pyarrow as pa

#: The families that have both a rule filter and an LLM judge.
FAMILIES = ("multiple_choice", "proof", "yes_no", "true_false", "multi_part")


@dataclasses.dataclass
class Disagreement:
    """Rule vs judge counts of one family and judge column.

    Attributes:
        family: the filter family (``proof``).
        rule_column: the rule filter's boolean signal column (``is_proof``).
        judge_column: the judge's struct column (``judge_proof_<alias>``).
        compared: rows holding both a rule verdict and a judge label ``yes`` or ``no``.
        both_yes, rule_only, judge_only, both_no: counts among ``compared`` (``rule_only``:
            the rule flags the row, the judge says no; ``judge_only``: the other way).
        undecided: rows whose judge label is ``unparseable`` or ``tie`` (not compared).
        not_judged: rows the rule flagged that carry no judge label (removed before the judge).
        rule_only_examples, judge_only_examples: up to ``examples`` rows each way: ``id``,
            ``source``, ``problem``, ``p_yes`` (None in sample mode without votes), in id order.
    """

    family: str
    rule_column: str
    judge_column: str
    compared: int = 0
    both_yes: int = 0
    rule_only: int = 0
    judge_only: int = 0
    both_no: int = 0
    undecided: int = 0
    not_judged: int = 0
    rule_only_examples: list[dict[str, Any]] = dataclasses.field(default_factory=list)
    judge_only_examples: list[dict[str, Any]] = dataclasses.field(default_factory=list)

    @property
    def disagreements(self) -> int:
        """Rows where rule and judge disagree."""
        return self.rule_only + self.judge_only

    @property
    def agreement(self) -> float | None:
        """Share of compared rows where they agree (None when nothing was compared)."""
        return (self.both_yes + self.both_no) / self.compared if self.compared else None


def rule_signal(family: str) -> str:
    """The boolean signal column of the rule filter ``family`` (from the registry)."""
    import bigmath.filters  # noqa: F401  (registers the filters)
    from bigmath.registry import get_filter

    return get_filter(family).signal


def pairs(schema: pa.Schema) -> list[tuple[str, str, str]]:
    """``(family, rule_column, judge_column)`` for every family whose rule signal and judge
    column are both in ``schema``."""
    found = []
    for family in FAMILIES:
        rule = rule_signal(family)
        if rule not in schema.names:
            continue
        for name in schema.names:
            if name.startswith(f"judge_{family}_") and pa.types.is_struct(schema.field(name).type):
                found.append((family, rule, name))
    return found


def compare(tables: list[pa.Table], *, examples: int = 3) -> list[Disagreement]:
    """Rule vs judge counts over the rows of ``tables`` (a build's kept and rejected tables).

    Args:
        tables: tables with ``id``, ``source``, ``problem`` and the signal / judge columns
            (missing columns count as null).
        examples: rows kept per direction.

    Returns:
        One :class:`Disagreement` per (family, judge column) found in any of the tables.
    """
    found = sorted({p for table in tables for p in pairs(table.schema)})
    results = []
    for family, rule, judge in found:
        result = Disagreement(family, rule, judge)
        rows = []
        for table in tables:  # a missing column is null (rows the rule removed before the judge ran)
            if rule in table.column_names:
                picked = table.select(["id", "source", "problem", rule])
                verdicts = table.column(judge) if judge in table.column_names else pa.nulls(table.num_rows)
                rows += picked.append_column(judge, verdicts).to_pylist()
        for row in sorted(rows, key=lambda r: r["id"]):
            flagged, verdict = row[rule], row[judge]
            if flagged is None:
                continue
            if verdict is None:
                result.not_judged += int(bool(flagged))
                continue
            label = verdict.get("label")
            if label not in ("yes", "no"):
                result.undecided += 1
                continue
            said_yes = label == "yes"
            result.compared += 1
            if flagged and said_yes:
                result.both_yes += 1
            elif not flagged and not said_yes:
                result.both_no += 1
            else:
                side = result.rule_only_examples if flagged else result.judge_only_examples
                if flagged:
                    result.rule_only += 1
                else:
                    result.judge_only += 1
                if len(side) < examples:
                    side.append({"id": row["id"], "source": row["source"], "problem": row["problem"],
                                 "p_yes": verdict.get("p_yes")})
        results.append(result)
    return results


def compare_build(root: Any, *, examples: int = 3) -> list[Disagreement]:
    """:func:`compare` over a build folder's ``kept.parquet`` and ``rejected.parquet``, reading
    only the columns it needs."""
    from pathlib import Path

    import pyarrow.parquet as pq

    tables = []
    for name in ("kept.parquet", "rejected.parquet"):
        path = Path(root) / name
        if not path.is_file():
            continue
        schema = pq.read_schema(path)
        wanted = {"id", "source", "problem"} | {c for p in pairs(schema) for c in p[1:]}
        if len(wanted) > 3:
            tables.append(pq.read_table(path, columns=[c for c in schema.names if c in wanted]))
    return compare(tables, examples=examples)
