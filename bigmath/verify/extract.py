r"""Find the final answer in a model response and normalise answer strings before parsing.

:func:`extract_answer` looks only for *explicit* answer markers, in this order: the last
``\boxed{}`` / ``\fbox{}`` (via :mod:`bigmath.boxed`, brace-aware), "final answer is X" /
"the answer is X" / "Answer: X", GSM8K's ``#### X``, and a bold ``**X**`` in the last paragraph.
Text after a closing ``</think>`` is searched when there is one, so answers written while
thinking do not count.

:func:`normalize_answer` rewrites the few LaTeX spellings that math-verify misreads (see the
regression rows in ``tests/test_verify_cases.py`` for the public reports behind each rule).
"""

from __future__ import annotations

import re
from typing import Any

from bigmath.boxed import all_boxed, last_boxed

# "The final answer is $5$. I hope it is correct." (Minerva / lm-eval format), "Answer: 5",
# "the answer is 5". The capture runs to the end of the line; trailing prose is cut below.
_ANSWER_IS = re.compile(
    r"(?:final\s+answer(?:\s+is)?|the\s+answer\s+is|\banswer\s*(?:is|:))\s*:?\s*(?P<ans>[^\n]+)",
    re.IGNORECASE,
)
_GSM8K = re.compile(r"^####\s*(?P<ans>[^\n]+)$", re.MULTILINE)
_BOLD = re.compile(r"\*\*(?P<ans>[^*\n]{1,60})\*\*")
_I_HOPE = re.compile(r"\.?\s*I hope it is correct.*$", re.IGNORECASE | re.DOTALL)
# "the answer is 5 because x = 2": the reason after a connective is not part of the answer
_REASON = re.compile(r"[,;]?\s+(?:because|since|as|which|so|given|where|when|if|for|due)\b.*$", re.IGNORECASE)
_MATH_DELIMS = [("$$", "$$"), ("\\[", "\\]"), ("\\(", "\\)"), ("$", "$")]
# a leading $...$ (escaped \$ inside allowed: "$\$18.90$"), $$...$$, \(...\) or \[...\]
_LEADING_MATH = re.compile(r"\$\$.+?\$\$|\$(?:\\.|[^\\$])+\$|\\\(.+?\\\)|\\\[.+?\\\]")
_UNESCAPED_DOLLAR = re.compile(r"(?<!\\)\$")
# Thousands separators math-verify reads wrongly: 1\,000 -> 1*0 (thin space), 1 000 000.
_THIN_SPACE_GROUPS = re.compile(r"(?<=\d)(?:\\[,;! ]|~|\\thinspace\s?)(?=\d{3}(?!\d))")
_SPACE_GROUPS = re.compile(r"\b\d{1,3}(?: \d{3})+\b(?![.,]\d)")
# \mathrm{e} / \text{e} is Euler's number, \mathrm{i} the imaginary unit (math-verify reads a
# symbol "e" and fails on 1 - \frac{1}{\mathrm{e}}; Math-Verify issue #14).
_ROMAN_CONSTANT = re.compile(r"\\(?:mathrm|text|operatorname|rm)\s*\{\s*([ei])\s*\}|\{\\rm\s+([ei])\}")
# Spellings from the HARP answers that math-verify does not read: \textdollar 13, \hspace{.05in}5,
# {-}1, 5,\!525 (MATH), \frac \pi4 / \dfrac {n^2} 4 (space after \frac).
_REWRITES = [
    (re.compile(r"\\textdollar\s*"), r"\\$"),
    (re.compile(r"\\hspace\*?\s*\{[^{}]*\}"), " "),
    (re.compile(r"\{-\}"), "-"),
    (re.compile(r"(?<=\d),\\!(?=\d{3}(?!\d))"), ""),
    (re.compile(r"\\([dt]?frac)\s+(?=[{\\])"), r"\\\1"),
]


def _strip_delimiters(text: str) -> str:
    """Remove one pair of surrounding math delimiters, then any stray unescaped ``$``."""
    text = text.strip()
    for left, right in _MATH_DELIMS:
        if text.startswith(left) and text.endswith(right) and len(text) >= len(left) + len(right):
            text = text[len(left) : len(text) - len(right)].strip()
            break
    return _UNESCAPED_DOLLAR.sub(" ", text).strip()


def _clean_tail(answer: str) -> str:
    """Cut trailing prose and punctuation from an "answer is ..." capture."""
    answer = _I_HOPE.sub("", answer).strip()
    leading_math = _LEADING_MATH.match(answer)
    if leading_math:  # "$5$ because $x = 2$" -> "$5$"
        return leading_math.group(0).strip()
    answer = _REASON.sub("", answer)
    answer = answer.strip().strip("*").strip()
    # "5. The reason is ..." -> "5"; a period followed by a space ends the sentence
    answer = re.split(r"(?<!\d)\.\s|\.\s+(?=[A-Z])", answer, maxsplit=1)[0]
    return answer.rstrip(" .;,").strip()


