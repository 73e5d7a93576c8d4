r"""The reference solution of a rewritten problem: its answer named by value, not by option letter.

Once the options are gone, a solution that ends "the answer is (C)" teaches a letter the problem
no longer offers (an SFT target would learn to answer letters). Two places are rewritten, and only
when what they name is the keyed option (:func:`bigmath.reformulate.answer.resolve_answer`):

* the last ``\boxed{}``: ``\boxed{\textbf{(C)}\ 45}`` or ``\boxed{C}`` becomes ``\boxed{45}``
  (NuminaMath ``amc_aime`` and ``cn_k12`` solutions);
* a trailing answer statement, on the last line (or the line before a final line that is only a
  box), written as datasets write it (the forms of AQuA ``rationale`` endings, and AoPS ones):
  ``Answer : A``, ``ANSWER:B``, ``The answer is (C).``, ``Answer: Option C``, ``Correct answer is
  A.``, ``the answer is $\textbf{(C)}\ 45$.``, ``Choose (B).``, ``D is the answer``, ``Option B
  is correct``, ``(A) is correct answer``, or a last line that is only a label (``B``, ``E)``,
  ``$\textbf{(B)}$``). Its label (with ``option``/``choice`` and the option's content, if given)
  becomes ``$<value>$``: ``Answer : $5$``, ``The answer is $45$.``.

Not rewritten: a label that names another option than the keyed one (the solution disagrees with
the gold answer), labels inside the reasoning ("so (B) must be false", "options A and D fail"),
and answer statements in a form not listed (``Ans: 2/5 D``, ``>>B``, ``C. (by-ay)/2``).
"""

from __future__ import annotations

import re

from bigmath.boxed import boxed_spans
from bigmath.reformulate.answer import free_answer, resolve_answer
from bigmath.reformulate.options import Option, OptionBlock

_L = "[A-H]"
_WRAP = r"\\(?:textbf|text|mathrm|mathbf|textrm|rm|bf)\s*\{"
_WORD = r"(?:(?i:option|choice)\s*[:.]?\s*)"  # "Option C", "Choice: C"
_MATH_LABEL = rf"\$\s*(?:{_WRAP}\s*\(?\s*{_L}\s*\)?\s*\}}|\(\s*{_L}\s*\)|{_L}(?![A-Za-z]))[^$]*\$"
_LABEL = (
    r"(?P<label>"
    rf"{_MATH_LABEL}"  # $\textbf{(C)}\ 45$, $(C)$, $C$
    rf"|{_WRAP}\s*\(\s*{_L}\s*\)\s*\}}"  # \textbf{(C)} in prose
    rf"|\(\s*{_WORD}?{_L}\s*\)(?:[ \t]+[^\s.][^\n]*?)?"  # (C), (Option C), (C) 21
    rf"|{_WORD}?(?<![A-Za-z0-9\\]){_L}\)(?:[ \t]*[^\s.][^\n]*?)?"  # C), option D) 61
    rf"|{_WORD}?(?<![A-Za-z0-9\\]){_L}(?![A-Za-z0-9])"  # C, Option C
    r")"
)
_TAIL = r"[\s.!;,)\]]*$"
_ANSWER = (r"(?i:(?:the\s+)?(?:correct\s+|right\s+|final\s+)?(?:answer|ans)(?:\s+(?:choice|option))?"
           r"|(?:the\s+)?(?:correct\s+|right\s+)?(?:option|choice))"
           r"(?i:\s+(?:is|will\s+be|should\s+be|must\s+be|would\s+be))?\s*[:=\-.,]?\s*")
_PICK = r"(?i:choose|pick|select|mark)\s+"
_BARE = r"^\s*(?:(?i:thus|hence|so|therefore)[,:]?\s+)?"
#: "<answer phrase> LABEL", "choose LABEL", or a line that is only LABEL
_STATEMENT = re.compile(rf"(?:(?<![A-Za-z])(?:{_ANSWER}|{_PICK})|{_BARE}){_LABEL}{_TAIL}")
#: "LABEL is the (correct) answer|option|choice", "LABEL is correct"
_LABEL_FIRST = re.compile(
    rf"(?:^|(?<=[\s,:;]))(?P<label>{_WORD}?\(?{_L}\)?|{_MATH_LABEL})\s+(?i:is|will\s+be)\s+(?i:the\s+)?"
    rf"(?i:(?:correct|right)(?:\s+(?:answer|option|choice))?|answer|option|choice){_TAIL}"
)
_BOX_ONLY = re.compile(r"^\s*(?:\$\$?|\\\[|\\\()?\s*\\boxed\s*\{.*\}\s*(?:\$\$?|\\\]|\\\))?\s*[.]?\s*$")
_MATH_PUNCT = re.compile(r"[\s.,;]+(?=\$$)")


