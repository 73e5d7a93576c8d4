"""Evaluation problems with gold answers: MATH-500, AIME 2024, AMC 2023, GSM8K, or any file.

A benchmark is a built-in name (the file names of :data:`bigmath.dedup.benchmarks.KNOWN_BENCHMARKS`,
looked up in the shared data folder ``../shared/data/labelled`` beside the checkout,
``$BIGMATH_SHARED_DATA/labelled`` or ``--data-dir``) or a path to a jsonl / json / parquet file.

Fields: the problem is the first of :data:`bigmath.dedup.benchmarks.TEXT_FIELDS` present, the id
the first of ``ID_FIELDS`` (else the row number), the gold the first of :data:`ANSWER_FIELDS`.
GSM8K golds (``reasoning #### 72``) are read after ``####``, as its authors grade them; a gold
that is a whole solution is graded on its last ``\\boxed{}`` (:func:`bigmath.verify.check`).
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
from pathlib import Path
from typing import Any

from bigmath.dedup.benchmarks import ID_FIELDS, KNOWN_BENCHMARKS, TEXT_FIELDS
from bigmath.errors import InputError

#: Gold-answer fields, first present wins (OlympiadBench's ``final_answer`` is a list).
ANSWER_FIELDS = ("answer", "final_answer", "gold", "label", "solution")


@dataclasses.dataclass(frozen=True)
class EvalProblem:
    """One evaluation problem: ``benchmark`` name, ``item_id``, ``problem`` text, gold ``answer``
    (str, int or float as stored upstream: AMC golds are floats such as ``27.0``)."""

    benchmark: str
    item_id: str
    problem: str
    answer: str | int | float


def data_dirs() -> list[Path]:
    """Folders searched for built-in benchmark files, in order: ``$BIGMATH_SHARED_DATA/labelled``,
    then ``shared/data/labelled`` beside the checkout bigmath runs from."""
    dirs = []
    if os.environ.get("BIGMATH_SHARED_DATA"):
        dirs.append(Path(os.environ["BIGMATH_SHARED_DATA"]) / "labelled")
    dirs.append(Path(__file__).resolve().parents[3] / "shared" / "data" / "labelled")
    return dirs


def benchmark_file(spec: str, data_dir: str | Path | None = None) -> tuple[str, Path]:
    """Resolve ``spec`` (a built-in name or a file path) to ``(name, file)``.

    Raises:
        InputError: the file does not exist, or no searched folder holds the built-in file.
    """
    path = Path(spec)
    if path.is_file():
        known = {s.file: n for n, s in KNOWN_BENCHMARKS.items()}
        return known.get(path.name, path.name.split(".")[0]), path
    if spec not in KNOWN_BENCHMARKS:
        raise InputError(spec, None, None,
                         f"no such file, and not a built-in benchmark ({', '.join(KNOWN_BENCHMARKS)})")
    folders = [Path(data_dir)] if data_dir is not None else data_dirs()
    for folder in folders:
        candidate = folder / KNOWN_BENCHMARKS[spec].file
        if candidate.is_file():
            return spec, candidate
    raise InputError(spec, None, None, f"{KNOWN_BENCHMARKS[spec].file} not found in "
                     f"{', '.join(map(str, folders))}; pass --data-dir or a file path")


def gold_answer(row: dict[str, Any], origin: str, line: int | None) -> str | int | float:
    """The gold answer of a native benchmark row (see the module docstring).

    Raises:
        InputError: no answer field, or an empty / non-scalar one (names file, line and field).
    """
    from bigmath.verify import extract_answer

    field = next((f for f in ANSWER_FIELDS if row.get(f) not in (None, "", [])), None)
    if field is None:
        raise InputError(origin, line, "answer", f"no gold answer (looked for {', '.join(ANSWER_FIELDS)})")
    value = row[field]
    if isinstance(value, list):
        value = value[0] if len(value) == 1 else ", ".join(map(str, value))
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise InputError(origin, line, field, f"expected a string or number, got {type(value).__name__}")
    if isinstance(value, str) and "####" in value:
        value = extract_answer(value) or value  # GSM8K: the number after ####
    return value


def load_benchmark(spec: str, n: int | None = None,
                   data_dir: str | Path | None = None) -> tuple[str, Path, list[EvalProblem]]:
    """Read the first ``n`` problems (all when None) of a benchmark, in file order.

    Returns:
        ``(name, file, problems)``.

    Raises:
        InputError: unknown benchmark, unreadable file, or a row without problem text or gold.
    """
    from bigmath.sources.readers import read_local

    name, path = benchmark_file(spec, data_dir)
    problems: list[EvalProblem] = []
    for native in read_local(path):
        if n is not None and len(problems) >= n:
            break
        row = native.row
        text_field = next((f for f in TEXT_FIELDS if isinstance(row.get(f), str) and row[f].strip()), None)
        if text_field is None:
            raise InputError(native.origin, native.line, "problem",
                             f"no problem text (looked for {', '.join(TEXT_FIELDS)})")
        id_field = next((f for f in ID_FIELDS if row.get(f) is not None), None)
        item_id = str(row[id_field]) if id_field else str(native.index)
        gold = gold_answer(row, native.origin, native.line)
        problems.append(EvalProblem(name, item_id, row[text_field].strip(), gold))
    if not problems:
        raise InputError(str(path), None, None, "no problems")
    return name, path, problems


def file_sha256(path: Path) -> str:
    """sha256 (hex) of a benchmark file, recorded in ``eval.json``."""
    return hashlib.sha256(path.read_bytes()).hexdigest()
