r"""Find the final answer in a model response or a gold solution.

:func:`extract_answer` looks only for *explicit* answer markers, in this order: the boxes of the
final answer (:func:`bigmath.verify.boxes.final_boxes`: the last box and the boxes joined to it
by separators, so ``\boxed{1}, \boxed{2}`` is ``1, 2``), "final answer is X" / "the answer is X"
/ "Answer: X" (a negated one, "the answer is not 4" / "cannot be 4", denies X: a new-user
trial found those graded correct), GSM8K's ``#### X``, and a bold ``**X**`` in the last
paragraph. Text after a closing ``</think>`` is searched when there is one, so answers written
while thinking do not count. :func:`gold_text` reads a gold answer the same way, then falls back on the final stated
value of a solution text (:mod:`bigmath.verify.statements`). :func:`normalize_answer` lives in
:mod:`bigmath.verify.normalize` and is re-exported here.
"""

from __future__ import annotations

import numbers
import re
from typing import Any

from bigmath.boxed import boxed_spans
from bigmath.verify.boxes import BOX_COMMANDS, final_boxes
from bigmath.verify.normalize import normalize_answer, strip_delimiters
from bigmath.verify.statements import final_statement

__all__ = ["extract_answer", "answer_parts", "normalize_answer", "is_bare_answer", "prose_words", "gold_text",
           "prediction_text"]

# "the answer is not 4", "the answer isn't 4", "the final answer cannot be 4": a denial, not a claim
_MODAL_NOT = (r"(?:can(?:not|'t|\s+not)|(?:could|must|should|would|does|do|will)(?:\s+not|n't)|won't|don't)"
              r"\s+(?:be|equal|equals)\b(?:\s+to\b)?")
# "The final answer is $5$. I hope it is correct." (Minerva / lm-eval format), "Answer: 5",
# "the answer is 5", and the denial "the answer cannot be 4". A marker's value runs to the end
# of its line or to the next marker, whichever comes first; trailing prose is cut below.
_MARKER = re.compile(rf"(?:(?P<deny>\banswer\s+{_MODAL_NOT})|final\s+answer(?:\s+is)?|the\s+answer\s+is"
                     rf"|\banswer\s*(?:is|:))\s*:?\s*", re.IGNORECASE)
# "the answer is at least 7" states a bound, not the answer
_BOUND = re.compile(r"\s*\$?\s*(?:at\s+(?:least|most)|(?:(?:no|not)\s+)?(?:less|more|greater|fewer)\s+than|bounded)",
                    re.IGNORECASE)
_NEGATED = re.compile(rf"\s*(?:[A-Za-z]+ly\s+)?(?:n't\b|not\b|never\b|{_MODAL_NOT})\s*(?:be\b|equal(?:s)?\b(?:\s+to\b)?)?\s*:?\s*",
                      re.IGNORECASE)
_GSM8K = re.compile(r"^####\s*(?P<ans>[^\n]+)$", re.MULTILINE)
_BOLD = re.compile(r"\*\*(?P<ans>[^*\n]{1,60})\*\*")
_I_HOPE = re.compile(r"\.?\s*I hope it is correct.*$", re.IGNORECASE | re.DOTALL)
# "the answer is 5 because x = 2": the reason after a connective is not part of the answer
# (", not 4" / "rather than 4" denies another value: "the answer is 5, not 4" is 5)
_REASON = re.compile(r"[,;]?\s+(?:because|since|as|which|so|given|where|when|if|for|due|not|rather|instead)\b.*$",
                     re.IGNORECASE)
# a leading $...$ (escaped \$ inside allowed: "$\$18.90$"), $$...$$, \(...\) or \[...\]
_LEADING_MATH = re.compile(r"\$\$.+?\$\$|\$(?:\\.|[^\\$])+\$|\\\(.+?\\\)|\\\[.+?\\\]")


