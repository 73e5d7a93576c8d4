r"""Parse gold answers and model responses with math-verify, under our wrapping policy.

math-verify's LaTeX extraction needs a math environment: a bare ``3\sqrt{2}`` is read as ``3``
and a bare ``3x-y+13=0`` as ``0`` (Math-Verify issues #29, #60, #74). So an answer string is
always normalised (:func:`bigmath.verify.extract.normalize_answer`) and parsed as
``\boxed{answer}`` with ``extraction_mode="first_match"``: the whole string is one expression,
and when it does not parse nothing of it is silently half-read. Only a free-text response with
no explicit answer marker goes through math-verify's own extraction (last LaTeX environment,
then last number). math-verify's signal-based timeouts are turned off here; callers bound the
time (:mod:`bigmath.verify.deadline`, :mod:`bigmath.verify.pool`).
"""

from __future__ import annotations

import dataclasses
import functools
import logging
import math
from typing import Any

from math_verify import ExprExtractionConfig, LatexExtractionConfig, parse
from sympy import (Basic, Float, I, Integer, MatrixBase, Pow, Rational, Symbol, evaluate, factorial, nan,
                   preorder_traversal, zoo)

from bigmath.verify.extract import extract_answer, is_bare_answer, normalize_answer

#: Numbers with more than this many decimal digits are never evaluated (``10^{10^{10^{10}}}``,
#: ``9^{9^9}``): sympy would hang in a C-level integer power (Math-Verify issues #63, #65).
MAX_DIGITS = 100_000

_WRAPPED = [LatexExtractionConfig(boxed_match_priority=0)]
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
    """

    expr: Any
    latex: str
    found: bool = True
    too_large: bool = False

    @property
    def parses(self) -> bool:
        """True when a sympy object came out and it is not undefined (``zoo``/``nan``)."""
        if self.expr is None:
            return False
        try:
            return not (isinstance(self.expr, Basic) and self.expr.has(zoo, nan))
        except Exception:  # noqa: BLE001 - exotic objects: treat as parsed
            return True


_LOG10_2 = math.log10(2)


def _estimate(expr: Basic) -> tuple[int, float]:
    """(sign, log10 of the magnitude) of a numeric sub-expression, in floats so that nothing
    is ever computed exactly; ``(1, nan)`` when the node is not a plain number."""
    try:
        if isinstance(expr, (Integer, Rational)):
            if expr.p == 0:
                return 0, -math.inf
            size = lambda n: n.bit_length() * _LOG10_2 if n.bit_length() > 60 else math.log10(n)  # noqa: E731
            return (1 if expr.p > 0 else -1), size(abs(expr.p)) - size(expr.q)
        if isinstance(expr, Float):
            sign, mantissa, exponent, bits = expr._mpf_
            return (0, -math.inf) if not mantissa else ((-1 if sign else 1), (exponent + bits) * _LOG10_2)
        if isinstance(expr, Pow):
            base_sign, base_log = _estimate(expr.base)
            exp_sign, exp_log = _estimate(expr.exp)
            exponent = exp_sign * (10.0**exp_log if exp_log < 300 else math.inf)
            return (1 if base_sign >= 0 else -1), (0.0 if base_log == 0 else exponent * base_log)
        if isinstance(expr, factorial):
            n_sign, n_log = _estimate(expr.args[0])
            n = 10.0**n_log if n_log < 300 else math.inf
            return 1, math.lgamma(n + 1) / math.log(10) if n_sign > 0 else 0.0
        if expr.is_Mul:
            parts = [_estimate(a) for a in expr.args]
            return math.prod(p[0] for p in parts), math.fsum(p[1] for p in parts)
        if expr.is_Add:  # upper bound of the magnitude; sign of the largest term
            parts = [_estimate(a) for a in expr.args]
            top = max(parts, key=lambda p: p[1])
            return top[0], top[1] + math.log10(len(parts))
    except (OverflowError, ValueError, TypeError):
        return 1, math.inf
    return 1, math.nan


def is_too_large(expr: Any) -> bool:
    """True when a power or factorial inside ``expr`` has more than :data:`MAX_DIGITS` digits
    (huge or tiny: ``10^{-10^{10}}`` is as costly as ``10^{10^{10}}``)."""
    if not isinstance(expr, Basic):
        return False
    for node in preorder_traversal(expr):
        if isinstance(node, (Pow, factorial)) and node.is_number:
            log = _estimate(node)[1]
            if not math.isnan(log) and abs(log) > MAX_DIGITS:
                return True
    return False


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


def parse_answer(answer: str) -> ParsedAnswer:
    r"""Parse one answer string (gold answer or extracted final answer) as ``\boxed{answer}``."""
    latex = normalize_answer(answer)
    if not latex:
        return ParsedAnswer(None, "", found=bool(answer is not None and answer.strip()))
    results = parse(
        "\\boxed{" + latex + "}",
        _WRAPPED,
        extraction_mode="first_match",
        fallback_mode="first_match",
        parsing_timeout=None,
    )
    expr = _first_sympy(results)
    return ParsedAnswer(expr, latex, found=True, too_large=is_too_large(expr))


@functools.lru_cache(maxsize=8192)
def parse_gold(gold: str) -> ParsedAnswer:
    """Parse a gold answer string (cached: the 64 rollouts of a problem share one gold)."""
    return parse_answer(gold)


def _parse_free_text(text: str) -> ParsedAnswer:
    """math-verify's own extraction: last LaTeX environment, else last number or expression."""
    results = parse(text, _FREE_TEXT, parsing_timeout=None)
    expr = _first_sympy(results)
    latex = next((r for r in results if isinstance(r, str)), "")
    if expr is None and not latex:
        return ParsedAnswer(None, "", found=False)
    return ParsedAnswer(expr, latex, found=True, too_large=is_too_large(expr))


def parse_response(response: str | None) -> tuple[ParsedAnswer, str]:
    """Parse a model response: explicit answer marker, else a bare answer, else free text.

    An answer behind a marker that carries prose (``\\boxed{5 apples}``, "the answer is 5
    because ...") is also read with math-verify's free-text extraction, which wins when it
    finds a math object.

    Returns:
        (parsed answer, how it was found: ``"marker"``, ``"bare"``, ``"free_text"`` or ``"none"``).
    """
    if not response or not response.strip():
        return ParsedAnswer(None, "", found=False), "none"
    answer = extract_answer(response)
    if answer is not None:
        parsed = parse_answer(answer)
        if answer.strip() and not is_bare_answer(answer):
            free = _parse_free_text(normalize_answer(answer))
            if free.parses:
                return free, "marker"
        return parsed, "marker"
    if is_bare_answer(response):
        return parse_answer(response), "bare"
    text = response.rsplit("</think>", 1)[1] if "</think>" in response else response
    parsed = _parse_free_text(text)
    return parsed, ("free_text" if parsed.found else "none")
