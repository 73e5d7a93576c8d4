r"""Percent of a written-out number, clock times, and trailing letters that are variables, not units.

Three verifier gaps found by the multiple-choice reformulation benchmark
(``benchmarks/reformulate_quality.py``: HARP rows whose keyed option the verifier could not grade)
and by a review of math-verify's unit removal. Each row cites where it comes from (a key of
:data:`SOURCES`); rows without one were written for this table. The policies are in
``bigmath/verify/numbers.py`` (percent), ``bigmath/verify/clock.py`` (times) and
``bigmath/verify/units.py`` (units), and in ``docs/verifier.md`` ("Decisions").
"""

from __future__ import annotations

import json

import pytest

from bigmath.verify import AnswerType, Outcome, answer_type, check, check_many
from bigmath.verify.clock import INVALID, ClockTime, read_clock
from bigmath.verify.units import trailing_variable

C, W = Outcome.CORRECT, Outcome.WRONG
UG, UP = Outcome.UNPARSEABLE_GOLD, Outcome.UNPARSEABLE_PREDICTION

SOURCES = {
    "MCQ#56": "shared/data/labelled/harp_mcq_sample.jsonl line 56 (AHSME 1953 #16, option B)",
    "MCQ#77": "shared/data/labelled/harp_mcq_sample.jsonl line 77 (AHSME 1954 #16, options and solution)",
    "MCQ#232": "shared/data/labelled/harp_mcq_sample.jsonl line 232 (AHSME 1968 #11, a ratio answer)",
    "MCQ#711": "shared/data/labelled/harp_mcq_sample.jsonl line 711 (AMC 8 2012 #3, options and solution)",
    "HARP#121": "shared/data/harp/sample.jsonl line 121 (AHSME 1959 #32, gold \\frac{1}{2}l)",
    "HARP#214": "shared/data/harp/sample.jsonl line 214 (gold \\text{1:36}, 'At what time P.M.')",
    "HARP#633": "shared/data/harp/sample.jsonl line 633 (gold \\text{4:10 P.M.})",
    "HARP#907": "shared/data/harp/sample.jsonl line 907 (gold \\text{10:25 PM})",
    "HARP#1268": "shared/data/harp/sample.jsonl line 1268 (gold 32:17, a ratio)",
    "MATH#430": "shared/data/math/sample.jsonl line 430 (gold 9\\text{ a.m.}: train arrives 21 hours past noon)",
    "MATH#3771": "shared/data/math/sample.jsonl line 3771 (gold \\text{1:03 PM}, 'in the form h:m1m2, like 3:45')",
    "HARP#22": "shared/data/harp/sample.jsonl line 22 (gold 5\\text{:}30\\text{ p.m.})",
    "MATH#4102": "shared/data/math/sample.jsonl line 4102 (gold 4t: 'Simplify 3t+4-6t+7t-4')",
    "MV#67": "https://github.com/huggingface/Math-Verify/issues/67 (percent vs bare number)",
    "ISO8601": "ISO 8601 time of day: hh:mm on the 24-hour clock (0:00 is midnight)",
}

