r"""The final stated value of a text with no answer marker: "So she has 5 apples." -> ``5``.

Used for model responses without a box or an "answer is" marker, and for gold answers that
are whole solution texts (a GSM8K-style rationale, an Omni-MATH sentence such as "The smallest
possible value of \(a_{10}\) is \(248\)."), which math-verify reads by its last number and the
verifier used to call ``unparseable_gold``.

:func:`final_statement` reads only the end of the text, and only two shapes:

* a closing display block (``$$ x = 5 $$``, ``\[ \frac{3}{8}. \]``), trailing punctuation removed;
* the last sentence, when it ends in "is / are / equals / = VALUE" (up to two unit words may
  follow: "is 12 apples"), or starts with a conclusion word ("So", "Thus", "Therefore", "Hence")
  and holds one VALUE (a number or one inline math block), or is nothing but VALUEs; in each
  shape a list of VALUEs joined by commas, "and" or "or" counts as one answer, whatever its
  length ("so $x = 2$ or $x = 3$" -> ``x = 2, x = 3``; "The possible values are 1, 2, 3." ->
  ``1, 2, 3``: a new-user trial found a list graded by its last number, so listing candidates
  earned the reward); the same for its last clause ("The probability is $\frac38$, so $m+n =
  11$" -> ``11``).

A sentence with a condition, negation or comparison word ("if", "when", "where", "such that",
"for all", "whoever", "not", "less than", "at least", "divisible", "about") gives nothing: "Cathy
can win if and only if \(n \le 2^{k-1}\)" is a statement and "So it is not 5" a denial, not a
value. Inside the value, ``lhs = rhs`` keeps only ``rhs`` unless ``lhs`` is a plain name
(``\frac12 bh = 6`` -> ``6``; ``m + n = 11`` -> ``11``; ``x = 5`` stays ``x = 5``). A currency
sign ``\$`` is removed first ("The total cost is \$18.90." -> ``18.90``: a new-user trial found
it unread). :func:`drop_denial` removes a last sentence that denies its own last value ("It is
not 4."), so the free-text fallback does not read the denied value.
"""

from __future__ import annotations

import re

_DISPLAY_END = re.compile(r"(?:\$\$(?P<a>(?:(?!\$\$).)+)\$\$|\\\[(?P<b>(?:(?!\\\]).)+)\\\])[\s.,;:!]*$", re.DOTALL)
_MATH = r"\$(?:\\.|[^\\$])+\$|\\\((?:(?!\\\)).)+\\\)"
_NUMBER = r"-?\d+(?:,\d{3})*(?:\.\d+)?(?:/\d+)?\s*%?"
_VALUE = rf"(?:{_MATH}|(?<![\w.]){_NUMBER}(?![\w.]))"
_UNIT_WORDS = r"(?:\s+[A-Za-z][A-Za-z.\-]*){0,2}"
_SEPARATOR = r"\s*(?:,|,?\s*(?:and|or)\b)\s*"
_VALUES = rf"{_VALUE}(?:{_SEPARATOR}{_VALUE})*"
_IS_VALUE = re.compile(rf"(?:\bis|\bare|\bequals?|\bwas|=)\s*:?\s*(?P<value>{_VALUES}){_UNIT_WORDS}\s*$",
                       re.DOTALL | re.IGNORECASE)
_ONLY_VALUES = re.compile(rf"{_VALUES}", re.DOTALL | re.IGNORECASE)
_CONCLUSION = re.compile(r"^(?:and\s+)?(?:so|thus|therefore|hence|consequently|finally|in total|altogether|"
                         r"in conclusion|this gives|we get|which gives)\b", re.IGNORECASE)
_ONE_VALUE = re.compile(_VALUE, re.DOTALL)
_CONDITION = re.compile(r"\b(?:if|iff|when|whenever|where|unless|such that|for all|for every|provided|whoever|"
                        r"only|except|not|never|cannot|no|less|greater|more|fewer|than|least|most|between|"
                        r"divisible|multiple|approximately|about|around|roughly)\b|n't\b", re.IGNORECASE)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z$\\(])|\n+")
_LAST_CLAUSE = re.compile(r"[,;]\s+(?=(?:and\s+)?(?:so|thus|hence|therefore)\b)", re.IGNORECASE)
_LIST_SEPARATOR = re.compile(_SEPARATOR, re.IGNORECASE)
_PLAIN_NAME = re.compile(r"^\s*[A-Za-z](?:_\{?[A-Za-z0-9]+\}?)?'?\s*$")
_ESCAPED_DOLLAR = re.compile(r"\\\$\s*")  # a currency sign, not a math delimiter
# "It is not 4.", "x cannot be $\frac12$", "so it isn't 7 apples": a last value that is denied
_DENIAL_END = re.compile(rf"(?:\bnot|\bnever|n't|\bcannot|\bno)\s+(?:(?:be|equal|equals)\s+(?:to\s+)?)?"
                         rf"(?:{_VALUE}){_UNIT_WORDS}\s*$", re.IGNORECASE | re.DOTALL)


