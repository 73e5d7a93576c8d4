r"""Answers that restate the problem instead of solving it: :func:`restated`, :func:`drop_copied`.

A policy that is rewarded for "correct" learns whatever earns it. A response that copies the
problem used to be graded by the last expression in it: "Compute $17 \cdot 23$." was graded
``17 \cdot 23`` = 391 = the gold, and "Factor $7x^2-63$." equalled its factored gold (160 of the
first 2,000 MATH problems echoed back were correct: a new-user trial of the verifier). With the
problem at hand, :func:`bigmath.verify.check` applies two rules:

* :func:`restated`: a graded-correct answer that is not a bare number (nor words) and is
  written in the problem (the same characters after :func:`written_form`: whitespace, LaTeX
  spacing, ``\left``/``\right``, ``\text{}`` wrappers, ``\dfrac``/``\frac``, ``\le``/``\leq``,
  ``\times``/``\cdot``/``*`` and ``^{2}``/``^2`` made alike), as a whole expression rather than a
  piece of one (``x^2-63`` is not read inside ``7x^2-63``), is graded wrong, unless the gold
  answer itself is written in the problem (a "which is larger, $\sqrt2$ or $\frac{3}{2}$?"
  problem names its answer).
* :func:`drop_copied`: in a response with no answer marker, sentences copied from the problem
  are not read for the answer; a response that is nothing but such sentences has no answer of
  its own and is graded wrong.

A bare number (``6``, ``-2.5``, ``\frac{3}{4}``, ``2\frac12``, ``50\%``, ``x = 5``, ``12\text{
cm}``) is never an echo: "how many ways can 5 students be chosen from 6?" may well have the
answer 6, and a number is the answer, not a restatement of the problem. Nor are words
(``\text{odd}`` for "is $f$ even, odd, or neither?", ``(C)``): the problem offers them as choices.
"""

from __future__ import annotations

import functools
import re

# one pass of spellings made alike; each needs a word boundary so \left is not \le + ft
_ALIASES = [
    (re.compile(r"\\[dtc]frac(?![A-Za-z])"), r"\\frac"),
    (re.compile(r"\\[dt]binom(?![A-Za-z])"), r"\\binom"),
    (re.compile(r"\\leq?(?:slant)?(?![A-Za-z])"), r"\\le "),
    (re.compile(r"\\geq?(?:slant)?(?![A-Za-z])"), r"\\ge "),
    (re.compile(r"\\neq?(?![A-Za-z])"), r"\\ne "),
    (re.compile(r"\\times(?![A-Za-z])|\*"), r"\\cdot "),
]
# currency and spacing, delimiters and sizing that do not change what is written
_NOISE = re.compile(r"\\\$|\\[,;:! ]|\\q?quad(?![A-Za-z])|~|\$|\\[()\[\]]|\\(?:left|right|[Bb]igg?[lr]?)(?![A-Za-z])"
                    r"|\\(?:display|text)style(?![A-Za-z])")
_ONE_CHAR_GROUP = re.compile(r"([\^_])\{\s*([A-Za-z0-9])\s*\}")
_TEXT_ARG = re.compile(r"\\(?:text|textbf|textit|textrm|mathrm|mbox|operatorname)\s*\{([^{}]*)\}")
# words, or an option letter: "odd", "\text{even}", "east", "(C)", "neither"
_WORDS = re.compile(r"^\(?[A-Za-z]+\)?(?: [A-Za-z]+)*$")
_SPACES = re.compile(r"\s+")
_LONE_SPACE = re.compile(r"(?<![A-Za-z0-9]) | (?![A-Za-z0-9])")

_NUMBER = r"(?:\d+(?:,\d{3})*(?:\.\d+)?|\.\d+)"
_FRACTION = r"(?:\d+)?\\frac(?:\{-?\d+\}\{\d+\}|\d\d)|\d+/\d+"
_UNIT = r"(?:\\(?:text|mbox|mathrm)\{[^{}]*\}|\^\\circ|\^\{\\circ\}|\\%|%)"
_BARE_NUMBER = re.compile(rf"^(?:[A-Za-z]=)?[-+]?(?:{_FRACTION}|{_NUMBER})(?:{_UNIT}|[A-Za-z]{{2,}})?$")
# what may not touch an expression on either side (it would be a piece of a longer one)
_GLUED_BEFORE = set("\\^_.'") | set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
_GLUED_AFTER = set("^_!'({[") | set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")

#: Shortest copied sentence (characters of its :func:`written_form`) that :func:`drop_copied`
#: removes: a short value sentence ("So 6.") is the response's own, even when the problem has it.
MIN_COPIED_CHARS = 12
_SENTENCE_END = re.compile(r"((?<=[.!?])\s+(?=[A-Z$\\(])|\n+)")
_DISPLAY = re.compile(r"\\\[.+?\\\]|\$\$.+?\$\$|\\begin\{([A-Za-z]+\*?)\}.+?\\end\{\1\}", re.DOTALL)


