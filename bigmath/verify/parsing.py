r"""Parse gold answers and model responses with math-verify, under our wrapping policy.

math-verify's LaTeX extraction needs a math environment: a bare ``3\sqrt{2}`` is read as ``3``
and a bare ``3x-y+13=0`` as ``0`` (Math-Verify issues #29, #60, #74). So an answer string is
always normalised (:func:`bigmath.verify.extract.normalize_answer`) and parsed as
``\boxed{answer}`` with ``extraction_mode="first_match"``: the whole string is one expression,
and when it does not parse nothing of it is silently half-read. A final answer in several boxes
is parsed box by box and gathered in one set (:func:`parse_response`); a set-builder answer
``\{x \mid 2 < x < 3\}`` is read as its set. A response with no explicit answer marker is read by
the value its last sentence states (:mod:`bigmath.verify.statements`), else by math-verify's own
extraction (last LaTeX environment, then last number). A gold that is still a sentence is
unparseable. math-verify's signal-based timeouts are turned off here; callers bound the time
(:mod:`bigmath.verify.deadline`, :mod:`bigmath.verify.pool`).
"""

from __future__ import annotations

import dataclasses
import functools
import logging
import re
from typing import Any

from math_verify import ExprExtractionConfig, LatexExtractionConfig, parse
from sympy import Basic, FiniteSet, I, MatrixBase, Symbol, evaluate, nan, zoo

from bigmath.verify.clock import INVALID, ClockTime, read_clock
from bigmath.verify.extract import PROSE_WORDS, answer_parts, is_bare_answer, normalize_answer, prose_words
from bigmath.verify.magnitude import MAX_DIGITS, is_too_large  # noqa: F401 - MAX_DIGITS re-exported
from bigmath.verify.numbers import as_percent, percent_body
from bigmath.verify.echo import drop_copied
from bigmath.verify.solved import is_solved
from bigmath.verify.statements import drop_denial, final_statement
from bigmath.verify.units import trailing_variable

_WRAPPED = [LatexExtractionConfig(boxed_match_priority=0)]
# the same, with math-verify's unit removal off: for a last letter that is a variable (units.py)
_WRAPPED_KEEP_UNITS = [dataclasses.replace(_WRAPPED[0], normalization_config=dataclasses.replace(
    _WRAPPED[0].normalization_config, units=False))]
_FREE_TEXT = [LatexExtractionConfig(), ExprExtractionConfig()]


