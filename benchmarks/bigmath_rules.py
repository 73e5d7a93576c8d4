r"""A faithful re-implementation of Big-Math's published rule-based signals, for comparison.

Source: Big-Math (Albalak et al., arXiv 2502.17387, Sec. 2.3 "rule-based filters") and its
repository SynthLabsAI/big-math, folder ``signals/`` (commit 4a84850, files named below). Each
function reproduces one script's row function; the regexes and string tests are copied from
those scripts. Two substitutions, because this machine has no internet:

* ``add_language_signal.py`` runs fastText LID (``facebook/fasttext-language-identification``,
  downloaded from the Hub) on LaTeX-stripped text; here lingua-language-detector (all 75
  languages, low-accuracy mode) gives the language probabilities, and the script's decision
  rule is kept: text shorter than 10 characters is English; otherwise the row is English unless
  P(English) < 0.02, and even then a Latin-script top language is reported as English.
* ``add_proof_signal.py`` splits sentences with ``nltk.sent_tokenize`` (only for the
  ``olympiads`` subset); a regex sentence splitter stands in for it.

The column names are those the scripts write (``is_multiple_choice``, ``is_multi_part_q_regex``,
``is_math_proof``, ``is_yes_no_question``, ``is_true_false_question``,
``has_hyperlink_problem``, ``is_boxed_empty``, ``problem_language``).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import Any

# --- add_multiple_choice_signal.py ---------------------------------------------------------
LETTER_OPTIONS = ["A", "B", "C", "D"]
NUMERICAL_OPTIONS = ["1", "2", "3", "4"]


def _is_multiple_choice(question: str, answer_options: list[str]) -> bool:
    question = question.replace("".join(answer_options), "")
    options_found = [question.rfind(option) for option in answer_options[::-1]]
    if any(option == -1 for option in options_found):
        return False
    for i, option in enumerate(options_found):
        if i > 0 and option > options_found[i - 1]:
            return False
    return True


def detect_multiple_choice(row: dict[str, Any]) -> dict[str, Any]:
    """``add_multiple_choice_signal.py``: A, B, C, D (or 1..4) occur in order anywhere."""
    problem = row["problem"] or ""
    row["is_multiple_choice"] = _is_multiple_choice(problem, LETTER_OPTIONS) or _is_multiple_choice(
        problem, NUMERICAL_OPTIONS)
    return row


# --- add_multipartq_signal.py --------------------------------------------------------------
_MULTI_PART = [
    r"\([IⅠ\s,\.]\).*\([IⅡ\s,\.]\)",
    r"\([1-9][^\)]*\).*\([1-9][^\)]*\)",
    r"(?:\d+\.).*(?:\d+\.)",
    r"\(I+\).*\(I+\)",
    r"(?:(?:^|\s)(?:1[.\)]|[Ii][.\)]|①).*(?:\s|$)(?:2[.\)]|[Ii]{2}[.\)]|②))",
]


def has_multi_part_q(row: dict[str, Any]) -> dict[str, Any]:
    """``add_multipartq_signal.py``: five regexes on the *lowercased* problem."""
    lower_problem = (row["problem"] or "").lower()
    row["is_multi_part_q_regex"] = any(re.search(p, lower_problem) for p in _MULTI_PART)
    return row


# --- add_proof_signal.py -------------------------------------------------------------------
_SENTENCE = re.compile(r"(?<=[.!?])\s+")


def has_proof(row: dict[str, Any]) -> dict[str, Any]:
    """``add_proof_signal.py``: "prove that" or "a proof"; for ``olympiads``, a sentence
    starting with "show"."""
    lower_problem = (row["problem"] or "").lower()
    row["is_math_proof"] = "prove that" in lower_problem or "a proof" in lower_problem
    if row.get("source") == "olympiads" and not row["is_math_proof"]:
        row["is_math_proof"] = any(s.lstrip().lower().startswith("show") for s in _SENTENCE.split(row["problem"]))
    return row


# --- add_yes_no_signal.py ------------------------------------------------------------------
_YES_NO = re.compile(r"(\s|\{|\b)(yes|no)(\s|\}|\b)", re.IGNORECASE)
_YES_NO_PREFIXES = ["is ", "are ", "do ", "does ", "can "]


def add_yes_no_signal(row: dict[str, Any]) -> dict[str, Any]:
    """``add_yes_no_signal.py``: yes/no in the answer (else the solution's last line), or a last
    problem line starting with is/are/do/does/can."""
    row["is_yes_no_question"] = False
    if row["answer"]:
        if _YES_NO.search(row["answer"]):
            row["is_yes_no_question"] = True
    elif row.get("solution"):
        if _YES_NO.search(row["solution"].split("\n")[-1]):
            row["is_yes_no_question"] = True
    lines = (row["problem"] or "").split("\n")
    if (len(lines) > 1 and re.search(r"[.,:;!?\s]$", lines[-2])) or len(lines) == 1:
        if any(lines[-1].lower().startswith(prefix) for prefix in _YES_NO_PREFIXES):
            row["is_yes_no_question"] = True
    return row


# --- add_true_false_signal.py --------------------------------------------------------------
def is_true_false(row: dict[str, Any]) -> dict[str, Any]:
    """``add_true_false_signal.py``: "true"/"false" anywhere in the answer, else in the last line
    of the solution(s)."""
    row["is_true_false_question"] = False
    if row["answer"]:
        if re.search(r"(true|false)", row["answer"], re.IGNORECASE):
            row["is_true_false_question"] = True
    elif row.get("solution"):
        if re.search(r"(true|false)", row["solution"].split("\n")[-1], re.IGNORECASE):
            row["is_true_false_question"] = True
    return row


# --- add_hyperlink_signal.py ---------------------------------------------------------------
def detect_latex_hyperlinks(row: dict[str, Any]) -> dict[str, Any]:
    r"""``add_hyperlink_signal.py``: ``\url``, ``\href``, ``http://``, ``https://`` (problem)."""
    problem = row["problem"] or ""
    row["has_hyperlink_problem"] = bool(
        re.search(r"\\url", problem) or re.search(r"\\href", problem)
        or re.search(r"http://", problem) or re.search(r"https://", problem))
    return row


# --- add_empty_boxed_signal.py -------------------------------------------------------------
_EMPTY_BOXED = [r"boxed\{\s*\}", r"boxed\{[\s\n\r]*\}", r"\\boxed\{\s*\}"]


def is_boxed_empty(row: dict[str, Any]) -> dict[str, Any]:
    """``add_empty_boxed_signal.py``: an empty ``boxed{}`` in the solution."""
    solution = row.get("solution") or ""
    row["is_boxed_empty"] = any(re.search(p, solution) for p in _EMPTY_BOXED)
    return row


# --- add_language_signal.py ----------------------------------------------------------------
def remove_special_chars(text: str) -> str:
    text = re.sub(r"[0-9*,\.+\-=\(\)\/\^\[\]{}|<>~`!@#$%&?_]", "", text)
    return re.sub(r"\s+", " ", text).strip()


def remove_latex_commands(text: str) -> str:
    text = re.sub(r"\\frac\{[^{}]*\}\{[^{}]*\}", "", text)
    text = re.sub(r"\\[a-zA-Z]+\{[^{}]*\}", "", text)
    text = re.sub(r"\\[a-zA-Z]+", "", text)
    text = re.sub(r"\$\$(.*?)\$\$", "", text)
    text = re.sub(r"\$(.*?)\$", "", text)
    return re.sub(r"\s+", " ", text).strip()


# languages lingua knows that are not written in Latin script (fastText labels end in _Latn)
_NON_LATIN = {"ar", "hy", "be", "bn", "bg", "zh", "ka", "el", "gu", "he", "hi", "ja", "kk", "ko", "mk", "mr",
              "mn", "fa", "pa", "ru", "sr", "ta", "te", "th", "uk", "ur"}


@functools.lru_cache(maxsize=1)
def _detector():
    from lingua import LanguageDetectorBuilder

    return LanguageDetectorBuilder.from_all_languages().with_low_accuracy_mode().build()


def detect_lang(row: dict[str, Any]) -> dict[str, Any]:
    """``add_language_signal.py`` decision rule (see module docstring for the detector)."""
    text = row["problem"] or ""
    cleaned = remove_special_chars(remove_latex_commands(text).replace("\n", ""))
    row["problem_language"] = "en"
    if len(cleaned) < 10:
        return row
    values = _detector().compute_language_confidence_values(cleaned)
    probs = {v.language.iso_code_639_1.name.lower(): v.value for v in values}
    if probs.get("en", 0.0) < 0.02 and values:
        top = values[0].language.iso_code_639_1.name.lower()
        row["problem_language"] = "en" if top not in _NON_LATIN else top
    return row


#: signal family -> (row function, output column, predicate on the column value)
SIGNALS: dict[str, tuple[Callable[[dict], dict], str, Callable[[Any], bool]]] = {
    "hyperlink": (detect_latex_hyperlinks, "has_hyperlink_problem", bool),
    "language": (detect_lang, "problem_language", lambda v: v != "en"),
    "multiple_choice": (detect_multiple_choice, "is_multiple_choice", bool),
    "multi_part": (has_multi_part_q, "is_multi_part_q_regex", bool),
    "yes_no": (add_yes_no_signal, "is_yes_no_question", bool),
    "true_false": (is_true_false, "is_true_false_question", bool),
    "proof": (has_proof, "is_math_proof", bool),
    "answer": (is_boxed_empty, "is_boxed_empty", bool),
}


def predict(family: str, row: dict[str, Any]) -> bool:
    """Run Big-Math's rule for ``family`` on one row (``problem, answer, solution, source``)."""
    func, column, positive = SIGNALS[family]
    return positive(func(dict(row))[column])
