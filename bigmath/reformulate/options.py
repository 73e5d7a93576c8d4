r"""Find the answer options of a multiple-choice problem: written in its text, or in a field.

Inline notations (tried in this order; the first that yields a block wins):

* ``textbf``: ``$\textbf{(A)}\ 20 \qquad \textbf{(B)}\ 11$`` (AMC, as in NuminaMath ``amc_aime``;
  also ``\mathrm{(A)}``, ``\text{(A)}``);
* ``paren``: ``(A) 20 (B) 11`` (MATH, ``synthetic_amc``);
* ``right_paren``: ``A)20 B)11`` (AQuA, SAT);
* ``lines``: ``A. 20`` / ``A: 20`` (NuminaMath ``cn_k12``, usually one per line);
* ``paren_lower``: ``(a) 20 (b) 11 (c) 21 (d) 14`` (four or more short items).

A block is a run of markers labelled A, B, C, ... in order (at least two for ``textbf`` and
``paren``, three for the others) that ends the problem, or is followed only by an instruction
about letters/choices ("Enter the letter of the correct option.") or an Asymptote figure. This
is the same notion of an option block as the multiple-choice filter
(``bigmath.filters.multiple_choice``), so the rows it flags are the rows parsed here.

Option fields: a dict label -> text (HARP MCQ ``choices``), a list of texts (MMLU ``choices``,
labelled A, B, ... by position), or a list of ``"A)..."`` strings (AQuA ``options``).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping, Sequence
from typing import Any

from bigmath.reformulate.latex import math_spans, option_value, strip_padding

LABELS = "ABCDEFGH"

_WRAP = r"\\(?:textbf|mathrm|text|textrm|mathbf|rm|bf|mathit|textit)\s*"
_NOTATIONS: tuple[tuple[str, re.Pattern, int], ...] = (
    ("textbf", re.compile(rf"{_WRAP}\{{\s*\(\s*(?P<l>[A-H])\s*\)\s*\}}|\(\s*{_WRAP}\{{\s*(?P<m>[A-H])\s*\}}\s*\)"), 2),
    ("paren", re.compile(r"(?<![\w\\])\(\s?(?P<l>[A-H])\s?\)"), 2),
    ("right_paren", re.compile(r"(?:^|(?<=[\s$]))(?P<l>[A-H])\)"), 3),
    ("lines", re.compile(r"(?:^|(?<=[\s$]))(?P<l>[A-H])\s?[.:\uff1a\uff0e\u3001](?![A-Za-z]{2})", re.M), 3),
    ("paren_lower", re.compile(r"(?<![\w\\])\((?P<l>[a-h])\)"), 4),
)
_INSTRUCTION = re.compile(r"\b(?:letters?|options?|choices?|answer|correct|select|choose)\b", re.I)
_TRAILING_INSTRUCTION = re.compile(
    r"\s*(?:\n|(?<=[.?!\s]))\s*(?:enter|choose|select|give|write|mark|pick|type)\b[^\n]*"
    r"\b(?:letters?|options?|choices?)\b[^\n]*$",
    re.I,
)
_HEADER = re.compile(r"(?:answer\s+)?(?:choices|options)\s*:?\s*$", re.I)
_ASY = re.compile(r"^\s*\[asy\].*?\[/asy\]\s*$", re.S | re.I)
_ASY_ANYWHERE = re.compile(r"\[asy\].*?\[/asy\]", re.S | re.I)
_OPENER = re.compile(r"(?<!\\)\$\$?(?:\s|\\[ ,;:!]|\\q?quad\b)*$")


@dataclasses.dataclass(frozen=True, slots=True)
class Option:
    r"""One answer option.

    Attributes:
        label: upper-case letter, ``"A"`` to ``"H"``.
        raw: the option as written, padding removed, e.g. ``"$21$"``; an option written inside
            a math span (AMC ``\textbf{(A)}\ 21``) gets ``$`` delimiters (``"$21$"``).
        value: its answer form, LaTeX math without delimiters (:func:`option_value`), e.g. ``"21"``.
    """

    label: str
    raw: str
    value: str


@dataclasses.dataclass(frozen=True, slots=True)
class OptionBlock:
    """The options of one problem and the problem without them.

    Attributes:
        options: the options in label order (A, B, ...).
        stem: the problem text with the option block (and an instruction about letters after
            it) removed, whitespace-trimmed; for option fields, the problem unchanged.
        notation: how the options were written: ``textbf``, ``paren``, ``right_paren``,
            ``lines``, ``paren_lower`` or ``field``.
    """

    options: tuple[Option, ...]
    stem: str
    notation: str

    def by_label(self, label: str) -> Option | None:
        """Return the option labelled ``label`` (upper case), or None."""
        return next((o for o in self.options if o.label == label), None)


Marker = tuple[int, int, str]  # (start, end, label)


def _runs(text: str, markers: list[Marker], minimum: int, in_math: bool) -> list[list[Marker]]:
    """Runs of markers labelled A, B, C, ... in order, latest run last. Markers that do not
    continue the run are skipped; unless the notation lives in math (``in_math``), so is a
    marker that an odd number of ``$`` separates from the previous one (``$\\tan B)$``)."""
    runs = []
    for k, first in enumerate(markers):
        if first[2] != "A":
            continue
        run = [first]
        for item in markers[k + 1:]:
            if len(run) == len(LABELS) or item[2] != LABELS[len(run)]:
                continue
            if in_math or _dollars(text[run[-1][1]:item[0]]) % 2 == 0:
                run.append(item)
        if len(run) >= minimum:
            runs.append(run)
    return runs


def _span_at(spans: list[tuple[int, int, int, int]], pos: int) -> tuple[int, int, int, int] | None:
    return next((s for s in spans if s[1] <= pos < max(s[2], s[1] + 1)), None)


def _dollars(text: str) -> int:
    """Unescaped ``$`` signs outside Asymptote code (``\\$`` is escaped, ``\\\\$`` is not)."""
    return len(re.findall(r"(?<!\\)(?:\\\\)*\$", _ASY_ANYWHERE.sub(" ", text)))


def _block(text: str, run: list[tuple[int, int, str]], notation: str) -> OptionBlock | None:
    first = run[0][0]
    # the block is read on its own, so stray dollars in the stem ("costs $8.35.") do not matter;
    # it starts at a "$" that opens right before its first marker (AMC "$\textbf{(A)}\ 20 ...")
    one_span = "$" not in text[run[0][1]: run[1][0]]  # the items share one math span, or none
    opener = _OPENER.search(text, 0, first) if one_span else None
    anchor = opener.start() if opener else first
    spans = [(a + anchor, b + anchor, c + anchor, d + anchor) for a, b, c, d in math_spans(text[anchor:])]
    # ... or the block continues a math span the stem opened ("$x = \textbf{(A)}\ 1 ... \textbf{(E)}\ 5$")
    continued = opener is None and one_span and _dollars(text[:first]) % 2 == 1 and "$" in text[run[-1][1]:]
    last_span = _span_at(spans, run[-1][0])
    if continued:
        close = text.find("$", run[-1][1])
        item_end = tail_start = len(text) if close < 0 else close
        tail_start += 0 if close < 0 else 1
    elif last_span is not None:  # end of the last item: the end of its math span, or of its line
        item_end, tail_start = last_span[2], last_span[3]
    else:
        newline = text.find("\n", run[-1][1])
        item_end = tail_start = len(text) if newline < 0 else newline
        for span in spans:  # a math span opened on that line runs past the newline
            if span[0] < item_end < span[3] and span[0] >= run[-1][1]:
                item_end = tail_start = span[3]
    tail = text[tail_start:]
    last_raw = text[run[-1][1]:item_end]
    cut = _TRAILING_INSTRUCTION.search(last_raw)
    if cut:
        last_raw, tail = last_raw[: cut.start()], ""
    if tail.strip() and not _ASY.match(tail):
        first_line = tail.strip().split("\n", 1)[0]
        if not _INSTRUCTION.search(first_line):
            return None
        tail = tail.strip().split("\n", 1)[1] if "\n" in tail.strip() else ""
        if tail.strip() and not _ASY.match(tail):
            return None
    raws = [text[a[1]:b[0]] for a, b in zip(run, run[1:])] + [last_raw]
    in_math = [continued or _span_at(spans, m[0]) is not None for m in run]
    options = []
    for marker, raw, math in zip(run, raws, in_math):
        value = option_value(raw, in_math=math)
        if not value:
            return None
        raw = strip_padding(raw)
        options.append(Option(marker[2], f"${raw.replace('$', '')}$" if math else raw, value))
    if notation == "paren_lower" and any(len(o.value) > 80 or "?" in o.value for o in options):
        return None
    stem = text[:anchor].rstrip() + ("$" if continued else "")
    stem = _HEADER.sub("", stem.rstrip()).rstrip()
    if _ASY.match(tail):
        stem = f"{stem}\n{tail.strip()}"
    return OptionBlock(tuple(options), stem.strip(), notation)


def parse_options(text: str | None) -> OptionBlock | None:
    r"""Find the option block written in a problem's text.

    Args:
        text: the problem statement.

    Returns:
        The :class:`OptionBlock` (options, stem without them, notation), or None when the text
        holds no option block in a notation listed in the module docstring.

    Examples:
        >>> block = parse_options(r"What is $2+3$? $\textbf{(A)}\ 4 \qquad \textbf{(B)}\ 5$")
        >>> block.stem, [o.value for o in block.options], block.notation
        ('What is $2+3$?', ['4', '5'], 'textbf')
    """
    if not text:
        return None
    for notation, pattern, minimum in _NOTATIONS:
        markers = [(m.start(), m.end(), (m.group("l") or m.groupdict().get("m") or "").upper())
                   for m in pattern.finditer(text)]
        for run in reversed(_runs(text, markers, minimum, notation == "textbf")):
            block = _block(text, run, notation)
            if block is not None:
                return block
    return None


def options_from_field(choices: Any, problem: str) -> OptionBlock:
    """Build the options of a problem whose options are in their own field.

    Args:
        choices: a mapping label -> text (HARP MCQ ``choices``: ``{"A": "$20$", ...}``), a list
            of texts labelled A, B, ... by position (MMLU ``choices``), or a list of
            ``"A)text"`` strings (AQuA ``options``), or one string with the options inline
            (SAT ``options``: ``"A) $f(-6)=0$ B) ..."``).
        problem: the problem text (it becomes the stem unchanged).

    Returns:
        An :class:`OptionBlock` with notation ``field``.

    Raises:
        ValueError: ``choices`` is empty, of another type, has labels other than letters A-H
            or an option that is not a non-empty string.
    """
    if isinstance(choices, str):
        block = parse_options(choices)
        if block is None or block.stem:
            raise ValueError(f"no option block found in the options string {choices[:80]!r}")
        pairs = [(o.label, o.raw) for o in block.options]
    elif isinstance(choices, Mapping):
        pairs = [(str(k).strip().strip("()").upper(), v) for k, v in choices.items()]
    elif isinstance(choices, Sequence) and choices:
        aqua = [re.match(r"^\s*\(?([A-H])\)\s*(.*)$", str(c), re.S) for c in choices]
        if all(aqua) and [m.group(1) for m in aqua] == list(LABELS[: len(aqua)]):
            pairs = [(m.group(1), m.group(2)) for m in aqua]
        else:
            pairs = list(zip(LABELS, choices))
            if len(choices) > len(LABELS):
                raise ValueError(f"{len(choices)} options; at most {len(LABELS)} are supported")
    else:
        raise ValueError(f"options must be a dict, a list or a string, got {type(choices).__name__}")
    if not pairs:
        raise ValueError("the options field is empty")
    options = []
    for label, raw in sorted(pairs):
        if len(label) != 1 or label not in LABELS:
            raise ValueError(f"option label {label!r} is not a letter A-H")
        if not isinstance(raw, str) or not raw.strip():
            raise ValueError(f"option {label} is not a non-empty string: {raw!r}")
        options.append(Option(label, raw.strip(), option_value(raw)))
    return OptionBlock(tuple(options), problem.strip(), "field")
