r"""The boxes of a final answer: ``\boxed{1}, \boxed{2} and \boxed{3}`` is one answer, ``1, 2, 3``.

A solver often boxes each element of a multi-element answer, or each part of a multi-part
answer. :func:`final_boxes` returns the last box together with the boxes just before it that
are separated from it only by *separators*: commas, semicolons, "and", "or", ``\quad`` and other
spacing, math delimiters, line breaks, ``\text{...}`` holding only those words, and part labels
("(a)", "for part (b)", "Part 2:"). A box separated by any other word ("Note:", "Alternatively,
...") starts a new answer, so an intermediate result boxed earlier in the solution is not part
of the final answer. A name written just before a box (``x = \boxed{2}``) is kept with it
(``x = 2``). Repeated boxes of the same content count once.

Sources: lm-evaluation-harness PR #3644 and issue #3652 (``\boxed{3}, \boxed{5}, \boxed{7}`` is
``3, 5, 7``; duplicates removed), Math-Verify issues #44 (``\boxed{840}`` written twice read as
840840) and #57 (why math-verify stopped joining all boxes), MATH test line 415 ("the answers
are $\boxed{-2}$ and $\boxed{1}$").
"""

from __future__ import annotations

import re

from bigmath.boxed import boxed_spans

#: Box macros of a final answer (``\framebox`` as well: openbench PR #97).
BOX_COMMANDS = ("\\boxed", "\\fbox", "\\framebox")

#: A gap longer than this (characters) never joins two boxes. The joined gaps of the MATH,
#: MATH-500 and Omni-MATH solutions are at most 14 characters; part labels with Markdown
#: ("**(b)** For part (b):") need a few dozen.
MAX_GAP = 120

_NAME = r"[A-Za-z](?:_\{?[A-Za-z0-9]+\}?)?'?"
_NAME_BEFORE = re.compile(rf"(?:^|[\s$(,;:])(?P<name>{_NAME}|\\[A-Za-z]+)\s*=\s*$")
_GAP_NOISE = [
    re.compile(r"\\(?:begin|end)\{[A-Za-z*]+\}"),
    re.compile(r"\\(?:text|textbf|textit|mathrm|mbox|mathbf|emph)\s*\{([^{}]*)\}"),
    re.compile(r"\\hspace\*?\{[^{}]*\}|\\q?quad\b|\\[,;:! ]|\\newline\b|\\\\|\\[()\[\]]|\$|~|&"),
    # part labels: "(a)", "b)", "(ii)", "for part (b)", "Part 2:", "Case 1:"
    re.compile(r"(?i)\b(?:for\s+)?(?:part|case|question)\s*\(?(?:[a-h]|[ivx]{1,4}|\d)\)?\s*[:.]?"),
    re.compile(r"(?i)(?:^|(?<=[\s,;*]))\(?(?:[a-h]|[ivx]{1,4}|\d)\)\s*:?"),
    re.compile(rf"(?:^|(?<=[\s$(,;:]))(?:{_NAME}|\\[A-Za-z]+)\s*=\s*$"),  # the next box's name
    re.compile(r"(?i)\b(?:and|or)\b"),
]
_SEPARATORS_ONLY = re.compile(r"^[\s,;.:*]*$")


def _joins(gap: str) -> bool:
    """True when ``gap`` (the text between two boxes) holds only separators."""
    if len(gap) > MAX_GAP:
        return False
    for pattern in _GAP_NOISE:
        gap = pattern.sub(lambda m: " " + (m.group(1) if m.groups() and m.group(1) else "") + " ", gap)
    return bool(_SEPARATORS_ONLY.match(gap))


def _named(text: str, start: int, content: str) -> str:
    r"""``content`` with the name written just before its box (``x = \boxed{2}`` -> ``x = 2``)."""
    before = text[max(0, start - 40) : start].replace("$", " ").replace("\\(", " ")
    match = _NAME_BEFORE.search(before)
    if match is None or "=" in content:
        return content
    return f"{match.group('name')} = {content}"


def final_boxes(text: str | None) -> list[str]:
    r"""Return the contents of the boxes that make up the final answer of ``text``, in order.

    Args:
        text: a model response or a solution (LaTeX, Markdown).

    Returns:
        ``[]`` when there is no box; one string for a single final box; several for
        ``\boxed{1}, \boxed{2}`` style answers (duplicates removed, names such as ``x = ``
        written before a box kept). Only the last group of adjacent boxes counts.

    Examples:
        >>> final_boxes(r"so \boxed{4} is wrong. Thus \boxed{1} and \boxed{2}.")
        ['1', '2']
        >>> final_boxes(r"$x = \boxed{2}$, $y = \boxed{3}$")
        ['x = 2', 'y = 3']
    """
    spans = boxed_spans(text, BOX_COMMANDS)
    if not spans:
        return []
    group = [spans[-1]]
    for previous in reversed(spans[:-1]):
        if not _joins(text[previous[1] : group[0][0]]):
            break
        group.insert(0, previous)
    if len(group) == 1:
        return [group[0][2]]
    parts = [_named(text, start, content.strip()) for start, _, content in group]
    return list(dict.fromkeys(p for p in parts if p))