# "Final Answer: The final answer is 4": the first marker's capture is only "The"
_ARTICLE = re.compile(r"the", re.IGNORECASE)  # not "a": "The answer is A." names option A
# a final box denied in its own sentence: "The answer is not $\boxed{4}$", "\boxed{4} is not the answer"
_DENIED_BEFORE = re.compile(r"(?:\bnot|\bnever|n't|\bcannot)\s*(?:(?:be|equal|equals)\s*(?:to\s*)?)?:?\s*\$*\s*$",
                            re.IGNORECASE)
_DENIED_AFTER = re.compile(r"^\s*\}?\s*\$*\s*(?:is|was)\s*(?:not\b|n't\b)\s*(?:the\s+(?:final\s+|correct\s+|right\s+)?answer|"
                           r"correct|right)\b", re.IGNORECASE)
_SENTENCE_START = re.compile(r"(?:[.!?]\s|\n)")


def _box_denied(text: str) -> bool:
    r"""True when the sentence holding the last box denies it ("The answer is not $\boxed{4}$.",
    "$\boxed{4}$ is not the answer."): a new-user trial found such boxes graded correct."""
    spans = boxed_spans(text, BOX_COMMANDS)
    if not spans:
        return False
    start, end, _ = spans[-1]
    before = text[:start]
    sentence_start = max((m.end() for m in _SENTENCE_START.finditer(before)), default=0)
    return bool(_DENIED_BEFORE.search(before[sentence_start:]) or _DENIED_AFTER.match(text[end:]))


def _clean_tail(answer: str) -> str:
    """Cut trailing prose and punctuation from an "answer is ..." capture."""
    answer = _I_HOPE.sub("", answer).strip()
    leading_math = _LEADING_MATH.match(answer)
    if leading_math:  # "$5$ because $x = 2$" -> "$5$"
        return leading_math.group(0).strip()
    answer = _REASON.sub("", answer)
    answer = answer.strip().strip("*").strip()
    # "5. The reason is ..." -> "5"; a period followed by a space ends the sentence
    answer = re.split(r"(?<!\d)\.\s|\.\s+(?=[A-Z])", answer, maxsplit=1)[0]
    return answer.rstrip(" .;,").strip()


def _statements(text: str) -> list[tuple[str, str]]:
    """Every "answer is X" / "answer cannot be X" in ``text``, in order, as (kind, X): kind
    ``claim``, ``bound`` ("at least 7") or ``denial`` ("not 4", "cannot be 4")."""
    markers = list(_MARKER.finditer(text))
    found = []
    for index, match in enumerate(markers):
        end = text.find("\n", match.end())
        end = len(text) if end < 0 else end
        if index + 1 < len(markers):
            end = min(end, markers[index + 1].start())
        captured = text[match.end() : end]
        negated = None if _BOUND.match(captured) else _NEGATED.match(captured)
        if match.group("deny") is not None:
            found.append(("denial", captured))
        elif negated is not None:
            found.append(("denial", captured[negated.end():]))
        else:
            found.append(("bound" if _BOUND.match(captured) else "claim", captured))
    return found


def _same_text(a: str, b: str) -> bool:
    return re.sub(r"\s+", "", normalize_answer(a)) == re.sub(r"\s+", "", normalize_answer(b))


def _final_claim(said: list[tuple[str, str]]) -> str | None:
    """The answer a list of statements settles on: the last claim that no later denial retracts
    ("the answer is 5 ... the answer is not 5" retracts it; "... not 4" does not), else the last
    bound ("the answer is at least 7" with no claim: a documented limitation); None when every
    claim was denied (or there was only a denial)."""
    claim: str | None = None
    denied = False
    for kind, captured in said:
        value = _clean_tail(captured)
        if kind == "claim" and value and not _ARTICLE.fullmatch(value):
            claim, denied = value, False
        elif kind == "denial" and (claim is None or _same_text(claim, value)):
            claim, denied = None, True
    if claim is not None or denied:
        return claim
    bounds = [c for kind, c in said if kind == "bound"]
    return _clean_tail(bounds[-1]) if bounds else ""


