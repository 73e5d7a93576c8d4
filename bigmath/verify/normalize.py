r"""Rewrite answer strings so math-verify reads them as written: :func:`normalize_answer`.

Each rule has regression rows in ``tests/test_verify_cases.py`` / ``tests/test_verify_families.py``:

* surrounding ``$``/``\(``/``\[`` removed, stray ``$`` dropped, a trailing full stop dropped;
* ``\mathrm{e}`` / ``\text{e}`` is Euler's number, ``\mathrm{i}`` the imaginary unit (Math-Verify #14);
* thousands separators ``1\,000`` / ``1~000`` / ``1 000`` / ``5,\!525`` (math-verify reads
  ``1\,000`` as ``1*0``);
* HARP spellings: ``\textdollar``, ``\hspace{..}``, ``{-}1``, ``\frac \pi4``; an indexed root
  without braces, ``\sqrt[3]2`` (lm-evaluation-harness PR #4037);
* Unicode a solver types outside LaTeX: ``√2``, ``∛2``, ``½``, ``∞``, ``45°``, ``×``, ``·``, ``÷``,
  ``∪``, ``∅``, ``±``, ``x²`` (math-verify cannot parse ``2√2`` or ``½``);
* ``\varnothing`` is ``\emptyset``; ``\lor`` / ``\vee`` read as "or", ``\land`` / ``\wedge`` as "and";
* a lone number in e-notation, ``6.02e23``, is ``6.02\times10^{23}`` (math-verify reads ``e`` as
  Euler's number: ``1.5e3`` became ``1.5 * e * 3``);
* a repeating decimal ``0.\overline{36}`` / ``0.1\overline{6}`` is its exact fraction (``\frac{4}{11}``,
  ``\frac{1}{6}``; latex2sympy cannot parse it);
* a leading ``\approx`` / ``\sim`` (``\approx 0.33``) is dropped, so the value is graded;
* "all real numbers" / "all reals" (bare or in ``\text{}``) is ``\mathbb{R}``.
"""

from __future__ import annotations

import re
from fractions import Fraction

_MATH_DELIMS = [("$$", "$$"), ("\\[", "\\]"), ("\\(", "\\)"), ("$", "$")]
_UNESCAPED_DOLLAR = re.compile(r"(?<!\\)\$")
# Thousands separators math-verify reads wrongly: 1\,000 -> 1*0 (thin space), 1 000 000.
_THIN_SPACE_GROUPS = re.compile(r"(?<=\d)(?:\\[,;! ]|~|\\thinspace\s?)(?=\d{3}(?!\d))")
_SPACE_GROUPS = re.compile(r"\b\d{1,3}(?: \d{3})+\b(?![.,]\d)")
# \mathrm{e} / \text{e} is Euler's number, \mathrm{i} the imaginary unit (math-verify reads a
# symbol "e" and fails on 1 - \frac{1}{\mathrm{e}}; Math-Verify issue #14).
_ROMAN_CONSTANT = re.compile(r"\\(?:mathrm|text|operatorname|rm)\s*\{\s*([ei])\s*\}|\{\\rm\s+([ei])\}")
_VULGAR = {"½": "1/2", "⅓": "1/3", "⅔": "2/3", "¼": "1/4", "¾": "3/4", "⅕": "1/5", "⅖": "2/5", "⅗": "3/5",
           "⅘": "4/5", "⅙": "1/6", "⅚": "5/6", "⅛": "1/8", "⅜": "3/8", "⅝": "5/8", "⅞": "7/8"}
_SYMBOLS = {"∞": r"\infty ", "×": r"\times ", "·": r"\cdot ", "÷": r"\div ", "∪": r"\cup ", "∩": r"\cap ",
            "∅": r"\emptyset ", "±": r"\pm ", "∓": r"\mp ", "≤": r"\le ", "≥": r"\ge ", "∈": r"\in ",
            "π": r"\pi ", "−": "-", "²": "^{2}", "³": "^{3}"}