class _DropTimeoutDisabledWarning(logging.Filter):
    """math-verify warns once per process that its own timeout is off; ours is on."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith("Timeout is disabled")


for _name in ("math_verify.parser", "math_verify.grader"):
    logging.getLogger(_name).addFilter(_DropTimeoutDisabledWarning())


@dataclasses.dataclass(frozen=True)
class ParsedAnswer:
    """One parsed answer.

    Attributes:
        expr: the sympy object (number, expression, Eq, set, interval, matrix), or None.
        latex: the normalised LaTeX that was parsed ("" when no answer was found).
        found: False when no answer was present at all (empty string, no marker in a response).
        too_large: True when ``expr`` holds a number with more than :data:`MAX_DIGITS` digits.
        parts: the written parts of a multi-box answer (``\\boxed{1}, \\boxed{2}`` -> ("1", "2")),
            in order; empty for a single answer. ``expr`` is then the set of the parts.
        note: why it does not parse, when that is not math-verify's doing (a prose gold).
        clock: the time of day of a clock-time answer (:mod:`bigmath.verify.clock`), else None;
            ``expr`` is then a stand-in symbol such as ``17:21``.
    """

    expr: Any
    latex: str
    found: bool = True
    too_large: bool = False
    parts: tuple[str, ...] = ()
    note: str = ""
    clock: ClockTime | None = None

    @property
    def parses(self) -> bool:
        """True when a sympy object came out and it is not undefined (``zoo``/``nan``)."""
        if self.expr is None:
            return False
        try:
            return not (isinstance(self.expr, Basic) and self.expr.has(zoo, nan))
        except Exception:  # noqa: BLE001 - exotic objects: treat as parsed
            return True


def _rebuild(expr: Any, mapping: dict, *, evaluated: bool) -> Any:
    """``expr.xreplace(mapping)``; with ``evaluated=False`` nothing is re-evaluated (``Eq(x,
    [-2, 7])`` must not become False). On any failure the expression is returned unchanged."""
    if not mapping:
        return expr
    try:
        if evaluated:
            return expr.xreplace(mapping)
        with evaluate(False):
            return expr.xreplace(mapping)
    except (Exception, RecursionError):  # noqa: BLE001 - sympy raises many kinds here
        return expr


def imaginary_unit(expr: Any) -> Any:
    """Read a free symbol ``i`` as the imaginary unit (latex2sympy keeps it a plain symbol)."""
    if not isinstance(expr, (Basic, MatrixBase)):
        return expr
    mapping = {s: I for s in expr.free_symbols if isinstance(s, Symbol) and s.name == "i"}
    return _rebuild(expr, mapping, evaluated=True)


def align_symbols(gold: Any, pred: Any) -> Any:
    """Give ``pred`` the gold's symbol objects where only assumptions differ: latex2sympy makes
    symbols non-real when the string contains ``i``, ``\\det`` or ``\\mathbb{C}``, so ``x``
    in ``x + 2i`` and ``x`` in ``2i + x`` could be two different symbols."""
    if not isinstance(gold, (Basic, MatrixBase)) or not isinstance(pred, (Basic, MatrixBase)):
        return pred
    by_name = {s.name: s for s in gold.free_symbols if isinstance(s, Symbol)}
    mapping = {s: by_name[s.name] for s in pred.free_symbols
               if isinstance(s, Symbol) and s.name in by_name and by_name[s.name] != s}
    return _rebuild(pred, mapping, evaluated=False)


def _first_sympy(results: list) -> Any:
    return imaginary_unit(next((r for r in results if not isinstance(r, str)), None))


# {x | 2 < x < 3}, \left\{ x : x > 2 \right\}, \Big\{x \mid ...\Big\}: a set given by a condition
_SET_BUILDER = re.compile(
    r"^(?:\\(?:left|[Bb]igg?)\s*)?\\\{\s*([A-Za-z])\s*(?:\\mid|\||:|\\colon)\s*(.+?)\s*(?:\\(?:right|[Bb]igg?)\s*)?\\\}$",
    re.DOTALL,
)


def _parse_wrapped(latex: str) -> Any:
    config = _WRAPPED_KEEP_UNITS if trailing_variable(latex) else _WRAPPED
    results = parse("\\boxed{" + latex + "}", config, extraction_mode="first_match",
                    fallback_mode="first_match", parsing_timeout=None)
    expr = _first_sympy(results)
    body = percent_body(latex) if expr is None else None
    return as_percent(_parse_wrapped(body)) if body else expr


def set_builder_variable(latex: str) -> str | None:
    """The variable of a set-builder answer ``\\{x \\mid ...\\}`` (``"x"``), or None."""
    match = _SET_BUILDER.match(latex)
    return match.group(1) if match else None


def _set_builder(match: re.Match, solved_only: bool) -> Any:
    """The set ``{x | condition}`` stands for (``(2, 3)`` for ``{x | 2 < x < 3}``), or None;
    with ``solved_only``, a condition not in solved form is returned as written (a relation,
    graded as such: ``{x | (x-2)(x-5) < 0}`` is an inequality still to be solved)."""
    condition = _parse_wrapped(match.group(2))
    if not isinstance(condition, Basic) or {s.name for s in condition.free_symbols} != {match.group(1)}:
        return None
    if solved_only and not is_solved(condition):
        return condition
    try:
        return condition.as_set()
    except (NotImplementedError, TypeError, ValueError, AttributeError):
        return None


def parse_answer(answer: str, *, solved_only: bool = False) -> ParsedAnswer:
    r"""Parse one answer string (gold answer or extracted final answer) as ``\boxed{answer}``;
    a set-builder answer ``\{x \mid 2 < x < 3\}`` is read as the set it describes (with
    ``solved_only``, as for a prediction, only when its condition is in solved form:
    :mod:`bigmath.verify.solved`)."""
    latex = normalize_answer(answer)
    if not latex:
        return ParsedAnswer(None, "", found=bool(answer is not None and answer.strip()))
    clock = read_clock(latex)
    if clock is not None:
        return clock_answer(clock, latex)
    builder = _SET_BUILDER.match(latex)
    expr = _set_builder(builder, solved_only) if builder else None
    if expr is None:
        expr = _parse_wrapped(latex)
    return ParsedAnswer(expr, latex, found=True, too_large=is_too_large(expr))


def clock_answer(clock: ClockTime | str, latex: str) -> ParsedAnswer:
    """The parsed answer of a clock time read by :func:`~bigmath.verify.clock.read_clock`."""
    if clock == INVALID:
        return ParsedAnswer(None, latex, note="not a valid clock time")
    return ParsedAnswer(clock.symbol, latex, clock=clock)


@functools.lru_cache(maxsize=8192)
def parse_gold(gold: str) -> ParsedAnswer:
    """Parse a gold answer string (cached: the 64 rollouts of a problem share one gold). A gold
    that is still prose after :func:`~bigmath.verify.extract.gold_text` found no final value in
    it (three or more English words) does not parse."""
    if len(prose_words(gold)) >= PROSE_WORDS:
        return ParsedAnswer(None, normalize_answer(gold), note="the gold answer is a sentence with no final value")
    return parse_answer(gold)


def _parse_free_text(text: str) -> ParsedAnswer:
    """math-verify's own extraction: last LaTeX environment, else last number or expression."""
    results = parse(text, _FREE_TEXT, parsing_timeout=None)
    expr = _first_sympy(results)
    latex = next((r for r in results if isinstance(r, str)), "")
    if expr is None and not latex:
        return ParsedAnswer(None, "", found=False)
    return ParsedAnswer(expr, latex, found=True, too_large=is_too_large(expr))


