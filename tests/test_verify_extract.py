r"""Answer extraction and normalisation: ``extract_answer``, ``normalize_answer``, bare answers, gold text."""

from __future__ import annotations

import pytest

from bigmath.verify import extract_answer
from bigmath.verify.boxes import final_boxes
from bigmath.verify.extract import answer_parts, gold_text, is_bare_answer, normalize_answer, prose_words
from bigmath.verify.statements import final_statement


@pytest.mark.parametrize(
    "text, expected",
    [
        (r"so $x=\boxed{\frac{9}{7}}$.", r"\frac{9}{7}"),
        (r"\boxed{\frac{\sqrt{2}}{\left(1+\frac{1}{2}\right)}}", r"\frac{\sqrt{2}}{\left(1+\frac{1}{2}\right)}"),
        (r"first \boxed{1} then \boxed{2}", "2"),
        (r"\boxed{1}, \boxed{2} and \boxed{3}", "1, 2, 3"),
        (r"$x = \boxed{2}$, $y = \boxed{3}$", "x = 2, y = 3"),
        (r"\framebox{7}", "7"),
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
        ("2√2", r"2\sqrt{2}"),
        ("√(x+1)", r"\sqrt{x+1}"),
        ("2½", r"2\frac{1}{2}"),
        ("[2, ∞)", r"[2, \infty )"),
        ("45°", r"45^{\circ}"),
        (r"\varnothing", r"\emptyset"),
        ("6.02e23", r"6.02\times10^{23}"),
        (r"0.\overline{36}", r"\frac{4}{11}"),
        (r"-0.1\overline{6}", r"-\frac{1}{6}"),
        (r"\overline{CD}", r"\overline{CD}"),
        (r"\approx 0.33", "0.33"),
        (r"\text{all real numbers}", r"\mathbb{R}"),
        (r"\sqrt[3]2", r"\sqrt[3]{2}"),
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


@pytest.mark.parametrize(
    "text, boxes",
    [
        (r"\boxed{1},\boxed{2},\boxed{3}", ["1", "2", "3"]),
        (r"\boxed{(2, 2)} \quad \text{and} \quad \boxed{(6, 2)}", ["(2, 2)", "(6, 2)"]),
        (r"For part (a), \boxed{3}. For part (b), \boxed{5}.", ["3", "5"]),
        (r"\boxed{3} for part (a) and \boxed{5} for part (b)", ["3", "5"]),
        ("Part 1: \\boxed{3}\nPart 2: \\boxed{4}", ["3", "4"]),
        ("\\[\\boxed{1}\\]\n\\[\\boxed{2}\\]", ["1", "2"]),
        (r"\boxed{840}.\n\n**Final Answer**\n\boxed{840}", ["840"]),  # words between: a new answer
        (r"\boxed{2}. Wait, that is wrong. \boxed{3}", ["3"]),
        (r"\boxed{-3}$.\n\nNote: $\boxed{3}", ["3"]),
        (r"\boxed{3}, \boxed{3}", ["3"]),
        (r"$x = \boxed{2}$ and $y = \boxed{3}$", ["x = 2", "y = 3"]),
        (r"so $3 \cdot 4 = \boxed{12}$ and $\boxed{5}$", ["12", "5"]),  # 4 = is not a name
        ("no box", []),
    ],
)
def test_final_boxes(text, boxes):
    assert final_boxes(text.replace("\\n", "\n")) == boxes


def test_answer_parts_reads_after_thinking():
    assert answer_parts(r"<think>\boxed{9}</think> so \boxed{1} and \boxed{2}") == ["1", "2"]
    assert answer_parts("The answer is 12.") == ["12"]
    assert answer_parts("nothing") is None


@pytest.mark.parametrize(
    "text, value",
    [
        ("We add 2 and 3.\nSo she has 5 apples.", "5"),
        (r"The smallest possible value of \(a_{10}\) is \(248\).", "248"),
        (r"The area is $\frac{1}{2}bh = 6$.", "6"),
        ("First, $x+1=6$.\nThus $x = 5$.", "x = 5"),
        ("The polynomial is $$x^2+1.$$", "x^2+1"),
        (r"The probability is $\frac{3}{8}$, so $m+n = 11$.", "11"),
        ("Solving, $(x-2)(x-3)=0$, so $x=2$ or $x=3$.", "x=2, x=3"),
        ("Thus $x \\ge 2$.", "x \\ge 2"),
        (r"Cathy can win if and only if \( n \leq 2^{k-1} \).", None),  # a condition, not a value
        ("Jenna will win with $2013$ coins, and whoever goes first will win with $2014$ coins.", None),
        ("So there are 3 ways for each of the 4 colors.", None),
        ("It is a negative number ending with a 5.", None),
        ("", None),
    ],
)
def test_final_statement(text, value):
    assert final_statement(text) == value


def test_prose_words():
    assert prose_words("$A makes 1100 on the deal$") == ["makes", "the", "deal"]
    assert prose_words(r"$\text{66 dollars}$") == []
    assert prose_words(r"1331 \text{ and } 1728") == []
    assert prose_words("$69$,$84$") == []


def test_gold_text_reads_numbers_and_solutions():
    assert gold_text(27.0) == "27"
    assert gold_text(0.5) == "0.5"
    assert gold_text(70) == "70"
    assert gold_text(None) == ""
    assert gold_text(r"so the answer is $\boxed{12}$.") == "12"
    assert gold_text(r"the answers are $\boxed{-2}$ and $\boxed{1}$.") == "-2, 1"
    assert gold_text("Natalia sold 48/2 = 24 clips.\n#### 72") == "72"
    assert gold_text("We add 2 and 3.\nSo she has 5 apples.") == "5"
    assert gold_text("It is impossible to tile the board.") == "It is impossible to tile the board."
    assert gold_text("5 apples") == "5 apples"  # one word: an answer with a unit, read as written
    assert gold_text("$69$,$84$") == "$69$,$84$"
    with pytest.raises(TypeError, match="bool"):
        gold_text(True)
    with pytest.raises(TypeError, match="list"):
        gold_text(["1"])
