"""Gather what the dataset card shows from a build folder: sources, funnel, reasons, settings.

Everything is read from the build's own records (``stats.json``, ``build.json``,
``rejected.parquet``, the kept table's schema), never recomputed, so the card shows the numbers
the build produced. Settings are read generically from each stage's recorded config, so new
stages and filters appear without changes here.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pyarrow as pa

from bigmath.export.build_output import BuildOutput
from bigmath.pipeline.recipe import is_path_key

#: Config keys shown in the card's "Models and thresholds" table: SemDeDup epsilon/threshold
#: and embedding model, judge models and prompt hashes, sampling settings of solve-rate stages.
_KEY_SETTING = re.compile(
    r"(model|epsilon|eps$|threshold|prompt_hash|prompt_sha|revision|temperature|rollouts|samples"
    r"|similarity|benchmarks|ngram|backend)",
    re.IGNORECASE,
)
#: Library versions listed first in the card (the verifier is math-verify + sympy).
VERIFIER_LIBRARIES = ("math-verify", "math_verify", "sympy")

CORE_DESCRIPTIONS = {
    "id": "stable id: first 16 hex digits of sha256(source, source_id)",
    "source": "bigmath adapter name of the upstream dataset",
    "subset": "native sub-source (NuminaMath `source`, MATH `type`, ...)",
    "source_id": "native id or row index upstream",
    "problem": "problem statement as upstream (whitespace-normalised)",
    "answer": "closed-form ground-truth answer",
    "solution": "reference solution, when upstream has one",
    "domain": "topic labels from upstream",
    "difficulty": "upstream difficulty, on the scale named by `difficulty_scale`",
    "difficulty_scale": "name of the difficulty scale (e.g. `math_level_1_5`)",
    "license": "SPDX id of the upstream licence of this row",
    "meta": "JSON object of every native field not mapped above",
    "flags": "reasons of annotate-only filters (`drop: false`) that matched this row",
}


#: Signal columns that are not a filter's boolean ``signal``.
SIGNAL_DESCRIPTIONS = {
    "language": "ISO 639-1 code of the problem's prose from the `language` filter (`und` = no prose)",
    "answer_type": "answer type from the verifier (integer, fraction, expression, interval, ...)",
    "answer_parses": "True when math-verify parses the whole answer (the verifier's check)",
    "semdedup_cluster": "SemDeDup k-means cluster of the problem embedding",
    "semdedup_similarity": "highest cosine similarity to a higher-ranked row of the same cluster",
    "decontam_benchmark": "benchmark an evaluation item matched (null in kept rows: matches are removed)",
    "decontam_match": "`benchmark:item_id` of the matched evaluation item (null in kept rows)",
    "decontam_score": "n-gram alignment score against the matched item, 0..1 (null in kept rows)",
}


def describe_column(name: str) -> str:
    """Return a one-line description of a kept column (core, flags, or a stage's signal)."""
    from bigmath.registry import get_filter, names

    if name in CORE_DESCRIPTIONS:
        return CORE_DESCRIPTIONS[name]
    if name in SIGNAL_DESCRIPTIONS:
        return SIGNAL_DESCRIPTIONS[name]
    from bigmath.stages.reformulate import LINEAGE

    if name in LINEAGE:
        return LINEAGE[name]
    if name.startswith("solve_rate_"):
        if name.endswith("_correct_rollouts"):
            return "verified-correct rollouts of the solve-rate model (used by the SFT export)"
        if name.endswith("_outcomes"):
            return "verifier outcome of every rollout, in sample order (correct, wrong, unparseable_prediction, ...)"
        if "_n_" in name:
            return "rollout count of the solve-rate stage: " + name.rsplit("_n_", 1)[1].replace("_", " ")
        return f"fraction of rollouts of `{name.removeprefix('solve_rate_')}` judged correct by the verifier"
    if name.startswith("judge_"):
        return ("LLM judge verdict: struct of `label` (yes/no/unparseable/tie), `p_yes` (0..1), `mass`, "
                "`threshold`, `mode` (score/sample), `raw` replies, `sample_labels`")
    owners = [f for f in names("filter") if get_filter(f).signal == name]
    if owners:
        return f"True where the `{owners[0]}` filter matched (kept rows only: False unless it annotates only)"
    return "signal column added by a pipeline stage"


def column_rows(kept: pa.Table) -> list[dict[str, str]]:
    """One ``{name, dtype, description}`` dict per kept column, in table order."""
    return [
        {"name": f.name, "dtype": str(f.type).replace("element: ", ""), "description": describe_column(f.name)}
        for f in kept.schema
    ]


def _remote(name: str) -> str | None:
    """Where an adapter's data lives when it is not on the Hub (HARP: GitHub), from the registry."""
    from bigmath.registry import UnknownNameError, get_source

    try:
        return get_source(name).info().get("remote")
    except UnknownNameError:  # a custom source's name
        return None


def source_rows(build: BuildOutput) -> list[dict[str, Any]]:
    """Sources table: name, hub_id, revision, license, ingested, kept, rejected (``stats.sources``).

    A source name listed twice in the recipe (e.g. HARP's default and proof splits) is one row:
    ``stats.json`` counts per name; its local files are listed together.
    """
    per_source = build.stats["sources"]
    rows: dict[str, dict[str, Any]] = {}
    for info in build.source_info():
        local = Path(info["path"]) if info.get("path") else None
        where = info.get("revision") or (f"`{local.parent.name}/{local.name}`" if local else "—")
        if not local and info.get("split"):
            where += f" split `{info['split']}`"
        if info.get("limit") is not None:
            where += f" (first {info['limit']:,} rows)"
        if info["name"] in rows:
            rows[info["name"]]["where"].append(where)
            continue
        counts = per_source.get(info["name"], {})
        rows[info["name"]] = {
            "name": info["name"],
            "hub_id": info.get("hub_id") or _remote(info["name"]) or "—",
            "where": [where],
            "license": info.get("license") or "unknown",
            **{key: counts.get(key, 0) for key in ("ingested", "kept", "rejected")},
        }
    for row in rows.values():
        where = list(dict.fromkeys(row.pop("where")))
        if all(w.startswith("`") for w in where):  # only local files
            row["revision"] = ("local file " if len(where) == 1 else "local files ") + ", ".join(where)
        else:
            row["revision"] = ", ".join(f"local {w}" if w.startswith("`") else w for w in where)
    return list(rows.values())


def stage_names(stats: dict[str, Any]) -> list[str]:
    """Stage names in pipeline order, as ``stats.json["stages"]`` lists them."""
    return [stage["name"] for stage in stats["stages"]]


def funnel_table(stats: dict[str, Any]) -> tuple[list[str], dict[str, dict[str, int | None]]]:
    """Return ``(steps, funnel)``: ``ingested`` then each stage, and per source the rows left
    after each step (``stats.sources[s].ingested``, then ``stats.funnel[s][stage]``)."""
    steps = ["ingested", *stage_names(stats)]
    funnel = {}
    for source in sorted(stats["funnel"]):
        read = stats["sources"].get(source, {}).get("ingested")
        funnel[source] = {"ingested": read, **{stage: stats["funnel"][source].get(stage) for stage in steps[1:]}}
    return steps, funnel


def funnel_rows(stats: dict[str, Any]) -> tuple[list[str], list[dict[str, Any]]]:
    """Return ``(sources, rows)``: per step of :func:`funnel_table`, rows left per source and the total."""
    steps, funnel = funnel_table(stats)
    sources = list(funnel)
    rows = []
    for step in steps:
        values = [funnel[s][step] for s in sources]
        rows.append({"stage": step, "values": values, "total": sum(v or 0 for v in values)})
    return sources, rows


def reason_rows(build: BuildOutput) -> tuple[list[str], list[dict[str, Any]], list[dict[str, Any]]]:
    """Return ``(sources, removals, flags)``.

    ``removals``: per (stage, reason) the rows removed in total (``stats.stages[].reasons``) and per
    source (counted in ``rejected.parquet``; None when the ledger is absent). ``flags``: per reason
    in the ``flags`` column of the kept rows (annotations of ``drop: false`` filters that are still
    on a row of the dataset: a later stage may clear one, as ``reformulate`` does), with the stage
    that flagged it (its ``flagged:<reason>`` counter).
    """
    per_source: Counter = Counter()
    rejected = build.rejected
    if rejected is not None and rejected.num_rows:
        cols = rejected.select(["stage", "reason", "source"]).to_pydict()
        per_source.update(zip(cols["stage"], cols["reason"], cols["source"]))
    sources = sorted(build.stats["funnel"])
    removals, flagged_by = [], {}
    for stage in build.stats["stages"]:
        reasons, extra = stage.get("reasons") or {}, stage.get("extra") or {}
        for name, count in sorted({**extra, **reasons}.items()):
            if name.startswith("flagged:"):
                flagged_by.setdefault(name.removeprefix("flagged:"), stage["name"])
            elif name in reasons:
                split = [per_source[(stage["name"], name, s)] for s in sources] if rejected is not None else None
                removals.append({"stage": stage["name"], "reason": name, "total": count, "per_source": split})
    kept_flags: Counter = Counter()
    if "flags" in build.kept.column_names:
        kept_flags.update(flag for row in build.kept.column("flags").to_pylist() for flag in row or [])
    flags = [{"stage": flagged_by.get(reason, ""), "reason": reason, "total": count}
             for reason, count in sorted(kept_flags.items())]
    return sources, removals, flags


def reformulation_rows(build: BuildOutput) -> list[dict[str, Any]]:
    """Rows the ``reformulate`` stage rewrote, one ``{method, source, rows}`` dict per method and
    source (:func:`bigmath.stages.reformulate.rewritten_counts` of ``stats.json``); [] without one."""
    from bigmath.stages.reformulate import rewritten_counts

    return [{"method": method, "source": source, "rows": rows}
            for method, per in rewritten_counts(build.stats).items() for source, rows in per.items()]


def disagreement_rows(build: BuildOutput, examples: int = 2, width: int = 140) -> list[dict[str, Any]]:
    """Rule filter vs LLM judge per family (:func:`bigmath.export.disagreement.compare_build`),
    as card rows: family, columns, counts, agreement (percent text) and a few examples each way
    (problem text cut to ``width`` characters, on one line)."""
    from bigmath.export.disagreement import compare_build

    rows = []
    for result in compare_build(build.root, examples=examples):
        cut = [{**e, "problem": " ".join((e["problem"] or "").split())[:width],
                "p_yes": "—" if e["p_yes"] is None else f"{e['p_yes']:.2f}"}
               for e in result.rule_only_examples + result.judge_only_examples]
        rows.append({**dataclasses.asdict(result), "agreement": "—" if result.agreement is None else f"{result.agreement:.0%}",
                     "examples": [{**e, "side": "rule yes, judge no" if k < len(result.rule_only_examples)
                                   else "judge yes, rule no"} for k, e in enumerate(cut)]})
    return rows


def _flatten(value: Any, prefix: str = "") -> list[tuple[str, Any]]:
    if isinstance(value, dict):
        out = []
        for key, inner in value.items():
            out.extend(_flatten(inner, f"{prefix}.{key}" if prefix else str(key)))
        return out
    if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        out = []
        for i, inner in enumerate(value):  # label list items by their type/name: judges[judge_proof]
            out.extend(_flatten(inner, f"{prefix}[{inner.get('type') or inner.get('name') or i}]"))
        return out
    return [(prefix, value)]


def _is_key_setting(key: str, value: Any) -> bool:
    """Models, thresholds, prompt hashes, ...; not nulls, and not local paths (``*_dir``, ``path``)."""
    name = key.rsplit(".", 1)[-1]
    if value is None or is_path_key(name):
        return False
    return bool(_KEY_SETTING.search(name))


def _inactive(config: dict[str, Any]) -> set[str]:
    """Settings a stage config holds but does not use: MinHash settings with ``minhash: false``, the
    embedding model of a decontamination without ``embedding_threshold``."""
    off = set()
    if config.get("minhash") is False:
        off |= {"minhash_threshold", "num_perm", "shingle_size"}
    if "embedding_threshold" in config and config["embedding_threshold"] is None:
        off |= {"model", "backend", "device", "batch_size"}
    return off


def _show(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, sort_keys=True)


def settings(build: BuildOutput) -> dict[str, Any]:
    """Settings from ``build.json``: stages, filters, key settings, library versions.

    Returns a dict with ``stages`` (name, type, fingerprint), ``filters`` (stage, type, drop,
    params), ``key_settings`` (stage, key, value: models, SemDeDup epsilon/threshold, judge prompt
    hashes, ...), ``versions`` (library, version; verifier libraries first), ``verifier``
    (math-verify version or None).
    """
    stages, filters, key_settings = [], [], []
    for stage in build.build["stages"]:
        config = dict(stage.get("config") or {})
        label = stage.get("name") or config.get("stage_name") or config.get("type")
        stages.append({"name": label, "type": config.get("type", ""), "fingerprint": stage.get("fingerprint", ""),
                       "skipped": stage.get("skipped") or ""})
        if stage.get("skipped"):  # did not run: its settings did not shape the data
            continue
        off = _inactive(config)
        benchmarks = config.pop("benchmarks", None)
        if benchmarks:  # decontamination: which evaluation sets were checked
            shown = ", ".join(b.get("name", "?") if isinstance(b, dict) else str(b) for b in benchmarks)
            key_settings.append({"stage": label, "key": "benchmarks", "value": shown})
        for flt in config.pop("filters", None) or []:
            params = {k: v for k, v in flt.items() if k not in ("type", "drop")}
            shown = _show(params) if params else ""
            filters.append({"stage": label, "type": flt.get("type", ""), "drop": flt.get("drop", True), "params": shown})
            for key, value in _flatten(params, flt.get("type", "")):
                if _is_key_setting(key, value):
                    key_settings.append({"stage": label, "key": key, "value": _show(value)})
        for key, value in _flatten({k: v for k, v in config.items() if k not in ("type", "stage_name", *off)}):
            if _is_key_setting(key, value):
                key_settings.append({"stage": label, "key": key, "value": _show(value)})
    versions = build.build.get("versions") or {}
    ordered = [lib for lib in VERIFIER_LIBRARIES if lib in versions] + sorted(set(versions) - set(VERIFIER_LIBRARIES))
    verifier = versions.get("math-verify") or versions.get("math_verify")
    return {
        "stages": stages,
        "filters": filters,
        "key_settings": key_settings,
        "versions": [{"library": lib, "version": versions[lib]} for lib in ordered],
        "verifier": verifier,
    }
