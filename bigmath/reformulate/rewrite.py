r"""Rule-based reformulation of one multiple-choice problem into an open-ended one.

Steps (Big-Math's reformulation prompt, ``SynthLabsAI/big-math`` ``reformulation/signatures.py``
``MathReformulationSignature``, done by rules): find the options (in the text or in a field),
map the gold answer to one option (its content becomes the new answer), refuse what cannot be
asked without the options (the prompt's "N/A"), remove the options, rephrase a stem that ends
before its answer into a direct question, append the boxed-answer instruction, and check the
result (:mod:`bigmath.reformulate.checks`).
"""

from __future__ import annotations

import dataclasses
from typing import Any, Literal

from bigmath.reformulate.answer import resolve_answer
from bigmath.reformulate.checks import failed_checks
from bigmath.reformulate.options import OptionBlock, options_from_field, parse_options
from bigmath.reformulate.phrasing import rephrase
from bigmath.reformulate.recast import recast_question
from bigmath.reformulate.stems import item_numbers, needs_choices, stem_refusal

#: Appended (after a blank line) to every rewritten problem: the open-ended problem must say
#: where the answer goes (Big-Math prompt step 5, "Specify the answer format").
BOXED_INSTRUCTION = "Put your final answer in \\boxed{}."

#: Added to a question whose answer lists numbered items of the stem ("1,2,3"): the answer is
#: graded as a set of numbers, so the problem says to give numbers, not the items' names.
ITEM_NUMBERS_HINT = "Give the numbers of the items, separated by commas."

Status = Literal["rewritten", "needs_choices", "no_answer_option", "failed_check"]


@dataclasses.dataclass(frozen=True, slots=True)
class Reformulation:
    """Outcome of reformulating one problem.

    Attributes:
        status: ``rewritten``, or why not: ``needs_choices`` (the question picks among its
            options, or no options were found), ``no_answer_option`` (the gold answer names no
            option), ``failed_check`` (the rewrite failed a check).
        problem: the open-ended problem (None unless rewritten).
        answer: its answer, the keyed option's value in LaTeX (None when no option was keyed).
        detail: what decided it: ``stem:<rule>``, ``answer:<rule>``, ``options:<rule>``,
            ``no_options``, ``check:<name>[,<name>]``; for a rewrite ``options_removed``,
            ``rephrased``, ``item_numbers`` (numbers of the stem's items asked for),
            ``rounded`` or ``solved_variable`` (:mod:`bigmath.reformulate.recast`).
        notation: how the options were written (see :mod:`bigmath.reformulate.options`), or None.
        label: the keyed option's letter, or None.
    """

    status: Status
    problem: str | None = None
    answer: str | None = None
    detail: str = ""
    notation: str | None = None
    label: str | None = None

    @property
    def reason(self) -> str | None:
        """Ledger reason (``reformulate:needs_choices`` ...), None for a rewrite."""
        return None if self.status == "rewritten" else f"reformulate:{self.status}"


def reformulate(
    problem: str,
    answer: str | int | None,
    *,
    choices: Any = None,
    index_base: int = 0,
    instruction: str | None = BOXED_INSTRUCTION,
) -> Reformulation:
    r"""Rewrite one multiple-choice problem as an open-ended one, or say why not.

    Args:
        problem: the problem text, options inline or not.
        answer: the gold answer: a letter, ``\textbf{(C)}\ 21``, ``(C) 21``, an int index or the
            option's text (:func:`bigmath.reformulate.answer.resolve_answer`).
        choices: the options when they live in their own field (dict, list or string, see
            :func:`bigmath.reformulate.options.options_from_field`); None to read them from
            ``problem``.
        index_base: what an int ``answer`` counts from.
        instruction: appended after a blank line to the rewrite; None or ``""`` for none.

    Returns:
        A :class:`Reformulation`.

    Raises:
        ValueError: ``choices`` is given but malformed (message from ``options_from_field``).

    Example:
        >>> r = reformulate("When $S=10$, $R$ is equal to: (A) 20 (B) 11 (C) 21 (D) 14", "C",
        ...                 instruction=None)
        >>> r.status, r.problem, r.answer
        ('rewritten', 'When $S=10$, what is $R$?', '21')
    """
    block = options_from_field(choices, problem) if choices is not None else parse_options(problem)
    if block is None:
        return Reformulation("needs_choices", detail="no_options")
    return reformulate_block(block, answer, index_base=index_base, instruction=instruction)


def reformulate_block(
    block: OptionBlock, answer: str | int | None, *, index_base: int = 0, instruction: str | None = BOXED_INSTRUCTION
) -> Reformulation:
    """:func:`reformulate` for options already found (same arguments and result)."""
    keyed = resolve_answer(answer, block, index_base=index_base)
    if keyed is None:
        return Reformulation("no_answer_option", detail="answer_matches_no_option", notation=block.notation)
    common = {"answer": keyed.value, "notation": block.notation, "label": keyed.label}
    recast = recast_question(block, keyed)
    if recast is not None and stem_refusal(recast[0], keyed) is None:
        question, detail = recast
    else:
        refusal = needs_choices(block, keyed)
        if refusal is not None:
            return Reformulation("needs_choices", detail=refusal, **common)
        question = rephrase(block.stem)
        detail = "rephrased" if question != block.stem else "options_removed"
        if item_numbers(block.stem, keyed.value):
            question, detail = f"{question} {ITEM_NUMBERS_HINT}", "item_numbers"
    text = f"{question}\n\n{instruction}" if instruction else question
    failed = failed_checks(text, keyed.value, block)
    if failed:
        return Reformulation("failed_check", detail="check:" + ",".join(failed), **common)
    return Reformulation("rewritten", problem=text, detail=detail, **common)
