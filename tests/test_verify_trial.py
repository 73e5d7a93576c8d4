r"""Four more findings of a new-user trial of the verifier (the fifth, echoes: test_verify_echo.py).

* Long answers: content of a box or behind an answer marker is parsed whole whatever its length
  (it used to fall through to free-text extraction past 200 characters and be graded by its
  last number: ``\boxed{1, 2, ..., 60}`` written out was "60").
* Numeric predictions (``{"answer": "2", "response": 2}`` in a jsonl) are read as their text, as
  numeric golds are; ``check("2", 2)`` used to raise.
* A currency sign ``\$`` before the value of a last "is VALUE" sentence.
* Negations after an answer marker: "The answer is not 4." / "The answer cannot be 4." deny 4.

Every row comes from the trial (its own examples, or the same shape with other numbers).
"""

from __future__ import annotations

import pytest

from bigmath.verify import Outcome, check, check_many, extract_answer
from bigmath.verify.extract import MAX_BARE_CHARS, is_bare_answer, prediction_text

C, W, UP = Outcome.CORRECT, Outcome.WRONG, Outcome.UNPARSEABLE_PREDICTION


def _poly(terms: int, variable: str = "x") -> str:
    """The trial's polynomial ``1x^{1}+2x^{2}+...`` (29 terms: 242 characters)."""
    return "+".join(f"{k}{variable}^{{{k}}}" for k in range(1, terms + 1))


POLY = _poly(29)
LIST = ", ".join(str(k) for k in range(1, 61))  # 1, 2, ..., 60 written out: 229 characters
LONG_LIST = ", ".join(str(k) for k in range(1, 101))  # 389 characters

LONG = [
    (POLY, r"\boxed{%s}" % POLY, C),
    (POLY, "The answer is $%s$." % POLY, C),
    ("29", r"\boxed{%s}" % _poly(29, "y"), W),  # was correct: read by its last number
    ("60", r"\boxed{%s}" % LIST, W),
    ("100", r"\boxed{%s}" % LONG_LIST, W),  # was correct
    (LONG_LIST, r"\boxed{%s}" % LONG_LIST, C),
    (POLY, r"\boxed{%s}" % _poly(28), W),
]


@pytest.mark.parametrize("gold, prediction, expected", LONG)
def test_an_answer_behind_a_marker_is_parsed_whole_whatever_its_length(gold, prediction, expected):
    assert len(POLY) > MAX_BARE_CHARS
    verdict = check(gold, prediction)
    assert verdict.outcome is expected, verdict


def test_the_length_bound_stays_for_text_without_a_marker():
    assert not is_bare_answer(POLY) and is_bare_answer(POLY, max_chars=None)
    assert not is_bare_answer("So the answer follows. " * 10, max_chars=None)  # prose stays prose


def test_numeric_predictions_are_read_as_text():
    assert [check("2", 2).outcome, check("2.5", 2.5).outcome, check("27", 27.0).outcome, check("3", 2).outcome] == [C, C, C, W]
    assert prediction_text(2) == "2" and prediction_text(27.0) == "27" and prediction_text(None) is None
    verdicts = check_many(["2", "0.5", "7"], [2, 0.5, "7"], workers=2, timeout_s=10.0)
    assert [v.outcome for v in verdicts] == [C, C, C]
    with pytest.raises(TypeError, match="prediction must be str, int or float, got bool"):
        check("1", True)


STATED = [
    ("18.90", r"The total cost is \$18.90.", C),  # was unparseable_prediction
    ("18.90", r"So the total is \$18.90.", C),
    ("18.90", r"The total cost is $\$18.90$.", C),
    ("5", r"Each ticket is \$ 5.", C),
    ("18.90", r"The total cost is \$19.90.", W),
]


@pytest.mark.parametrize("gold, prediction, expected", STATED)
def test_a_currency_sign_before_the_stated_value(gold, prediction, expected):
    assert check(gold, prediction).outcome is expected


NEGATED = [
    ("4", "The answer is not 4.", UP),
    ("4", "The answer cannot be 4.", UP),
    ("4", "The answer isn't $4$.", UP),
    ("4", "The final answer cannot be 4.", UP),
    ("4", "The answer is never 4.", UP),
    ("4", "The answer is 4. Wait, the answer is not 4.", UP),  # a claim retracted
    ("5", "The answer is 5, not 4.", C),
    ("4", "The answer is 5, not 4.", W),
    ("5", "The answer is not 4. The answer is 5.", C),
    ("5", "The answer is 5. The answer is not 4.", C),  # another value denied: the claim stands
    ("4", "It is not 4.", UP),  # no marker: the denied last value is not read either
    ("5", "We find x = 5. It is not 4.", C),
    ("4", "We find x = 5. It is not 4.", W),
    ("7", "The answer is at least 7.", C),  # a bound with no claim: read as before (a documented limitation)
]


@pytest.mark.parametrize("gold, prediction, expected", NEGATED)
def test_a_negated_answer_marker_denies_its_value(gold, prediction, expected):
    verdict = check(gold, prediction)
    assert verdict.outcome is expected, verdict


# a second new-user trial: a denied box, an adverb before "not", and the Minerva prefix
DENIED = [
    ("4", r"The answer is not $\boxed{4}$.", UP),
    ("4", r"\boxed{4} is not the answer.", UP),
    ("4", r"$\boxed{4}$ is not correct.", UP),
    ("4", r"The answer is $\boxed{4}$, not 5.", C),  # another value denied
    ("4", r"Since $x$ is not 3, we get $x = \boxed{4}$.", C),  # "not" about something else
    ("4", r"It is not $3$. Hence $\boxed{4}$.", C),
    ("4", "Final Answer: The final answer is not 4.", UP),  # was wrong, prediction 'E*h*t'
    ("4", "Final Answer: The final answer is $4$. I hope it is correct.", C),
    ("4", "The answer is definitely not 4.", UP),  # was wrong, a product of letters
    ("4", "The answer is probably not 4.", UP),
    ("4", "The answer is only 4.", C),
]


@pytest.mark.parametrize("gold, prediction, expected", DENIED)
def test_a_denied_box_or_a_qualified_denial_has_no_answer(gold, prediction, expected):
    verdict = check(gold, prediction)
    assert verdict.outcome is expected, verdict


# a second new-user trial: a plain-text list was graded by its last number, so hedging paid
LISTS = [
    ("3", "The possible values are 1, 2, 3.", W),
    ("3", "The roots are 2 and 3.", W),
    ("1, 2, 3", "The possible values are 1, 2, 3.", C),  # was wrong: read as 3
    ("2, 3", "The roots are 2 and 3.", C),
    ("60", "The possible values are " + LIST + ".", W),
    ("60", LIST, W),  # a bare list past the 200-character bound: no last-number reading
    ("5", "So she has 5 apples.", C),
    ("5", "The answer follows from 2 + 3 = 5.", C),
]


@pytest.mark.parametrize("gold, prediction, expected", LISTS)
def test_a_stated_list_is_one_answer_whatever_its_length(gold, prediction, expected):
    verdict = check(gold, prediction)
    assert verdict.outcome is expected, verdict


def test_a_string_for_a_sequence_is_a_type_error():
    with pytest.raises(TypeError, match="got a string"):
        check_many(["1", "2", "3"], ["1", "2", "3"], problems="abc", workers=1)


def test_extract_answer_of_a_denial_is_empty():
    assert extract_answer("The answer is not 4.") == ""
    assert extract_answer("The answer is 5, not 4.") == "5"