FAMILIES: dict[str, list[tuple]] = {
    "percent_of_written_number": [
        (r"$33\frac {1}{3}\%$", r"\boxed{33\frac{1}{3}\%}", C, "MCQ#56"),  # was: unparseable gold
        (r"33\frac{1}{3}\%", r"\frac{100}{3}\%", C, ""),
        (r"33\frac{1}{3}\%", r"\frac{1}{3}", C, ""),  # the percent's value
        (r"33\frac{1}{3}\%", "0.3333", C, ""),  # a decimal rounding that value
        (r"33\frac{1}{3}\%", r"33.3\%", C, ""),  # a decimal rounding 100/3 (numbers.py rule)
        (r"33\frac{1}{3}\%", r"33\%", W, "MCQ#56"),
        (r"33\frac{1}{3}\%", r"35\%", W, "MCQ#56"),
        (r"33\frac{1}{3}\%", "0.33", C, ""),  # as 0.33 for \frac{1}{3} (numbers.py rule)
        (r"33\frac{1}{3}\%", "0.3", W, ""),  # one significant digit is not enough
        (r"33\frac{1}{3}\%", r"33\frac{1}{3}", W, "MV#67"),  # only integer percents equal their bare number
        (r"\frac{1}{3}\%", r"\frac{1}{3}", W, ""),  # 1/300 is not 1/3
        (r"12\frac{1}{2}\%", r"\frac{1}{8}", C, ""),
        (r"12\frac{1}{2}\%", r"12.5\%", C, ""),
        (r"x\%", r"x\%", UG, ""),  # not a number: still unparseable
    ],
    "clock_times": [
        (r"$\hspace{.05in}5:21\textsc{pm}$", r"\boxed{\hspace{.05in}5:21\textsc{pm}}", C, "MCQ#711"),  # was: unparseable gold
        (r"5:21\textsc{pm}", "5:21 PM", C, "MCQ#711"),
        (r"5:21\textsc{pm}", r"5:21\text{ p.m.}", C, ""),
        (r"5:21\textsc{pm}", r"5{:}21\,\mathrm{PM}", C, ""),
        (r"5:21\textsc{pm}", "17:21", C, "MCQ#711"),  # the solution's own 24-hour step
        (r"5:21\textsc{pm}", "5:21", C, "MATH#3771"),  # no half of the day stated: either half
        (r"\text{1:03 PM}", "1:03", C, "MATH#3771"),  # "Your answer should be in the form h:m1m2"
        (r"9\text{ a.m.}", "9:00 a.m.", C, "MATH#430"),
        (r"9\text{ a.m.}", "9:00 p.m.", W, "MATH#430"),  # both state the half: they must agree
        (r"9\text{ a.m.}", "21:00", W, "MATH#430"),
        (r"9\text{ a.m.}", "9", W, "MATH#430"),  # was: correct; a number is not a time
        (r"$5\text{:}30\text{ p.m.}$", "5:30 PM", C, "HARP#22"),
        (r"5:21\textsc{pm}", "5:21 AM", W, ""),
        (r"5:21\textsc{pm}", r"5:41\textsc{pm}", W, "MCQ#711"),  # option E
        (r"5:21\textsc{pm}", "1041", W, ""),  # minutes after midnight: a time is not a number
        (r"5:21\textsc{pm}", "5:21:00 PM", C, ""),
        (r"\text{1:36}", "1:36 PM", C, "HARP#214"),  # a gold with no half of the day accepts either
        (r"\text{1:36}", "13:36", C, "HARP#214"),
        (r"\text{1:36}", "1:36", C, "HARP#214"),
        (r"\text{1:36}", "1:46 PM", W, ""),
        (r"\text{4:10 P.M.}", "4:10 pm", C, "HARP#633"),  # before: two different words
        (r"\text{4:10 P.M.}", "16:10", C, "HARP#633"),
        (r"\text{10:25 PM}", r"\text{10:25 P.M.}", C, "HARP#907"),
        (r"\text{10:25 PM}", "10:25 AM", W, "HARP#907"),
        ("12:00 PM", r"\boxed{12 \text{ noon}}", C, ""),
        ("12:00 AM", "0:00", C, "ISO8601"),  # a bare 0:00 (0/0) read on the 24-hour clock
        ("12:00 AM", "12:00 PM", W, ""),
        ("5 PM", "5:00 p.m.", C, ""),
        ("13:05 PM", "13:05", UG, ""),  # a marker on an impossible hour
        ("5:75 pm", "5:75 pm", UG, ""),
        (r"5:21\textsc{pm}", "17:75", W, ""),  # no such time: stays the ratio 17/75
        ("32:17", "32:17", C, "HARP#1268"),  # a bare H:MM gold is a ratio
        ("9:16", "18:32", C, "MCQ#232"),
        ("9:16", "9:16 PM", W, "MCQ#232"),  # a ratio gold is not a time
    ],
    "trailing_letter_variable_or_unit": [
        ("5h^2-2h", r"\boxed{h(5h-2)}", C, "MCQ#77"),  # was: wrong (5h^2-2)
        ("5h^2-2", r"\boxed{5h^2-2h}", W, "MCQ#77"),  # was: correct
        ("$h(10x+5h-2)$", "10xh+5h^2-2h", C, "MCQ#77"),  # the solution's expansion (was: wrong)
        ("$h(10x+5h-2)$", "10xh+5h^2-2", W, "MCQ#77"),
        ("$h(10x+5h-2)$", "3h", W, "MCQ#77"),  # option D
        ("4t", "4", W, "MATH#4102"),  # was: correct (gold read as 4)
        ("4t", "4t", C, "MATH#4102"),
        (r"\frac{1}{2}l", r"\frac{1}{2}", W, "HARP#121"),  # was: correct
        (r"\frac{1}{2}l", r"\frac{l}{2}", C, "HARP#121"),
        (r"2\pi r h", r"2\pi r", W, ""),  # the rest has a variable: h is one too
        (r"2\pi r h", r"2\pi h r", C, ""),  # two one-letter words are never a unit
        ("x + 2 h", "x + 2", W, ""),
        ("2ab", "2", W, ""),  # math-verify's list holds the segment name "ab"
        ("5", "5 h", C, ""),  # a spaced letter after a number is a unit
        ("5 h", "5", C, ""),
        ("3", r"3\text{ hours}", C, ""),  # units in \text{} are dropped as before
        ("3", "3 hours", C, ""),
        (r"45^\circ", "45", C, ""),
        ("10", "10 m", C, ""),
        ("x = 5", "x = 5 m", C, ""),  # the name before "=" is not part of the value
        (r"A = 2\pi r h", r"A = 2\pi r", W, ""),
        ("5", "5cm", C, ""),  # unit words of two or more letters are dropped as before
    ],
}

