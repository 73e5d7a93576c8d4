r"""Multiple-choice filter: problems whose answer is a pick among options (guessable, and
meaningless once the options are dropped).

Rule source: Big-Math ``signals/add_multiple_choice_signal.py`` (SynthLabsAI/big-math) looks for
the bare characters ``A``, ``B``, ``C``, ``D`` (or ``1``..``4``) in order anywhere in the text,
so it flags "Let A, B, C, D be four points" and misses "(a) 3 (b) 4 (c) 5 (d) 6". Here an option
is a *marker* (``(A)``, ``A.``, ``A)``, ``A:``, ``\textbf{(A)}``, ``\mathrm{(B)}``, ``(a)``,
``1)``) at a token boundary, three or more in sequence, forming a block that ends the problem
(or is followed by an instruction about letters/choices); plus the phrases that refer to
options, circled-digit statements to choose from, and answers that are a bare option letter.
A row whose options are not in its text but in an option field of ``meta`` (HARP MCQ ``choices``,
AQuA ``options``, MMLU ``choices``; keys :data:`OPTION_FIELDS`) is flagged too.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any, ClassVar

import pyarrow as pa

from bigmath.filter import Batch, Verdicts
from bigmath.filters._rules import RuleFilter, plain_answer
from bigmath.registry import register_filter
from bigmath.schema import loads_meta

#: ``meta`` keys that hold a row's options when they are not in its text: HARP MCQ and MMLU
#: ``choices``, AQuA ``options`` (also the ``reformulate`` stage's ``options_fields`` default).
OPTION_FIELDS = ("choices", "options")

_WRAP = r"\\(?:textbf|mathrm|text|textrm|mathbf|mathrm)\s*\{\s*"
# group "l": the option label; markers must start at a token boundary
_UPPER = re.compile(
    rf"(?:{_WRAP}\(?(?P<w>[A-H])\)?\s*(?:\\\s*)?\}}"
    r"|\((?P<p>[A-H])\)"
    r"|(?:(?<=[\s$])|^)(?P<d>[A-H])(?:[.:](?=[\s$\\])|\)))",
    re.M,
)
_LOWER = re.compile(r"(?:\((?P<p>[a-h])\)|(?:(?<=[\s$])|^)(?P<d>[a-h])\))", re.M)
_NUMBER = re.compile(rf"(?:{_WRAP}\(?(?P<w>[1-8])\)?\s*\}}|\((?P<p>[1-8])\)|(?:(?<=\s)|^)(?P<d>[1-8])\))", re.M)
_ASK = re.compile(r"\b(?:find|prove|show|compute|determine|calculate|solve|what|how|why|explain|evaluate)\b", re.I)
_INSTRUCTION = re.compile(r"\b(?:letters?|options?|choices?|answer|correct|which|select|choose)\b", re.I)

_WHICH = re.compile(
    r"\bwhich\b(?:\s+(?:one|two|three|ones))?\s+of\s+(?:the\s+following|these|those|the\s+(?:two|three|four|five|six)\s+\w+)\b"
    r"|\bof\s+the\s+following\b[^.?]{0,80}\b(?:true|correct|false|incorrect|wrong)\b"
    r"|\bfollowing\s+(?:\w+\s+){0,2}(?:statements|propositions|conclusions)\b[\s\S]{0,400}?\b(?:true|correct|false|incorrect|wrong)\b"
    r"|(?:下列|以下)[^。]{0,30}(?:正确|错误|是|不)",
    re.I,
)
_CHOICES = re.compile(r"\b(?:answer\s+choices|answer\s+options|options|choices)\s*:|\b(?:choose|select|pick)\s+the\s+correct\b", re.I)
_CIRCLED = re.compile("[\u2460-\u2469]")
_CIRCLED_PICK = re.compile(r"\b(?:which|correct|true|false|incorrect|serial)\b|正确|错误|序号", re.I)
_TABLES = re.compile(r"\\begin\{(tabular|array)\}.*?\\end\{\1\}", re.S)
# "what is the 2010th letter in this sequence": the answer is a letter of a word, not an option
_LETTER_OF_TEXT = re.compile(r"\bletter\s+in\s+(?:the|this|that)\b", re.I)
_LETTER_ANSWER = re.compile(r"^\(?[A-E]\)?(?:\s*[,;]?\s*(?:and\s+)?\(?[A-E]\)?)*$")


def _ordered(markers: list[str]) -> str:
    return "(?s)" + ".*".join(markers)


# RE2 pre-screen: necessary conditions of the rules below (three ordered upper-case markers,
# four lower-case or numbered ones, two circled digits, one of the phrases)
_PRESCREEN = "|".join([
    _ordered([rf"(?:\({x}\)|(?:^|[\s$]){x}[.:)]|\{{\s*\(?{x}\)?)" for x in "ABC"]),
    _ordered([rf"(?:\({x}\)|(?:^|\s){x}\))" for x in "abcd"]),
    _ordered([rf"(?:\({x}\)|(?:^|\s){x}\)|\{{\s*\(?{x}\)?)" for x in "1234"]),
    r"[\x{2460}-\x{2469}].*[\x{2460}-\x{2469}]",
    r"(?i)which\s+(?:one\s+|two\s+|three\s+|ones\s+)?of|of\s+the\s+following",
    r"(?i)following\s+(?:\w+\s+){0,2}(?:statements|propositions|conclusions)|options|choices|choose|select|pick",
    "下列|以下",
])
_ANSWER_PRESCREEN = r"^[\s$\\a-z{(]*[A-E]\)?[\s$}]*$|^\s*\(?[A-E]\)?(?:\s*[,;]?\s*(?:and\s+)?\(?[A-E]\)?)+\s*$"


def _option_block(text: str, marker: re.Pattern, minimum: int, short_items: bool) -> bool:
    """True when ``text`` holds >= ``minimum`` option markers labelled in order (A, B, C, ...)
    whose block ends the text or is followed by an instruction about letters/choices."""
    found = [(m.start(), m.end(), next(g for g in m.groups() if g)) for m in marker.finditer(text)]
    for k, (_, _, label) in enumerate(found):
        if label not in "Aa1":
            continue
        run = [found[k]]
        for item in found[k + 1:]:
            if ord(item[2]) == ord(run[-1][2]) + 1:
                run.append(item)
        if len(run) < minimum:
            continue
        items = [text[a[1]:b[0]] for a, b in zip(run, run[1:])]
        if short_items and any(len(it) > 80 or _ASK.search(it) for it in items):
            continue
        tail = text[run[-1][1]:]
        last_item = re.split(r"\n|(?<=[.?!])\s+(?=[A-Z])", tail.strip(), maxsplit=1)
        rest = last_item[1] if len(last_item) > 1 else ""
        rest = re.sub(r"\[asy\].*?\[/asy\]", "", rest, flags=re.S).strip()
        if not rest or _INSTRUCTION.search(rest):
            return True
    return False


# RE2 pre-screen of ``meta`` (a JSON object string): an option field holds a non-empty object,
# list or string (necessary, not sufficient: the key may sit in a nested object)
_META_PRESCREEN = rf'"(?:{"|".join(OPTION_FIELDS)})"\s*:\s*(?:\{{\s*"|\[\s*[^\]\s]|"[^"])'


def option_field(meta: str | None, fields: Sequence[str] = OPTION_FIELDS) -> str | None:
    """The first of ``fields`` that holds options at the top level of ``meta`` (a JSON object
    string, or None), or None.

    Options: a non-empty object (HARP MCQ ``{"A": "$20$", ...}``) or list (MMLU texts, AQuA
    ``"A)5"`` strings), or a string holding an option block (SAT ``"A) 1 B) 2 C) 3 D) 4"``).

    Raises:
        ValueError: ``meta`` is not a JSON object.
    """
    if not meta:
        return None
    data = loads_meta(meta)
    for field in fields:
        value = data.get(field)
        if isinstance(value, (dict, list)) and value:
            return field
        if isinstance(value, str) and _option_block(value, _UPPER, 3, short_items=False):
            return field
    return None


@register_filter("multiple_choice")
class MultipleChoice(RuleFilter):
    r"""Flag multiple-choice problems.

    Reasons:
        ``multiple_choice:lettered_options`` (``(A) .. (B) .. (C)``, ``A. ``, ``A)``, ``A:``,
        ``\textbf{(A)}``, ``\mathrm{(B)}``, options on separate lines, lowercase ``(a)`` .. ``(d)``
        with short items), ``multiple_choice:numbered_options`` (``1) .. 4)``, ``\textbf{(1)}``),
        ``multiple_choice:circled_statements`` (``①②③`` statements to pick from),
        ``multiple_choice:which_of_following`` ("which of the following", "the following
        statements ... correct", 下列...正确), ``multiple_choice:choices_header`` ("Answer
        choices:", "Options:", "choose the correct"), ``multiple_choice:option_letter_answer``
        (the answer is a bare option letter such as ``C``, ``(B)``, ``\textbf{(D)}``),
        ``multiple_choice:options_field`` (no options in the text, but ``meta`` holds a non-empty
        option field, a key of :data:`OPTION_FIELDS`: HARP MCQ ``choices``, whose gold answer is
        the option's text, so no text rule fires).

    Reads ``problem``, ``answer`` and ``meta`` (a JSON object string; a table without a ``meta``
    column, built by hand, is read as having no option field), and ``reformulated_from`` when the
    table has it: a row the ``reformulate`` stage rewrote is not multiple choice again (its item
    numbers "(1) ... (4)" are part of an open question); writes ``is_multiple_choice``.
    Source: Big-Math ``signals/add_multiple_choice_signal.py`` (arXiv 2502.17387), rewritten as
    described in the module docstring.

    Raises:
        ValueError: a candidate row's ``meta`` is not a JSON object.
    """

    name: ClassVar[str] = "multiple_choice"
    reasons: ClassVar[tuple[str, ...]] = (
        "multiple_choice:lettered_options",
        "multiple_choice:numbered_options",
        "multiple_choice:circled_statements",
        "multiple_choice:which_of_following",
        "multiple_choice:choices_header",
        "multiple_choice:option_letter_answer",
        "multiple_choice:options_field",
    )
    columns: ClassVar[tuple[str, ...]] = ("problem", "answer", "meta")
    optional_columns: ClassVar[tuple[str, ...]] = ("reformulated_from",)
    signal: ClassVar[str | None] = "is_multiple_choice"
    prescreen: ClassVar[dict[str, str]] = {"problem": _PRESCREEN, "answer": _ANSWER_PRESCREEN, "meta": _META_PRESCREEN}

    def apply(self, batch: Batch) -> Verdicts:
        """:meth:`RuleFilter.apply`; a table without ``meta`` (built by hand: every common-schema
        table has it) is read as having no option field. A bad ``meta`` is named by its row."""
        if "meta" not in batch.column_names:
            batch = pa.table(batch).append_column("meta", pa.nulls(batch.num_rows, pa.string()))
        try:
            return super().apply(batch)
        except ValueError:
            for i, meta in enumerate(batch.column("meta").to_pylist()):
                try:
                    option_field(meta)
                except ValueError as exc:
                    raise ValueError(f"filter {self.name!r}, row {i} of the batch ({meta[:60]!r}...): {exc}") from None
            raise

    def rule(self, row: dict[str, Any]) -> str | None:
        if row.get("reformulated_from"):  # rewritten as open-ended: its numbered items are not options
            return None
        text = _TABLES.sub(" ", row["problem"] or "")
        if _option_block(text, _UPPER, 3, short_items=False) or _option_block(text, _LOWER, 4, short_items=True):
            return "multiple_choice:lettered_options"
        if _option_block(text, _NUMBER, 4, short_items=True):
            return "multiple_choice:numbered_options"
        if option_field(row.get("meta")):
            return "multiple_choice:options_field"
        if len(_CIRCLED.findall(text)) >= 2 and _CIRCLED_PICK.search(text) and not _ASK.search(
            text[_CIRCLED.search(text).end():][:40]
        ):
            return "multiple_choice:circled_statements"
        if _WHICH.search(text):
            return "multiple_choice:which_of_following"
        if _CHOICES.search(text):
            return "multiple_choice:choices_header"
        if _LETTER_ANSWER.match(plain_answer(row["answer"]).replace("{", "").replace("}", "")) and not _LETTER_OF_TEXT.search(text):
            return "multiple_choice:option_letter_answer"
        return None
