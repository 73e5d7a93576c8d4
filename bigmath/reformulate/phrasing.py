r"""Direct questions from stems that end before their answer ("$R$ is equal to:").

Big-Math's reformulation prompt (``SynthLabsAI/big-math`` ``reformulation/signatures.py``,
step 3, "Rephrase the question") asks for a question that "requires a direct numerical or
algebraic answer". :func:`question_parts` finds the final copula of such a stem and its
subject; :func:`rephrase` builds "what is <subject>?" from them.
"""

from __future__ import annotations

import dataclasses
import re

from bigmath.reformulate.latex import mask_math

_ASKS = re.compile(
    r"^\s*(?:find|compute|determine|calculate|evaluate|simplify|express|solve|give|write|what|how|who|list|state)\b",
    re.I,
)
_COPULA = re.compile(
    r"(?P<verb>\bis\s+equal\s+to|\bis\s+equivalent\s+to|\bis\s+given\s+by|\breduces\s+to|\bsimplifies\s+to"
    r"|\bequals?|\bbecomes|\bwill\s+be|\bwould\s+be|\bmust\s+be|\bshould\s+be|\bis|\bare|\bwas|\bwere)"
    r"\s*(?::|\.{2,}|\\?_+|\s)*\s*$",
    re.I,
)
_AUX = {"will be": "will", "would be": "would", "must be": "must", "should be": "should", "are": "are", "was": "was",
        "were": "were"}
_THEN = re.compile(r"(?:,\s*|\b)then\s+", re.I)
_SIMPLIFIED = re.compile(r"^\s*when\s+simplified,?\s*", re.I)
_SUBORDINATE = re.compile(
    r"^\s*(?:if|when|since|given|suppose|supposing|assuming|for|in|after|as|with|once|because|based\s+on|using"
    r"|according\s+to)\b",
    re.I,
)
_PREPOSITION = re.compile(r"^(?:to|in|of|for|by|with|at|on|from|as|and|or|but|which|that|where|when|if|what|who|how"
                          r"|whose|why)\b", re.I)
_INNER_VERB = re.compile(r"\b(?:is|are|was|were|has|have|be)\b", re.I)
_DETERMINER = re.compile(r"^(?:The|A|An|This|These|Those|That|Its|His|Her|Their|Each|Our|Your|Every)\b")
_FIGURE = re.compile(r"\s*\[asy\].*?\[/asy\](?:\s*NOT TO SCALE)?\s*$", re.S | re.I)
# a trailing answer blank (NuminaMath cn_k12 "is ( ).", "is ______."): the copula before it asks
_BLANK = re.compile(r"\s*(?:\(\s*\)|\uff08\s*\uff09|\\?_{2,}|\$\\underline\{[^{}]*\}\$)\s*[.\u3002]?$")
_MATH_EQUALS = re.compile(r"\s*=\s*(?:\?\s*)?(?:\\[,;! ]\s*)*$")


@dataclasses.dataclass(frozen=True, slots=True)
class QuestionParts:
    """A stem cut around its final copula: ``before + lead + subject + <verb> + figure``.

    Attributes:
        before: the stem before the last sentence.
        lead: the start of the last sentence kept in front of the question ("When $S=10$, ").
        subject: what is asked for ("$R$", "the sum of the roots of ...").
        verb: the copula, lower case and single-spaced ("is equal to", "=", "would be").
        figure: a trailing Asymptote figure (with its leading whitespace), or "".
    """

    before: str
    lead: str
    subject: str
    verb: str
    figure: str


def last_sentence_start(masked: str) -> int:
    """Offset where the last sentence of a math-masked text starts (a sentence ends at ``.``,
    ``?`` or ``!`` before a capital, a ``$`` or ``\\``, or at a blank line)."""
    cuts = [m.end() for m in re.finditer(r"[.?!](?=\s+[A-Z$\\(\"'])|\n\s*\n", masked)]
    cuts = [c for c in cuts if c < len(masked.rstrip()) - 1]
    return cuts[-1] if cuts else 0