def _unwrap(value: str) -> str:
    """Delimiters and trailing punctuation removed; ``lhs = rhs`` -> ``rhs`` unless lhs is a name."""
    value = value.strip()
    for left, right in (("$", "$"), ("\\(", "\\)")):
        if value.startswith(left) and value.endswith(right):
            value = value[len(left) : len(value) - len(right)]
    value = value.strip().rstrip(".,;:").strip()
    if "=" in value and not re.search(r"[<>]|\\[lg]eq?\b|\\neq?\b", value):
        lhs, rhs = value.split("=", 1)[0], value.rsplit("=", 1)[1]
        if not _PLAIN_NAME.match(lhs) and rhs.strip():
            return rhs.strip()
    return value


def _values(written: str) -> str | None:
    """A stated VALUE, or a list of them, unwrapped and joined with ", "."""
    found = [_unwrap(m.group(0)) for m in _ONE_VALUE.finditer(written)]
    return ", ".join(v for v in found if v) or None


def _last_sentence(text: str) -> str:
    paragraph = text.strip().rsplit("\n\n", 1)[-1]
    sentences = [s.strip() for s in _SENTENCE_END.split(paragraph) if s and s.strip()]
    return sentences[-1].rstrip(" .!;:") if sentences else ""


def final_statement(text: str | None) -> str | None:
    r"""Return the value stated at the end of ``text``, or None (see the module doc).

    Args:
        text: a model response or a gold solution (LaTeX, Markdown).

    Returns:
        The value as LaTeX without delimiters (several values joined with ", "), or None when
        the text does not end in a stated value.

    Examples:
        >>> final_statement("We add 2 and 3.\nSo she has 5 apples.")
        '5'
        >>> final_statement(r"The smallest possible value of \(a_{10}\) is \(248\).")
        '248'
        >>> final_statement(r"The area is $\frac{1}{2}bh = 6$.")
        '6'
        >>> final_statement("Cathy wins if and only if $n$ is even.") is None
        True
    """
    if not text or not text.strip():
        return None
    display = _DISPLAY_END.search(text.strip())
    if display is not None:
        return _unwrap(display.group("a") or display.group("b")) or None
    sentence = _ESCAPED_DOLLAR.sub("", _last_sentence(text))  # "The total cost is \$18.90"
    if not sentence or _CONDITION.search(re.sub(_MATH, " ", sentence)):
        return None
    stated = _IS_VALUE.search(sentence) or _ONLY_VALUES.fullmatch(sentence)
    if stated is not None:
        return _values(stated.group("value") if stated.re is _IS_VALUE else stated.group(0))
    clause = _LAST_CLAUSE.split(sentence)[-1]  # "The probability is 3/8, so m + n = 11"
    if _CONCLUSION.match(clause):
        found = list(_ONE_VALUE.finditer(clause))
        if not found or not re.fullmatch(_UNIT_WORDS + r"\s*", clause[found[-1].end():]):
            return None
        between = [clause[a.end() : b.start()] for a, b in zip(found, found[1:])]
        if all(_LIST_SEPARATOR.fullmatch(gap) for gap in between):  # "so $x=2$ or $x=3$"
            return ", ".join(_unwrap(m.group(0)) for m in found) or None
    return None


def drop_denial(text: str) -> str:
    r"""``text`` without its last sentence when that sentence denies its own last value ("So it
    is not 4.", "x cannot be $\frac{1}{2}$"), so a fallback reading the last number of the text
    does not take the denied value; otherwise ``text`` unchanged.

    Examples:
        >>> drop_denial("We find x = 5. It is not 4.")
        'We find x = 5.'
        >>> drop_denial("So she has 5 apples.")
        'So she has 5 apples.'
    """
    stripped = text.rstrip()
    paragraph_start = stripped.rfind("\n\n") + 2 if "\n\n" in stripped else 0
    sentence = _last_sentence(stripped)
    if not sentence or not _DENIAL_END.search(_ESCAPED_DOLLAR.sub("", sentence)):
        return text
    cut = stripped.rfind(sentence, paragraph_start)
    return stripped[:cut].rstrip() if cut >= 0 else text
