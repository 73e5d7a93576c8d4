r"""Grade one (gold, prediction) pair: :func:`check` (exported as ``bigmath.verify.check``).

The policy around math-verify (each rule has regression rows in ``tests/test_verify_cases.py``):

* gold first, always: ``math_verify.verify`` is not symmetric (Math-Verify issues #10, #25, #49);
* a gold answer that does not parse is ``unparseable_gold``, never ``correct`` (open-r1 #86, #293);
* both sides are parsed whole (``\boxed{...}``-wrapped), so ``1331 \text{ and } 1728`` is the set
  {1331, 1728} and a prediction ``1728`` is wrong (Math-Verify #47);
* numbers with more than :data:`~bigmath.verify.magnitude.MAX_DIGITS` digits are compared only
  structurally; otherwise the outcome is ``timeout`` (Math-Verify #63, #65);
* equality is :func:`bigmath.verify.compare.same`: math-verify, a relative re-check of tiny
  magnitudes (Math-Verify #14) and decimals that round a fraction (``0.33`` for ``1/3``);
* readings that depend on the gold: a decimal comma when the gold is one number (``1,22``), a
  bare ``17:21`` as a time of day when the gold is a clock time (:mod:`bigmath.verify.clock`;
  otherwise it is the ratio 17/21), an option letter with its value (``(B) 5``), named values
  and tuples compared in written order (``k = 45, n = 2`` vs ``45, 2``), conditions on one
  variable compared as sets (``x \in [-2, 7]`` vs ``-2 \le x \le 7``;
  :mod:`bigmath.verify.relations`);
* clock times are compared as times of day, never as numbers (:mod:`bigmath.verify.clock`);
* with the problem at hand, an answer that restates an expression or relation written in it (not
  a bare number), or a response that only copies it, is ``wrong`` (:mod:`bigmath.verify.echo`);
  a condition is accepted from a prediction only in solved form (:mod:`bigmath.verify.solved`);
* sympy errors during a comparison give ``timeout`` ("undecided"), or ``correct`` when both
  answers are written alike.

Time: in the main thread :func:`check` bounds itself with ``SIGALRM``; from any other thread
(a trainer's reward thread, an async server's executor) it sends the pair to a small persistent
worker process that is killed and replaced when it overruns (:mod:`bigmath.verify.pool`).
"""

from __future__ import annotations

import re
from typing import Any

from bigmath.verify.classify import OPTION_LETTER
from bigmath.verify.clock import read_clock, same_time
from bigmath.verify.compare import CompareError, same
from bigmath.verify.deadline import Deadline, can_use_signals, time_limit
from bigmath.verify.echo import problem_text, restated
from bigmath.verify.extract import gold_text, prediction_text
from bigmath.verify.numbers import decimal_comma_reading, is_single_number
from bigmath.verify.parsing import ParsedAnswer, clock_answer, parse_answer, parse_gold, parse_response
from bigmath.verify.relations import condition, is_ordered, is_set_value, named_values, unnamed_elements
from bigmath.verify.types import DEFAULT_TIMEOUT_S, Outcome, Verdict

# "(B) 5", "\text{(B) } 5", "\textbf{(B)}~5": an option letter followed by its value
_OPTION_VALUE = re.compile(r"^(?:\\text(?:bf)?\s*\{\s*\(([A-E])\)\s*\}|\(([A-E])\))\s*~?\s*(?P<value>\S.*)$", re.DOTALL)


def _describe(parsed: ParsedAnswer) -> str | None:
    """Printable form of what was parsed (sympy ``str``, capped at 300 characters)."""
    if not parsed.found:
        return None
    if parsed.expr is None or parsed.too_large:
        return parsed.latex
    try:
        text = str(parsed.expr)
    except Exception:  # noqa: BLE001 - int too large to print, sympy evaluating while sorting terms
        return parsed.latex
    return text if len(text) <= 300 else text[:297] + "..."


def _contextual(gold: ParsedAnswer, pred: ParsedAnswer) -> tuple[ParsedAnswer, str]:
    """Readings of the prediction that depend on the gold: a decimal comma when the gold is one
    number (``1,22`` -> 1.22), an option letter with its value (``(B) 5``) read as the letter
    when the gold is a letter, else as the value."""
    dotted = decimal_comma_reading(pred.latex) if is_single_number(gold.expr) else None
    if dotted is not None:
        reread = parse_answer(dotted, solved_only=True)
        if reread.parses:
            return reread, f"decimal comma: {pred.latex} read as {dotted}"
    option = _OPTION_VALUE.match(pred.latex)
    if option is not None:
        letter = option.group(1) or option.group(2)
        reread = parse_answer(letter if OPTION_LETTER.match(gold.latex) else option.group("value"), solved_only=True)
        if reread.parses:
            return reread, f"option {letter} with its value"
    return pred, ""


