r"""The LLM path of the reformulator, without the model: what it is asked and what its reply means.

Big-Math rewrites every multiple-choice problem with an LLM (``SynthLabsAI/big-math``
``reformulation/signatures.py``, ``MathReformulationSignature``: the original problem and the
correct answer in, a ``reformulated_problem`` or "N/A" out). The stage sends
:func:`llm_input` through the bundled prompt (``bigmath/stages/prompts/reformulate.txt``) and
turns the reply into a :class:`~bigmath.reformulate.rewrite.Reformulation` with
:func:`from_reply`: the same checks as a rule rewrite, so an LLM rewrite that keeps the options,
writes the answer into the problem or asks for something the verifier cannot grade is rejected.
"""

from __future__ import annotations

import re

from bigmath.reformulate.checks import failed_checks
from bigmath.reformulate.options import OptionBlock
from bigmath.reformulate.rewrite import BOXED_INSTRUCTION, Reformulation

#: Replies that mean "cannot be reformulated" (Big-Math's "N/A").
NOT_APPLICABLE = "N/A"
_TAGGED = re.compile(r"<reformulated_problem>\s*(.*?)\s*(?:</reformulated_problem>|$)", re.S | re.I)
_NA = re.compile(r"^\W*n\s*/?\s*a\W*$", re.I)
_OWN_INSTRUCTION = re.compile(r"\s*(?:put|write|give|provide|enter)\b[^.\n]*\\boxed\s*\{[^{}]*\}[^.\n]*\.?\s*$", re.I)


def llm_input(problem: str, answer: str) -> str:
    """The text that fills the prompt's ``{problem}`` placeholder: the multiple-choice problem
    (options included, as written) and its correct answer (the keyed option's value)."""
    return f"Problem:\n{problem.strip()}\n\nCorrect answer: {answer.strip()}"


def check_input(problem: str, answer: str) -> str:
    """The text for the optional LLM check (``reformulate_check.txt``): rewrite and kept answer."""
    return f"Problem:\n{problem.strip()}\n\nProposed answer: {answer.strip()}"


def parse_reply(reply: str | None) -> str | None:
    """The reformulated problem in a reply, :data:`NOT_APPLICABLE`, or None when unreadable.

    The prompt asks for ``<reformulated_problem>...</reformulated_problem>`` or ``N/A``; a
    missing closing tag (the reply hit the token limit) still counts, an empty one does not.
    """
    if not reply or not reply.strip():
        return None
    tagged = _TAGGED.search(reply)
    text = tagged.group(1).strip() if tagged else reply.strip()
    if _NA.match(text) or (not tagged and _NA.match(text.split("\n", 1)[0])):
        return NOT_APPLICABLE
    return text if tagged and text else None


def from_reply(
    reply: str | None,
    block: OptionBlock,
    answer: str,
    *,
    label: str | None = None,
    instruction: str | None = BOXED_INSTRUCTION,
) -> Reformulation:
    """Turn one LLM reply into a :class:`~bigmath.reformulate.rewrite.Reformulation`.

    Args:
        reply: the model's text.
        block: the original problem's options and stem (an empty block when none were found),
            for the option checks.
        answer: the kept answer (the keyed option's value).
        label: the keyed option's letter, if known.
        instruction: appended after a blank line (an instruction about ``\\boxed{}`` the model
            wrote itself at the end is replaced by it).

    Returns:
        ``rewritten``; ``needs_choices`` with detail ``llm:not_applicable`` for "N/A";
        ``failed_check`` with ``check:llm_unreadable`` or the failed checks' names.
    """
    common = {"answer": answer, "notation": block.notation if block.options else None, "label": label}
    text = parse_reply(reply)
    if text is None:
        return Reformulation("failed_check", detail="check:llm_unreadable", **common)
    if text == NOT_APPLICABLE:
        return Reformulation("needs_choices", detail="llm:not_applicable", **common)
    if instruction:
        text = f"{_OWN_INSTRUCTION.sub('', text).rstrip()}\n\n{instruction}"
    failed = failed_checks(text, answer, block)
    if failed:
        return Reformulation("failed_check", detail="check:" + ",".join(failed), **common)
    return Reformulation("rewritten", problem=text, detail="llm", **common)
