"""Training rows from a build folder or an export folder, with the digest that identifies them.

``bigmath train sft|grpo IN`` accepts either:

* a **build** folder (``bigmath build --out OUT``: ``kept.parquet``): the rows are exported with
  :func:`bigmath.export.writer.export_build` into ``<run>/data/`` first, exactly as
  ``bigmath export`` would write them (same mapper, options and ``export.json``);
* an **export** folder (``bigmath export OUT --format F --out DIR``: ``export.json`` +
  ``train.parquet``) of the format the trainer reads (``sft`` for SFT, ``trl-grpo`` for GRPO).

The **difficulty window** keeps rows whose solve rate (the ``solve_rate_<alias>`` column the
solve-rate stage writes) lies in ``[low, high]``, as open-r1 and Polaris select RL prompts so
that groups of rollouts disagree and the GRPO advantage is not zero. Rows outside it are counted
per reason (``window:too_hard``, ``window:too_easy``, ``window:no_solve_rate``) and listed in
``<run>/data/window_excluded.parquet``; nothing is dropped silently.

The **digest** is the sha256 of the training rows as canonical JSON lines (sorted keys, in
order), so it names the exact data whatever parquet writer produced the file.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import warnings
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from bigmath.export.formats import ExportOptions

class UnboxedTargetsWarning(UserWarning):
    """SFT targets without the ``\\boxed{}`` the instruction asks for (counted by the export)."""


class TrainingDataError(ValueError):
    """The input folder cannot give training rows; the message names the folder, file or row."""


@dataclasses.dataclass(frozen=True)
class SolveRateWindow:
    """Keep rows with ``low <= solve rate <= high`` (either bound may be None = open).

    Attributes:
        low: smallest solve rate kept (e.g. 0.1; open-r1 and Polaris drop problems no rollout solves).
        high: largest solve rate kept (e.g. 0.9; drops problems every rollout solves).
        column: the solve-rate column of ``kept.parquet``; None = the only ``solve_rate_<alias>``
            float column of the build.
    """

    low: float | None = None
    high: float | None = None
    column: str | None = None

    def __post_init__(self) -> None:
        for name, value in (("low", self.low), ("high", self.high)):
            if value is not None and not 0.0 <= value <= 1.0:
                raise ValueError(f"solve-rate window {name} must be in [0, 1], got {value}")
        if self.low is not None and self.high is not None and self.low > self.high:
            raise ValueError(f"solve-rate window is empty: low {self.low} > high {self.high}")

    @property
    def active(self) -> bool:
        """True when at least one bound is set."""
        return self.low is not None or self.high is not None

    def reason(self, rate: float | None) -> str | None:
        """Why a row with solve rate ``rate`` is outside the window, or None when it is inside."""
        if rate is None:
            return "window:no_solve_rate"
        if self.low is not None and rate < self.low:
            return "window:too_hard"
        if self.high is not None and rate > self.high:
            return "window:too_easy"
        return None


@dataclasses.dataclass(frozen=True)
class TrainingData:
    """Rows a trainer reads, and where they came from.

    Attributes:
        rows: export rows (``sft``: ``messages, id, source, target``; ``trl-grpo``:
            ``prompt, answer, id, source``), in file order.
        format: the export format of ``rows``.
        input: the folder given (build or export).
        kind: ``build`` or ``export``.
        export_dir: the export folder the rows were read from (``<run>/data`` for a build).
        export: that folder's ``export.json``.
        digest: sha256 of ``rows`` as canonical JSON lines (see :func:`rows_digest`).
        excluded: rows left out by the difficulty window, per reason.
        window: the window applied (JSON-able) or None.
    """

    rows: list[dict[str, Any]]
    format: str
    input: Path
    kind: str
    export_dir: Path
    export: dict[str, Any]
    digest: str
    excluded: dict[str, int]
    window: dict[str, Any] | None

    def describe(self) -> dict[str, Any]:
        """JSON-able identity for ``train.json``: input, format, rows, digest, export options."""
        train_file = self.export_dir / "train.parquet"
        return {
            "input": str(self.input), "kind": self.kind, "format": self.format, "export_dir": str(self.export_dir),
            "rows": len(self.rows), "digest": f"sha256:{self.digest}",
            "train_parquet_sha256": hashlib.sha256(train_file.read_bytes()).hexdigest(),
            "export": {k: self.export.get(k) for k in ("options", "test_size", "seed", "max_prompt_tokens",
                                                       "tokenizer", "build", "rows", "excluded")},
            "window": self.window, "window_excluded": self.excluded,
        }


def rows_digest(rows: list[dict[str, Any]]) -> str:
    """sha256 (hex) of ``rows`` as JSON lines with sorted keys, UTF-8, in order."""
    digest = hashlib.sha256()
    for row in rows:
        digest.update(json.dumps(row, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))
        digest.update(b"\n")
    return digest.hexdigest()


def solve_rate_column(table: pa.Table, where: Path, wanted: str | None = None) -> str:
    """The solve-rate column to window on: ``wanted``, or the only float ``solve_rate_*`` column.

    Raises:
        TrainingDataError: ``wanted`` is missing, or there is no / more than one candidate.
    """
    candidates = sorted(f.name for f in table.schema if f.name.startswith("solve_rate_")
                        and pa.types.is_floating(f.type))
    if wanted is not None:
        if wanted not in table.column_names:
            raise TrainingDataError(f"{where}: no column {wanted!r}; solve-rate columns: {candidates or 'none'}")
        return wanted
    if not candidates:
        raise TrainingDataError(f"{where}: no solve_rate_<alias> column; the difficulty window needs a build "
                                "with the solve_rate stage (or drop --min-solve-rate/--max-solve-rate)")
    if len(candidates) > 1:
        raise TrainingDataError(f"{where}: several solve-rate columns {candidates}; pick one with --solve-rate-column")
    return candidates[0]


def _read_export(export_dir: Path, format_name: str) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    manifest_path = export_dir / "export.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    if manifest.get("format") != format_name:
        raise TrainingDataError(f"{manifest_path}: a {manifest.get('format')!r} export, but this trainer reads "
                                f"{format_name!r} (bigmath export BUILD --format {format_name} --out DIR)")
    train = export_dir / "train.parquet"
    if not train.is_file():
        raise TrainingDataError(f"{train}: file not found; the export has no train rows ({manifest.get('excluded')})")
    return pq.read_table(train).to_pylist(), manifest


def row_id(row: dict[str, Any]) -> str:
    """The problem id of an export row (``id``, or verl's ``extra_info.id``)."""
    return row["id"] if "id" in row else row["extra_info"]["id"]


def _apply_window(rows: list[dict[str, Any]], build_dir: Path, window: SolveRateWindow,
                  out_dir: Path | None) -> tuple[list[dict[str, Any]], dict[str, int], str]:
    kept_path = build_dir / "kept.parquet"
    table = pq.read_table(kept_path)
    column = solve_rate_column(table, kept_path, window.column)
    rates = dict(zip(table.column("id").to_pylist(), table.column(column).to_pylist()))
    inside, outside = [], []
    for row in rows:
        problem_id = row_id(row)
        reason = window.reason(rates.get(problem_id))
        if reason is None:
            inside.append(row)
        else:
            outside.append({"id": problem_id, "source": row.get("source", row.get("data_source")), "reason": reason,
                            "solve_rate": rates.get(problem_id)})
    schema = pa.schema([("id", pa.string()), ("source", pa.string()), ("reason", pa.string()),
                        ("solve_rate", pa.float64())])
    if out_dir is not None:
        pq.write_table(pa.Table.from_pylist(outside, schema=schema), out_dir / "window_excluded.parquet")
    counts: dict[str, int] = {}
    for item in outside:
        counts[item["reason"]] = counts.get(item["reason"], 0) + 1
    return inside, dict(sorted(counts.items())), column


def load_training_data(path: str | Path, format_name: str, work_dir: str | Path,
                       options: ExportOptions | None = None, *, window: SolveRateWindow | None = None,
                       test_size: float = 0.0, write: bool = True) -> TrainingData:
    """Read the training rows of ``format_name`` from a build or export folder.

    Args:
        path: build folder (``kept.parquet``) or export folder (``export.json``).
        format_name: the export format the trainer reads: ``sft`` (SFT), ``trl-grpo`` (GRPO) or
            ``verl`` (the verl command).
        work_dir: where a build is exported to (``<run>/data``); unused for an export folder.
        options: export options (instruction, system prompt, SFT target) for a build; an export
            folder keeps the options it was written with (recorded in its ``export.json``).
        window: difficulty window on the solve rate (build folders only).
        test_size: test split of a build's export (see :func:`bigmath.export.writer.assign_splits`);
            only ``train.parquet`` is read here.
        write: False reads the export an earlier call wrote into ``work_dir`` instead of writing
            it (the other processes of a multi-process run, after the main one).

    Raises:
        TrainingDataError: not a build or export folder, wrong export format, no train rows,
            a window on an export folder or a build without solve rates, or no row left.
        bigmath.export.build_output.BuildOutputError: an incomplete build folder.
    """
    from bigmath.export.writer import export_build

    path = Path(path)
    window = window if window is not None and window.active else None
    if (path / "kept.parquet").is_file():
        kind, export_dir = "build", Path(work_dir)
        if write:
            export_build(path, format_name, export_dir, options, test_size=test_size)
    elif (path / "export.json").is_file():
        kind, export_dir = "export", path
        if options is not None and options != ExportOptions():
            raise TrainingDataError(f"{path}: export options apply to a build folder; this export was written "
                                    "with the options in its export.json")
        if window is not None:
            raise TrainingDataError(f"{path}: the difficulty window reads solve rates from a build's kept.parquet; "
                                    "pass the build folder instead of the export")
    else:
        raise TrainingDataError(f"{path}: neither a build folder (kept.parquet) nor an export folder (export.json)")
    rows, manifest = _read_export(export_dir, format_name)
    if write and manifest.get("unboxed_targets"):  # the warning `bigmath export` prints
        warnings.warn(f"{manifest['unboxed_targets']:,} assistant turns have no \\boxed{{}} although the instruction "
                      "asks for one (see export.json)", UnboxedTargetsWarning, stacklevel=2)
    excluded: dict[str, int] = {}
    window_info = None
    if window is not None:
        rows, excluded, column = _apply_window(rows, path, window, export_dir if write else None)
        window_info = {"low": window.low, "high": window.high, "column": column}
    if not rows:
        raise TrainingDataError(f"{path}: no training row left (window exclusions: {excluded or 'none'})")
    return TrainingData(rows, format_name, path, kind, export_dir, manifest, rows_digest(rows), excluded, window_info)


def sft_example(row: dict[str, Any], index: int, where: Path) -> dict[str, Any]:
    """One ``sft`` export row as TRL's conversational *prompt-completion* example.

    Splitting ``messages`` into ``prompt`` (all but the last turn) and ``completion`` (the final
    assistant turn) makes ``SFTTrainer`` compute the loss on the completion only.

    Raises:
        TrainingDataError: the row's last message is not an assistant turn (names file and row).
    """
    messages = row.get("messages") or []
    if len(messages) < 2 or messages[-1].get("role") != "assistant":
        raise TrainingDataError(f"{where}: row {index} (id {row.get('id')}): field 'messages' must end with an "
                                "assistant turn after the prompt")
    return {"prompt": messages[:-1], "completion": messages[-1:]}
