"""Test helper: a small build folder in the documented layout, made from real shared-data rows.

Rows come from ``shared/data/math/sample.jsonl`` (MATH test) and ``omni_math/sample.jsonl``,
mapped to the Problem schema the way the adapters do (answer = last ``\\boxed{}`` for MATH).
Two stages are recorded: ``ingest`` (rows without an answer are rejected as
``adapter:missing_answer``) and ``rule_filters`` (problems asking for a proof -> ``proof:prove_that``;
ones naming ``\\textbf{(A)}`` options -> ``multiple_choice:lettered_options``). stats.json and
build.json are computed from those rows in the shape of docs/CONTRIBUTING.md, so their numbers
are exactly the ones the card must show.

Load it from a test module with ``load_helper("export_helpers")`` (see ``load_helper`` below):
pytest runs with ``--import-mode=importlib``, so test modules cannot import each other.
"""

from __future__ import annotations

import importlib.util
import json
import re
import sys
from collections import Counter
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from bigmath.boxed import last_boxed
from bigmath.schema import PROBLEM_SCHEMA, Problem, problems_to_table, rejected_schema

MATH_CITATION = "@article{hendrycksmath2021, title={Measuring Mathematical Problem Solving With the MATH Dataset}, author={Dan Hendrycks and others}, journal={NeurIPS}, year={2021}}"
OMNI_CITATION = "@article{gao2024omnimath, title={Omni-MATH: A Universal Olympiad Level Mathematic Benchmark For Large Language Models}, author={Bofei Gao and others}, journal={arXiv preprint arXiv:2410.07985}, year={2024}}"
_PROOF = re.compile(r"\b(prove|show that)\b", re.IGNORECASE)
_LETTERED = re.compile(r"\\textbf\{\(A\)")


def load_helper(name: str):
    """Import ``tests/<name>.py`` once per session (importlib mode has no sibling imports)."""
    key = f"bigmath_tests_{name}"
    if key not in sys.modules:
        spec = importlib.util.spec_from_file_location(key, Path(__file__).with_name(f"{name}.py"))
        module = importlib.util.module_from_spec(spec)
        sys.modules[key] = module
        spec.loader.exec_module(module)
    return sys.modules[key]


def _jsonl(path: Path, limit: int) -> list[dict]:
    rows = []
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            if len(rows) >= limit:
                break
            rows.append(json.loads(line))
    return rows


def shared_problems(shared_data: Path, n_math: int = 80, n_omni: int = 40, n_harp_proof: int = 6) -> list[Problem]:
    """Map the first rows of the MATH, Omni-MATH and HARP proof-based samples to Problems.

    HARP proof rows have no answer field upstream, so their ``answer`` is None.
    """
    problems = []
    for row in _jsonl(shared_data / "math" / "sample.jsonl", n_math):
        level = re.search(r"\d", row["level"])
        problems.append(
            Problem.create(
                source="math", source_id=str(row["idx"]), problem=row["problem"], solution=row["solution"],
                answer=last_boxed(row["solution"]), subset=row["type"], domain=[row["type"]],
                difficulty=float(level.group()) if level else None, difficulty_scale="math_level_1_5",
                license="MIT", meta={"level": row["level"]},
            )
        )
    for i, row in enumerate(_jsonl(shared_data / "omni_math" / "sample.jsonl", n_omni)):
        problems.append(
            Problem.create(
                source="omni_math", source_id=str(i), problem=row["problem"], solution=row["solution"],
                answer=row["answer"], subset=row["source"], domain=row["domain"], difficulty=row["difficulty"],
                difficulty_scale="omni_math_1_10", license="Apache-2.0",
            )
        )
    for row in _jsonl(shared_data / "harp" / "proof_based.jsonl", n_harp_proof):
        problems.append(
            Problem.create(
                source="harp", source_id=f"{row['year']}/{row['contest']}/{row['number']}", problem=row["problem"],
                solution=row.get("solution_1"), subset=row["contest"], domain=[row["subject"]],
                difficulty=row["level"], difficulty_scale="harp_level_1_9", license="MIT",
            )
        )
    return problems


def _reason(problem: Problem) -> str | None:
    if _PROOF.search(problem.problem):
        return "proof:prove_that"
    if _LETTERED.search(problem.problem):
        return "multiple_choice:lettered_options"
    return None