_ROOT = re.compile(r"([√∛∜])\s*(\d+(?:\.\d+)?|[A-Za-z]|\\[A-Za-z]+|\([^()]*\)|\{[^{}]*\})")
_ROOT_INDEX = {"√": "", "∛": "[3]", "∜": "[4]"}
# Spellings from the HARP answers that math-verify does not read: \textdollar 13, \hspace{.05in}5,
# {-}1, 5,\!525 (MATH), \frac \pi4 / \dfrac {n^2} 4 (space after \frac); then the Unicode and
# logic spellings above.
_REWRITES = [
    (re.compile(r"\\textdollar\s*"), r"\\$"),
    (re.compile(r"\\hspace\*?\s*\{[^{}]*\}"), " "),
    (re.compile(r"\{-\}"), "-"),
    (re.compile(r"(?<=\d),\\!(?=\d{3}(?!\d))"), ""),
    (re.compile(r"\\([dt]?frac)\s+(?=[{\\])"), r"\\\1"),
    (re.compile(r"\\varnothing\b"), r"\\emptyset "),
    (re.compile(r"\\(?:lor|vee)\b"), r"\\text{ or } "),
    (re.compile(r"\\(?:land|wedge)\b"), r"\\text{ and } "),
    (re.compile(r"(\d)\s*°"), r"\1^{\\circ}"),
    (re.compile(r"(\\sqrt\s*\[[^\]{}]*\])\s*(\d+|[A-Za-z]|\\[A-Za-z]+)"), r"\1{\2}"),
]
_E_NOTATION = re.compile(r"^(-?\d+(?:\.\d+)?)[eE]([+-]?\d+)$")
_REPEATING = re.compile(r"(?<![\d.])(\d*)\.(\d*)\\overline\s*\{(\d+)\}")
_APPROX = re.compile(r"^(?:[A-Za-z]\s*)?(?:\\approx|\\sim|≈)\s*")
_ALL_REALS = re.compile(r"^(?:\\text\s*\{\s*)?all\s+real(?:\s+numbers)?(?:\s+x)?\s*\}?$", re.IGNORECASE)


def strip_delimiters(text: str) -> str:
    """Remove one pair of surrounding math delimiters, then any stray unescaped ``$``."""
    text = text.strip()
    for left, right in _MATH_DELIMS:
        if text.startswith(left) and text.endswith(right) and len(text) >= len(left) + len(right):
            text = text[len(left) : len(text) - len(right)].strip()
            break
    return _UNESCAPED_DOLLAR.sub(" ", text).strip()


def _root(match: re.Match) -> str:
    radicand = match.group(2)
    if radicand[0] in "({" and radicand[-1] in ")}":
        radicand = radicand[1:-1]
    return "\\sqrt" + _ROOT_INDEX[match.group(1)] + "{" + radicand + "}"


def _unicode(text: str) -> str:
    """Unicode math symbols as LaTeX (``2√2`` -> ``2\\sqrt{2}``, ``2½`` -> ``2\\frac{1}{2}``)."""
    if text.isascii():
        return text
    text = _ROOT.sub(_root, text)
    for char, fraction in _VULGAR.items():
        numerator, denominator = fraction.split("/")
        text = text.replace(char, "\\frac{%s}{%s}" % (numerator, denominator))
    for char, latex in _SYMBOLS.items():
        text = text.replace(char, latex)
    return text.strip()


def _repeating(match: re.Match) -> str:
    """``0.1\\overline{6}`` -> ``\\frac{1}{6}``: whole part, fixed digits, repeating digits."""
    whole, fixed, period = match.group(1) or "0", match.group(2), match.group(3)
    value = int(whole) + (Fraction(int(fixed or "0")) + Fraction(int(period), 10 ** len(period) - 1)) / 10 ** len(fixed)
    return str(value.numerator) if value.denominator == 1 else "\\frac{%d}{%d}" % (value.numerator, value.denominator)


def normalize_answer(answer: str) -> str:
    r"""Return ``answer`` rewritten so math-verify reads it as written (rules: module doc).

    Examples:
        >>> normalize_answer(r"$1\,000$")
        '1000'
        >>> normalize_answer("2√2")
        '2\\sqrt{2}'
    """
    text = _unicode(strip_delimiters(answer))
    text = _ROMAN_CONSTANT.sub(lambda m: m.group(1) or m.group(2), text)
    for pattern, replacement in _REWRITES:
        text = pattern.sub(replacement, text)
    text = _THIN_SPACE_GROUPS.sub("", text)
    text = _SPACE_GROUPS.sub(lambda m: m.group(0).replace(" ", ""), text)
    if text.endswith(".") and not text.endswith("..."):
        text = text[:-1].rstrip()
    text = _E_NOTATION.sub(r"\1\\times10^{\2}", text.strip())
    text = _REPEATING.sub(_repeating, text)
    text = _APPROX.sub("", text)
    return "\\mathbb{R}" if _ALL_REALS.match(text) else text.strip()
