r"""When a trailing letter is a variable, not a unit: :func:`trailing_variable`.

math-verify drops a unit word at the end of an answer (latex2sympy2_extended's
``units_regex``: one of ~150 spellings after a digit, a closing brace or a space). Its list
holds the one-letter words ``h t s m g d c l o`` (hours, tonnes, seconds, metres, ...) and the
segment names ``ab``, ``bc``, and the test looks only at the last word, so ``5h^2-2h`` was read
as ``5h^2-2``, MATH's gold ``4t`` as ``4`` and HARP's gold ``\frac{1}{2}l`` as ``\frac{1}{2}``.

The policy: a one-letter word (or ``ab`` / ``bc``) at the end is a **variable**, and the answer
is parsed with math-verify's unit removal off, when either

* it is written against the number or brace before it, as LaTeX typesets a product
  (``4t``, ``\frac{1}{2}l``, ``5h^2-2h``, ``2ab``), or
* the rest of the answer already has a variable (``2\pi r h``, ``x + 2 h``, ``5h^2 - 2 h``;
  after the last ``=``, so ``x = 5 m`` still ends in a unit).

Two one-letter words at the end (``2\pi h r``, ``2 a b``) are always variables: the list's
entries ``h .`` / ``a .`` / ``s .`` are regular expressions that match any letter after them,
and no unit is written as two single letters.

Otherwise it stays a **unit**: ``5 h`` is 5 (hours), ``3 m`` is 3. Words of two or more letters
(``5cm``, ``60 mph``, ``3 hours``), units in ``\text{}`` (``3\text{ hours}``, ``6 \text{ cm}^2``)
and degrees (``45^\circ``) are not affected: they are dropped as before.
"""

from __future__ import annotations

import re

from latex2sympy2_extended.math_normalization import units_regex

#: Unit words of math-verify's list that are also written as variables.
LETTER_WORDS = frozenset("htsmgdclo") | {"ab", "bc"}

_COMMAND = re.compile(r"\\(?:text|mathrm|mbox|operatorname)\s*\{[^{}]*\}|\\[A-Za-z]+")
_LETTER = re.compile(r"[A-Za-z]")
# the value side of "x = 5 m", "t \approx 3 s": the name on the left is not part of it
_RELATION = re.compile(r"=|<|>|\\[lg]eq?\b|\\approx\b")


def has_variable(latex: str) -> bool:
    r"""True when ``latex`` holds a letter outside LaTeX commands and ``\text{}`` arguments
    (``2\pi r`` has one, ``10\sqrt{3}`` and ``\frac{5}{2}`` do not)."""
    return _LETTER.search(_COMMAND.sub(" ", latex)) is not None


def trailing_variable(latex: str) -> bool:
    """True when math-verify would drop the last word of ``latex`` as a unit but it is a
    variable (module doc: the policy).

    Args:
        latex: a normalised answer (``bigmath.verify.normalize.normalize_answer``).
    """
    text = latex.rstrip()
    if not text or not text[-1].isalpha():
        return False  # cheap exit: most answers end in a digit, brace or parenthesis
    match = units_regex.search(text)
    if match is None:
        return False
    words = text[match.end(1):].split()
    if len(words) > 1 and all(len(word) == 1 and word.isalpha() for word in words):
        return True  # "h r", "a b": the list's "h ." matches any letter after h; no unit is two letters
    if len(words) != 1 or words[0] not in LETTER_WORDS:
        return False
    glued = not (match.group(1).isspace() or text[match.end(1)].isspace())
    return glued or has_variable(_RELATION.split(text[: match.start(1)])[-1])
