"""Command: ``bigmath verify FILE --gold-col answer --pred-col response [--problem-col problem] [--out F]``.

Grades every row of a jsonl or parquet file with :func:`bigmath.verify.check_many` (gold first,
hard per-row timeout, worker processes; with the problem text, from ``--problem-col`` or a
``problem`` column, answers that restate the problem are wrong), prints the accuracy and a table
of outcomes, and with ``--out`` writes the rows back with four columns added:
``verify_outcome``, ``verify_gold``, ``verify_prediction``, ``verify_reason`` (jsonl or parquet,
by the extension of F).
"""

from __future__ import annotations

import collections
import json
from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from bigmath.cli.app import app, console, fail
from bigmath.errors import InputError
from bigmath.verify.types import DEFAULT_TIMEOUT_S

_JSONL = (".jsonl", ".json", ".ndjson")


def read_rows(path: Path) -> list[dict[str, Any]]:
    """Read a jsonl (one object per line) or parquet file into a list of dicts.

    Raises:
        InputError: a line is not a JSON object (names file and line).
        ValueError: the extension is neither jsonl nor parquet.
    """
    if path.suffix == ".parquet":
        import pyarrow.parquet as pq

        return pq.read_table(path).to_pylist()
    if path.suffix not in _JSONL:
        raise ValueError(f"{path}: expected a .jsonl or .parquet file")
    rows = []
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as err:
                raise InputError(str(path), number, "(json)", f"not valid JSON ({err.msg})") from None
            if not isinstance(row, dict):
                raise InputError(str(path), number, "(json)", f"expected a JSON object, got {type(row).__name__}")
            rows.append(row)
    return rows


def _column(rows: list[dict[str, Any]], path: Path, name: str, kind: str) -> list[Any]:
    """Values of column ``name``: strings, numbers (read as their text by the verifier) or None;
    a prediction may also be chat messages (the last assistant turn), a problem chat messages
    (the user turns). Raises InputError naming the first row that lacks it or holds another type."""
    values = []
    for number, row in enumerate(rows, start=1):
        if name not in row:
            raise InputError(str(path), number, name, f"{kind} column missing (columns: {', '.join(sorted(row))})")
        value = row[name]
        if isinstance(value, bool) or (kind == "problem" and isinstance(value, (int, float))):
            raise InputError(str(path), number, name, f"expected a string, got {type(value).__name__} {value!r}")
        if value is not None and not isinstance(value, (str, int, float)):
            if kind == "gold" or not isinstance(value, (list, dict)):
                raise InputError(str(path), number, name, f"expected a string or number, got {type(value).__name__}")
            from bigmath.rewards import completion_text, prompt_text

            try:
                value = completion_text(value) if kind == "prediction" else prompt_text(value)
            except (TypeError, AttributeError) as err:
                raise InputError(str(path), number, name, f"cannot read {kind} messages ({err})") from None
        values.append(value)
    return values