def make_build(
    out: Path, problems: list[Problem], extra_columns: dict[str, list] | None = None, keep_missing_answers: bool = False
) -> Path:
    """Write kept.parquet, rejected.parquet, stats.json, build.json and funnel.md for ``problems``.

    ``extra_columns`` (name -> one value per problem) are appended as signal columns. Rows without
    an answer are rejected at ingest unless ``keep_missing_answers``.
    """
    out.mkdir(parents=True, exist_ok=True)
    table = problems_to_table(problems)
    for name, values in (extra_columns or {}).items():
        table = table.append_column(name, pa.array(values))
    no_answer = [p.answer is None and not keep_missing_answers for p in problems]
    reasons = [None if missing else _reason(p) for p, missing in zip(problems, no_answer)]
    keep = [not missing and reason is None for missing, reason in zip(no_answer, reasons)]
    kept = table.filter(pa.array(keep)).append_column("flags", pa.array([[] for k in keep if k], pa.list_(pa.string())))
    pq.write_table(kept, out / "kept.parquet")

    ledger_rows = []
    for i, p in enumerate(problems):
        if keep[i]:
            continue
        stage, reason = ("ingest", "adapter:missing_answer") if no_answer[i] else ("rule_filters", reasons[i])
        row = table.slice(i, 1).to_pylist()[0]
        ledger_rows.append({**row, "stage": stage, "reason": reason, "reasons": [reason], "duplicate_of": None, "similarity": None})
    pq.write_table(pa.Table.from_pylist(ledger_rows, schema=rejected_schema(table.schema)), out / "rejected.parquet")

    sources = sorted({p.source for p in problems})
    by_stage = {"ingest": Counter(), "rule_filters": Counter()}
    for r in ledger_rows:
        by_stage[r["stage"]][r["reason"]] += 1
    ingested = Counter(p.source for p in problems)
    after_ingest = Counter(p.source for p, m in zip(problems, no_answer) if not m)
    after_rules = Counter(p.source for p, k in zip(problems, keep) if k)
    stages = [
        {"name": "ingest", "dir": "00_ingest-0a1b2c3d", "input": len(problems), "kept": sum(after_ingest.values()),
         "rejected": sum(by_stage["ingest"].values()), "skipped": False, "reasons": dict(by_stage["ingest"])},
        {"name": "rule_filters", "dir": "01_rule_filters-4e5f6a7b", "input": sum(after_ingest.values()),
         "kept": sum(after_rules.values()), "rejected": sum(by_stage["rule_filters"].values()), "skipped": False,
         "reasons": dict(by_stage["rule_filters"])},
    ]
    stats = {
        "ingested": len(problems), "kept": kept.num_rows, "rejected": len(ledger_rows), "stages": stages,
        "sources": {s: {"ingested": ingested[s], "kept": after_rules[s], "rejected": ingested[s] - after_rules[s]} for s in sources},
        "reasons": dict(by_stage["ingest"] + by_stage["rule_filters"]),
        "funnel": {s: {"ingest": after_ingest[s], "rule_filters": after_rules[s]} for s in sources},
    }
    (out / "stats.json").write_text(json.dumps(stats, indent=2), encoding="utf-8")
    filters = [{"type": "proof", "drop": True}, {"type": "multiple_choice", "drop": True, "min_options": 3}]
    source_info = {
        "math": {"name": "math", "hub_id": "hendrycks/competition_math", "revision": "71b758ecc688b2822d07ffa7f8393299f1dc7cac",
                 "license": "MIT", "citation": MATH_CITATION, "path": None, "split": "test"},
        "harp": {"name": "harp", "hub_id": None, "revision": None, "license": "MIT", "citation": None,
                 "path": "/data/harp/proof_based.jsonl", "split": None},
        "omni_math": {"name": "omni_math", "hub_id": "KbsdJames/Omni-MATH", "revision": "4793415ef37d31c9cdb4e5b82dbe172f76f8cf08",
                      "license": "Apache-2.0", "citation": OMNI_CITATION, "path": None, "split": "test"},
    }
    build = {
        "bigmath_version": "0.1.0",
        "recipe": {"name": "export-test", "description": "Real MATH and Omni-MATH rows through two recorded stages.",
                   "shard_size": 1000, "limit": None, "card": {"pretty_name": "bigmath export test"},
                   "sources": [{"type": s} for s in sources],
                   "stages": [{"type": "filters", "stage_name": "rule_filters", "filters": filters}]},
        "sources": [source_info[s] for s in sources],
        "stages": [
            {"name": "ingest", "dir": "00_ingest-0a1b2c3d", "fingerprint": "0a1b2c3d" * 2, "config": {"type": "ingest"}},
            {"name": "rule_filters", "dir": "01_rule_filters-4e5f6a7b", "fingerprint": "4e5f6a7b" * 2,
             "config": {"type": "filters", "stage_name": "rule_filters", "filters": filters}},
        ],
        "versions": {"math-verify": "0.9.0", "sympy": "1.14.0", "pyarrow": pa.__version__},
    }
    (out / "build.json").write_text(json.dumps(build, indent=2), encoding="utf-8")
    (out / "funnel.md").write_text("| stage | rows |\n| --- | ---: |\n", encoding="utf-8")
    return out


def core_schema_names() -> list[str]:
    """Core column names (for assertions)."""
    return list(PROBLEM_SCHEMA.names)
