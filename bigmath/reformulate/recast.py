r"""Questions that pick among their options but have an open form with the same one answer.

Big-Math's reformulation prompt (``SynthLabsAI/big-math`` ``reformulation/signatures.py``,
``MathReformulationSignature``) answers "N/A" for a question that needs its options. Two kinds
read that way yet, given what the options say, have an open-ended form whose unique answer is
the keyed option's value:

* **Closest on an integer grid.** "Which of the following is closest to $X$?" or "$X$ is
  closest to" whose options are consecutive integers (``3, 4, 5, 6, 7``) and whose keyed option
  is neither the smallest nor the largest: $X$ is then within 1/2 of the keyed value (closer to
  it than to its two neighbours), so "What is $X$, rounded to the nearest integer?" has that
  value as its one answer. With the keyed option at an end of the grid $X$ may lie anywhere
  beyond it, and the question stays refused (HARP MCQ line 546, keyed 25 of 21..25).
* **A solved variable.** A stem ending "... then" (or "Then:") whose options are all claims
  about one variable and whose keyed option is ``y=5``: the true claim fixes ``y``, so "...
  then what is $y$?" has the answer ``y=5`` (the verifier grades ``5`` and ``y=5`` alike).
  Keyed inequalities (``20<P<30``) say only where the value lies and stay refused.

Examples: ``labelled/harp_mcq_sample.jsonl`` lines 639 and 295, whose open-ended versions (with
the same short answers) are in ``harp/sample.jsonl``.
"""

from __future__ import annotations

import re

from bigmath.reformulate import phrases
from bigmath.reformulate.latex import mask_math, unwrap_text
from bigmath.reformulate.options import Option, OptionBlock
from bigmath.reformulate.phrasing import last_sentence_start

ROUNDED = ", rounded to the nearest integer?"

_WHICH_CLOSEST = re.compile(
    r"^which\s+(?:one\s+)?of\s+the\s+following(?:\s+(?:numbers|values|integers))?\s+is\s+closest\s+to\s+"
    r"(?P<subject>\S.*?)\s*\?$", re.I | re.S)
_IS_CLOSEST = re.compile(r"^(?P<subject>\S.*?)\s+is\s+closest\s+to\s*:?$", re.I | re.S)
_VERB = re.compile(r"\b(?:is|are|was|were|has|have|be|which|that)\b", re.I)
_DETERMINER = re.compile(r"^(?:The|A|An|This|That|Its|His|Her|Their)\b")
_SOLVED = re.compile(r"^\s*(?P<var>[A-Za-z](?:_\{?[A-Za-z0-9]+\}?)?)\s*=\s*(?P<value>[^=<>]+?)\s*$")
_SYMBOL = re.compile(r"[A-Za-z](?:_\{?[A-Za-z0-9]+\}?)?")
_COMMANDS = re.compile(r"\\text\w*\s*\{[^{}]*\}|\\[A-Za-z]+")
_THEN = re.compile(r"\bthen\s*:?\s*$", re.I)


def integer_grid(block: OptionBlock, keyed: Option) -> bool:
    """True when the options are three or more consecutive integers and the keyed one is inside."""
    if not all(phrases.WHOLE_NUMBER.match(o.value) for o in block.options):
        return False
    values = sorted(int(o.value) for o in block.options)
    consecutive = values == list(range(values[0], values[0] + len(values)))
    return len(values) >= 3 and consecutive and values[0] < int(keyed.value) < values[-1]


def _split_last(stem: str) -> tuple[str, str]:
    """``(before, last sentence)`` of a stem (sentences found with math masked)."""
    start = last_sentence_start(mask_math(stem, "x", keep_end=True).rstrip())
    return stem[:start], stem[start:].strip()


def rounded_question(stem: str) -> str | None:
    """"Which of the following is closest to X?" / "X is closest to" as "What is X, rounded to
    the nearest integer?"; None for any other stem, or a subject holding a verb of its own."""
    if "[asy]" in stem.lower():
        return None
    before, sentence = _split_last(stem.rstrip())
    which = _WHICH_CLOSEST.match(sentence)
    match = which or _IS_CLOSEST.match(sentence)
    if match is None:
        return None
    subject = match.group("subject").strip().rstrip(",")
    if not which and _VERB.search(mask_math(subject, "x")):
        return None
    if _DETERMINER.match(subject):
        subject = subject[0].lower() + subject[1:]
    lead = before.rstrip() + " " if before.strip() else ""
    return f"{lead}What is {subject}{ROUNDED}"


def _symbols(latex: str) -> set[str]:
    """Variables of a LaTeX relation, subscripts kept (``S_4``), commands and text removed."""
    return set(_SYMBOL.findall(_COMMANDS.sub(" ", unwrap_text(latex))))


def solved_variable(block: OptionBlock, keyed: Option) -> str | None:
    """The variable the keyed option solves (``y`` for ``y=5``) when every option is a claim about
    that one variable and the value is a number; None otherwise."""
    solved = _SOLVED.match(unwrap_text(keyed.value))
    if solved is None or not phrases.PLAIN_NUMBER.match(phrases.UNIT.sub("", solved.group("value")).replace(" ", "")):
        return None
    var = solved.group("var")
    if any(_symbols(o.value) != {var} for o in block.options):
        return None
    return var


def value_question(stem: str, var: str) -> str | None:
    """"If $y=...$ then" / "... Then:" as "If $y=...$ then what is $y$?"; None when the stem does
    not end with "then" outside math."""
    body = stem.rstrip()
    found = _THEN.search(mask_math(body, "x"))
    if found is None or "[asy]" in body.lower():
        return None
    then = body[found.start(): found.start() + 4]
    return f"{body[:found.start()]}{then} what is ${var}$?"


def recast_question(block: OptionBlock, keyed: Option) -> tuple[str, str] | None:
    """Recast a stem of one of the two kinds above as an open question.

    Args:
        block: the problem's options and stem.
        keyed: the option the gold answer designates (its value stays the answer).

    Returns:
        ``(question, detail)`` with detail ``rounded`` or ``solved_variable``; None when neither
        kind applies. The caller still runs the stem rules
        (:func:`bigmath.reformulate.stems.stem_refusal`) on the question.
    """
    if integer_grid(block, keyed):
        question = rounded_question(block.stem)
        if question is not None:
            return question, "rounded"
    var = solved_variable(block, keyed)
    if var is not None:
        question = value_question(block.stem, var)
        if question is not None:
            return question, "solved_variable"
    return None
