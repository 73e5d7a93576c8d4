r"""Regression table of the verifier: (gold, prediction, expected outcome, where the case came from).

Rows are grouped by kind. ``source`` names the public report or data file a row comes from (a
key of :data:`SOURCES`); rows without one were written for this table. Expected outcomes are
the *policy* documented in ``docs/verifier.md``, e.g. degrees are not converted to radians and
units are ignored, so some rows assert ``wrong`` or ``correct`` where another grader may differ.
Every row runs through :func:`bigmath.verify.check` in the main thread (gold first, always).
"""

from __future__ import annotations

import pytest

from bigmath.verify import Outcome, check

C, W = Outcome.CORRECT, Outcome.WRONG
UG, UP, T = Outcome.UNPARSEABLE_GOLD, Outcome.UNPARSEABLE_PREDICTION, Outcome.TIMEOUT

#: Where rows come from: public bug reports and the shared sample files.
SOURCES = {
    "MV#2": "https://github.com/huggingface/Math-Verify/issues/2",
    "MV#10": "https://github.com/huggingface/Math-Verify/issues/10",
    "MV#13": "https://github.com/huggingface/Math-Verify/issues/13",
    "MV#14": "https://github.com/huggingface/Math-Verify/issues/14",
    "MV#25": "https://github.com/huggingface/Math-Verify/issues/25",
    "MV#26": "https://github.com/huggingface/Math-Verify/issues/26",
    "MV#29": "https://github.com/huggingface/Math-Verify/issues/29",
    "MV#35": "https://github.com/huggingface/Math-Verify/issues/35",
    "MV#37": "https://github.com/huggingface/Math-Verify/issues/37",
    "MV#41": "https://github.com/huggingface/Math-Verify/issues/41",
    "MV#47": "https://github.com/huggingface/Math-Verify/issues/47",
    "MV#49": "https://github.com/huggingface/Math-Verify/issues/49",
    "MV#50": "https://github.com/huggingface/Math-Verify/issues/50",
    "MV#56": "https://github.com/huggingface/Math-Verify/issues/56",
    "MV#60": "https://github.com/huggingface/Math-Verify/issues/60",
    "MV#63": "https://github.com/huggingface/Math-Verify/issues/63",
    "MV#64": "https://github.com/huggingface/Math-Verify/issues/64",
    "MV#65": "https://github.com/huggingface/Math-Verify/issues/65",
    "MV#67": "https://github.com/huggingface/Math-Verify/issues/67",
    "MV#74": "https://github.com/huggingface/Math-Verify/issues/74",
    "MV#76": "https://github.com/huggingface/Math-Verify/issues/76",
    "open-r1#86": "https://github.com/huggingface/open-r1/issues/86",
    "open-r1#293": "https://github.com/huggingface/open-r1/issues/293",
    "sympy#24187": "https://github.com/sympy/sympy/issues/24187",
    "MATH": "shared/data/math/sample.jsonl (MATH test split, last \\boxed{} of the solution)",
    "MATH-500": "shared/data/labelled/math500_test.jsonl",
    "HARP": "shared/data/harp/sample.jsonl",
    "Omni-MATH": "shared/data/omni_math/sample.jsonl",
    "Omni-GPTeval": "shared/data/labelled/omni_math_gpteval100.jsonl",
    "AMC23": "shared/data/labelled/amc23_test.jsonl (answers stored as floats)",
    "AIME25": "shared/data/labelled/aime25_test.jsonl (answers stored as ints)",
    "GSM8K": "shared/data/labelled/gsm8k_test.jsonl (answers end in '#### N')",
    "Minerva": "lm-eval / Minerva answer format 'Final Answer: The final answer is X. I hope it is correct.'",
}