def _names(text: str, block: OptionBlock, keyed: Option) -> bool:
    """True when ``text`` names ``keyed`` by its label (``C``, ``(C) 45``), not by its value."""
    return free_answer(text) is None and resolve_answer(text, block) == keyed


def rebox_solution(solution: str | None, block: OptionBlock, keyed: Option, value: str) -> str | None:
    r"""The solution with its last ``\boxed{}`` rewritten to ``value`` when it names ``keyed``
    (``\boxed{\textbf{(C)}\ 45}`` -> ``\boxed{45}``); otherwise unchanged."""
    spans = boxed_spans(solution)
    if not solution or not spans:
        return solution
    start, end, content = spans[-1]
    if not _names(content, block, keyed):
        return solution
    return f"{solution[:start]}\\boxed{{{value}}}{solution[end:]}"


def _candidate(label: str) -> str:
    """A label as :func:`resolve_answer` reads it: no ``option`` word, no punctuation in its math."""
    label = re.sub(r"^(\(?\s*)(?i:option|choice)\s*[:.]?\s*", r"\1", label)
    return _MATH_PUNCT.sub("", label)


def _rewrite_line(line: str, block: OptionBlock, keyed: Option, value: str) -> str | None:
    for pattern in (_STATEMENT, _LABEL_FIRST):
        match = pattern.search(line)
        if match and _names(_candidate(match.group("label")), block, keyed):
            label, before = match.group("label"), line[: match.start("label")]
            punct = _MATH_PUNCT.search(label)
            kept = punct.group(0).strip() if punct else ""
            if label.endswith(")") and "(" not in label and before.count("(") > before.count(")"):
                kept += ")"  # "(ANSWER E)": the ")" closes the statement, not the label
            return f"{before}${value}${kept}{line[match.end('label'):]}"
    return None


def rewrite_answer_line(solution: str | None, block: OptionBlock, keyed: Option, value: str) -> str | None:
    """The solution with a trailing answer statement naming ``keyed`` by its label rewritten to
    ``$value$`` (forms in the module docstring); otherwise unchanged."""
    if not solution:
        return solution
    lines = solution.split("\n")
    filled = [i for i, line in enumerate(lines) if line.strip()]
    if not filled:
        return solution
    where = filled[-1:] if not _BOX_ONLY.match(lines[filled[-1]]) else filled[-2:][::-1]
    for i in where:
        new = _rewrite_line(lines[i], block, keyed, value)
        if new is not None:
            lines[i] = new
            return "\n".join(lines)
    return solution


def rewrite_solution(solution: str | None, block: OptionBlock | None, answer: str | int | None,
                     value: str) -> tuple[str | None, tuple[str, ...]]:
    r"""The reference solution of a rewritten problem, naming the keyed option by its value.

    Args:
        solution: the reference solution (None passes through).
        block: the problem's options (None: returned unchanged).
        answer: the gold answer as given (the keyed option is the one it designates).
        value: the keyed option's value (the new answer, LaTeX without delimiters).

    Returns:
        ``(solution, changes)``: ``changes`` lists what was rewritten, ``"box"`` (the last
        ``\boxed{}``) and/or ``"answer_line"`` (a trailing answer statement); empty when the
        solution is returned unchanged.

    Example:
        >>> from bigmath.reformulate.options import options_from_field
        >>> block = options_from_field(["A)3", "B)5", "C)7"], "How many?")
        >>> rewrite_solution("2 + 3 = 5\nAnswer : B", block, "B", "5")
        ('2 + 3 = 5\nAnswer : $5$', ('answer_line',))
    """
    keyed = resolve_answer(answer, block) if block is not None else None
    if not solution or keyed is None:
        return solution, ()
    changes = []
    reboxed = rebox_solution(solution, block, keyed, value)
    if reboxed != solution:
        changes.append("box")
    final = rewrite_answer_line(reboxed, block, keyed, value)
    if final != reboxed:
        changes.append("answer_line")
    return final, tuple(changes)