def _subject_start(head: str) -> int:
    """Offset in the (masked) head of the last sentence where the subject starts."""
    simplified = _SIMPLIFIED.match(head)
    if simplified:
        return simplified.end()
    then = list(_THEN.finditer(head))
    if then:
        return then[-1].end()
    if _SUBORDINATE.match(head):
        for comma in reversed([m.end() for m in re.finditer(r",\s*", head)]):
            if head[comma:].strip() and not _PREPOSITION.match(head[comma:]):
                return comma
    return len(head) - len(head.lstrip())


def question_parts(stem: str) -> QuestionParts | None:
    """Cut a stem that ends with a copula ("... is:", "... equals", "$x=$") into its parts.

    Returns None when the stem already asks (ends with "?", its last sentence starts with
    "Find", "What", ...) or ends otherwise, or when the subject is empty, longer than 250
    characters, starts with a preposition or holds a verb of its own (no safe subject).
    """
    figure = _FIGURE.search(stem)
    body, tail = (stem[: figure.start()], stem[figure.start():]) if figure else (stem, "")
    body = _BLANK.sub("", body.rstrip()).rstrip()
    masked = mask_math(body, "x")
    verb_override = None
    close = 2 if body.endswith(("\\]", "\\)", "$$")) else 1 if body.endswith("$") else 0
    if close and _MATH_EQUALS.search(body[: len(body) - close]):  # "$\frac{16+8}{4-2}=$"
        body = _MATH_EQUALS.sub("", body[: len(body) - close]) + body[len(body) - close:]
        masked, verb_override = mask_math(body, "x") + " is", "="
    if masked.rstrip().endswith("?") or re.search(r"\?\s*(?:\$|\\\]|\\\))$", body):
        return None
    start = last_sentence_start(mask_math(body, "x", keep_end=True))
    sentence = masked[start:]
    if _ASKS.match(sentence):
        return None
    copula = _COPULA.search(sentence)
    if copula is None:
        return None
    subject_at = _subject_start(sentence[: copula.start()])
    subject = body[start + subject_at: start + copula.start()].strip().rstrip(",")
    masked_subject = mask_math(subject, "x")
    if not subject or len(subject) > 250 or _PREPOSITION.match(subject) or _INNER_VERB.search(masked_subject):
        return None
    verb = verb_override or " ".join(copula.group("verb").lower().split())
    return QuestionParts(body[:start], body[start: start + subject_at], subject, verb, tail)


def rephrase(stem: str) -> str:
    """Turn a stem that ends before its answer into a direct question.

    "When $S=10$, $R$ is equal to:" gives "When $S=10$, what is $R$?"; "The sum of the roots
    of $x^2-5x+6=0$ is" gives "What is the sum of the roots of $x^2-5x+6=0$?";
    "$\\frac{16+8}{4-2}=$" gives "What is $\\frac{16+8}{4-2}$?". A stem without a safe subject
    (:func:`question_parts` is None) is returned unchanged but for a trailing answer blank
    (``( )``, ``______``): open-ended datasets (HARP) publish such stems as they are. A trailing
    Asymptote figure stays at the end.

    Args:
        stem: the problem without its options.

    Returns:
        The stem as a direct question (or unchanged), whitespace-trimmed.
    """
    stem = _BLANK.sub("", stem.rstrip())
    parts = question_parts(stem)
    if parts is None:
        return stem.strip()
    subject = parts.subject
    if not parts.lead.strip() and _DETERMINER.match(subject):
        subject = subject[0].lower() + subject[1:]
    aux = _AUX.get(parts.verb)
    if aux in ("will", "would", "must", "should"):
        question = f"what {aux} {subject} be?"
    else:
        question = f"what {aux or 'is'} {subject}?"
    if not parts.lead.strip():
        question = question[0].upper() + question[1:]
    return (parts.before + parts.lead + question + parts.figure).strip()