ROWS = [
    pytest.param(gold, prediction, expected, source, id=f"{family}-{i}")
    for family, rows in FAMILIES.items()
    for i, (gold, prediction, expected, source) in enumerate(rows)
]


def test_rows_cite_known_sources():
    assert len(ROWS) >= 50
    assert {p.values[3] for p in ROWS if p.values[3]} <= set(SOURCES)


@pytest.mark.parametrize("gold, prediction, expected, source", ROWS)
def test_notation_row(gold, prediction, expected, source):
    verdict = check(gold, prediction, timeout_s=10.0)
    assert verdict.outcome is expected, f"{verdict} (source: {SOURCES.get(source, 'written for this table')})"


@pytest.mark.parametrize(
    "answer, kind, parses",
    [
        (r"33\frac{1}{3}\%", AnswerType.FRACTION, True),
        (r"\hspace{.05in}5:21\textsc{pm}", AnswerType.TIME, True),
        (r"\text{1:36}", AnswerType.TIME, True),
        ("13:05 PM", AnswerType.TEXT, False),
        ("9:16", AnswerType.FRACTION, True),  # a ratio
        ("4t", AnswerType.EXPRESSION, True),  # was: integer 4
    ],
)
def test_answer_type(answer, kind, parses):
    assert tuple(answer_type(answer)) == (kind, parses)


@pytest.mark.parametrize(
    "latex, bare, expected",
    [
        (r"5:21\textsc{pm}", False, ClockTime(17 * 3600 + 21 * 60, True)),
        ("5:21 a. m.", False, ClockTime(5 * 3600 + 21 * 60, True)),
        ("12:30 am", False, ClockTime(30 * 60, True)),
        ("12 midnight", False, ClockTime(0, True)),
        ("12:30", True, ClockTime(30 * 60, False)),  # either half of the day
        ("0:30", True, ClockTime(30 * 60, True)),
        ("3:2", True, None),  # no two-digit minutes: a ratio whatever the context
        ("5:21", False, None),  # a ratio without context
        ("5pm", False, None),  # glued, no minutes: read as before
        ("11:30 noon", False, INVALID),
        ("0:30 am", False, INVALID),
        (r"\text{32:17}", False, None),  # no time without a marker: left to math-verify
    ],
)
def test_read_clock(latex, bare, expected):
    assert read_clock(latex, bare=bare) == expected


@pytest.mark.parametrize(
    "latex, expected",
    [("5h^2-2h", True), ("4t", True), (r"\frac{1}{2}l", True), (r"2\pi r h", True), ("x + 2 h", True),
     ("5 h", False), (r"\frac{5}{2} s", False), (r"10\sqrt{3} m", False), ("5cm", False), ("60 mph", False),
     ("3x", False), (r"3\text{ hours}", False), ("x = 5 m", False), (r"t \approx 3 s", False),
     ("v = 2 t", False), ("v = a t", True)],
)
def test_trailing_variable(latex, expected):
    assert trailing_variable(latex) is expected


def test_the_benchmark_rows_grade_from_the_shared_files(shared_data):
    """The HARP rows themselves: the gold of each line against its keyed option, boxed, and
    against a wrong option (the rows ``benchmarks/reformulate_quality.py`` refused)."""
    lines = (shared_data / "labelled" / "harp_mcq_sample.jsonl").read_text(encoding="utf-8").splitlines()
    for number, wrong_label in ((56, "A"), (711, "E"), (77, "E")):
        row = json.loads(lines[number - 1])
        keyed, wrong = row["choices"][row["answer_choice"]], row["choices"][wrong_label]
        assert check(row["answer"], f"\\boxed{{{keyed.strip('$')}}}").outcome is C, number
        assert check(row["answer"], f"\\boxed{{{wrong.strip('$')}}}").outcome is W, number


def test_worker_processes_grade_the_same_way():
    golds = [r"33\frac{1}{3}\%", r"5:21\textsc{pm}", r"5:21\textsc{pm}", "5h^2-2h", "5"]
    predictions = [r"\frac{1}{3}", "17:21", "5:21 p.m.", r"\boxed{h(5h-2)}", "5 h"]
    verdicts = check_many(golds, predictions, workers=2, timeout_s=10.0)
    assert [v.outcome for v in verdicts] == [C, C, C, C, C]
    assert verdicts[1].prediction == "17:21" and "time of day" in verdicts[1].reason
