r"""Map a multiple-choice gold answer to one option, whatever way the dataset writes it.

Datasets give the gold answer as a letter (AQuA ``correct: "E"``, SAT ``Answer``, HARP
``answer_choice``), as a letter in LaTeX taken from a solution's last box (NuminaMath
``\textbf{(C)}\ 45``, ``\text{(B)}\ 7``, ``(C)``), as an index (MMLU ``answer: 2``) or as the
option's text (HARP ``answer: "$21$"``). :func:`resolve_answer` accepts all of them.
"""

from __future__ import annotations

import re

from bigmath.boxed import last_boxed
from bigmath.reformulate.latex import comparable, option_value, strip_padding
from bigmath.reformulate.options import Option, OptionBlock

_WRAP = r"\\(?:textbf|text|mathrm|mathbf|textrm|rm|bf)\s*\{\s*"
# a label, optionally followed by the option's content: "C", "(C)", "C.", "C) 21", "(C) 21",
# "\textbf{(C)}\ 21", "\text{(C) }21", "\mathrm{(C)}", "(\text{C})"
_LABELLED = re.compile(
    rf"^(?:{_WRAP}\(?\s*(?P<w>[A-H])\s*\)?\s*\}}"
    rf"|\(\s*(?:{_WRAP})?(?P<p>[A-H])\s*\}}?\s*\)"
    r"|(?P<b>[A-H])(?:\s*[).:]|(?=\s*$)))"
    r"(?P<rest>.*)$",
    re.S,
)


def _strip_math(text: str) -> str:
    """The answer without ``\\boxed{}`` and outer ``$`` / ``\\(..\\)`` delimiters."""
    text = text.strip()
    boxed = last_boxed(text)
    if boxed is not None and text.replace(" ", "").startswith(("\\boxed", "$\\boxed")):
        text = boxed
    for left, right in (("$$", "$$"), ("$", "$"), ("\\(", "\\)"), ("\\[", "\\]")):
        if text.startswith(left) and text.endswith(right) and len(text) > len(left) + len(right) - 1:
            inner = text[len(left):len(text) - len(right)]
            if "$" not in inner:
                text = inner.strip()
                break
    return text


def free_answer(answer: str | int | None) -> str | None:
    r"""The gold answer as a value when it names no option letter (``"$\sqrt{2}$"`` gives
    ``"\sqrt{2}"``); None for a letter (``"C"``, ``	extbf{(C)}\ 21``), an index or nothing.

    Used when a problem's options cannot be read: the LLM path can still be told the value.
    """
    if not isinstance(answer, str) or not answer.strip():
        return None
    text = _strip_math(answer)
    return None if not text or _LABELLED.match(text) else text


def _same(a: str, b: str) -> bool:
    return bool(a) and comparable(a) == comparable(b)


def resolve_answer(answer: str | int | None, block: OptionBlock, *, index_base: int = 0) -> Option | None:
    r"""Return the option the gold ``answer`` designates, or None when it designates none.

    Args:
        answer: a letter (``"C"``, ``"(C)"``, ``"C."``), a letter with the option's content
            (``"(C) 21"``, ``r"\textbf{(C)}\ 21"``, optionally inside ``$`` or ``\boxed{}``), an
            int index (MMLU), or the option's text (``"$21$"``, ``"21"``).
        block: the problem's options (:func:`bigmath.reformulate.options.parse_options` or
            :func:`~bigmath.reformulate.options.options_from_field`).
        index_base: what an int ``answer`` counts from (0 for MMLU).

    Returns:
        The :class:`~bigmath.reformulate.options.Option`, or None when: the letter names no
        option; a letter's content disagrees with that option's text; the text equals no option,
        or more than one (a bool, a float or an out-of-range index is None too).

    Examples:
        >>> from bigmath.reformulate.options import options_from_field
        >>> block = options_from_field({"A": "$20$", "B": "$11$", "C": "$21$"}, "R is equal to:")
        >>> [resolve_answer(a, block).label for a in ("C", r"\textbf{(C)}\ 21", "(C) 21", 2, "$21$")]
        ['C', 'C', 'C', 'C', 'C']
    """
    if answer is None or isinstance(answer, bool):
        return None
    if isinstance(answer, int):
        k = answer - index_base
        return block.options[k] if 0 <= k < len(block.options) else None
    if not isinstance(answer, str):
        return None
    text = _strip_math(answer)
    labelled = _LABELLED.match(text)
    if labelled:
        label = labelled.group("w") or labelled.group("p") or labelled.group("b")
        option = block.by_label(label)
        rest = strip_padding(labelled.group("rest"))
        text_match = [o for o in block.options if _same(text, o.value)]
        if option is None:
            return text_match[0] if len(text_match) == 1 else None
        if not rest or _same(option_value(rest, in_math=True), option.value) or _same(rest, option.raw):
            return option
        return text_match[0] if len(text_match) == 1 else None
    matches = [o for o in block.options if _same(text, o.value) or _same(answer, o.raw)]
    return matches[0] if len(matches) == 1 else None