def _as_time(gold: ParsedAnswer, pred: ParsedAnswer) -> tuple[ParsedAnswer, str]:
    """A bare ``17:21`` (a ratio, or 0/0 for ``0:00``) read on the 24-hour clock when the gold is
    a clock time (:mod:`bigmath.verify.clock`)."""
    if gold.clock is None or pred.clock is not None:
        return pred, ""
    clock = read_clock(pred.latex, bare=True)
    if clock is None:
        return pred, ""
    return clock_answer(clock, pred.latex), f"{pred.latex} read as a time of day"


def _elements_equal(gold_parts: list[str], pred_parts: list[str]) -> bool:
    """Element by element, in order (each element parsed on its own)."""
    if len(gold_parts) != len(pred_parts):
        return False
    for gold_part, pred_part in zip(gold_parts, pred_parts):
        g, p = parse_answer(gold_part), parse_answer(pred_part, solved_only=True)
        if not (g.parses and p.parses):
            return False
        if g.too_large or p.too_large:
            if g.latex != p.latex:
                return False
        elif not same(g.expr, p.expr)[0]:
            return False
    return True


def _in_order(gold: ParsedAnswer, pred: ParsedAnswer) -> bool | None:
    """Whether the prediction matches in written order, or None when order does not matter:
    named gold values vs an unnamed list (``k = 45, n = 2`` vs ``45, 2``), an ordered gold vs
    several boxes or a bare list (``(3, 5)`` vs ``\\boxed{3}, \\boxed{5}``)."""
    values = named_values(gold)
    if values is not None:
        elements = unnamed_elements(pred, tuples=True)
        if elements is not None:
            return _elements_equal(values, elements)
    if is_ordered(gold):
        elements = unnamed_elements(pred, tuples=False)
        if elements is not None:
            return _elements_equal([gold.latex], ["(" + ", ".join(elements) + ")"])
    return None


def _same_condition(gold: ParsedAnswer, pred: ParsedAnswer) -> bool:
    """A condition gold (``x \\in [-2, 7]``, ``x < -8`` or ``x > 8``) against the same condition
    written another way in solved form, or against its bare set (:mod:`bigmath.verify.relations`,
    :mod:`bigmath.verify.solved`: ``3x - 1 \\ge 5`` is not ``x \\ge 2``)."""
    stated = condition(gold)
    if stated is None:
        return False
    answered = condition(pred, solved=True)
    if answered is not None:
        return answered[0] == stated[0] and same(stated[1], answered[1])[0]
    return is_set_value(pred.expr) and same(stated[1], pred.expr)[0]


def _compare(gold: ParsedAnswer, pred: ParsedAnswer, note: str = "") -> tuple[Outcome, str]:
    if gold.too_large or pred.too_large:
        if gold.latex == pred.latex or gold.expr == pred.expr:
            return Outcome.CORRECT, "identical very large numbers"
        return Outcome.TIMEOUT, "a number has over 100,000 digits; compared only as written"
    if gold.clock is not None or pred.clock is not None:
        equal = gold.clock is not None and pred.clock is not None and same_time(gold.clock, pred.clock)
        return (Outcome.CORRECT if equal else Outcome.WRONG), "; ".join(r for r in (note, "compared as times of day") if r)
    ordered = _in_order(gold, pred)
    if ordered is not None:
        return (Outcome.CORRECT if ordered else Outcome.WRONG), "compared in written order"
    equal, reason = same(gold.expr, pred.expr)
    if equal:
        return Outcome.CORRECT, "; ".join(r for r in (note, reason) if r)
    if _same_condition(gold, pred):
        return Outcome.CORRECT, "; ".join(r for r in (note, "the same condition on the variable") if r)
    return Outcome.WRONG, note


_HOW = {"free_text": "no answer marker; graded the last expression in the text",
        "statement": "no answer marker; graded the value stated in the last sentence"}
_NOT_FOUND = {"marker": "empty \\boxed{}", "denied": "the answer marker denies its value (\"the answer is not ...\")",
              "none": "no final answer in the response"}
#: Reason of an echo (:mod:`bigmath.verify.echo`); a verdict's reason starts with it.
ECHO_REASON = "restates the problem"