def _uniform(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows whose columns mix types (a gold ``"391"`` and ``2``; a string and a chat-message
    prediction) with those columns written as text (JSON for lists and dicts), so parquet takes
    them; other columns unchanged."""
    kinds: dict[str, set[type]] = {}
    for row in rows:
        for key, value in row.items():
            if value is not None:
                kinds.setdefault(key, set()).add(list if isinstance(value, (list, tuple)) else type(value))
    mixed = {key for key, seen in kinds.items() if len(seen) > 1 and seen != {int, float}}

    def text(value: Any) -> Any:
        if value is None or isinstance(value, str):
            return value
        return json.dumps(value, ensure_ascii=False) if isinstance(value, (list, tuple, dict)) else str(value)

    return [{k: text(v) if k in mixed else v for k, v in row.items()} for row in rows] if mixed else rows


def write_rows(rows: list[dict[str, Any]], path: Path) -> None:
    """Write rows as jsonl (keys in input order, UTF-8) or parquet, atomically (temp file, rename);
    for parquet, a column that mixes types is written as text (:func:`_uniform`)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    if path.suffix == ".parquet":
        import pyarrow as pa
        import pyarrow.parquet as pq

        try:
            table = pa.Table.from_pylist(_uniform(rows))
        except (pa.ArrowTypeError, pa.ArrowInvalid) as err:
            raise ValueError(f"{path}: the rows do not fit one parquet schema ({err}); write .jsonl instead") from None
        pq.write_table(table, tmp)
    elif path.suffix in _JSONL:
        with tmp.open("w", encoding="utf-8") as handle:
            for row in rows:
                handle.write(json.dumps(row, ensure_ascii=False) + "\n")
    else:
        raise ValueError(f"{path}: --out must end in .jsonl or .parquet")
    tmp.replace(path)


@app.command("verify")
def verify_command(
    file: Path = typer.Argument(..., help="jsonl or parquet file with a gold and a prediction column."),
    gold_col: str = typer.Option("answer", "--gold-col", help="Column holding the gold answer."),
    pred_col: str = typer.Option("response", "--pred-col", help="Column holding the model response."),
    problem_col: str = typer.Option(None, "--problem-col", show_default=False,
                                    help="Column holding the problem text, so answers that restate the problem are "
                                         "graded wrong [default: 'problem' when the file has it]."),
    out: Path = typer.Option(None, "--out", "-o", help="Write rows with verify_* columns (.jsonl or .parquet)."),
    workers: int = typer.Option(2, "--workers", min=1, help="Worker processes."),
    timeout: float = typer.Option(DEFAULT_TIMEOUT_S, "--timeout", min=0.1, help="Hard time bound per row, seconds."),
) -> None:
    """Grade every row (gold first); print accuracy and the outcome counts."""
    from bigmath.verify import Outcome, check_many

    if not file.is_file():
        raise fail(f"{file}: no such file")
    if out is not None and out.suffix not in (".parquet", *_JSONL):
        raise fail(f"{out}: --out must end in .jsonl or .parquet")
    try:
        rows = read_rows(file)
        golds = _column(rows, file, gold_col, "gold")
        preds = _column(rows, file, pred_col, "prediction")
        if problem_col is not None:
            problems = _column(rows, file, problem_col, "problem")
        elif any("problem" in row for row in rows):  # a row without one is graded without it
            problems = _column([{"problem": row.get("problem")} for row in rows], file, "problem", "problem")
        else:
            problems = None
    except (InputError, ValueError) as err:
        raise fail(str(err)) from None
    if not rows:
        raise fail(f"{file}: no rows")
    without = len(rows) if problems is None else sum(p is None for p in problems)
    if without:
        where = "no problem column (--problem-col)" if problems is None else \
            f"{without} of {len(rows)} rows have no problem"
        console.print(f"{where}: echo rule off there, answers that restate the problem cannot be told apart")
    verdicts = check_many(golds, preds, problems=problems, workers=workers, timeout_s=timeout, progress=True)

    counts = collections.Counter(v.outcome for v in verdicts)
    correct = counts[Outcome.CORRECT]
    gradable = len(verdicts) - counts[Outcome.UNPARSEABLE_GOLD]
    table = Table(title=f"bigmath verify {file.name}")
    table.add_column("outcome")
    table.add_column("rows", justify="right")
    table.add_column("share", justify="right")
    for outcome in Outcome:
        table.add_row(outcome.value, str(counts[outcome]), f"{counts[outcome] / len(verdicts):.1%}")
    console.print(table)
    console.print(f"accuracy: {correct}/{len(verdicts)} = [bold]{correct / len(verdicts):.2%}[/]"
                  + (f"  (on parseable golds: {correct}/{gradable} = {correct / gradable:.2%})" if gradable else ""))
    if out is not None:
        for row, verdict in zip(rows, verdicts):
            row.update({f"verify_{k}": v for k, v in verdict.to_dict().items()})
        try:
            write_rows(rows, out)
        except ValueError as err:
            raise fail(str(err)) from None
        console.print(f"wrote {len(rows)} rows to {out}")
