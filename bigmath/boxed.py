r"""Find ``\boxed{...}`` / ``\fbox{...}`` contents in LaTeX solutions (brace-aware).

This is the low-level extraction shared by the source adapters (MATH, NuminaMath, HARP take the
ground-truth answer from the solution's *last* box, as in the MATH paper's ``last_boxed_only_string``
in hendrycks/math ``modeling/math_equivalence.py``) and by the verifier's ``extract_answer``.
"""

from __future__ import annotations

import re

_BOX_COMMANDS = ("\\boxed", "\\fbox")
# "\boxed 5" / "\boxed5" (no braces): the MATH solutions use it for one-token answers.
_BARE_BOX = re.compile(r"\\(?:boxed|fbox)(?![A-Za-z{])\s*([^\s$\\{}]+|\\[A-Za-z]+)")


def _braced(text: str, open_index: int) -> tuple[str, int] | None:
    r"""Return (content, end_index) of the brace group opening at ``text[open_index] == '{'``.

    Escaped braces ``\{`` / ``\}`` inside the group do not count. Returns None when the group
    is unbalanced (truncated solution).
    """
    depth = 0
    i = open_index
    n = len(text)
    while i < n:
        ch = text[i]
        if ch == "\\" and i + 1 < n and text[i + 1] in "{}":
            i += 2
            continue
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth == 0:
                return text[open_index + 1 : i], i + 1
        i += 1
    return None


def _unwrap_whole_box(content: str) -> str:
    r"""Return the inside of ``content`` while it is one box and nothing else.

    HARP writes ``\boxed{\boxed{875}}`` (``harp/sample.jsonl`` line 1113, 2007 AIME I #12); the answer is
    ``875``, not ``\boxed{875}``. A box that is only part of the content is left alone.
    """
    while True:
        cmd = next((c for c in _BOX_COMMANDS if content.startswith(c)), None)
        if cmd is None:
            return content
        k = len(cmd)
        while k < len(content) and content[k] in " \t\n":
            k += 1
        if k >= len(content) or content[k] != "{":
            return content
        group = _braced(content, k)
        if group is None or group[1] != len(content):
            return content
        content = group[0].strip()


def boxed_spans(text: str | None, commands: tuple[str, ...] = _BOX_COMMANDS) -> list[tuple[int, int, str]]:
    r"""Return ``(start, end, content)`` for every box in ``text``, in order.

    ``start``/``end`` are the offsets of the whole box command (``\boxed{...}`` or ``\boxed 5``)
    in ``text``; ``content`` is what :func:`all_boxed` returns for it. ``commands`` names the box
    macros to look for (default ``\boxed`` and ``\fbox``; the verifier adds ``\framebox``).
    """
    if not text:
        return []
    found: list[tuple[int, int, str]] = []
    i = 0
    n = len(text)
    while i < n:
        starts = [(text.find(cmd, i), cmd) for cmd in commands]
        starts = [(pos, cmd) for pos, cmd in starts if pos >= 0]
        if not starts:
            break
        pos, cmd = min(starts)
        j = pos + len(cmd)
        if j < n and text[j].isalpha():  # \boxedx is another macro name
            i = j
            continue
        k = j
        while k < n and text[k] in " \t\n":
            k += 1
        if k < n and text[k] == "{":
            group = _braced(text, k)
            if group is None:
                i = k + 1
                continue
            content, end = group
            found.append((pos, end, _unwrap_whole_box(content.strip())))
            i = end
            continue
        bare = _BARE_BOX.match(text, pos)
        if bare and cmd in _BOX_COMMANDS:
            found.append((pos, bare.end(), bare.group(1).strip()))
            i = bare.end()
        else:
            i = j
    return found


def all_boxed(text: str | None) -> list[str]:
    r"""Return the contents of every ``\boxed{...}`` / ``\fbox{...}`` / ``\boxed 5`` in order.

    Nested braces are handled (``\boxed{\frac{1}{2}}`` gives ``\frac{1}{2}``); a box nested in a
    box is returned once, as part of the outer one, except that a box holding nothing but another
    box is unwrapped (``\boxed{\boxed{875}}`` gives ``875``). Unbalanced boxes are skipped. Contents are
    stripped of surrounding whitespace. Returns [] for None or text without boxes.
    """
    return [content for _, _, content in boxed_spans(text)]


def last_boxed(text: str | None) -> str | None:
    r"""Return the content of the last box in ``text`` (see :func:`all_boxed`), or None.

    Examples:
        >>> last_boxed(r"so $x=\boxed{\frac{9}{7}}$.")
        '\\frac{9}{7}'
        >>> last_boxed(r"\boxed 5") 
        '5'
        >>> last_boxed("no box") is None
        True
    """
    boxes = all_boxed(text)
    return boxes[-1] if boxes else None