def grade(gold: Any, prediction: str | None, problem: str | None = None) -> Verdict:
    """Grade without a time bound (callers wrap it: :func:`check`, the worker pool).

    Args:
        gold: the gold answer (str, or int/float as in AMC/AIME files).
        prediction: the model response or its final answer (str, int, float or None).
        problem: the problem text, when the caller has it: answers that restate it are wrong
            (:mod:`bigmath.verify.echo`).
    """
    prediction = prediction_text(prediction)
    parsed_gold = parse_gold(gold_text(gold))
    if not parsed_gold.found:
        return Verdict(Outcome.UNPARSEABLE_GOLD, None, None, "empty gold answer")
    if not parsed_gold.parses:
        reason = parsed_gold.note or "math-verify cannot parse the gold answer"
        return Verdict(Outcome.UNPARSEABLE_GOLD, parsed_gold.latex, None, reason)
    parsed_pred, how = parse_response(prediction, problem)
    gold_str = _describe(parsed_gold)
    if how == "restated":
        return Verdict(Outcome.WRONG, gold_str, None,
                       f"{ECHO_REASON}: the response only copies sentences of the problem, no answer of its own")
    parsed_pred, time_note = _as_time(parsed_gold, parsed_pred)
    if not parsed_pred.found:
        return Verdict(Outcome.UNPARSEABLE_PREDICTION, gold_str, None, _NOT_FOUND.get(how, _NOT_FOUND["none"]))
    if not parsed_pred.parses:
        reason = parsed_pred.note or "math-verify cannot parse the answer"
        return Verdict(Outcome.UNPARSEABLE_PREDICTION, gold_str, parsed_pred.latex, reason)
    parsed_pred, note = _contextual(parsed_gold, parsed_pred) if not time_note else (parsed_pred, time_note)
    try:
        outcome, reason = _compare(parsed_gold, parsed_pred, note)
    except CompareError as error:  # sympy raised: undecided, unless the two are written alike
        if parsed_gold.latex == parsed_pred.latex:
            outcome, reason = Outcome.CORRECT, "identical answers"
        else:
            outcome, reason = Outcome.TIMEOUT, f"sympy could not compare the two ({error})"[:300]
    if outcome is Outcome.CORRECT and problem:
        echoed = restated(parsed_pred.latex, parsed_gold.latex, problem)
        if echoed is not None:
            outcome, reason = Outcome.WRONG, f"{ECHO_REASON}: the answer {echoed[:200]} is written in the problem"
    if how in _HOW and not reason:
        reason = _HOW[how]
    return Verdict(outcome, gold_str, _describe(parsed_pred), reason)


def check_here(gold: Any, prediction: str | None, timeout_s: float | None = DEFAULT_TIMEOUT_S,
               problem: str | None = None) -> Verdict:
    """Grade in this process, bounded by ``SIGALRM`` (main thread only; see :func:`check`)."""
    try:
        with time_limit(timeout_s):
            return grade(gold, prediction, problem)
    except Deadline:
        return Verdict(Outcome.TIMEOUT, None, None, f"no decision within {timeout_s:g} s")
    except RecursionError:
        return Verdict(Outcome.TIMEOUT, None, None, "expression nested too deeply for sympy")


def check(gold: Any, prediction: str | int | float | None, *, problem: str | None = None,
          timeout_s: float = DEFAULT_TIMEOUT_S) -> Verdict:
    r"""Grade ``prediction`` against ``gold`` (gold first, always).

    Args:
        gold: the gold answer, e.g. ``r"\frac{1}{2}"``, ``"1331 \\text{ and } 1728"``, ``27.0``.
            A whole solution is accepted too: its last ``\boxed{}`` is used.
        prediction: a model response (the final answer is found by
            :func:`bigmath.verify.extract_answer`) or a bare answer such as ``"3\\sqrt{2}"``; a
            number (``2``, ``2.5``) is read as its text, as a gold is.
        problem: the problem text, when the caller has it. An answer that restates an
            expression or relation written in the problem (not a bare number), or a response
            that only copies the problem, is then ``wrong`` with a reason starting "restates the
            problem" (:mod:`bigmath.verify.echo`). Without it echoes cannot be told apart.
        timeout_s: bound on the whole check in seconds. In the main thread a ``SIGALRM`` timer
            enforces it; in any other thread the pair runs in a worker process that is killed
            when it overruns. Either way an overrun gives :attr:`Outcome.TIMEOUT`.

    Returns:
        A :class:`Verdict`: outcome, parsed gold and prediction, reason.

    Raises:
        TypeError: ``gold`` or ``prediction`` is not a str, int or float (or None), or
            ``problem`` is not a str or None.

    Examples:
        >>> check(r"3\sqrt{2}", r"The answer is \boxed{3}").outcome
        <Outcome.WRONG: 'wrong'>
        >>> check("1331 \\text{ and } 1728", "1728").outcome
        <Outcome.WRONG: 'wrong'>
        >>> check("391", r"Compute $17 \cdot 23$.", problem=r"Compute $17 \cdot 23$.").outcome
        <Outcome.WRONG: 'wrong'>
    """
    gold_text(gold)  # type errors surface in the caller, not inside a worker
    prediction = prediction_text(prediction)
    problem = problem_text(problem)
    if can_use_signals():
        return check_here(gold, prediction, timeout_s, problem)
    from bigmath.verify.pool import shared_pool

    return shared_pool().run([(gold, prediction, problem)], timeout_s=timeout_s)[0]
