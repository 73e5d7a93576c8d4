r"""Question stems that need their options: the "N/A" cases of Big-Math's reformulation.

:func:`needs_choices` returns why a problem cannot be asked without its options (the cases
Big-Math's reformulation prompt answers "N/A" for, ``SynthLabsAI/big-math``
``reformulation/signatures.py``, ``MathReformulationSignature`` and the "Problem Independence"
and "Hidden Multiple Choice" sections of ``ReformulationJudgeSignature``): the stem picks among
the options ("which of the following", "which statement", "closest to", "could be"), the stem
ends before a statement ("Then:"), the options are statements, or the keyed option is "none of
these" / "cannot be determined". The phrase tables are in :mod:`bigmath.reformulate.phrases`.

Not refusals: "how many of the following" (the options are counts, so the items are in the stem),
a question about an index or label the problem defines ("which numbered face", "on which
bounce", "the interval labelled") keyed with a whole number, and a list of the stem's numbered
items by number. :mod:`bigmath.reformulate.recast` turns two refused kinds ("closest to" on an
integer grid, "then" with a solved variable) into open questions.
"""

from __future__ import annotations

import re

from bigmath.reformulate import phrases
from bigmath.reformulate.latex import mask_math, math_spans, unwrap_text
from bigmath.reformulate.options import Option, OptionBlock
from bigmath.reformulate.phrasing import last_sentence_start, question_parts

_ASY = re.compile(r"\[asy\].*?\[/asy\]", re.S | re.I)
# a bracketed note after the question ("... $|\frac{5-x}{3}|<2$. [The symbol $|a|$ means ...]")
_NOTE = re.compile(r"\s*(?:<i>)?(?<!\\)\[[^\[\]]*(?<!\\)\](?:</i>)?\s*$")
_WORDS = re.compile(r"[A-Za-z]{2,}")
_TEXT = re.compile(r"\\(?:text\w*|mathrm|mbox)\s*\{([^{}]*)\}")


def _last_sentence(masked: str) -> str:
    """The last sentence of a math-masked stem (see :func:`last_sentence_start`)."""
    return masked[last_sentence_start(masked):]


def _prose(text: str) -> str:
    """Words of an option outside math and inside ``\\text{}``."""
    inside = " ".join(_TEXT.findall(text))
    return unwrap_text(" ".join(mask_math(text, " ").split()) + " " + inside)


def _variables(latex: str) -> set[str]:
    """Letters used as variables in a LaTeX expression (commands and ``\\text{}`` removed)."""
    return set(phrases.NOT_VARIABLE.sub("", latex))


def option_is_statement(option: Option) -> bool:
    """True when an option reads as a claim to pick, not a value: several words beyond units,
    a reference to other options (``I and II``, ``(A)``), or an inequality (``s^2 \\le 8r^2``)."""
    words = [w for w in _WORDS.findall(_prose(option.raw)) if not phrases.UNIT_WORDS.match(w)]
    value = option.value
    if len(words) >= 2 or phrases.OPTION_REFERENCE.search(unwrap_text(value)):
        return True
    return bool(phrases.RELATION.search(value))


def _plain_number(value: str) -> bool:
    """A number written out: ``12``, ``-3.5``, ``\\frac{3}{2}``, ``45\\%``, ``30^\\circ``, ``5\\text{ ft}``."""
    return bool(phrases.PLAIN_NUMBER.match(phrases.UNIT.sub("", value).replace(" ", "")))


def _evaluates_definition(context: str, subject: str, answer: str) -> bool:
    """True when the subject applies a function the stem defines and the answer does not use it
    ("If $f(x) = 5x^2-2x-1$, then $f(x+h)-f(x)$ equals:" keyed ``h(10x+5h-2)``, HARP MCQ line 77):
    the problem's work is evaluating the definition, and restating the question earns nothing
    (the verifier does not know ``f``). An answer written with ``f`` ("$3f(x)$") depends on how
    the options chose to write it, so it stays an equivalent form."""
    defined = {name for name in phrases.FUNCTION_CALL.findall(subject)
               if re.search(phrases.FUNCTION_DEFINITION.format(name=name), context)}
    return bool(defined) and not any(name in phrases.FUNCTION_CALL.findall(answer) for name in defined)


def _equivalent_form(stem: str, keyed: Option) -> bool:
    """True when the stem asks for another form of its own expression ("$f(x+2)$ equals:",
    "$3^3+3^3+3^3=$" keyed ``3^4``): the answer is not a number written out, and it uses only
    the subject's variables (unless the subject applies a function the stem defines, see
    :func:`_evaluates_definition`) or the verifier already accepts the subject as the answer, so
    copying the question would earn the reward."""
    parts = question_parts(stem)
    if parts is None or _plain_number(keyed.value):
        return False
    spans = math_spans(parts.subject)
    if len(spans) != 1 or not phrases.SUBJECT_WORDS.match(mask_math(parts.subject, " ").strip()):
        return False
    subject = parts.subject[spans[0][1]: spans[0][2]]
    answer_vars = _variables(keyed.value)
    evaluated = _evaluates_definition(parts.before + parts.lead, subject, keyed.value)
    if answer_vars and answer_vars <= _variables(subject) and not evaluated:
        return True
    from bigmath.verify import check

    return check(keyed.value, f"\\boxed{{{subject}}}").correct


