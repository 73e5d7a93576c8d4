r"""Answer checks: rows whose ground-truth answer cannot reward anything.

Rule sources: Big-Math ``signals/add_empty_boxed_signal.py`` (SynthLabsAI/big-math; regex
``boxed\{\s*\}`` on the solution) and the Big-Math paper's answer filters (arXiv 2502.17387,
Sec. 2: problems without a closed-form, verifiable answer are removed). Extended here: a box
that only holds spacing or an empty ``\text{}`` counts as empty, sentinel answers such as
``proof``/``notfound``/``None`` are caught, an answer copied verbatim into the problem (outside a
list of options) is a leak, and an answer that is a sentence of prose is not closed form.
"""

from __future__ import annotations

import re
from typing import Any, ClassVar

from bigmath.boxed import last_boxed
from bigmath.filter import Batch, Verdicts
from bigmath.filters._rules import RuleFilter, candidate_rows, plain_answer, normalized
from bigmath.registry import register_filter

#: Placeholders upstream pipelines write where no answer exists (compared case-insensitively).
SENTINELS = frozenset(
    ["proof", "notfound", "not found", "none", "null", "nan", "n/a", "na", "-", "--", "?", "qed",
     "see solution", "see below", "omitted", "unknown", "no answer", "answer"]
)
# a box holding only spacing, braces, "$", "~" and command names (necessary for answer:empty_boxed)
_EMPTY_BOX_RE2 = r"\\(?:boxed|fbox)\s*\{(?:[\s{}$~]|\\[a-zA-Z]+|\\[,;:! ])*\}"
_PROSE_WORD = re.compile(r"(?<![\\A-Za-z])[A-Za-z]{2,}")
_MATH_COMMAND = re.compile(r"\\[A-Za-z]+")
_OPTION_MARKER = re.compile(r"\(A\)|(?:^|\s)A[.):]\s|\\textbf\{\(A\)|\\mathrm\{\(A\)", re.M)
_BRACES_SPACE = re.compile(r"[\s{}]+")
MIN_LEAK_CHARS = 5  # shorter answers ("12", "x+1") occur in problems by chance
MIN_PROSE_WORDS = 6  # "not a rational number" is an answer; "It is impossible to select ..." is not


def _canonical(text: str) -> str:
    """Normal form for leak matching: :func:`bigmath.textnorm.normalize_problem`, then no spaces
    and no braces
    (so ``\\frac 32`` matches ``\\frac{3}{2}``)."""
    return _BRACES_SPACE.sub("", normalized(text)).strip(".")


def prose_words(answer: str) -> int:
    """Number of words of two or more letters outside LaTeX commands in ``answer``."""
    return len(_PROSE_WORD.findall(_MATH_COMMAND.sub(" ", answer)))


# the problem states the answer when it follows one of these (spaces removed, lowercase)
_STATING_CUES = ("=", "\\geq", "\\leq", "\\ge", "\\le", "<", ">", "is", "equals", "be", "are", "atmost", "atleast",
                 "exactly", "equalto")
_RELATION = re.compile(r"=|\\[lg]eq?\b|[<>]")


def leaked(answer: str, problem: str) -> bool:
    """True when ``answer`` (at least :data:`MIN_LEAK_CHARS` characters in normal form) is stated
    verbatim in ``problem``: it is a relation (``AE = BF``), or it follows a stating cue ("is",
    "=", "at most", "exactly", ``\\geq``, ...) and does not run on into a longer number or power
    (``2012^{2012}`` inside ``2012^{2012^{2013}}`` is not a leak)."""
    target = _canonical(answer)
    if len(target) < MIN_LEAK_CHARS:
        return False
    text = _canonical(problem)
    is_relation = bool(_RELATION.search(answer))
    start = text.find(target)
    while start >= 0:
        follows = text[start + len(target):start + len(target) + 1]
        if follows not in tuple("0123456789^_") or not follows:
            if is_relation or text[:start].endswith(_STATING_CUES):
                return True
        start = text.find(target, start + 1)
    return False


@register_filter("answer")
class AnswerCheck(RuleFilter):
    r"""Flag rows whose answer is missing, empty, a placeholder, leaked, or prose.

    Reasons:
        ``answer:missing`` (null or blank answer, solution without a box),
        ``answer:empty_boxed`` (the solution's last ``\boxed{}`` is empty: ``\boxed{}``,
        ``\boxed{ \quad }``, ``\boxed{\text{}}``), ``answer:empty`` (the answer is only spacing,
        ``$``, ``\text{}``), ``answer:sentinel`` (:data:`SENTINELS`), ``answer:not_closed_form``
        (a sentence of at least :data:`MIN_PROSE_WORDS` prose words), ``answer:leaked`` (the
        answer, at least :data:`MIN_LEAK_CHARS` characters after normalisation, occurs verbatim
        in the problem, which has no lettered options).

    Reads ``problem``, ``answer``, ``solution``; writes ``has_bad_answer``.
    """

    name: ClassVar[str] = "answer"
    reasons: ClassVar[tuple[str, ...]] = (
        "answer:missing",
        "answer:empty_boxed",
        "answer:empty",
        "answer:sentinel",
        "answer:not_closed_form",
        "answer:leaked",
    )
    columns: ClassVar[tuple[str, ...]] = ("problem", "answer", "solution")
    signal: ClassVar[str | None] = "has_bad_answer"

    def rule(self, row: dict[str, Any]) -> str | None:
        return self._check(row["problem"], row["answer"], row["solution"], may_have_empty_box=True)

    def apply(self, batch: Batch) -> Verdicts:
        # only solutions with an empty-looking box (RE2 pre-screen) need the brace-aware parse
        empty_box = candidate_rows(batch.column("solution"), _EMPTY_BOX_RE2)
        problems, answers, solutions = (batch.column(c).to_pylist() for c in self.columns)
        return Verdicts([
            self._check(problem, answer, solution, i in empty_box)
            for i, (problem, answer, solution) in enumerate(zip(problems, answers, solutions))
        ])

    def _check(self, problem: str | None, answer: str | None, solution: str | None, may_have_empty_box: bool) -> str | None:
        if may_have_empty_box:
            box = last_boxed(solution)
            if box is not None and not plain_answer(box).strip("{} "):
                return "answer:empty_boxed"
        if answer is None or not answer.strip():
            return "answer:missing"
        cleaned = plain_answer(answer).strip("{} ")
        if not cleaned:
            return "answer:empty"
        if cleaned.lower().rstrip(".") in SENTINELS:
            return "answer:sentinel"
        if prose_words(cleaned) >= MIN_PROSE_WORDS:
            return "answer:not_closed_form"
        problem = problem or ""
        if len(cleaned) >= MIN_LEAK_CHARS and leaked(answer, problem) and not _OPTION_MARKER.search(problem):
            return "answer:leaked"
        return None
