"""Final build outputs: kept.parquet, rejected.parquet, stats.json, funnel.md, build.json.

Shards are streamed one at a time into the final files (never the whole dataset in memory).
Tables whose columns differ (later stages add signal columns; ledgers of different stages carry
different signals) are aligned to one unified schema: columns in order of first appearance,
missing ones filled with nulls, every field nullable.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from bigmath.pipeline.workdir import PARQUET_OPTIONS

_VERSIONED = ("bigmath", "datasets", "pyarrow", "math-verify", "sympy", "sentence-transformers", "faiss-cpu",
              "torch", "transformers", "vllm", "lingua-language-detector", "huggingface_hub")


def unified_schema(paths: Sequence[Path], fallback: pa.Schema) -> pa.Schema:
    """Union of the files' schemas (first-appearance order, all fields nullable), or ``fallback``."""
    fields: dict[str, pa.Field] = {}
    for path in paths:
        for field in pq.read_schema(path):
            known = fields.get(field.name)
            if known is None or pa.types.is_null(known.type):
                fields[field.name] = field.with_nullable(True).remove_metadata()
    if not fields:
        return pa.schema([f.with_nullable(True) for f in fallback])
    return pa.schema(list(fields.values()))


def _align(table: pa.Table, schema: pa.Schema) -> pa.Table:
    columns = []
    for field in schema:
        if field.name in table.column_names:
            columns.append(table.column(field.name).cast(field.type))
        else:
            columns.append(pa.nulls(table.num_rows, field.type))
    return pa.Table.from_arrays(columns, schema=schema)


def concat_parquet(paths: Sequence[Path], out_path: Path, fallback: pa.Schema) -> int:
    """Stream ``paths`` (in order) into one parquet file at ``out_path``; return its row count.

    Written to a temporary name first and renamed, so a killed finalisation leaves no half file.
    """
    schema = unified_schema(paths, fallback)
    tmp = out_path.with_name(f".{out_path.name}.tmp-{os.getpid()}")
    rows = 0
    with pq.ParquetWriter(tmp, schema, **PARQUET_OPTIONS) as writer:
        for path in paths:
            table = _align(pq.read_table(path), schema)
            rows += table.num_rows
            writer.write_table(table)
        if not paths:
            writer.write_table(schema.empty_table())
    os.replace(tmp, out_path)
    return rows


def library_versions() -> dict[str, str]:
    """Installed versions of the libraries that shape a build's output (absent ones omitted)."""
    versions = {}
    for name in _VERSIONED:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return versions


def build_stats(stage_stats: list[dict[str, Any]], labels: list[str]) -> dict[str, Any]:
    """Assemble ``stats.json`` from each stage's merged stats (ingest first); see CONTRIBUTING."""
    ingest = stage_stats[0]
    ingested = ingest["input"]
    final = stage_stats[-1]
    rejected = sum(s["rejected"] for s in stage_stats)
    reasons: dict[str, int] = {}
    for s in stage_stats:
        for reason, count in s["reasons"].items():
            reasons[reason] = reasons.get(reason, 0) + count
    sources: dict[str, dict[str, int]] = {}
    funnel: dict[str, dict[str, int]] = {}
    for source, counts in ingest["sources"].items():
        sources[source] = {"ingested": counts["input"], "kept": 0, "rejected": 0}
        funnel[source] = {label: 0 for label in labels}
    for label, s in zip(labels, stage_stats):
        for source, counts in s["sources"].items():
            sources[source]["rejected"] += counts["rejected"]
            funnel[source][label] = counts["kept"]
    for source, counts in final["sources"].items():
        sources[source]["kept"] = counts["kept"]
    stages = [{"name": label, **s} for label, s in zip(labels, stage_stats)]
    return {
        "ingested": ingested,
        "kept": final["kept"],
        "rejected": rejected,
        "stages": stages,
        "sources": dict(sorted(sources.items())),
        "reasons": dict(sorted(reasons.items(), key=lambda kv: (-kv[1], kv[0]))),
        "funnel": dict(sorted(funnel.items())),
    }
