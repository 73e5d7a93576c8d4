r"""LaTeX text helpers of the reformulator: where the math is, and the value of an option.

Options are written in many ways around the same value (``$21$``, ``\ 21 \qquad`` inside an AMC
math block, ``21.``); :func:`option_value` gives the one form that becomes the new answer, and
:func:`comparable` the form two texts are compared in (``bigmath.textnorm.normalize_problem``
plus the text wrappers).
"""

from __future__ import annotations

import re

from bigmath.textnorm import normalize_problem

# padding LaTeX puts around items: \qquad, \quad, \ , \, \: \; \!, ~, \\, \hspace{..}, \hfill
_PAD = r"(?:\\q?quad\b|\\hfill\b|\\hspace\*?\{[^{}]*\}|\\[ ,:;!]|\\\\|~|\s)"
_EDGE_PAD = re.compile(rf"^{_PAD}+|{_PAD}+$")
_WRAPPER = re.compile(r"\\(?:text|textrm|mathrm|textnormal|mbox|textit|textsc)\s*\{([^{}]*)\}")
_TRAILING_PUNCT = re.compile(r"[\s,;.]+$")
_NUMBER_UNIT = re.compile(r"^([-+]?\d[\d,]*(?:\.\d+)?(?:/\d+)?)\s*([A-Za-z][A-Za-z. ]*)$")
_WORD = re.compile(r"[A-Za-z]{2,}")
_FUNCTIONS = {"sin", "cos", "tan", "cot", "sec", "csc", "log", "ln", "exp", "lg", "sqrt", "pi", "mod", "gcd", "lcm"}


def math_spans(text: str) -> list[tuple[int, int, int, int]]:
    r"""Return the math spans of ``text`` as ``(open, start, end, close)`` character offsets.

    ``text[start:end]`` is the math content and ``text[open:close]`` the span with its delimiters
    (``$..$``, ``$$..$$``, ``\(..\)``, ``\[..\]``). Escaped dollars (``\$``) are text, and so is
    Asymptote code (``[asy]..[/asy]``). An unclosed delimiter opens a span that runs to the end
    of the text.
    """
    spans: list[tuple[int, int, int, int]] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch == "[" and text[i:i + 5].lower() == "[asy]":  # Asymptote code: its "$" are labels
            end = text.lower().find("[/asy]", i)
            i = n if end < 0 else end + 6
            continue
        if ch == "\\" and i + 1 < n:
            if text[i + 1] in "([":
                closing = "\\)" if text[i + 1] == "(" else "\\]"
                end = text.find(closing, i + 2)
                end = n if end < 0 else end
                spans.append((i, i + 2, end, min(end + 2, n)))
                i = end + 2
                continue
            i += 2  # an escaped character (\$, \\) or a command
            continue
        if ch == "$":
            width = 2 if text.startswith("$$", i) else 1
            j = i + width
            while j < n and not (text[j] == "$" and text[j - 1] != "\\"):
                j += 1
            spans.append((i, i + width, j, min(j + width, n)))
            i = j + width
            continue
        i += 1
    return spans


def mask_math(text: str, fill: str = "x", keep_end: bool = False) -> str:
    """Return ``text`` with every character inside a math span (delimiters too) set to ``fill``,
    so regexes over the result see only the prose, at unchanged offsets.

    With ``keep_end``, a ``.``, ``?`` or ``!`` that ends a span's content stays visible
    (``$[a,b).$ What is`` still ends a sentence).
    """
    chars = list(text)
    for start, inner_start, inner_end, end in math_spans(text):
        chars[start:end] = fill * (end - start)
        last = text[inner_start:inner_end].rstrip()
        if keep_end and last and last[-1] in ".?!":
            chars[end - 1] = last[-1]
    return "".join(chars)


def strip_padding(text: str) -> str:
    r"""Remove LaTeX spacing (``\qquad``, ``\ ``, ``\\``, ``\hspace{..}``) and blanks at both ends."""
    previous = None
    while previous != text:
        previous = text
        text = _EDGE_PAD.sub("", text)
    return text


def option_value(text: str, in_math: bool = False) -> str:
    r"""Return the answer form of one option: delimiters, padding and trailing punctuation removed.

    Args:
        text: the option as written, e.g. ``"$21$"``, ``"\ 21 \qquad"``, ``"21."``.
        in_math: the option was written inside a math span (an AMC ``$\textbf{(A)}\ 20 ...$``
            block), so its text is math even without delimiters.

    Returns:
        LaTeX math (``"21"``, ``"\frac{3}{2}"``); prose outside math is kept in ``\text{}``
        (``"$5$ feet"`` gives ``"5\text{ feet}"``). Empty when the option is empty.
    """
    text = strip_padding(text.replace("\n", " "))
    if not in_math:
        text = re.sub(r"(?<!\\)\$\s*$", "", text) if text.count("$") % 2 else text
        text = re.sub(r"^\s*(?<!\\)\$", "", text) if text.count("$") % 2 else text
    text = _TRAILING_PUNCT.sub("", strip_padding(text)) if not text.endswith("\\.") else text
    if in_math:
        return strip_padding(text.replace("$", ""))
    spans = math_spans(text)
    if not spans:
        return _prose_value(text.strip())
    pieces: list[str] = []
    last = 0
    for start, inner_start, inner_end, end in spans:
        pieces.append(_as_text(text[last:start]))
        pieces.append(text[inner_start:inner_end].strip())
        last = end
    pieces.append(_as_text(text[last:]))
    return strip_padding("".join(p for p in pieces if p))


def _prose_value(text: str) -> str:
    """An option written without math delimiters: numbers and formulas stay as they are, a
    number with a unit becomes ``5\\text{ cm}``, words become ``\\text{None of these}``."""
    number_unit = _NUMBER_UNIT.match(text)
    if number_unit:
        return f"{number_unit.group(1)}\\text{{ {number_unit.group(2)}}}"
    words = [w for w in _WORD.findall(text) if w.lower() not in _FUNCTIONS]
    return _as_text(text) if words else text


def _as_text(prose: str) -> str:
    """Prose between math spans, as ``\\text{..}`` (blank prose becomes one space or nothing)."""
    if not prose.strip():
        return " " if prose else ""
    return "\\text{" + prose.replace("{", "\\{").replace("}", "\\}") + "}"


def unwrap_text(text: str) -> str:
    r"""Replace ``\text{x}`` / ``\mathrm{x}`` (and kin) by ``x``, innermost first."""
    previous = None
    while previous != text:
        previous = text
        text = _WRAPPER.sub(lambda m: m.group(1), text)
    return text


def comparable(text: str | None) -> str:
    r"""Normal form for comparing option and answer texts: text wrappers removed, then
    ``bigmath.textnorm.normalize_problem`` (case, whitespace, ``$``, LaTeX spacing, ``\dfrac``)
    and trailing punctuation dropped."""
    if not text:
        return ""
    return _TRAILING_PUNCT.sub("", normalize_problem(unwrap_text(text).replace("\\textdollar", "\\$")))
