r"""The verifier check stage: keep only answers the bundled verifier can grade.

Rule source: Big-Math (arXiv 2502.17387, Sec. 2) keeps problems whose answer is closed form and
checkable by ``math-verify``; Omni-MATH-Rule (KbsdJames/omni-math-rule) keeps the problems whose
answers rule-based matching can grade. Here "can grade" means what :func:`bigmath.verify.check`
does with the answer as gold: it must parse (``verify:unparseable_answer``, the outcome that
would make every rollout ``unparseable_gold``), and it must be one closed-form value, not a
statement with conditions, a piecewise definition, a sequence with ``\ldots`` (math-verify drops
the dots and reads another number) or prose (``verify:non_closed_form``).
"""

from __future__ import annotations

import re
from typing import ClassVar

import pyarrow as pa

from bigmath.filter import Batch, Filter, Verdicts
from bigmath.registry import register_filter
from bigmath.verify.deadline import can_use_signals
from bigmath.verify.extract import gold_text
from bigmath.verify.types import DEFAULT_TIMEOUT_S, AnswerType, TypedAnswer

#: LaTeX that makes an answer a statement or a family rather than one value.
_STATEMENT = re.compile(
    r"\\begin\{cases\}|\\(?:forall|exists|nexists|iff|implies|Rightarrow|Longrightarrow|perp|parallel|"
    r"ldots|cdots|dots|dotsc|dotsb|vdots|neq|ne|not)\b|\.\.\.|\\mid\b|\\pmod\b"
)
#: Words inside ``\text{...}`` that mark conditions, quantifiers or a verdict in prose.
_CONDITION_WORDS = re.compile(
    r"\b(?:for|all|any|some|if|when|where|such|every|each|exists?|otherwise|infinitely|constant|"
    r"minimum|maximum|part|proof|proven|prove|impossible|none|only)\b",
    re.IGNORECASE,
)
_TEXT_ARG = re.compile(r"\\(?:text|textbf|textit|mathrm|mbox|operatorname)\s*\{([^{}]*)\}")
_COMMAND = re.compile(r"\\[A-Za-z]+")
_WORD = re.compile(r"(?<![A-Za-z])[A-Za-z]+(?:-[A-Za-z]+)*")
_LONG_WORD = re.compile(r"(?<![\\A-Za-z])[A-Za-z]{2,}")
#: More words than this is prose: "\text{not a rational number}" (4), "It is impossible to ...";
#: "5 \text{ square units}", "\text{Devon}" and "AE + AP = PD" stay.
MAX_TEXT_WORDS = 3


def non_closed_form(answer: str) -> bool:
    """True when ``answer`` is a statement, a family, a sequence or prose (see module doc)."""
    if _STATEMENT.search(answer):
        return True
    text = " ".join(_TEXT_ARG.findall(answer))
    if _CONDITION_WORDS.search(text):
        return True
    outside = _COMMAND.sub(" ", _TEXT_ARG.sub(" ", answer))
    words = len(_WORD.findall(text)) + len(_LONG_WORD.findall(outside))
    return words > MAX_TEXT_WORDS


@register_filter("verifiable_answer")
class VerifiableAnswer(Filter):
    r"""Reject answers the verifier cannot grade; record every answer's type.

    Reasons:
        ``verify:missing_answer`` (null or blank answer),
        ``verify:non_closed_form`` (``\begin{cases}``, ``\forall``, ``\ldots``, "for all",
        "such that", prose of more than :data:`MAX_TEXT_WORDS` words, ...),
        ``verify:unparseable_answer`` (math-verify cannot parse it as ``\boxed{answer}``).

    Reads ``answer``; writes ``answer_type`` (string, a :class:`~bigmath.verify.AnswerType`
    value) and ``answer_parses`` (bool) for every row. Runs in the pipeline's worker processes
    (main thread, ``SIGALRM`` time bound per answer); off the main thread it uses the verifier's
    worker pool.

    Attributes:
        timeout_s: time bound per answer in seconds (a slower answer is unparseable).
    """

    name: ClassVar[str] = "verifiable_answer"
    reasons: ClassVar[tuple[str, ...]] = (
        "verify:missing_answer",
        "verify:non_closed_form",
        "verify:unparseable_answer",
    )
    columns: ClassVar[tuple[str, ...]] = ("answer",)
    signal: ClassVar[str | None] = None
    extra_signals: ClassVar[tuple[str, ...]] = ("answer_type", "answer_parses")

    timeout_s: float = DEFAULT_TIMEOUT_S

    def _types(self, answers: list[str]) -> dict[str, TypedAnswer]:
        distinct = list(dict.fromkeys(answers))
        if can_use_signals():
            from bigmath.verify.classify import answer_type_here  # sympy: only when a batch runs

            typed = [answer_type_here(a, self.timeout_s) for a in distinct]
        else:
            from bigmath.verify.pool import shared_pool

            typed = shared_pool().answer_types(distinct, timeout_s=self.timeout_s)
        return dict(zip(distinct, typed))

    def apply(self, batch: Batch) -> Verdicts:
        answers = batch.column("answer").to_pylist()
        present = [a for a in answers if a is not None and a.strip()]
        typed = self._types(present)
        reasons: list[str | None] = []
        types: list[str] = []
        parses: list[bool] = []
        for answer in answers:
            if answer is None or not answer.strip():
                reasons.append("verify:missing_answer")
                types.append(AnswerType.UNKNOWN.value)
                parses.append(False)
                continue
            kind, ok = typed[answer]
            types.append(kind.value)
            parses.append(ok)
            if non_closed_form(gold_text(answer)):  # what check() reads as the gold
                reasons.append("verify:non_closed_form")
            elif not ok:
                reasons.append("verify:unparseable_answer")
            else:
                reasons.append(None)
        return Verdicts(
            reasons,
            signals={"answer_type": pa.array(types, pa.string()), "answer_parses": pa.array(parses, pa.bool_())},
        )