def _markers(text: str) -> list[str] | None:
    """The final answer behind an explicit marker, as a list of parts (several boxes), ``[]`` when
    the marker denies its value ("the answer is not 4"), or None when there is no marker."""
    boxes = final_boxes(text)
    if boxes:
        return [] if _box_denied(text) else [strip_delimiters(box) for box in boxes]
    said = _statements(text)
    if said:
        answer = _final_claim(said)
        if answer is None:  # every claim was denied afterwards: no answer
            return []
        if answer:
            return [strip_delimiters(answer)]
    hashes = list(_GSM8K.finditer(text))
    if hashes:
        return [strip_delimiters(hashes[-1].group("ans").strip().rstrip("."))]
    last_paragraph = text.strip().rsplit("\n\n", 1)[-1]
    bold = [m.group("ans").strip() for m in _BOLD.finditer(last_paragraph)]
    bold = [b for b in bold if re.search(r"[\d\\$]", b) and not b.endswith(":")]
    if bold:
        return [strip_delimiters(bold[-1].rstrip("."))]
    return None


def answer_parts(text: str | None) -> list[str] | None:
    r"""The final answer of a response as its written parts: one string, or one per box of a
    multi-box answer (``\boxed{1}, \boxed{2}`` -> ``["1", "2"]``); ``[]`` when the answer
    markers only deny ("the answer is not 4"); None without a marker. Only the text after the
    last ``</think>`` is searched."""
    if not text:
        return None
    if "</think>" in text:
        text = text.rsplit("</think>", 1)[1]
    return _markers(text)


def extract_answer(text: str | None) -> str | None:
    r"""Return the final answer written in a model response, or None when it has none.

    Markers, first match wins: the boxes of the final answer (``\boxed{...}`` / ``\fbox{...}`` /
    ``\framebox{...}``, nested braces handled; boxes separated only by commas, "and", ``\quad``
    or part labels are joined with ", "; an empty ``\boxed{}`` returns ``""``), "final answer is
    X" / "the answer is X" / "Answer: X" (last claim not retracted by a later "the answer is not
    X"; trailing prose and "I hope it is correct" removed; ``""`` when the markers only deny), ``#### X`` (GSM8K), then a bold ``**X**`` holding a digit or LaTeX in the
    last paragraph (Math-Verify issue #76). Only the text after the last ``</think>`` is searched
    when the response has one.

    Args:
        text: a model response (plain string).

    Returns:
        The answer string with surrounding ``$``/``\(``/``\[`` delimiters removed, ``""`` for an
        empty box, or None when no marker is present.

    Examples:
        >>> extract_answer(r"so $x = \boxed{\frac{9}{7}}$.")
        '\\frac{9}{7}'
        >>> extract_answer(r"\boxed{1}, \boxed{2} and \boxed{3}")
        '1, 2, 3'
        >>> extract_answer("Final Answer: The final answer is $5$. I hope it is correct.")
        '5'
        >>> extract_answer("the number is **73**.")
        '73'
        >>> extract_answer("no answer here") is None
        True
    """
    parts = answer_parts(text)
    return None if parts is None else ", ".join(parts)


_WORD = re.compile(r"(?<![\\A-Za-z])[A-Za-z]{3,}")
_TEXT_ARG = re.compile(r"\\(?:text|mathrm|textbf|mbox|operatorname|begin|end)\s*\{[^{}]*\}")
_ESCAPED_DOLLAR = re.compile(r"\\\$")
_SHORT_TEXT = re.compile(r"^[A-Za-z]+(?: [A-Za-z]+)?$")


#: Longest text with no answer marker that is read whole as a bare answer (characters); longer
#: text is a response to search. Content behind a marker (a box, "the answer is") has no such
#: bound: it is parsed whole whatever its length (only the time limit stops a pathological one).
MAX_BARE_CHARS = 200


