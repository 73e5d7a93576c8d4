r"""Answer extraction and normalisation: ``extract_answer``, ``normalize_answer``, bare answers, gold text."""

from __future__ import annotations

import pytest

from bigmath.verify import extract_answer
from bigmath.verify.extract import gold_text, is_bare_answer, normalize_answer


@pytest.mark.parametrize(
    "text, expected",
    [
        (r"so $x=\boxed{\frac{9}{7}}$.", r"\frac{9}{7}"),
        (r"\boxed{\frac{\sqrt{2}}{\left(1+\frac{1}{2}\right)}}", r"\frac{\sqrt{2}}{\left(1+\frac{1}{2}\right)}"),
        (r"first \boxed{1} then \boxed{2}", "2"),
        (r"\fbox{7}", "7"),
        (r"\boxed 5", "5"),
        (r"\boxed{}", ""),
        (r"\boxed{$x = 3$}", "x = 3"),
        (r"\boxed{\boxed{875}}", "875"),
        ("Final Answer: The final answer is $5$. I hope it is correct.", "5"),
        ("The answer is 12.", "12"),
        ("the answer is 5 because x = 2", "5"),
        ("The answer is $5$ because $x = 2$.", "5"),
        (r"The answer is $f(x) = 1 \text{ if } x>0$", r"f(x) = 1 \text{ if } x>0"),
        ("Answer: $\\frac{1}{2}$", r"\frac{1}{2}"),
        ("So the final answer is 3. The reason is simple.", "3"),
        ("blah\n#### 72", "72"),
        ("Thus the number is **73**.", "73"),
        ("✅ Final Answer: **73**", "73"),
        (r"<think>\boxed{1}</think>The answer is \boxed{2}", "2"),
        (r"<think>\boxed{1}</think>", None),
        ("**Step 1:** compute.\n\nno answer here", None),
        ("no answer here", None),
        ("", None),
        (None, None),
    ],
)
def test_extract_answer(text, expected):
    assert extract_answer(text) == expected


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("$3\\sqrt{2}$", r"3\sqrt{2}"),
        (r"\(x+1\)", "x+1"),
        (r"1\,000", "1000"),
        ("1 000 000", "1000000"),
        (r"5,\!525", "5525"),
        (r"1 - \frac{1}{\mathrm{e}}", r"1 - \frac{1}{e}"),
        (r"\text{i}", "i"),
        (r"\textdollar 13", r"\$13"),
        (r"\hspace{.05in}5", "5"),
        ("{-}1", "-1"),
        (r"\frac \pi4", r"\frac\pi4"),
        ("42.", "42"),
        ("3.5", "3.5"),
        (r"1, 2, \ldots", r"1, 2, \ldots"),
    ],
)
def test_normalize_answer(raw, expected):
    assert normalize_answer(raw) == expected


@pytest.mark.parametrize(
    "text, bare",
    [
        (r"3\sqrt{2}", True),
        ("x = 5", True),
        ("1331 and 1728", True),
        (r"1331 \text{ and } 1728", True),
        ("Tuesday", True),
        (r"\begin{pmatrix}1\\2\end{pmatrix}", True),
        (r"\$5", True),
        ("The answer is 5", False),
        ("so $x=5$", False),
        ("5\n6", False),
        ("I don't know.", False),
    ],
)
def test_is_bare_answer(text, bare):
    assert is_bare_answer(text) is bare


def test_gold_text_reads_numbers_and_solutions():
    assert gold_text(27.0) == "27"
    assert gold_text(0.5) == "0.5"
    assert gold_text(70) == "70"
    assert gold_text(None) == ""
    assert gold_text(r"so the answer is $\boxed{12}$.") == "12"
    with pytest.raises(TypeError, match="bool"):
        gold_text(True)
    with pytest.raises(TypeError, match="list"):
        gold_text(["1"])
