r"""True/false filter: problems whose answer is "true" or "false".

Rule source: Big-Math ``signals/add_true_false_signal.py`` (SynthLabsAI/big-math) searches the
answer (or the last line of each solution) for the substrings ``true``/``false``, so
``\text{construed}`` counts and question-only problems are missed. Here: the question asks for a
truth value ("true or false", "T/F", "is the following statement true", "truth value",
MMLU-style "Statement 1 | ... Statement 2 | ..."), or the whole answer is True/False (word
boundaries; a pair such as "True, False" counts).
"""

from __future__ import annotations

import re
from typing import Any, ClassVar

from bigmath.filters._rules import RuleFilter, plain_answer
from bigmath.registry import register_filter

_QUESTION = re.compile(
    r"\btrue\s*(?:or|/)\s*false\b|\bfalse\s*(?:or|/)\s*true\b|\btruth\s+values?\b"
    r"|\bstatement\s*\d\s*\|"
    r"|\bis\s+(?:the|this)\s+(?:following\s+|given\s+|above\s+)?(?:statement|claim|proposition|assertion|"
    r"equation|inequality|identity|conjecture)\s+(?:true|correct|valid|false)\b",
    re.I,
)
# "outputs TRUE or FALSE": truth values as data, not as the asked answer
_VALUES = re.compile(r"\b(?:outputs?|returns?|prints?|either|values?|labell?ed|marked|assigns?)\s+$", re.I)
_TF_MARK = re.compile(r"(?<![A-Za-z])T\s*/\s*F(?![A-Za-z])")
_ANSWER = re.compile(r"^(?:true|false)(?:\s*,\s*(?:true|false))*\.?$", re.I)


@register_filter("true_false")
class TrueFalse(RuleFilter):
    """Flag problems whose answer is a truth value.

    Reasons:
        ``true_false:question`` (the problem asks for true/false), ``true_false:answer`` (the
        answer is True/False, or a list of them).

    Reads ``problem`` and ``answer``; writes ``is_true_false``. Source: Big-Math
    ``signals/add_true_false_signal.py`` (arXiv 2502.17387), rewritten with word boundaries and
    question forms.
    """

    name: ClassVar[str] = "true_false"
    reasons: ClassVar[tuple[str, ...]] = ("true_false:question", "true_false:answer")
    columns: ClassVar[tuple[str, ...]] = ("problem", "answer")
    signal: ClassVar[str | None] = "is_true_false"
    prescreen: ClassVar[dict[str, str]] = {
        "problem": r"(?i)true|false|truth|statement\s*\d\s*\||T\s*/\s*F",
        "answer": r"(?i)true|false",
    }

    def rule(self, row: dict[str, Any]) -> str | None:
        problem = row["problem"] or ""
        for m in _QUESTION.finditer(problem):
            if not _VALUES.search(problem[max(0, m.start() - 24):m.start()]):
                return "true_false:question"
        if _TF_MARK.search(problem):
            return "true_false:question"
        if _ANSWER.match(plain_answer(row["answer"])):
            return "true_false:answer"
        return None