def _parse_marked(answer: str) -> ParsedAnswer:
    """An answer behind a marker, parsed whole whatever its length; one that carries prose
    (``5 apples``) is also read with math-verify's free-text extraction, which wins when it
    finds a math object."""
    parsed = parse_answer(answer, solved_only=True)
    if answer.strip() and parsed.clock is None and not is_bare_answer(answer, max_chars=None):
        free = _parse_free_text(normalize_answer(answer))
        if free.parses:
            return free
    return parsed


#: A final answer of more boxes than this is not graded (``unparseable_prediction``): each box
#: is parsed on its own, and no gold of the shared samples has more than 16 elements
#: (OlympiadBench's longest list).
MAX_PARTS = 64


def _parse_parts(parts: list[str]) -> ParsedAnswer:
    """A multi-box answer: each box parsed on its own, the values gathered in one set."""
    latex = ", ".join(parts)
    if len(parts) > MAX_PARTS:
        return ParsedAnswer(None, latex, parts=tuple(parts), note=f"more than {MAX_PARTS} boxes in the final answer")
    parsed = [_parse_marked(part) for part in parts]
    if not all(p.parses for p in parsed):
        return ParsedAnswer(None, latex, parts=tuple(parts))
    elements: list = []
    for p in parsed:
        elements.extend(p.expr.args if isinstance(p.expr, FiniteSet) else [p.expr])
    try:
        expr = FiniteSet(*elements)
    except (TypeError, ValueError):  # matrices are not set elements
        return ParsedAnswer(None, latex, parts=tuple(parts), note="several boxes that cannot form one set")
    if len(expr) == 1:
        expr = next(iter(expr))
    return ParsedAnswer(expr, latex, parts=tuple(parts), too_large=any(p.too_large for p in parsed))


def parse_response(response: str | None, problem: str | None = None) -> tuple[ParsedAnswer, str]:
    """Parse a model response: explicit answer marker, else a bare answer, else the final
    stated value, else free text (in the last two, sentences copied from ``problem`` are not
    read, and a last sentence that denies its value is skipped).

    Args:
        response: the model response (or a bare final answer).
        problem: the problem text, when the caller has it (:mod:`bigmath.verify.echo`).

    Returns:
        (parsed answer, how it was found: ``"marker"``, ``"denied"`` (the marker denies its
        value: "the answer is not 4"), ``"bare"``, ``"statement"``, ``"free_text"``,
        ``"restated"`` (nothing but sentences of the problem) or ``"none"``).
    """
    if not response or not response.strip():
        return ParsedAnswer(None, "", found=False), "none"
    parts = answer_parts(response)
    if parts is not None:
        if not parts:
            return ParsedAnswer(None, "", found=False), "denied"
        if len(parts) > 1:
            return _parse_parts(parts), "marker"
        return _parse_marked(parts[0]), "marker"
    if is_bare_answer(response):
        return parse_answer(response, solved_only=True), "bare"
    text = response.rsplit("</think>", 1)[1] if "</think>" in response else response
    own = drop_copied(text, problem)
    if text.strip() and not own:
        return ParsedAnswer(None, "", found=False), "restated"
    stated = final_statement(own)
    if stated:
        parsed = parse_answer(stated, solved_only=True)
        if parsed.parses:
            return parsed, "statement"
    parsed = _parse_free_text(drop_denial(own))
    return parsed, ("free_text" if parsed.found else "none")