def _question_text(stem: str) -> str:
    """The stem without figures (Asymptote code) and without a trailing bracketed note, so that
    its last sentence is the question (HARP MCQ line 159 ends with a note on notation)."""
    return _NOTE.sub("", _ASY.sub(" ", stem))


def _blank(pattern: re.Pattern, text: str) -> str:
    return pattern.sub(lambda m: " " * len(m.group()), text)


def stem_refusal(stem: str, keyed: Option | None = None) -> str | None:
    """The stem rules of :func:`needs_choices` alone.

    "How many of the following" is never a pick (the options are counts, the items are in the
    stem), nor, when ``keyed`` is a whole number, a question about a label or index the problem
    defines ("Which numbered face", "On which bounce", "the interval labelled").

    Args:
        stem: the problem without its options.
        keyed: the keyed option, or None (then index questions count as picks).

    Returns:
        ``stem:<rule>`` (see :func:`needs_choices`), or None when the stem may be asked as is.
    """
    stem = _question_text(stem)
    masked = mask_math(stem, " ", keep_end=True)
    start = last_sentence_start(masked.rstrip())  # sentences as written, then the exempt phrases blanked
    masked = _blank(phrases.COUNTED_ITEMS, masked)
    if keyed is not None and phrases.WHOLE_NUMBER.match(keyed.value):
        masked = _blank(phrases.INDEX_QUESTION, masked)
    sentence = masked.rstrip()[start:]
    for name, pattern, where in phrases.PICK:
        if pattern.search(sentence if where == "last" else masked):
            return f"stem:{name}"
    if phrases.INDEFINITE.search(sentence):
        return "stem:possibility"
    if phrases.OPEN_CLAIM.search(mask_math(stem, "x").rstrip()):
        return "stem:open_claim"
    return None


def item_numbers(stem: str, value: str) -> bool:
    """True when ``value`` lists items the stem numbers ``(1)`` .. ``(9)`` in its prose by their
    numbers ("1,2,3", HARP MCQ line 142): the question is which items, answerable without the
    options, and the answer is a set the verifier compares in any order."""
    return bool(phrases.ITEM_NUMBERS.match(value) and phrases.ARABIC_ITEMS.search(mask_math(_ASY.sub(" ", stem), " ")))


def needs_choices(block: OptionBlock, keyed: Option) -> str | None:
    """Say why a problem cannot be asked without its options, or None when it can.

    Args:
        block: the problem's options and stem.
        keyed: the option the gold answer designates.

    Returns:
        A detail code: ``stem:<rule>`` (``which_of_following``, ``following``, ``statement``,
        ``approximate``, ``possibility``, ``range``, ``compare``, ``open_claim``), ``answer:<rule>``
        (``option_reference``: "I and II" or "(1) and (4)" naming numbered items, except plain
        numbers "1,2,3" of items numbered ``(1)`` .. in the stem's prose, see :func:`item_numbers`;
        ``no_answer_option_text``: "none of these", "cannot be determined", "both", ...;
        ``statement``: the keyed option is a claim; ``relation``: an equation in two or more
        variables; ``equivalent_form``: another form of the stem's own expression, unless the
        stem defines the function it applies), ``options:statements`` (most options are claims);
        None when the rewrite may go ahead. The stem rules are :func:`stem_refusal`.
    """
    refusal = stem_refusal(block.stem, keyed)
    if refusal is not None:
        return refusal
    stem = _question_text(block.stem)
    masked = mask_math(stem, " ", keep_end=True)
    sentence = _last_sentence(masked.rstrip())
    value = unwrap_text(keyed.value)
    if phrases.NUMBERED.search(masked) and phrases.REFERENCE_LIST.match(value) and not item_numbers(block.stem, value):
        return "answer:option_reference"
    if phrases.NO_ANSWER.search(_prose(keyed.raw)):
        return "answer:no_answer_option_text"
    set_question = bool(phrases.SOLUTION_SET.search(sentence))
    if option_is_statement(keyed) and not (set_question and not _WORDS.search(_prose(keyed.raw))):
        return "answer:statement"
    if "=" in value and len(_variables(value)) >= 2:
        return "answer:relation"
    if _equivalent_form(block.stem, keyed):
        return "answer:equivalent_form"
    statements = sum(option_is_statement(o) for o in block.options)
    if statements * 2 > len(block.options) and not set_question:
        return "options:statements"
    return None
