r"""Answer typing, verdict values, and the gold answers of the shared samples (>= 98 % parse)."""

from __future__ import annotations

import threading

import pytest

from bigmath.verify import AnswerType, Outcome, Verdict, answer_type
from bigmath.verify.pool import shared_pool

A = AnswerType


@pytest.mark.parametrize(
    "answer, kind, parses",
    [
        ("42", A.INTEGER, True),
        ("1,000", A.INTEGER, True),
        ("2^{10}", A.INTEGER, True),
        ("-7", A.INTEGER, True),
        (r"50\%", A.INTEGER, True),
        ("1.5", A.DECIMAL, True),
        (r"1.5 \times 10^{3}", A.DECIMAL, True),
        (r"\frac{6}{4}", A.FRACTION, True),
        (r"\frac{1}{2^{99}}", A.FRACTION, True),
        (r"10\frac{2}{3}", A.FRACTION, True),
        (r"3\sqrt{2}", A.EXPRESSION, True),
        (r"2\pi", A.EXPRESSION, True),
        ("x^2+1", A.EXPRESSION, True),
        (r"\alpha", A.EXPRESSION, True),
        ("x = 5", A.EQUATION, True),
        ("3x-y+13=0", A.EQUATION, True),
        (r"x \ge 2", A.EQUATION, True),
        (r"(-\infty, 3]", A.INTERVAL, True),
        (r"(-\infty,-8)\cup (8,\infty)", A.INTERVAL, True),
        (r"\{1, 2\}", A.SET, True),
        ("1, 2", A.SET, True),
        (r"\pm 3", A.SET, True),
        (r"1331 \text{ and } 1728", A.SET, True),
        ("(1, 2)", A.TUPLE, True),
        ("(1, 2, 3)", A.TUPLE, True),
        (r"\begin{pmatrix}1\\2\end{pmatrix}", A.MATRIX, True),
        (r"\text{Tuesday}", A.TEXT, True),
        ("(B)", A.TEXT, True),
        (r"\text{(C)}", A.TEXT, True),
        (r"\frac{5055}{2^{15}", A.UNKNOWN, False),
        ("12:00", A.UNKNOWN, False),  # reads as 12/0
        ("", A.UNKNOWN, False),
        (None, A.UNKNOWN, False),
        (27.0, A.INTEGER, True),
    ],
)
def test_answer_type(answer, kind, parses):
    typed = answer_type(answer)
    assert (typed.type, typed.parses) == (kind, parses)
    got_kind, got_parses = typed  # unpacks like a pair
    assert got_kind is kind


def test_answer_type_off_the_main_thread_uses_the_pool():
    out = []
    thread = threading.Thread(target=lambda: out.append(answer_type(r"\frac{6}{4}")))
    thread.start()
    thread.join()
    assert out == [(A.FRACTION, True)]


def test_verdict_is_frozen_and_serialises():
    verdict = Verdict(Outcome.CORRECT, "1/2", "1/2", "")
    assert verdict.correct and verdict.to_dict() == {"outcome": "correct", "gold": "1/2", "prediction": "1/2", "reason": ""}
    with pytest.raises(AttributeError):
        verdict.outcome = Outcome.WRONG  # type: ignore[misc]
    assert str(Outcome.TIMEOUT) == "timeout" and str(A.SET) == "set"




def test_shared_gold_answers_parse(shared_data, benchmark_script):
    """>= 98 % of the gold answers of every shared sample parse (every 10th row here; the full
    count is ``benchmarks/verify_gold_parse.py``)."""
    golds = {name: values[::10]  # read the way the adapters map them, by the benchmark's own reader
             for name, values in benchmark_script("verify_gold_parse").gold_answers(shared_data).items()}
    flat = [(name, g) for name, values in golds.items() for g in values]
    typed = shared_pool().answer_types([g for _, g in flat], timeout_s=10.0)
    for name in golds:
        results = [t for (n, _), t in zip(flat, typed) if n == name]
        failures = [(g, t.type.value) for (n, g), t in zip(flat, typed) if n == name and not t.parses]
        assert len(results) - len(failures) >= 0.98 * len(results), f"{name}: unparsed {failures}"
    assert sum(t.parses for t in typed) >= 0.99 * len(typed)