def problem_text(problem: object) -> str | None:
    """Return ``problem`` as the verifier reads it: a string (blank: None) or None.

    Raises:
        TypeError: ``problem`` is neither a string nor None.
    """
    if problem is None:
        return None
    if not isinstance(problem, str):
        raise TypeError(f"problem must be a string or None, got {type(problem).__name__}")
    return problem if problem.strip() else None


def written_form(text: str) -> str:
    r"""``text`` as written, spacing aside: ``$17 \cdot 23$`` and ``17\cdot23`` give the same
    string (module doc lists what is made alike). A space is kept only between two letters or
    digits, where it separates words."""
    text = _TEXT_ARG.sub(r" \1 ", text)
    for pattern, replacement in _ALIASES:
        text = pattern.sub(replacement, text)
    text = _ONE_CHAR_GROUP.sub(r"\1\2", _NOISE.sub(" ", text))
    return _LONE_SPACE.sub("", _SPACES.sub(" ", text)).strip()


@functools.lru_cache(maxsize=1024)
def _problem_form(problem: str) -> str:
    """The written form of a problem (cached: a problem's rollouts share it)."""
    return written_form(problem)


def is_bare_number(latex: str) -> bool:
    r"""True for a number written alone: ``6``, ``-2.5``, ``1,000``, ``\frac{3}{4}``, ``2\frac12``,
    ``50\%``, ``\$18.90``, ``30^\circ``, ``12\text{ cm}``, ``x = 5``."""
    return bool(_BARE_NUMBER.match(written_form(latex).replace(" ", "")))


def written_in(expression: str, problem: str) -> bool:
    """True when ``expression`` is written in ``problem`` as a whole expression (not glued to a
    letter, digit, command, exponent or argument around it), spacing aside."""
    needle, haystack = written_form(expression), _problem_form(problem)
    if not needle:
        return False
    start = haystack.find(needle)
    while start >= 0:
        end = start + len(needle)
        before = haystack[start - 1] if start else " "
        after = haystack[end] if end < len(haystack) else " "
        decimal_after = after == "." and haystack[end + 1 : end + 2].isdigit()
        if before not in _GLUED_BEFORE and after not in _GLUED_AFTER and not decimal_after:
            return True
        start = haystack.find(needle, start + 1)
    return False


def restated(prediction: str, gold: str, problem: str | None) -> str | None:
    r"""The expression of ``problem`` that the answer ``prediction`` restates, or None.

    Args:
        prediction: the prediction's final answer (normalised LaTeX, no delimiters).
        gold: the gold answer as graded (its written form exempts it: see the module doc).
        problem: the problem text; None or blank disables the rule.

    Returns:
        The restated expression (``prediction``, or its value after ``name =``), or None when the
        answer is a bare number or words (``odd``, ``\\text{east}``, ``(C)``: a choice the
        problem offers), not written in the problem, or the gold is written there too as more
        than a bare number (a bare-number gold such as ``3`` is in many problems by chance:
        ``f(f(x)) = 3`` restated from "for how many $x$ is $f(f(x)) = 3$?" is still an echo).
    """
    if not problem or not problem.strip() or not prediction or is_bare_number(prediction):
        return None
    if _WORDS.match(written_form(prediction)):  # "odd" for "even, odd or neither?": a choice
        return None
    candidates = [prediction]
    named = re.match(r"^\s*[A-Za-z](?:_\{?\w+\}?)?\s*=\s*(.+)$", prediction, re.DOTALL)
    if named is not None and "=" not in named.group(1):
        candidates.append(named.group(1))
    for candidate in candidates:
        if not is_bare_number(candidate) and written_in(candidate, problem):
            return None if written_in(gold, problem) and not is_bare_number(gold) else candidate
    return None


def drop_copied(response: str, problem: str | None) -> str:
    """``response`` without the display blocks (``\\[...\\]``, ``$$...$$``, environments), then
    the sentences, copied from ``problem``: at least :data:`MIN_COPIED_CHARS` characters of
    written form, found verbatim in the problem. ``response`` unchanged when there is no problem."""
    if not problem or not problem.strip():
        return response
    haystack = _problem_form(problem)

    def copied(text: str) -> bool:
        form = written_form(text).rstrip(".?!:;, ")
        return len(form) >= MIN_COPIED_CHARS and form in haystack

    response = _DISPLAY.sub(lambda m: " " if copied(m.group(0)) else m.group(0), response)
    pieces = _SENTENCE_END.split(response)
    for index in range(0, len(pieces), 2):  # sentences at even indexes, separators between
        if copied(pieces[index]):
            pieces[index] = ""
    return "".join(pieces).strip()
