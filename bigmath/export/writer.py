"""Write an export: kept rows -> a format's rows, split into train/test, length-filtered.

Output folder (``bigmath export OUT --format F --out DIR``)::

    DIR/train.parquet     rows of the format (see bigmath.export.formats); not written when empty
    DIR/test.parquet      only when a test split is asked for (and not empty)
    DIR/excluded.parquet  id, source, split, reason, prompt_tokens: every kept row not exported
    DIR/export.json       format, options, counts per split and per reason, the build it came from

``datasets.load_dataset("parquet", data_dir=DIR)`` reads the train/test splits (the split names
in the file names select them; ``excluded.parquet`` is not a split). The split is a pure function
of each row's id and the seed, so it does not change when rows are added or removed.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections import Counter
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from bigmath.export.build_output import BuildOutput, BuildOutputError
from bigmath.export.formats import ExportOptions, RowExcluded, get_format
from bigmath.export.tokens import PromptTokenCounter
from bigmath.progress import track

SPLITS = ("train", "test")
EXCLUDED_SCHEMA = pa.schema(
    [("id", pa.string()), ("source", pa.string()), ("split", pa.string()), ("reason", pa.string()),
     ("prompt_tokens", pa.int64())]
)
_OUTPUT_FILES = ("train.parquet", "test.parquet", "excluded.parquet", "export.json")


@dataclasses.dataclass
class ExportReport:
    """What :func:`export_build` wrote.

    Attributes:
        format: export format name.
        out_dir: the output folder.
        rows: rows written per split (``{"train": n, "test": m}``).
        excluded: kept rows not exported, per reason (``export:no_answer``, ...).
        files: files written, in order.
        unboxed_targets: ``sft`` rows whose assistant turn has no ``\boxed{}`` although the
            instruction asks for one (0 for other formats or without an instruction).
    """

    format: str
    out_dir: Path
    rows: dict[str, int]
    excluded: dict[str, int]
    files: list[Path]
    unboxed_targets: int = 0


def split_of(problem_id: str, test_size: float, seed: int = 0) -> str:
    """Return ``"test"`` when the row goes to the test split, else ``"train"``.

    A row is in the test split when ``sha256(seed NUL id)``, read as a fraction in [0, 1), is
    below ``test_size``; the choice depends on nothing but the id and the seed.
    """
    if test_size <= 0:
        return "train"
    digest = hashlib.sha256(f"{seed}\x00{problem_id}".encode("utf-8")).digest()
    return "test" if int.from_bytes(digest[:8], "big") / 2**64 < test_size else "train"


def assign_splits(ids: list[str], test_size: float, seed: int = 0) -> list[str]:
    """Return the split of each id.

    Args:
        ids: problem ids.
        test_size: fraction in [0, 1) of rows for the test split, or an integer >= 1: exactly that
            many rows (those with the smallest hash of seed and id).
        seed: changes which rows are drawn.

    Raises:
        ValueError: ``test_size`` is negative, or an integer larger than the number of rows.
    """
    if test_size >= 1 and int(test_size) == test_size:
        test_size = int(test_size)  # a row count: shown and recorded as an integer
    if test_size < 0:
        raise ValueError(f"test_size must be >= 0, got {test_size}")
    if test_size < 1:
        return [split_of(i, test_size, seed) for i in ids]
    if int(test_size) != test_size or test_size > len(ids):
        raise ValueError(f"test_size {test_size} must be a fraction below 1 or a row count <= {len(ids)}")
    keys = sorted(ids, key=lambda i: hashlib.sha256(f"{seed}\x00{i}".encode("utf-8")).digest())
    test = set(keys[: int(test_size)])
    return ["test" if i in test else "train" for i in ids]


def _excluded(row: dict[str, Any], split: str, reason: str, tokens: int | None = None) -> dict[str, Any]:
    return {"id": row["id"], "source": row["source"], "split": split, "reason": reason, "prompt_tokens": tokens}


def _drop_overlong(
    candidates: dict[str, list[dict[str, Any]]], counter: PromptTokenCounter, limit: int, show_progress: bool
) -> list[dict[str, Any]]:
    """Remove candidates whose prompt has more than ``limit`` tokens (in place); return them as
    excluded rows (reason ``export:prompt_too_long``, with the token count)."""
    everything = [c for split in SPLITS for c in candidates[split]]
    prompts = [c["prompt"] for c in everything]
    if show_progress:
        with track("counting prompt tokens", total=len(prompts)) as advance:
            lengths = counter.count(prompts, advance)
    else:
        lengths = counter.count(prompts)
    tokens = {id(c): n for c, n in zip(everything, lengths)}
    excluded = []
    for split in SPLITS:
        over = [c for c in candidates[split] if tokens[id(c)] > limit]
        excluded += [_excluded(c["row"], split, "export:prompt_too_long", tokens[id(c)]) for c in over]
        candidates[split] = [c for c in candidates[split] if tokens[id(c)] <= limit]
    return excluded


def rollouts_column(columns: list[str]) -> str | None:
    """The solve-rate stage's verified-correct rollouts column (``solve_rate_<alias>_correct_rollouts``)
    among ``columns``, the first in name order when there are several; None when there is none."""
    found = sorted(c for c in columns if c.startswith("solve_rate_") and c.endswith("_correct_rollouts"))
    return found[0] if found else None


def export_build(
    build: BuildOutput | str | Path,
    format_name: str,
    out_dir: str | Path,
    options: ExportOptions | None = None,
    *,
    test_size: float = 0.0,
    seed: int = 0,
    max_prompt_tokens: int | None = None,
    tokenizer: str | None = None,
    show_progress: bool = False,
) -> ExportReport:
    """Export the kept rows of a build in ``format_name`` to ``out_dir``.

    Args:
        build: a :class:`BuildOutput` or the build folder.
        format_name: ``verl``, ``trl-grpo``, ``openrlhf`` or ``sft``.
        out_dir: output folder (created; earlier export files in it are replaced).
        options: mapper settings (instruction, keys, ...); defaults when None.
        test_size: see :func:`assign_splits`; 0 writes only ``train.parquet``.
        seed: split seed.
        max_prompt_tokens: drop rows whose prompt is longer (reason ``export:prompt_too_long``).
        tokenizer: tokenizer name or folder used to count prompt tokens; required with
            ``max_prompt_tokens``.
        show_progress: draw a rich progress bar while counting tokens.

    Raises:
        ValueError: unknown format, bad ``test_size``, ``max_prompt_tokens`` without tokenizer, or
            ``sft_target="rollout"`` on a build without a rollouts column.
        bigmath.export.build_output.BuildOutputError: the build folder is incomplete, or a kept
            row has an empty ``problem`` (file, row and field named).
        bigmath.export.tokens.TokenizerError: the tokenizer cannot be loaded.
    """
    fmt = get_format(format_name)
    options = options or ExportOptions()
    if max_prompt_tokens is not None and not tokenizer:
        raise ValueError("max_prompt_tokens needs a tokenizer name (--tokenizer)")
    build = build if isinstance(build, BuildOutput) else BuildOutput.open(build)
    counter = PromptTokenCounter(tokenizer) if max_prompt_tokens is not None else None
    kept = build.kept
    if options.rollouts_column is not None and options.rollouts_column not in kept.column_names:
        found = rollouts_column(kept.column_names)
        raise ValueError(f"rollouts column {options.rollouts_column!r} is not in {build.root / 'kept.parquet'}"
                         + (f"; this build has {found!r}" if found else "; this build has no solve-rate rollouts"))
    if options.rollouts_column is None:
        options = dataclasses.replace(options, rollouts_column=rollouts_column(kept.column_names))
    if fmt.name == "sft" and options.sft_target == "rollout" and options.rollouts_column not in kept.column_names:
        wanted = options.rollouts_column or "solve_rate_<alias>_correct_rollouts"
        raise ValueError(f"sft_target 'rollout': {build.root / 'kept.parquet'} has no column {wanted!r}; "
                         "run the solve_rate stage (keep_correct_rollouts >= 1) or use --sft-target auto|solution")
    rows = kept.to_pylist()
    splits = assign_splits([r["id"] for r in rows], test_size, seed)

    excluded: list[dict[str, Any]] = []
    candidates: dict[str, list[dict[str, Any]]] = {s: [] for s in SPLITS}
    for i, (row, split) in enumerate(zip(rows, splits)):
        if not isinstance(row["problem"], str) or not row["problem"].strip():
            raise BuildOutputError(f"{build.root / 'kept.parquet'}: row {i} (id {row['id']}): field 'problem' is empty")
        try:
            mapped = fmt.mapper(row, split, 0, options)
        except RowExcluded as exc:
            excluded.append(_excluded(row, split, exc.reason))
            continue
        candidates[split].append({"row": row, "prompt": fmt.prompt(mapped, options)})

    if counter is not None:
        excluded += _drop_overlong(candidates, counter, max_prompt_tokens, show_progress)

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    for name in _OUTPUT_FILES:
        (out_dir / name).unlink(missing_ok=True)
    schema = fmt.schema(options)
    files: list[Path] = []
    written: dict[str, int] = {}
    unboxed = 0
    for split in SPLITS:
        if split == "test" and test_size <= 0:
            continue
        out_rows = [fmt.mapper(c["row"], split, i, options) for i, c in enumerate(candidates[split])]
        written[split] = len(out_rows)
        if fmt.name == "sft" and "boxed" in options.instruction:
            unboxed += sum("\\boxed" not in r["messages"][-1]["content"] for r in out_rows)
        if not out_rows:  # an empty parquet split breaks datasets.load_dataset; export.json says 0
            continue
        path = out_dir / f"{split}.parquet"
        pq.write_table(pa.Table.from_pylist(out_rows, schema=schema), path)
        files.append(path)

    excluded_path = out_dir / "excluded.parquet"
    pq.write_table(pa.Table.from_pylist(excluded, schema=EXCLUDED_SCHEMA), excluded_path)
    files.append(excluded_path)
    reasons = dict(sorted(Counter(e["reason"] for e in excluded).items()))
    manifest = {
        "format": fmt.name,
        "trainer": fmt.trainer,
        "options": fmt.options_used(options),
        "test_size": int(test_size) if test_size >= 1 and int(test_size) == test_size else test_size,
        "seed": seed,
        "max_prompt_tokens": max_prompt_tokens,
        "tokenizer": tokenizer,
        "build": {
            "bigmath_version": build.build.get("bigmath_version"), "recipe": build.recipe.get("name"), "kept": kept.num_rows
        },
        "rows": written,
        "excluded": reasons,
        **({"unboxed_targets": unboxed} if fmt.name == "sft" else {}),
    }
    manifest_path = out_dir / "export.json"
    manifest_path.write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    files.append(manifest_path)
    return ExportReport(fmt.name, out_dir, written, reasons, files, unboxed)