def extract_answer(text: str | None) -> str | None:
    r"""Return the final answer written in a model response, or None when it has none.

    Markers, first match wins: the last ``\boxed{...}`` / ``\fbox{...}`` (nested braces handled;
    an empty ``\boxed{}`` returns ``""``), "final answer is X" / "the answer is X" / "Answer: X"
    (last occurrence, trailing prose and "I hope it is correct" removed), ``#### X`` (GSM8K),
    then a bold ``**X**`` holding a digit or LaTeX in the last paragraph (Math-Verify issue #76).
    Only the text after the last ``</think>`` is searched when the response has one.

    Args:
        text: a model response (plain string).

    Returns:
        The answer string with surrounding ``$``/``\(``/``\[`` delimiters removed, ``""`` for an
        empty box, or None when no marker is present.

    Examples:
        >>> extract_answer(r"so $x = \boxed{\frac{9}{7}}$.")
        '\\frac{9}{7}'
        >>> extract_answer("Final Answer: The final answer is $5$. I hope it is correct.")
        '5'
        >>> extract_answer("the number is **73**.")
        '73'
        >>> extract_answer("no answer here") is None
        True
    """
    if not text:
        return None
    if "</think>" in text:
        text = text.rsplit("</think>", 1)[1]
    boxes = all_boxed(text)
    if boxes:
        return _strip_delimiters(boxes[-1])
    said = list(_ANSWER_IS.finditer(text))
    if said:
        captured = said[-1].group("ans")
        while (inner := _ANSWER_IS.search(captured)) is not None:  # "Final Answer: The final answer is 5"
            captured = inner.group("ans")
        answer = _clean_tail(captured)
        if answer:
            return _strip_delimiters(answer)
    hashes = list(_GSM8K.finditer(text))
    if hashes:
        return _strip_delimiters(hashes[-1].group("ans").strip().rstrip("."))
    last_paragraph = text.strip().rsplit("\n\n", 1)[-1]
    bold = [m.group("ans").strip() for m in _BOLD.finditer(last_paragraph)]
    bold = [b for b in bold if re.search(r"[\d\\$]", b) and not b.endswith(":")]
    if bold:
        return _strip_delimiters(bold[-1].rstrip("."))
    return None


def normalize_answer(answer: str) -> str:
    r"""Return ``answer`` rewritten so math-verify reads it as written.

    Rules (each has regression rows): surrounding math delimiters and stray ``$`` removed;
    ``\mathrm{e}`` / ``\text{e}`` -> ``e`` and ``\mathrm{i}`` -> ``i``; thousands separators
    ``1\,000`` / ``1~000`` / ``1 000`` / ``5,\!525`` -> digits only; ``\textdollar`` -> ``\$``;
    ``\hspace{..}`` dropped; ``{-}`` -> ``-``; ``\frac \pi4`` -> ``\frac\pi4``; a trailing
    full stop dropped.
    """
    text = _strip_delimiters(answer)
    text = _ROMAN_CONSTANT.sub(lambda m: m.group(1) or m.group(2), text)
    for pattern, replacement in _REWRITES:
        text = pattern.sub(replacement, text)
    text = _THIN_SPACE_GROUPS.sub("", text)
    text = _SPACE_GROUPS.sub(lambda m: m.group(0).replace(" ", ""), text)
    if text.endswith(".") and not text.endswith("..."):
        text = text[:-1].rstrip()
    return text.strip()


_WORD = re.compile(r"(?<![\\A-Za-z])[A-Za-z]{3,}")
_TEXT_ARG = re.compile(r"\\(?:text|mathrm|textbf|mbox|operatorname|begin|end)\s*\{[^{}]*\}")
_ESCAPED_DOLLAR = re.compile(r"\\\$")
_SHORT_TEXT = re.compile(r"^[A-Za-z]+(?: [A-Za-z]+)?$")


def is_bare_answer(text: str) -> bool:
    r"""True when ``text`` is itself an answer (``3\sqrt{2}``, ``x = 5``, ``1331 and 1728``,
    ``Tuesday``) rather than prose: one line, at most 200 characters, no math delimiters, and
    either one or two bare words or no English word of three or more letters (other than
    "and"/"or") outside ``\text{}``-like arguments and environment names."""
    stripped = text.strip()
    if not stripped or "\n" in stripped or len(stripped) > 200:
        return False
    if _SHORT_TEXT.match(stripped):
        return True
    if "$" in _ESCAPED_DOLLAR.sub("", stripped) or "\\(" in stripped or "\\[" in stripped:
        return False
    words = _WORD.findall(_TEXT_ARG.sub(" ", stripped))
    return all(word.lower() in ("and", "or") for word in words)


def gold_text(gold: Any) -> str:
    r"""Return a gold answer as a string: ints as digits, integral floats without ``.0``
    (AMC golds are stored as ``27.0``), the last ``\boxed{}`` of a whole solution."""
    if gold is None:
        return ""
    if isinstance(gold, bool):
        raise TypeError(f"gold answer must be str, int or float, got bool {gold!r}")
    if isinstance(gold, int):
        return str(gold)
    if isinstance(gold, float):
        return str(int(gold)) if gold.is_integer() else repr(gold)
    if not isinstance(gold, str):
        raise TypeError(f"gold answer must be str, int or float, got {type(gold).__name__}")
    boxed = last_boxed(gold) if ("\\boxed" in gold or "\\fbox" in gold) else None
    return boxed if boxed is not None else gold
