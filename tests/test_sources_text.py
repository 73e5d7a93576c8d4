"""Whitespace normalisation of problem text and clean-up of upstream answer fields."""

from __future__ import annotations

import pytest

from bigmath.boxed import all_boxed, last_boxed
from bigmath.sources.base import clean_answer, normalize_whitespace


@pytest.mark.parametrize(("text", "expected"), [
    ("  What is $1+1$?  ", "What is $1+1$?"),
    ("a\r\nb\rc", "a\nb\nc"),
    ("two  spaces\tand a tab", "two spaces and a tab"),
    ("line end   \nnext", "line end\nnext"),
    ("a\n\n\n\n\nb", "a\n\nb"),
    ("keep\n    indented code\n\tand tabs", "keep\n    indented code\n\tand tabs"),
    ("no\u00a0break, thin\u2009space, ideographic\u3000space", "no break, thin space, ideographic space"),
    ("a stray \x0crac stays visible", "a stray \x0crac stays visible"),
    ("blank   \n   \n\n\nline", "blank\n\nline"),
])
def test_normalize_whitespace(text, expected):
    assert normalize_whitespace(text) == expected


@pytest.mark.parametrize(("raw", "expected"), [
    ("$21$", "21"),
    ("$$x^2$$", "x^2"),
    ("\\[\n21\n\\]", "21"),
    ("\\(\\{n \\ge 13\\}\\)", "\\{n \\ge 13\\}"),
    ("\\(\\boxed{4489}\\)", "4489"),
    ("\\boxed{2^{mn} - 1}", "2^{mn} - 1"),
    ("$\\$40$", "\\$40"),  # an escaped dollar inside is money
    ("$a$ OR $b$", "$a$ OR $b$"),  # two math spans: not one wrapper
    ("\\[a\\] \\[b\\]", "\\[a\\] \\[b\\]"),
    ("reflection about the line $y = x$", "reflection about the line $y = x$"),
    ("  ", None),
    ("$ $", None),
    (None, None),
])
def test_clean_answer(raw, expected):
    assert clean_answer(raw) == expected


def test_box_holding_only_a_box_is_unwrapped():
    assert last_boxed(r"so $n = \boxed{\boxed{13}}$") == "13"
    assert last_boxed(r"\boxed{ \fbox{ 7 } }") == "7"
    assert all_boxed(r"\boxed{\boxed{1}+\boxed{2}}") == [r"\boxed{1}+\boxed{2}"]  # not only a box: kept
