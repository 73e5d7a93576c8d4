r"""Text normalisation for exact-duplicate detection and decontamination.

Two problems count as exact duplicates when their :func:`normalize_problem` forms are equal:
the comparison ignores case, whitespace, LaTeX spacing commands (``\,`` ``\;`` ``\!`` ``\quad``
``~``), display variants of fractions (``\dfrac``/``\tfrac`` vs ``\frac``), ``\left``/``\right``
sizing, and math delimiters (``$``, ``\(``, ``\)``, ``\[``, ``\]``). Nothing else is changed:
a different number or word makes a different problem.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

_REPLACEMENTS = [
    (re.compile(r"\\[dt]frac\b"), r"\\frac"),
    (re.compile(r"\\(?:left|right|bigl|bigr|Bigl|Bigr|big|Big)\b(?=\s*[()\[\]|.{}\\])"), ""),
    (re.compile(r"\\(?:[,;:! ]|q?quad\b|displaystyle\b|textstyle\b)"), " "),
    (re.compile(r"\\[()\[\]]|\$+"), " "),
    (re.compile(r"~"), " "),
]
_SPACE = re.compile(r"\s+")
# spaces next to punctuation and braces carry no meaning in LaTeX: "x = 1" == "x=1"
_SPACE_AROUND_SYMBOL = re.compile(r"\s*([{}()\[\]^_=+\-*/,.;:<>|])\s*")


def normalize_problem(text: str | None) -> str:
    """Return the normal form of a problem statement used for exact matching.

    NFKC unicode normalisation, the LaTeX rewrites listed in the module docstring, case folding,
    and whitespace collapsed (and removed around symbols). ``None`` gives ``""``.
    """
    if not text:
        return ""
    text = unicodedata.normalize("NFKC", text)
    for pattern, replacement in _REPLACEMENTS:
        text = pattern.sub(replacement, text)
    text = text.casefold()
    text = _SPACE.sub(" ", text)
    text = _SPACE_AROUND_SYMBOL.sub(r"\1", text)
    return text.strip()


def text_hash(text: str | None) -> str:
    """Return the hex sha1 (40 characters) of :func:`normalize_problem` of ``text``."""
    return hashlib.sha1(normalize_problem(text).encode("utf-8")).hexdigest()
