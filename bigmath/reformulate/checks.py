r"""Checks every rewrite must pass before it replaces a multiple-choice problem.

Big-Math checks only that none of ``(A)`` .. ``(E)`` is left in the rewrite (``reformulation/
modules.py``, ``MathProblemReformulator._validate``, ``SynthLabsAI/big-math``) and leaves the rest
to an LLM judge. Here, for rule and LLM rewrites alike:

* ``option_labels_left``: an option block, or a marker ``(A)`` / ``\textbf{(B)}`` / ``C)``
  more often than in the original stem;
* ``option_text_left``: another option's text (as written, or its value) more often than in the
  original stem, so "2" in "a 2 by 3 grid" does not count but a copied option list does;
* ``answer_in_problem``: the new answer written into the problem more often than in the
  original stem (an LLM that writes "Show that the answer is 21");
* ``answer_unverifiable``: the bundled verifier cannot grade the answer (``bigmath.verify``:
  it must parse and a response ``\boxed{answer}`` must be graded correct).
"""

from __future__ import annotations

import re

from bigmath.reformulate.latex import comparable
from bigmath.reformulate.options import OptionBlock, parse_options

_MARKER = re.compile(r"\(\s?[A-H]\s?\)|\\text\w*\s*\{\s*\(?[A-H]\)?\s*\}|(?:^|(?<=\s))[A-H]\)", re.M)
_ASY = re.compile(r"\[asy\].*?\[/asy\]", re.S | re.I)
# option text shorter than this is too common to count ("x"); the answer always counts
_MIN_TEXT = 2


def _count(haystack: str, needle: str) -> int:
    """Occurrences of ``needle`` in ``haystack`` (comparable forms), not inside longer numbers
    or words: "21" does not occur in "216"."""
    if not needle:
        return 0
    pattern = rf"(?<![0-9A-Za-z.]){re.escape(needle)}(?![0-9A-Za-z])"
    return len(re.findall(pattern, haystack))


def option_labels_left(problem: str, original_stem: str) -> bool:
    """True when ``problem`` holds an option block or more option markers than ``original_stem``
    (Asymptote code, whose labels look like markers, is left out of both)."""
    problem, original_stem = _ASY.sub(" ", problem), _ASY.sub(" ", original_stem)
    if parse_options(problem) is not None:
        return True
    return len(_MARKER.findall(problem)) > len(_MARKER.findall(original_stem))


def option_texts_left(problem: str, block: OptionBlock) -> list[str]:
    """Labels of options whose text occurs in ``problem`` more often than in the original stem
    (``block.stem``). Texts shorter than two characters (comparable form) are not counted."""
    new, old = comparable(problem), comparable(block.stem)
    left = []
    for option in block.options:
        for text in {comparable(option.value), comparable(option.raw)}:
            if len(text) >= _MIN_TEXT and _count(new, text) > _count(old, text):
                left.append(option.label)
                break
    return left


def answer_in_problem(problem: str, answer: str, original_stem: str) -> bool:
    """True when ``answer`` occurs in ``problem`` more often than in ``original_stem``."""
    text = comparable(answer)
    return bool(text) and _count(comparable(problem), text) > _count(comparable(original_stem), text)


def answer_verifiable(answer: str) -> bool:
    r"""True when the bundled verifier parses ``answer`` and grades ``\boxed{answer}`` correct
    against it (``bigmath.verify.check``, gold first)."""
    from bigmath.verify import answer_type, check

    if not answer.strip() or not answer_type(answer).parses:
        return False
    return check(answer, f"\\boxed{{{answer}}}").correct


def failed_checks(problem: str, answer: str, block: OptionBlock) -> list[str]:
    """Run every check on one rewrite.

    Args:
        problem: the rewritten problem.
        answer: its answer (the keyed option's value).
        block: the original options and stem.

    Returns:
        The names of the failed checks, in the order of the module docstring (empty: passed).
    """
    failed = []
    if option_labels_left(problem, block.stem):
        failed.append("option_labels_left")
    keyed = comparable(answer)
    if any(comparable(block.by_label(label).value) != keyed for label in option_texts_left(problem, block)):
        failed.append("option_text_left")  # the keyed option's text is the answer: answer_in_problem
    if answer_in_problem(problem, answer, block.stem):
        failed.append("answer_in_problem")
    if not answer_verifiable(answer):
        failed.append("answer_unverifiable")
    return failed
