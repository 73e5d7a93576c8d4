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

_SIZING = re.compile(r"\\(?:left|right|bigl|bigr|Bigl|Bigr|big|Big)\b(?=\s*[()\[\]|.{}\\])")
_LATEX_SPACING = re.compile(r"\\(?:[,;:! ()\[\]]|q?quad\b|displaystyle\b|textstyle\b)")
# spaces next to punctuation and braces carry no meaning in LaTeX: "x = 1" == "x=1"
_SYMBOLS = "{}()[]^_=+-*/,.;:<>|"


def normalize_problem(text: str | None) -> str:
    """Return the normal form of a problem statement used for exact matching.

    NFKC unicode normalisation, the LaTeX rewrites listed in the module docstring, case folding,
    and whitespace collapsed (and removed around symbols). ``None`` gives ``""``.
    """
    if not text:
        return ""
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text)
    text = text.replace("\\dfrac", "\\frac").replace("\\tfrac", "\\frac")
    text = _SIZING.sub("", text)
    text = _LATEX_SPACING.sub(" ", text).replace("$", " ").replace("~", " ").casefold()
    text = " ".join(text.split())  # str methods, not regexes: this runs on every problem
    for symbol in _SYMBOLS:
        if symbol in text:
            text = text.replace(" " + symbol, symbol).replace(symbol + " ", symbol)
    return text.strip()


def text_hash(text: str | None) -> str:
    """Return the hex sha1 (40 characters) of :func:`normalize_problem` of ``text``."""
    return hashlib.sha1(normalize_problem(text).encode("utf-8")).hexdigest()
