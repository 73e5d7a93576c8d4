r"""Yes/no filter: problems whose answer is "yes" or "no" (a coin flip for a reward model).

Rule source: Big-Math ``signals/add_yes_no_signal.py`` (SynthLabsAI/big-math) flags any answer
containing the word yes/no (so "no real solutions" counts) and any last line starting with
"is/are/do/does/can" (so "Can you find x ..." counts). Here the *final ask* of the problem is
found first: sentences are split with math masked, answer-format instructions ("Enter ...",
"Express ...", "Justify your answer.") and statements are skipped. It is yes/no when it is a
question whose main clause starts with an auxiliary verb ("Is it possible ...?", "..., can the
numbers be ...?") and is not a request ("Can you find ...?"), not an alternative question ("is
it even, odd, or neither?") and does not also ask a wh-question; or when it is "Determine /
decide / check whether ...". The answer form is an answer equal to yes/no, or starting "Yes,"
/ "No,". Problems whose answer is True/False belong to the true/false filter instead.
"""

from __future__ import annotations

import re
from typing import Any, ClassVar

from bigmath.filters._rules import RuleFilter, plain_answer, sentences, with_math_placeholders
from bigmath.registry import register_filter

_AUX = r"(?:is|are|was|were|does|do|did|can|could|will|would|must|should|may|might|has|have|had|shall)"
_YES_NO_QUESTION = re.compile(rf"(?:^|,\s+){_AUX}\b", re.I)
_WHETHER = re.compile(
    r"^(?:(?:please|also|now|then|and)\s*,?\s+)?(?:determine|decide|check|find\s+out|tell|say|establish|investigate|"
    r"examine|verify|state)\s*,?\s+(?:with\s+proof\s*,?\s*)?(?:whether|if)\b",
    re.I,
)
_REQUEST = re.compile(r"^(?:can|could|would|will)\s+you\s+\w+", re.I)
_ALTERNATIVE = re.compile(r"\bor\b(?!\s+not\b)", re.I)
_WH = re.compile(r"(?:^|,\s+)(?:what|how|which|who|whom|whose|where|when|why|find|compute|determine)\b", re.I)
_WH_WORD = re.compile(r"\b(?:what|how|which|who|whom|whose|where|when|why)\b", re.I)
_TRUE_FALSE = re.compile(r"\btrue\s+or\s+false\b|\bfalse\s+or\s+true\b", re.I)
_ASK_START = re.compile(
    rf"^(?:{_AUX}|what|how|which|who|why|where|when|find|determine|decide|check|compute|calculate|evaluate|"
    r"prove|show|solve|simplify|give|list|tell|for|in|if|given|suppose)\b",
    re.I,
)
_FORMAT = re.compile(
    r"^(?:enter|express|write|give|round|put|provide|present|justify|explain|note|hint|here|show\s+your|"
    r"\(|answer\s+(?:in|as|with)|your\s+answer)",
    re.I,
)


def final_ask(text: str) -> str | None:
    """Return the last sentence of ``text`` that asks something (question or imperative),
    skipping answer-format instructions; math is masked as ``X``."""
    for sentence in reversed(sentences(with_math_placeholders(text))):
        if _FORMAT.match(sentence):
            continue
        if sentence.endswith("?") or _ASK_START.match(sentence) or _WHETHER.match(sentence):
            return sentence
    return None


def is_yes_no_question(sentence: str) -> bool:
    """True when ``sentence`` (a final ask) can only be answered yes or no."""
    if _TRUE_FALSE.search(sentence):
        return False
    if _WHETHER.match(sentence):
        clause = sentence[_WHETHER.match(sentence).end():]
        return not _ALTERNATIVE.search(clause)
    if not sentence.endswith("?") or _REQUEST.match(sentence):
        return False
    start = _YES_NO_QUESTION.search(sentence)
    if not start or _ALTERNATIVE.search(sentence):
        return False
    if _WH_WORD.search(sentence[:start.start()]):
        return False  # "For how many m ... is it possible ...?"
    return not _WH.search(sentence[start.end():]) and not _WH.match(sentence)


_YES_NO_ANSWER = re.compile(r"^(?:yes|no)(?:$|[\s]*[,.;:!])", re.I)
_TRUE_FALSE_ANSWER = re.compile(r"^(?:true|false)\.?$", re.I)


@register_filter("yes_no")
class YesNo(RuleFilter):
    """Flag problems whose answer is yes or no.

    Reasons:
        ``yes_no:question`` (the final ask is a yes/no question or "determine whether ..."),
        ``yes_no:answer`` (the answer is "Yes"/"No", possibly followed by a reason).

    Reads ``problem`` and ``answer``; writes ``is_yes_no``. Source: Big-Math
    ``signals/add_yes_no_signal.py`` (arXiv 2502.17387), rewritten as in the module docstring.
    """

    name: ClassVar[str] = "yes_no"
    reasons: ClassVar[tuple[str, ...]] = ("yes_no:question", "yes_no:answer")
    columns: ClassVar[tuple[str, ...]] = ("problem", "answer")
    signal: ClassVar[str | None] = "is_yes_no"
    prescreen: ClassVar[dict[str, str]] = {
        "problem": rf"(?i)(?:^|[.?!,:\n]\s*){_AUX}\b[^?]*\?|whether|"
        r"(?:decide|check|determine|tell|say|establish|investigate|examine|verify|state)\s*,?\s+if\b",
        "answer": r"(?i)^[^a-z]*(?:\\[a-z]+\s*\{\s*)?(?:yes|no)\b",
    }

    def rule(self, row: dict[str, Any]) -> str | None:
        answer = plain_answer(row["answer"])
        if _TRUE_FALSE_ANSWER.match(answer):
            return None
        ask = final_ask(row["problem"] or "")
        if ask and is_yes_no_question(ask):
            return "yes_no:question"
        if _YES_NO_ANSWER.match(answer):
            return "yes_no:answer"
        return None
