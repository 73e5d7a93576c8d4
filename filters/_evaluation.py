r"""Labelled evaluation set for the rule filters: load it, run filters on it, score them.

The set (``tests/data/filter_labels.jsonl``) holds one JSON object per line:

* real rows point into the shared sample data instead of copying it: ``origin`` is
  ``"<file relative to shared/data>:<1-based line>"``; ``layout`` says how a multiple-choice
  row's options are written into the problem text (see :data:`LAYOUTS`);
* written rows (``origin`` = ``"written:<tag>"``) carry ``problem`` and optionally ``answer``
  and ``solution`` inline;
* every row has ``flags``: the families (:data:`FLAGS`) a human reader judged positive; every
  family not listed is negative. Non-English rows also give ``lang`` (ISO 639-1).

The text of a real row is built by :func:`render` from the native fields of its file, the way
the source adapters map them (answer = last ``\boxed{}`` of the solution where the file has no
answer field).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa

from bigmath.boxed import last_boxed

#: Label families scored on the set, each mapped to the signal column of our filter for it.
FLAGS: dict[str, str] = {
    "hyperlink": "has_hyperlink",
    "language": "is_non_english",
    "multiple_choice": "is_multiple_choice",
    "multi_part": "is_multi_part",
    "yes_no": "is_yes_no",
    "true_false": "is_true_false",
    "proof": "is_proof",
    "figure": "needs_figure",
    "answer": "has_bad_answer",
}

_LETTERS = "ABCDEFGH"


def _strip_dollars(text: str) -> str:
    text = text.strip()
    return text[1:-1].strip() if len(text) > 1 and text.startswith("$") and text.endswith("$") else text


#: How options are written after the question: name -> function(list of (letter, text)) -> str.
LAYOUTS: dict[str, Callable[[list[tuple[str, str]]], str]] = {
    "lines_paren": lambda opts: "\n".join(f"({k}) {v}" for k, v in opts),
    "lines_dot": lambda opts: "\n".join(f"{k}. {v}" for k, v in opts),
    "lines_colon": lambda opts: "\n".join(f"{k}: {v}" for k, v in opts),
    "lines_close": lambda opts: "\n".join(f"{k}){v}" for k, v in opts),
    "inline_paren": lambda opts: " ".join(f"({k}) {v}" for k, v in opts),
    "answer_choices": lambda opts: "Answer choices: " + " ".join(f"({k}) {v}" for k, v in opts),
    "aops_textbf": lambda opts: "$"
    + r" \qquad ".join(rf"\textbf{{({k})}}\ {_strip_dollars(v)}" for k, v in opts)
    + "$",
    "aops_mathrm": lambda opts: "$"
    + r"\qquad".join(rf"\mathrm{{({k})}}\ {_strip_dollars(v)}" for k, v in opts)
    + "$",
}


def _options(native: Any) -> list[tuple[str, str]]:
    if isinstance(native, dict):
        return [(k, str(v)) for k, v in native.items()]
    return [(_LETTERS[i], str(v)) for i, v in enumerate(native)]


def _with_options(question: str, options: list[tuple[str, str]], layout: str | None) -> str:
    if not layout or layout == "none":
        return question
    return f"{question}\n{LAYOUTS[layout](options)}"


def _number(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


_PLAIN_FILES = ("omni_math_gpteval100.jsonl", "math500_test.jsonl", "aime24_test.jsonl", "aime25_test.jsonl",
                "amc23_test.jsonl")


def render(file: str, native: dict[str, Any], layout: str | None) -> dict[str, str | None]:
    """Return ``{problem, answer, solution}`` for one native row of a shared-data ``file``.

    Raises:
        KeyError: ``file`` is not one of the shared sample files this set draws from.
    """
    name = file.split("/")[-1]
    if file in ("math/sample.jsonl", "labelled/minerva_math_test.jsonl"):
        return {"problem": native["problem"], "answer": last_boxed(native["solution"]), "solution": native["solution"]}
    if file in ("harp/sample.jsonl", "harp/proof_based.jsonl"):
        return {"problem": native["problem"], "answer": native.get("answer"), "solution": native.get("solution_1")}
    if file == "omni_math/sample.jsonl" or name in _PLAIN_FILES:
        return {"problem": native["problem"], "answer": _number(native.get("answer")), "solution": native.get("solution")}
    if name == "harp_mcq_sample.jsonl":
        problem = _with_options(native["problem"], _options(native["choices"]), layout)
        return {"problem": problem, "answer": native["answer"], "solution": native.get("solution_1")}
    if name == "aqua_test.jsonl":  # options are published as "A)5" strings: keep them as they are
        question = native["question"]
        opts = "\n".join(native["options"]) if layout != "inline_paren" else " ".join(native["options"])
        problem = question if layout == "none" else f"{question}\n{opts}"
        return {"problem": problem, "answer": native["correct"], "solution": native.get("rationale")}
    if name == "mmlu_stem_test.jsonl":
        problem = _with_options(native["question"], _options(native["choices"]), layout)
        return {"problem": problem, "answer": _LETTERS[int(native["answer"])], "solution": None}
    if name == "sat_math_test.jsonl":  # options are one published string "A) ... B) ..."
        problem = native["question"] if layout == "none" else f"{native['question']} {native['options']}"
        return {"problem": problem, "answer": native["Answer"], "solution": None}
    if name == "gaokao_math_qa_test.jsonl":
        problem = _with_options(native["question"], _options(native["options"]), layout)
        return {"problem": problem, "answer": native["label"], "solution": None}
    if name == "gsm8k_test.jsonl":
        solution, _, answer = native["answer"].rpartition("####")
        return {"problem": native["question"], "answer": answer.strip(), "solution": solution.strip()}
    if name == "olympiadbench_test.jsonl":
        problem = f"{native['context']}\n{native['question']}" if native.get("context") else native["question"]
        answer = ", ".join(native.get("final_answer") or []) or None
        return {"problem": problem, "answer": answer, "solution": (native.get("solution") or [None])[0]}
    raise KeyError(f"no renderer for shared data file {file!r}")


def _read_line(path: Path, line_no: int, cache: dict[Path, list[str]]) -> dict[str, Any]:
    if path not in cache:
        cache[path] = path.read_text(encoding="utf-8").splitlines()
    lines = cache[path]
    if not 1 <= line_no <= len(lines):
        raise ValueError(f"{path}: no line {line_no} (file has {len(lines)} lines)")
    return json.loads(lines[line_no - 1])


def load_labelled(labels_path: Path, shared_data: Path) -> list[dict[str, Any]]:
    """Load the labelled set, resolving real rows against ``shared_data``.

    Returns:
        One dict per labelled row: ``id`` (``L0001``...), ``origin``, ``problem``, ``answer``,
        ``solution``, ``flags`` (set of families), ``lang`` (or None), ``note``.

    Raises:
        ValueError: a row names an unknown flag, a missing line, or lacks ``problem``; the
            message names the labels file and line.
    """
    cache: dict[Path, list[str]] = {}
    rows = []
    for number, line in enumerate(labels_path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        entry = json.loads(line)
        where = f"{labels_path}:{number}"
        unknown = set(entry.get("flags", [])) - set(FLAGS)
        if unknown:
            raise ValueError(f"{where}: unknown flags {sorted(unknown)}; known: {sorted(FLAGS)}")
        origin = entry["origin"]
        if origin.startswith("written:"):
            if not entry.get("problem"):
                raise ValueError(f"{where}: written row lacks field 'problem'")
            text = {k: entry.get(k) for k in ("problem", "answer", "solution")}
        else:
            file, _, line_no = origin.rpartition(":")
            native = _read_line(shared_data / file, int(line_no), cache)
            text = render(file, native, entry.get("layout"))
        rows.append({"id": f"L{len(rows) + 1:04d}", "origin": origin, **text,
                     "flags": set(entry.get("flags", [])), "lang": entry.get("lang"), "note": entry.get("note", "")})
    return rows


def to_table(rows: Sequence[dict[str, Any]]) -> pa.Table:
    """Return the labelled rows as an Arrow table with ``id, source, problem, answer, solution, meta``
    (``meta`` ``{}``: the labelled rows carry their options in the problem text, if anywhere)."""
    return pa.table({
        "id": [r["id"] for r in rows],
        "source": [r["origin"].split(":")[0] for r in rows],
        "problem": [r["problem"] for r in rows],
        "answer": pa.array([r["answer"] for r in rows], pa.string()),
        "solution": pa.array([r["solution"] for r in rows], pa.string()),
        "meta": pa.array(["{}"] * len(rows), pa.string()),
    })


def scores(predicted: Sequence[bool], labels: Sequence[bool]) -> dict[str, float]:
    """Return ``tp, fp, fn, precision, recall, f1`` of boolean predictions against labels.

    Precision (recall) is 1.0 when nothing was predicted (labelled) positive.
    """
    tp = sum(p and t for p, t in zip(predicted, labels))
    fp = sum(p and not t for p, t in zip(predicted, labels))
    fn = sum(t and not p for p, t in zip(predicted, labels))
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"tp": tp, "fp": fp, "fn": fn, "precision": precision, "recall": recall, "f1": f1}