def is_bare_answer(text: str, max_chars: int | None = MAX_BARE_CHARS) -> bool:
    r"""True when ``text`` is itself an answer (``3\sqrt{2}``, ``x = 5``, ``1331 and 1728``,
    ``Tuesday``) rather than prose: one line, at most ``max_chars`` characters (None: any
    length, for content taken from a box or an answer marker), no math delimiters, and either
    one or two bare words or no English word of three or more letters (other than "and"/"or")
    outside ``\text{}``-like arguments and environment names."""
    stripped = text.strip()
    if not stripped or "\n" in stripped or (max_chars is not None and len(stripped) > max_chars):
        return False
    if _SHORT_TEXT.match(stripped):
        return True
    if "$" in _ESCAPED_DOLLAR.sub("", stripped) or "\\(" in stripped or "\\[" in stripped:
        return False
    words = _WORD.findall(_TEXT_ARG.sub(" ", stripped))
    return all(word.lower() in ("and", "or") for word in words)


_MATH_SPAN = re.compile(r"\$\$.+?\$\$|\$(?:\\.|[^\\$])+\$|\\\(.+?\\\)|\\\[.+?\\\]", re.DOTALL)
_COMMAND = re.compile(r"\\[A-Za-z]+")


def prose_words(text: str) -> list[str]:
    r"""English words of three or more letters outside math (``$...$``, ``\(...\)``),
    ``\text{}``-like arguments and LaTeX commands, "and"/"or" excepted. A string wrapped in one
    pair of ``$`` (``$A makes 1100 on the deal$``) is read as its inside."""
    readings = (strip_delimiters(text), _MATH_SPAN.sub(" ", text))
    found = [[w for w in _WORD.findall(_COMMAND.sub(" ", _TEXT_ARG.sub(" ", reading))) if w.lower() not in ("and", "or")]
             for reading in readings]
    return max(found, key=len)


#: A gold answer with this many prose words and no final value is a sentence, not an answer:
#: the same bound as the ``verifiable_answer`` filter's ``MAX_TEXT_WORDS`` (3; it counts words in
#: ``\text{}`` too); among the 10,594 shared gold answers only sentences reach it.
PROSE_WORDS = 3


def _number_text(value: Any, what: str) -> str:
    """An int as its digits, an integral float without ``.0`` (AMC golds are stored as ``27.0``),
    another float as its shortest repr; numpy scalars too (``numbers.Integral`` / ``Real``).

    Raises:
        TypeError: ``value`` is a bool or not a number.
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        shown = f"bool {value!r}" if isinstance(value, bool) else type(value).__name__
        raise TypeError(f"{what} must be str, int or float, got {shown}")
    if isinstance(value, numbers.Integral):
        return str(int(value))
    value = float(value)
    return str(int(value)) if value.is_integer() else repr(value)


def prediction_text(prediction: Any) -> str | None:
    """Return a prediction as :func:`bigmath.verify.check` reads it: a string unchanged, None
    kept, a number (``2``, ``2.5``, as a jsonl ``"response": 2`` gives) as its text, the way
    :func:`gold_text` reads a number.

    Raises:
        TypeError: ``prediction`` is not a str, int, float or None (bools included).
    """
    if prediction is None or isinstance(prediction, str):
        return prediction
    return _number_text(prediction, "prediction")


def gold_text(gold: Any) -> str:
    r"""Return a gold answer as a string, as :func:`bigmath.verify.check` reads it.

    Ints as digits, integral floats without ``.0`` (AMC golds are stored as ``27.0``); a whole
    solution gives its final answer: the boxes of its final answer (joined with ", "), else an
    "answer is" / ``####`` marker, else the value stated by its last sentence ("So she has 5
    apples." -> ``5``). Any other string is returned unchanged.

    Raises:
        TypeError: ``gold`` is not a str, int, float or None.
    """
    if gold is None:
        return ""
    if not isinstance(gold, str):
        return _number_text(gold, "gold answer")
    if any(command in gold for command in BOX_COMMANDS):
        boxes = final_boxes(gold)
        if boxes:
            return ", ".join(boxes)
    if is_bare_answer(strip_delimiters(gold)) or not prose_words(gold):
        return gold
    found = _markers(gold) or ([stated] if (stated := final_statement(gold)) else None)
    return ", ".join(found) if found else gold