CASES: dict[str, list[tuple]] = {
    "integers_separators_leading_zeros": [
        ("1000", "1,000", C, ""),
        ("1000", "1{,}000", C, ""),
        ("1000", r"1\,000", C, "MATH"),  # thin space: math-verify alone reads 1*0
        ("1000000", "1 000 000", C, ""),
        ("1000", "1000.0", C, ""),
        ("1000", "10000", W, ""),
        ("1,234,567", "1234567", C, ""),
        ("1,000", "1", W, ""),
        (r"5{,}525", "5525", C, "MATH"),
        (r"\frac{12}{5,\!525}", r"\frac{12}{5525}", C, "MATH"),
        ("7", "007", C, ""),
        ("007", "7", C, "AIME25"),
        ("42", r"\boxed{42}", C, ""),
        ("42", r"\boxed{ 42 }", C, ""),
        ("42", r"\boxed{-42}", W, ""),
        ("-3", "-3", C, ""),
        ("-3", "3", W, ""),
        ("0", "0", C, ""),
        ("0", "-0", C, ""),
        ("2", "2.", C, ""),
        (27.0, "27", C, "AMC23"),
        (27.0, "27.5", W, "AMC23"),
        (70, "70", C, "AIME25"),
        (70, r"\boxed{071}", W, "AIME25"),
        ("${-}1$", "-1", C, "HARP"),
        (r"\hspace{.05in}139", "139", C, "HARP"),
    ],
    "decimals_vs_fractions": [
        (r"\frac{1}{2}", "0.5", C, ""),
        ("0.5", r"\frac{1}{2}", C, ""),
        (r"\frac{1}{3}", "0.333333", C, ""),
        (r"\frac{1}{3}", "0.333", C, ""),  # issue 18: a decimal that rounds the fraction (was wrong)
        (r"\frac{1}{3}", "0.334", W, ""),  # not 1/3 rounded
        (r"\frac{1}{3}", "0.3333333333", C, ""),
        (r"\frac{2}{3}", "0.666667", C, ""),
        (r"\frac{1}{7}", "0.142857", C, ""),
        (r"\frac{1}{12}", "0.0833333333333333", C, "MV#2"),
        (r"\frac{100}{3}", "33.3", C, "MV#2"),  # issue 18: the reporter's expectation (was wrong)
        ("33.3", r"\frac{100}{3}", C, "MV#2"),  # precision inferred from the gold (Math-Verify #4)
        (r"\frac{100}{3}", "33", W, "MV#2"),
        (r"\frac{6}{4}", r"\frac{3}{2}", C, ""),
        (r"\frac{3}{2}", "1.5", C, ""),
        (r"\dfrac{3}{2}", r"\tfrac32", C, ""),
        (r"\frac12", r"\frac{1}{2}", C, "MV#35"),
        ("1.25", r"\frac{5}{4}", C, ""),
        ("0.1", "0.10", C, ""),
        ("3.14", "3.1400", C, ""),
        ("3.14", "3.15", W, ""),
        (r"\frac{7}{8}", "0.875", C, ""),
        ("2.5", "5/2", C, ""),
        ("-0.25", r"-\frac{1}{4}", C, ""),
        (r"\frac{1}{2}", r"\frac{1}{4}", W, ""),
        (r"\frac{3}{4}", "3/4", C, ""),
        (r"\frac{38}{7}", r"\frac{76}{14}", C, "Omni-GPTeval"),
        (r"\frac{x+2}{7}", r"\frac{x}{7}+\frac{2}{7}", C, "MV#2"),
        (r"\tan^2(y)+1", r"\sec^2(y)", C, "MV#2"),
    ],
    "mixed_numbers": [
        (r"$10\frac{2}{3}$", r"\frac{32}{3}", C, "HARP"),
        (r"10\frac{2}{3}", r"10\frac{2}{3}", C, "HARP"),
        (r"2\frac{1}{4}", r"\frac{9}{4}", C, ""),
        (r"2\frac{1}{4}", "2.25", C, ""),
        (r"\frac{9}{4}", r"2\frac{1}{4}", C, ""),
        (r"2\frac{1}{4}", r"\frac{1}{2}", W, ""),  # a mixed number is not a product
        (r"3\frac{1}{2}", r"\frac{3}{2}", W, ""),
        (r"1\frac{1}{3}", r"\frac{4}{3}", C, ""),
        (r"5\frac{1}{2}", "5.5", C, ""),
        (r"5\frac{1}{2}", "5", W, ""),
    ],
    "percentages": [
        (r"50\%", "50", C, "MV#67"),  # math-verify accepts the bare number for an integer percent
        (r"50\%", "0.5", C, ""),
        (r"50\%", r"50\%", C, ""),
        (r"50\%", "The answer is 50 percent.", C, ""),
        (r"50\%", "5", W, ""),
        (r"12.5\%", r"\frac{1}{8}", C, ""),
        ("25", r"25\%", C, ""),
        (r"20\%", r"\frac{1}{4}", W, ""),
        (r"7.41\%", r"7.41\%", C, "MV#50"),
        (r"28\%", "28 percent", C, "MV#67"),
        (r"33\frac{1}{3}\%", r"33.33\%", C, "HARP"),  # mixed-number percent (was: unparseable gold)
    ],
    "degrees_vs_radians": [
        (r"30^\circ", "30", C, ""),
        (r"30^\circ", r"30^{\circ}", C, ""),
        (r"30^\circ", r"30 \text{ degrees}", C, ""),
        (r"30^\circ", r"\frac{\pi}{6}", W, ""),  # policy: degrees are not converted
        (r"\frac{\pi}{6}", r"30^\circ", W, ""),
        (r"45^\circ", "45", C, "Omni-GPTeval"),
        (r"90^\circ", "89", W, ""),
        (r"\frac{\pi}{2}", r"\frac{\pi}{2}", C, ""),
        (r"\frac{\pi}{2}", "1.570796", C, ""),
        (r"120^\circ", r"120^\circ", C, "MATH"),
    ],
    "units_and_text": [
        (r"5 \text{ cm}", "5", C, ""),
        ("5", r"5 \text{ cm}", C, ""),
        (r"5 \text{ cm}", r"5 \text{ m}", C, ""),  # policy: units are ignored
        (r"12 \text{ inches}", "12", C, "MATH"),
        (r"\text{13}", "13", C, "MV#37"),
        ("13", r"\text{13}", C, "MV#37"),
        (r"4 \text{ square units}", "4", C, "MATH"),
        (r"6 \text{ cm}^2", "6", C, "MATH"),
        (r"10 \text{ feet}", "10", C, ""),
        (r"5 \text{ cm}", "6", W, ""),
        ("5", "The answer is 5 apples.", C, ""),
        ("5", r"\boxed{5 \text{ apples}}", C, ""),
    ],
    "currency": [
        (r"\$5.00", "5", C, ""),
        ("5", r"\$5", C, ""),
        (r"\$1,000", "1000", C, ""),
        (r"$\textdollar 13$", "13", C, "HARP"),
        (r"$\textdollar 2.60$", "2.6", C, "HARP"),
        (r"$\textdollar 2.60$", "2.06", W, "HARP"),
        (r"\$18.90", "18.9", C, ""),
        (r"\$18.90", r"\$18.09", W, ""),
        ("32", r"\$32", C, ""),
        (r"\$18.90", r"The final answer is $\$18.90$.", C, "HARP"),
        (r"\$ 139", r"The final answer is $\$ 139$.", C, "HARP"),
    ],
    "pi_and_e": [
        (r"2\pi", r"2\pi", C, ""),
        (r"2\pi", "2", W, ""),  # bare gold 2\pi must not parse as 2
        (r"2\pi", r"\boxed{2}", W, ""),
        (r"2\pi", "6.283185", C, ""),
        (r"\pi", "3.14", W, ""),
        (r"\pi", "3.141593", C, ""),
        ("e", r"\mathrm{e}", C, "MV#14"),
        ("e^2", r"\mathrm{e}^{2}", C, "MV#14"),
        (r"\mathrm{e}^2", "e^2", C, "MV#14"),
        (r"1 - \frac{1}{\mathrm{e}}", r"1 + \frac{1}{\mathrm{e}}", W, "MV#14"),
        (r"1 - \frac{1}{\mathrm{e}}", r"1 - e^{-1}", C, "MV#14"),
        ("e", "2.718282", C, ""),
        (r"\frac{\pi}{4}", r"\frac{1}{4}\pi", C, ""),
        (r"\pi r^2", r"r^2 \pi", C, ""),
        (r"\frac{\pi}{3}", r"\frac{\pi}{6}", W, ""),
        (r"162\sqrt{3}", r"162\sqrt{3}", C, "Omni-GPTeval"),
    ],
    "roots": [
        (r"3\sqrt{2}", r"3\sqrt{2}", C, ""),
        (r"3\sqrt{2}", r"\sqrt{18}", C, ""),
        (r"3\sqrt{2}", r"\boxed{3}", W, ""),  # issue 7: bare gold 3\sqrt{2} read as 3
        (r"3\sqrt{2}", "3", W, ""),
        (r"3\sqrt{2}", r"3\sqrt2", C, ""),
        (r"\frac{\sqrt{2}}{2}", r"\frac{1}{\sqrt{2}}", C, ""),
        (r"\sqrt{2}/2", r"\frac{1}{\sqrt2}", C, ""),
        ("4", r"4\sqrt(2)", UP, "MV#41"),  # math-verify read 4; we do not read it at all
        (r"1 - \sqrt{2}", r"1 - \sqrt{2}", C, "MV#74"),
        (r"1 - \sqrt{2}", "1", W, "MV#74"),
        (r"\sqrt[3]{2}", "2^{1/3}", C, ""),
        (r"\sqrt{17}", r"\sqrt{17}", C, "MV#29"),
        (r"\sqrt{17}", "17", W, "MV#29"),
        (r"2\sqrt{3}", r"\sqrt{12}", C, ""),
        (r"\frac{97 \sqrt{2} + 40 \sqrt{3}}{15}", r"\frac{97\sqrt2+40\sqrt3}{15}", C, "Omni-GPTeval"),
        (r"\frac{\sqrt{2}}{2}", "0.7071", W, ""),  # 4 places is not enough
        (r"\sqrt{2}+\sqrt{3}", r"\sqrt{5+2\sqrt{6}}", C, ""),
    ],
    "scientific_notation": [
        (r"1.5\times10^{3}", "1500", C, ""),
        ("1500", r"1.5 \times 10^3", C, ""),
        (r"1.5 \cdot 10^{-3}", "0.0015", C, ""),
        (r"6.02 \times 10^{23}", r"6.02\times10^{23}", C, ""),
        (r"6.02 \times 10^{23}", r"6.20\times10^{23}", W, ""),
        (r"3 \times 10^{8}", "300000000", C, ""),
        (r"2 \times 10^{-5}", r"2.0 \times 10^{-5}", C, ""),
        (r"2 \times 10^{-5}", r"3 \times 10^{-5}", W, ""),
        (r"2 \times 10^{-8}", r"3 \times 10^{-8}", W, ""),
        (r"2.0 \times 10^{-8}", r"2.5 \times 10^{-8}", W, ""),
    ],
    "intervals": [
        (r"(1, 2]", "(1,2]", C, ""),
        (r"(1, 2]", "(1, 2)", W, ""),
        (r"[1, 2]", "[1,2)", W, ""),
        (r"(-\infty, 3)", r"(-\infty, 3)", C, ""),
        (r"(-\infty, 3)", r"(-\infty, 3]", W, ""),
        (r"[2, \infty)", r"[2, +\infty)", C, ""),
        (r"[2,\infty)", r"x \ge 2", W, "MV#49"),  # gold first: an inequality does not answer an interval
        (r"x \ge 2", r"[2,\infty)", C, "MV#49"),
        (r"x \in [-2,7]", "[-2, 7]", C, "MATH"),
        (r"(-\infty,-8)\cup (8,\infty)", r"(-\infty,-8) \cup (8,\infty)", C, "MATH"),
        (r"(-\infty,-8)\cup (8,\infty)", r"(8,\infty)\cup(-\infty,-8)", C, "MATH"),
        (r"(-\infty,-8)\cup (8,\infty)", r"(-\infty,8)", W, "MATH"),
        (r"\left[\frac{1}{2}, \frac{4}{3}\right]", r"[0.5, \frac43]", C, "MATH"),
        (r"(0, 12.5)", "0 < x < 12.5", W, "MV#10"),
        ("0 < x < 12.5", "(0, 12.5)", C, "MV#10"),
        ("[-2, 7]", "[-2, 7.5]", W, ""),
        (r"\left(\frac{3}{5},\frac{8}{3}\right]", r"(0.6, \frac{8}{3}]", C, "MATH"),
        (r"(-\infty,-4)\cup(-4,6)\cup(6,\infty)", r"(-\infty,-4)\cup(-4,6)\cup(6,\infty)", C, "MATH"),
        (r"m \geq \sqrt{2}", r"the solution to the problem is $m \in [\sqrt{2}, +\infty)$", C, "MV#25"),
        (r"m \in [\sqrt{2}, +\infty)", r"\boxed{m \geq \sqrt{2}}", C, "MV#25"),  # issue 18: same condition on m
        (r"[\sqrt{2}, +\infty)", r"\boxed{m \geq \sqrt{2}}", W, "MV#25"),  # a bare interval gold stays asymmetric
        (r"-2 \le x \le 7", r"x \in [-2,7]", C, "MV#49"),
        (r"x \in [-2,7]", r"-2 \le x \le 7", C, "MV#49"),  # issue 18: x in [a,b] is a <= x <= b (was wrong)
        (r"x \in [-2,7]", r"-2 \le y \le 7", W, "MV#49"),  # another variable
    ],
    "sets_unordered": [
        (r"\{1, 2\}", r"\{2, 1\}", C, ""),
        ("1, 2", "2, 1", C, ""),
        (r"\{1,2,3\}", r"\{1,2\}", W, ""),
        ("1, 3, 5", "5, 3, 1", C, "Omni-GPTeval"),
        ("-2, 2", "2, -2", C, ""),
        ("2, -2", r"\pm 2", C, ""),
        ("1, 2", "1", W, ""),
        ("3, 5", r"3 \text{ or } 5", C, ""),
        (r"19, 46, \text{ and } 82", "21, 36, and 82", W, "MV#14"),
        (r"\{-1, 0, 1\}", "-1, 0, 1", C, ""),
        ("x = 1, x = 2", "x = 2, x = 1", C, ""),
        ("6, 31", "31, 6", C, "Omni-GPTeval"),
        ("1, 5, 9", "1, 5, 10", W, "Omni-GPTeval"),
        (r"\[\n\boxed{2, 3, 7}\n\]", "7, 3, 2", C, "Omni-GPTeval"),
    ],
    "tuples_ordered": [
        ("(1, 2)", "(1, 2)", C, ""),
        ("(1, 2)", "(2, 1)", W, ""),
        (r"(1,\frac{9}{2})", "(1,4.5)", C, "MV#2"),
        (r"\left( 3, \frac{\pi}{2} \right)", r"(3, \frac{\pi}{2})", C, "MATH-500"),
        (r"\left( 3, \frac{\pi}{2} \right)", r"(3, \frac{2\pi}{3})", W, "MV#56"),
        (r"\left( 3, \frac{\pi}{2} \right)", "3", W, "MV#56"),
        ("(1, 2, 3)", "(1, 2, 3)", C, ""),
        ("(1, 2, 3)", "(3, 2, 1)", W, ""),
        ("(1, 2, 3)", "(1, 2)", W, ""),
        ("(-7, -2)", "(-7,-2)", C, "MATH"),
        ("(2, 251, 252)", "(2, 252, 251)", W, "Omni-GPTeval"),
        ("(5, -10)", r"\left(5,-10\right)", C, "MATH"),
        ("(0, 1)", "(0, 1.5)", W, ""),
        ("D = (0, 1)", "D = (0, 1.5)", W, "MV#14"),
        ("(1, 1, 1, 3)", "(1, 1, 1, 3)", C, "Omni-GPTeval"),
    ],
    "matrices": [
        (r"\begin{pmatrix}1&2\\3&4\end{pmatrix}", r"\begin{bmatrix}1&2\\3&4\end{bmatrix}", C, ""),
        (r"\begin{pmatrix}1&2\\3&4\end{pmatrix}", r"\begin{pmatrix}1&3\\2&4\end{pmatrix}", W, ""),
        (r"\begin{pmatrix}1\\2\end{pmatrix}", r"\begin{pmatrix}1\\2\end{pmatrix}", C, "MATH"),
        (r"\begin{pmatrix}1\\2\end{pmatrix}", r"\begin{pmatrix}1&2\end{pmatrix}", W, ""),
        (r"\begin{pmatrix}\frac{1}{2}&0\\0&1\end{pmatrix}", r"\begin{pmatrix}0.5&0\\0&1\end{pmatrix}", C, ""),
        (r"\begin{pmatrix}1&0&0\\0&1&0\\0&0&1\end{pmatrix}", r"\begin{pmatrix}1&0&0\\0&1&0\\0&0&1\end{pmatrix}", C, ""),
        (r"\begin{pmatrix}1&0&0\\0&1&0\\0&0&1\end{pmatrix}", r"\begin{pmatrix}1&0&0\\0&1&0\\0&0&2\end{pmatrix}", W, ""),
        (r"\begin{pmatrix}-\frac{7}{4}&-2\\4&\frac{1}{4}\end{pmatrix}",
         r"\begin{pmatrix}-1.75&-2\\4&0.25\end{pmatrix}", C, "MV#2"),
        (r"\begin{pmatrix} 2 \\ -1 \end{pmatrix}", r"\begin{pmatrix} 2 \\ 1 \end{pmatrix}", W, "MATH"),
        (r"\begin{pmatrix} -2 \\ 3 \end{pmatrix}", r"\begin{pmatrix}-2\\3\end{pmatrix}", C, "MATH"),
    ],
    "complex_numbers": [
        ("2+3i", "3i+2", C, ""),
        ("2+3i", "2-3i", W, ""),
        ("1+i", "i+1", C, ""),
        ("-1", "i^2", C, ""),
        ("3 - 4i", "3-4i", C, ""),
        ("5", "3+4i", W, ""),
        ("2i", r"2\cdot i", C, ""),
        (r"\frac{1}{2} + \frac{\sqrt{3}}{2}i", r"\frac{1+i\sqrt{3}}{2}", C, ""),
        ("1 - 2i", "1 + 2i", W, "MATH"),
        ("6 + 8i, 6 + 17i", "6+17i, 6+8i", C, "MATH"),
        (r"e^{i\pi}", "-1", C, ""),
    ],
    "equations_and_assignments": [
        ("x = 5", "5", C, ""),
        ("5", "x = 5", C, ""),
        ("x = 5", "y = 5", W, ""),  # strict: the variable matters
        ("x = 5", "x = 6", W, ""),
        ("y = 2x + 3", "y = 3 + 2x", C, ""),
        ("y = 2x + 3", "y = 2x - 3", W, ""),
        ("3x-y+13=0", "3x+4y+14=0", W, "MV#60"),  # issue 7: bare equations must differ
        ("3x-y+13=0", "3x-y+13=0", C, "MV#60"),
        ("3*x-1*y+13=0", "3x + 4y + 14=0", W, "MV#60"),
        ("2x+4y-3=0", r"y = -\frac{1}{2}x + \frac{3}{4}", C, "MV#26"),
        ("34x+45y-20z+100=0", "-34x-45y+20z-100=0", C, "MV#2"),
        ("x^2 + y^2 = 25", "x^2+y^2=25", C, ""),
        ("x^2 + y^2 = 25", "x^2+y^2=16", W, ""),
        ("n=2, 3, 4", "n=1, 2, 3", W, "MV#14"),
        (r"x = \frac{1}{2}", "0.5", C, ""),
        ("a = 2, b = 3", "b = 3, a = 2", C, ""),
        ("x=-10", "-10", C, "MATH"),
        ("y = x^2", "y=x^{2}", C, ""),
        (r"F_n = \sum_{k=0}^{n-1} F_k F_{n-k-1}", r"F_n = \sum_{k=0}^{n-2} F_k F_{n-k-2}", W, "MV#14"),
        ("f(x) = 0", r"\forall x>0, f(x) = 0", UP, "MV#64"),
        ("1:2:3", "1:4:9", W, "MV#14"),
    ],
    "plus_minus": [
        (r"\pm 2021", "2021", W, "MV#14"),
        (r"\pm 2", "2, -2", C, ""),
        (r"\pm 2", "-2, 2", C, ""),
        (r"1 \pm \sqrt{2}", r"1 + \sqrt{2}, 1 - \sqrt{2}", C, ""),
        (r"1 \pm \sqrt{2}", r"1 + \sqrt{2}", W, ""),
        (r"\pm \frac{1}{2}", r"\pm 0.5", C, ""),
        (r"\pm 3", "3", W, ""),
        (r"x = \pm 3", r"\pm 3", C, ""),
    ],
    "multiple_answers": [
        (r"1331 \text{ and } 1728", "1728", W, "MV#47"),  # issue 7: a subset is not the answer
        (r"1331 \text{ and } 1728", "1331 and 1728", C, "MV#47"),
        (r"1331 \text{ and } 1728", r"\boxed{1728, 1331}", C, "MV#47"),
        (r"1331 \text{ and } 1728", r"\boxed{1331}", W, "MV#47"),
        ("9, 10", "9 and 10", C, "MV#13"),
        ("3, 5", r"\boxed{3} \text{ and } \boxed{5}", C, ""),  # issue 18: boxes of one answer (was: last box)
        ("5", r"\boxed{3} \text{ and } \boxed{5}", W, ""),  # two answers for one: hedging is wrong
        (r"2 \text{ or } 3", "2, 3", C, ""),
        ("1, 2", "1, 2, 3", W, ""),
        (r"4122 , 6049", "6049, 4122", C, "Omni-GPTeval"),
        (r"(5, 47), (7, 45), (13, 39), (15, 37)", r"(5, 47), (7, 45), (13, 39), (15, 37)", C, "Omni-GPTeval"),
    ],
    "text_answers": [
        (r"\text{Tuesday}", "Tuesday", C, "MATH"),
        (r"\text{Tuesday}", r"\text{tuesday}", C, ""),
        (r"\text{Tuesday}", r"\text{Monday}", W, ""),
        (r"\text{even}", r"\text{odd}", W, "MATH"),
        (r"\text{even}", "even", C, "MATH"),
        (r"\text{yes}", r"\text{Yes}", C, ""),
        ("Tuesday", r"\text{Tuesday}", C, ""),
        (r"\text{Devon}", r"\boxed{\text{Devon}}", C, "MATH"),
        (r"\text{No}", r"\text{Yes}", W, "Omni-GPTeval"),
    ],
    "option_letters": [
        (r"\text{(B)}", "B", C, "MATH"),
        ("B", r"\text{(B)}", C, ""),
        ("B", "C", W, ""),
        ("(C)", r"\boxed{C}", C, ""),
        ("A", "The answer is A.", C, ""),
        ("D", r"\boxed{\text{D}}", C, ""),
        (r"\text{(A)}", r"\boxed{\text{(E)}}", W, "MATH"),
    ],
    "empty_and_missing_predictions": [
        ("5", "", UP, ""),
        ("5", r"\boxed{}", UP, ""),
        ("5", r"\boxed{ }", UP, ""),
        ("5", None, UP, ""),
        ("5", "I don't know.", UP, ""),
        ("5", "The answer is", UP, ""),
        ("5", r"\boxed{\text{}}", UP, ""),
        ("42", r"<think>so \boxed{42}</think>", UP, ""),  # thinking only, no final answer
        ("5", "   ", UP, ""),
    ],
    "unparseable_gold": [
        ("", "5", UG, "open-r1#86"),  # never reward 1.0 when the gold cannot be read
        ("   ", "5", UG, "open-r1#293"),
        (None, "5", UG, "open-r1#293"),
        (r"\frac{5055}{2^{15}", r"\frac{5055}{32768}", UG, "Omni-MATH"),  # unbalanced braces upstream
        (r"\sum_{i=1}^n \min \{ n + 1 - i, 2i-1 \}", "n", UG, "Omni-GPTeval"),
        ("12:00", "1:00", UG, "MV#14"),  # reads as 12/0
        (r"\boxed{}", r"\boxed{}", UG, ""),
        (r"1, 2, \ldots, n", r"1, 3, 5, \ldots, 2n-1", UG, "MV#14"),  # a sequence is not one value
        (r"\frac{1}{2} \max A + 3", "3", UG, "Omni-MATH"),
    ],
    "tiny_magnitudes": [
        (r"\frac{1}{2^{99}}", r"\frac{1}{2^{98}}", W, "MV#14"),  # math-verify chops the difference
        (r"\frac{1}{2^{99}}", "2^{-99}", C, "MV#14"),
        (r"\frac{1}{2004!}", r"\frac{1}{2006!}", W, "MV#14"),
        (r"\frac{1}{2004!}", r"\frac{1}{2004!}", C, "MV#14"),
        (r"\frac{2^{2005}+1}{3 \cdot 2^{2006}}", r"\frac{1}{3 \cdot 2^{2006}}", W, "MV#14"),
        ("10^{-20}", "10^{-21}", W, ""),
        ("10^{-20}", r"\frac{1}{10^{20}}", C, ""),
        (r"1.0 \times 10^{-10}", r"1.1 \times 10^{-10}", W, ""),
        (r"1.0 \times 10^{-10}", "10^{-10}", C, ""),
        ("0", "10^{-30}", W, ""),
        (r"\frac{1}{3^{50}}", r"\frac{1}{3^{51}}", W, ""),
        ("x = 2^{-99}", "x = 2^{-98}", W, ""),
    ],
    "huge_powers": [
        (r"10^{10^{10^{10}}}", r"10^{10^{10^{10}}}", C, ""),  # identical: decided without evaluation
        (r"10^{10^{10^{10}}}", r"10^{10^{10^{9}}}", T, ""),
        (r"9^{9^{9}}", "3", T, "MV#63"),
        ("5", r"2^{2^{100}}", T, ""),
        (r"2^{2^{100}}", "5", T, ""),
        (r"\dfrac{5^{\left(5^{\left(5^{\left(5^5\right)}\right)} - 4\right)} - 5}{16}", "3", T, "MV#65"),
        (r"(10^{10})!", "5", T, ""),
        (r"2^{10^{6}}", r"2^{10^{6}}+1", T, "sympy#24187"),
        (r"2^{1000}", r"2^{1000}", C, ""),
        (r"2^{1000}", r"2^{1001}", W, ""),
        (r"2017^{98}", r"2017^{98}", C, "Omni-GPTeval"),
        (r"10^{-10^{10}}", "0", T, ""),
    ],
    "answer_extraction": [
        ("5", r"so $x = \boxed{5}$.", C, ""),
        (r"\frac{1}{2}", r"\boxed{\frac{1}{2}}", C, ""),
        ("3", r"First \boxed{2}, then \boxed{3}", C, ""),
        ("2", r"First \boxed{2}, then \boxed{3}", W, ""),
        ("7", r"\fbox{7}", C, ""),
        ("5", r"\boxed 5", C, "MATH"),
        ("73", "Thus, the number of residents who own all four is **73**.", C, "MV#76"),
        ("73", "... = 489\n\n✅ Final Answer: **73**", C, "MV#76"),
        ("42", "Final Answer: The final answer is $42$. I hope it is correct.", C, "Minerva"),
        ("42", "Natalia sold 48/2 = 24 clips.\n#### 42", C, "GSM8K"),
        ("42", r"<think>maybe \boxed{41}</think> The answer is \boxed{42}.", C, ""),
        ("41", r"<think>maybe \boxed{41}</think> The answer is \boxed{42}.", W, ""),
        ("875", r"\boxed{\boxed{875}}", C, "HARP"),
        ("5", "the answer is 5 because x = 2", C, ""),
        (r"\frac{9}{7}", r"We get $x=\boxed{\frac{9}{7}}$ as claimed.", C, ""),
        ("337", r"\(\boxed{337}\)", C, "Omni-GPTeval"),
        (r"\(\boxed{337}\)", "337", C, "Omni-GPTeval"),  # a gold with its own box
        ("12", "The total is $3 \\cdot 4 = 12$ so that is it", C, ""),
        ("6", r"\boxed{\dfrac{12}{2}}", C, ""),
        (r"x^2+1", r"The polynomial is $\boxed{x^2 + 1}$", C, ""),
    ],
}

ROWS = [
    pytest.param(gold, prediction, expected, source, id=f"{group}-{i}")
    for group, rows in CASES.items()
    for i, (gold, prediction, expected, source) in enumerate(rows)
]


def test_table_is_large_enough_and_cites_known_sources():
    assert len(ROWS) >= 300
    unknown = {p.values[3] for p in ROWS if p.values[3] and p.values[3] not in SOURCES}
    assert not unknown, f"rows cite sources missing from SOURCES: {unknown}"
    assert sum(1 for p in ROWS if p.values[3].startswith(("MV#", "open-r1#", "sympy#"))) >= 60


@pytest.mark.parametrize("gold, prediction, expected, source", ROWS)
def test_regression_row(gold, prediction, expected, source):
    verdict = check(gold, prediction, timeout_s=10.0)
    assert verdict.outcome is expected, f"{verdict} (source: {SOURCES.get(source, 'written for this table')})"
