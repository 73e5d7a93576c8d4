r"""Issue 18: answers a solver writes every day, by family, with where each family comes from.

:data:`ISSUE_ROWS` are the rows of the issue's table (math-verify grades them ``correct``; the
verifier said ``wrong`` or ``unparseable_gold`` before). :data:`FAMILIES` holds our own cases in
the same families and in the ones surveyed beyond them (public graders' issue trackers, the gold
answers of the shared samples). Each family names its sources in :data:`FAMILY_SOURCES`; a row
may cite a more specific one. The decisions are written up in ``docs/verifier.md`` ("Decisions").
Every row runs through :func:`bigmath.verify.check` (gold first); one batch also runs through
:func:`bigmath.verify.check_many` to show the worker processes grade the same way.
"""

from __future__ import annotations

import pytest

from bigmath.verify import Outcome, check, check_many

C, W = Outcome.CORRECT, Outcome.WRONG
UG, UP = Outcome.UNPARSEABLE_GOLD, Outcome.UNPARSEABLE_PREDICTION

SOURCES = {
    "issue18": "bigmath issue 18 (the table of answers math-verify grades correct)",
    "MV#2": "https://github.com/huggingface/Math-Verify/issues/2",
    "MV#4": "https://github.com/huggingface/Math-Verify/issues/4",
    "MV#10": "https://github.com/huggingface/Math-Verify/issues/10",
    "MV#14": "https://github.com/huggingface/Math-Verify/issues/14",
    "MV#21": "https://github.com/huggingface/Math-Verify/issues/21",
    "MV#25": "https://github.com/huggingface/Math-Verify/issues/25",
    "MV#44": "https://github.com/huggingface/Math-Verify/issues/44",
    "MV#47": "https://github.com/huggingface/Math-Verify/issues/47",
    "MV#49": "https://github.com/huggingface/Math-Verify/issues/49",
    "MV#57": "https://github.com/huggingface/Math-Verify/issues/57",
    "MV#71": "https://github.com/huggingface/Math-Verify/issues/71",
    "MV#76": "https://github.com/huggingface/Math-Verify/issues/76",
    "lm-eval#2212": "https://github.com/EleutherAI/lm-evaluation-harness/issues/2212",
    "lm-eval#3477": "https://github.com/EleutherAI/lm-evaluation-harness/issues/3477",
    "lm-eval#3644": "https://github.com/EleutherAI/lm-evaluation-harness/pull/3644",
    "lm-eval#3785": "https://github.com/EleutherAI/lm-evaluation-harness/pull/3785",
    "lm-eval#4030": "https://github.com/EleutherAI/lm-evaluation-harness/issues/4030",
    "lm-eval#4037": "https://github.com/EleutherAI/lm-evaluation-harness/pull/4037",
    "Qwen-Math#29": "https://github.com/QwenLM/Qwen2.5-Math/issues/29",
    "prm800k#18": "https://github.com/openai/prm800k/issues/18",
    "SkyThought#117": "https://github.com/NovaSky-AI/SkyThought/pull/117",
    "latex2sympy#25": "https://github.com/augustt198/latex2sympy/issues/25",
    "Doenet#1528": "https://github.com/Doenet/DoenetML/issues/1528",
    "khan#158044": "https://github.com/Khan/khan-exercises/issues/158044",
    "openbench#97": "https://github.com/groq/openbench/pull/97",
    "NeMo-Skills#1526": "https://github.com/NVIDIA-NeMo/Skills/pull/1526",
    "sieval#28": "https://github.com/scitix/sieval/pull/28",
    "MATH": "shared/data/math/sample.jsonl (line numbers in the row comments)",
    "HARP": "shared/data/harp/sample.jsonl",
    "Omni-MATH": "shared/data/omni_math/sample.jsonl",
    "Omni-GPTeval": "shared/data/labelled/omni_math_gpteval100.jsonl",
    "OlympiadBench": "shared/data/labelled/olympiadbench_test.jsonl (final_answer joined with ', ')",
    "GSM8K": "shared/data/labelled/gsm8k_test.jsonl (answers end in '#### N')",
}

ISSUE_ROWS = [
    (r"\{1,2,3\}", r"\boxed{1},\boxed{2},\boxed{3}"),
    (r"\{1,2,3\}", r"\boxed{1} and \boxed{2} and \boxed{3}"),
    ("(2, 2), (6, 2)", r"\boxed{(2, 2)} \quad \text{and} \quad \boxed{(6, 2)}"),
    ("k = 45, n = 2", r"\boxed{k = 45} \quad \text{and} \quad \boxed{n = 2}"),
    ("1.22", "1,22"),
    (r"(\frac{3}{5},\frac{8}{3}]", "(0.6,2.6667]"),
    (r"\begin{pmatrix}\frac{1}{3}\\\frac{1}{5}\end{pmatrix}", r"\begin{pmatrix}0.33\\0.2\end{pmatrix}"),
    (r"x \in [-2,7]", r"-2 \le x \le 7"),
    ("We add the two bags: 2 + 3 = 5.\nSo she has 5 apples.",
     "Each bag holds apples; adding them gives 2 + 3.\nThe total is 5 apples."),
]

#: Where each family comes from (rows may cite a more specific source).
FAMILY_SOURCES = {
    "several_boxes": ["lm-eval#3644", "MV#44", "MV#57", "MATH"],
    "decimal_comma": ["latex2sympy#25", "Doenet#1528", "MATH", "OlympiadBench"],
    "decimals_round_fractions": ["MV#2", "MV#4", "MV#21"],
    "relations_and_sets": ["MV#10", "MV#25", "MV#49", "MV#71", "HARP"],
    "named_and_ordered": ["issue18", "MV#14", "OlympiadBench"],
    "prose_and_solutions": ["prm800k#18", "SkyThought#117", "lm-eval#2212", "GSM8K", "Omni-MATH", "HARP"],
    "unicode": ["khan#158044", "lm-eval#4037"],
    "other_notations": ["lm-eval#3477", "lm-eval#3785", "lm-eval#4030", "NeMo-Skills#1526", "Qwen-Math#29", "sieval#28",
                        "HARP", "MATH"],
}

FAMILIES: dict[str, list[tuple]] = {
    "several_boxes": [
        ("1, 2, 3", r"\boxed{3}, \boxed{1}, \boxed{2}", C, "lm-eval#3644"),
        (r"\{1,2,3\}", r"\boxed{1}, \boxed{2}", W, "MV#47"),  # part of a "find all" answer stays wrong
        ("3", r"\boxed{2}, \boxed{3}", W, ""),  # two answers for one: hedging is wrong
        ("840", r"\boxed{840} and \boxed{840}", C, "MV#44"),  # a repeated box is one answer
        ("840", "so \\boxed{840}.\n\n**Final Answer**\n\\boxed{840}", C, "MV#44"),
        ("-2, 1", r"Therefore, the answers are $\boxed{-2}$ and $\boxed{1}$.", C, "MATH"),  # line 415
        ("1", r"Therefore, the answers are $\boxed{-2}$ and $\boxed{1}$.", W, "MATH"),  # its last box alone
        (r"-\tfrac32, -\tfrac34", r"solutions $x =\boxed{ -\tfrac32}$ and $x = \boxed{-\tfrac34},$ respectively.", C, "MATH"),
        (r"\frac{\pi}{4}, \frac{5\pi}{4}", r"are $\boxed{\frac{\pi}{4}}$ and $\boxed{\frac{5\pi}{4}}$.", C, "MATH"),
        (r"\frac{639}{40}", r"$\boxed{15\frac{39}{40}},$ or $\boxed{\frac{639}{40}}$ inches.", C, "MATH"),  # line 3342
        ("x + 11", r"This yields $\boxed{x+11}$ or $\boxed{11+x}$.", C, "MATH"),  # line 3629: one value twice
        ("3", r"First \boxed{2}. Wait, that is wrong: it is \boxed{3}", C, "MV#57"),  # words between: a correction
        ("3, 5", "(a) \\boxed{3}\n(b) \\boxed{5}", C, ""),
        ("3, 5", r"For part (a), $\boxed{3}$. For part (b), $\boxed{5}$.", C, ""),
        ("3, 5", "**(a)** $\\boxed{3}$\n**(b)** $\\boxed{5}$", C, ""),
        ("3, 5", r"\boxed{3} \text{ or } \boxed{5}", C, ""),
        ("x = 2, y = 3", r"$x = \boxed{2}$ and $y = \boxed{3}$", C, ""),  # names before the boxes kept
        ("x = 2, y = 3", r"$x = \boxed{3}$ and $y = \boxed{2}$", W, ""),
        ("7", r"\framebox{7}", C, "openbench#97"),
        ("7", r"\boxed{7}, \boxed{}", C, ""),  # an empty box adds nothing
    ],
    "decimal_comma": [
        ("3.14", "3,14", C, "Doenet#1528"),
        (r"\frac{1}{2}", "0,5", C, ""),
        ("-0.5", "-0,5", C, ""),
        ("0.125", "0,125", C, ""),  # three digits after a lone 0: a decimal, not thousands
        ("1000", "1,000", C, "latex2sympy#25"),  # three digits: thousands separator
        ("1", "1,000", W, "latex2sympy#25"),
        ("1.5", "1,500", W, "latex2sympy#25"),
        ("0, 1", "0,1", C, "MATH"),  # the gold is a list: the comma separates
        ("1, 22", "1,22", C, ""),
        (r"12.5\%", r"12,5\%", C, ""),
        ("x = 1.5", "x = 1,5", C, ""),
        ("1.22", "1, 22", W, ""),  # a decimal comma has no space
        ("1,3", "1.3", W, "MATH"),  # a gold is read without context: 1,3 is a list
        ("1.22", r"1{,}22", C, ""),  # LaTeX's decimal comma
        ("1234567", "1,234,567", C, ""),
        ("12345.67", "12,345.67", C, ""),
        ("1234567", r"1{,}234{,}567", C, ""),
        ("1234.5", "1 234,5", W, ""),  # European grouping with a decimal comma: not read
        ("1000000", "1.000.000", W, ""),  # dots as thousands separators: not read
    ],
    "decimals_round_fractions": [
        (r"\frac{1}{3}", "0.33", C, "MV#2"),
        (r"\frac{1}{3}", "0.3", W, ""),  # one significant digit: 10 % off
        (r"\frac{1}{3}", "0.34", W, ""),  # not 1/3 rounded
        (r"\frac{2}{3}", "0.67", C, ""),
        (r"\frac{2}{3}", "0.66", W, ""),  # truncated, not rounded
        (r"\frac{2}{3}", "0.6667", C, "MV#21"),
        (r"\frac{1}{7}", "0.143", C, ""),
        (r"\frac{1}{7}", "0.14", W, ""),  # 2 % off: above the 1 % tolerance
        (r"\frac{8}{3}", "2.67", C, ""),
        (r"\frac{8999}{10000}", "0.9", W, ""),  # 0.9 stands for 9/10, the simplest fraction it rounds
        (r"\frac{1}{8}", "0.13", W, ""),  # a terminating fraction must be written exactly
        ("0.33", r"\frac{1}{3}", C, "MV#4"),  # a decimal gold accepts the fraction it rounds
        ("0.25", r"\frac{63}{250}", W, "MV#4"),  # but not another fraction near it
        (r"-\frac{1}{3}", "-0.33", C, ""),
        (r"\frac{1}{3}", "-0.33", W, ""),
        (r"x = \frac{1}{3}", "x = 0.333", C, ""),
        (r"(\frac{1}{3}, \frac{2}{3})", "(0.333, 0.667)", C, ""),
        (r"\{\frac{1}{3}, 2\}", r"\{2, 0.3333\}", C, ""),
        (r"\frac{1}{3}", r"\approx 0.33", C, ""),
        (r"\sqrt{2}", "1.4142", W, ""),  # irrational: math-verify's 6 places stand
        (r"\pi", "3.1416", W, ""),
        (r"\begin{pmatrix}0.29\\0.196\\-0.186\end{pmatrix}",
         r"\begin{pmatrix}0.290243531202435\\0.196008371385084\\-0.186381278538813\end{pmatrix}", W, "MV#2"),
    ],
    "relations_and_sets": [
        (r"x \in [-2,7]", r"x \in [-2, 7]", C, "MV#49"),
        (r"[-2,7]", r"-2 \le x \le 7", W, "MV#49"),  # a bare interval gold does not accept an inequality
        (r"x \in (-\infty,-8)\cup(8,\infty)", r"x < -8 \text{ or } x > 8", C, ""),
        (r"x < -8 \text{ or } x > 8", r"(-\infty,-8)\cup(8,\infty)", C, "MV#71"),
        (r"(-\infty,-8)\cup(8,\infty)", r"x < -8 \text{ or } x > 8", W, "MV#10"),
        (r"x \in (-\infty,-8)\cup(8,\infty)", r"x < -8 \text{ or } x > 7", W, ""),
        (r"x < -8 \text{ or } x > 8", r"x < -8 \lor x > 8", C, ""),
        (r"x \in (2, 5)", r"x > 2 \text{ and } x < 5", C, ""),
        (r"x \in (2, 5)", r"x > 2 \text{ or } x < 5", W, ""),
        (r"x \in (-\infty, 3)", "x < 3", C, "MV#71"),
        (r"x \in (-\infty, 3)", r"x \le 3", W, ""),
        (r"x \in [0.5, \frac{8}{3}]", r"0.5 \le x \le 2.6667", C, ""),
        ("(2, 3)", r"\{x \mid 2 < x < 3\}", C, ""),
        (r"(2, \infty)", r"\{x : x > 2\}", C, ""),
        (r"$\Big\{x | 2 < x < 3\Big\}$", "2 < x < 3", C, "HARP"),  # a set-builder gold names its variable
        (r"$\Big\{x | 2 < x < 3\Big\}$", "(2, 3)", C, "HARP"),
    ],
    "named_and_ordered": [
        ("k = 45, n = 2", "45, 2", C, ""),  # unnamed values: in the gold's order
        ("k = 45, n = 2", "2, 45", W, ""),
        ("k = 45, n = 2", r"\boxed{45}, \boxed{2}", C, ""),
        ("k = 45, n = 2", r"\boxed{2}, \boxed{45}", W, ""),
        ("k = 45, n = 2", "n = 2, k = 45", C, ""),  # named values: by name
        ("k = 45, n = 2", "k = 2, n = 45", W, ""),
        ("a = 2, b = 3", "(2, 3)", C, ""),
        ("a = 2, b = 3", "(3, 2)", W, ""),
        ("k = 45, n = 2", "45", W, ""),
        ("k = 45, n = 2", "45, 2, 7", W, ""),
        ("(3, 5)", r"\boxed{3}, \boxed{5}", C, ""),  # an ordered gold: the boxes in written order
        ("(3, 5)", r"\boxed{5}, \boxed{3}", W, ""),
        ("(5, 3)", "3, 5", W, ""),
        ("x = 1, x = 2", "2, 1", C, "MV#14"),  # the roots of one variable: a set
        ("$69$,$84$", r"\boxed{84}, \boxed{69}", C, "OlympiadBench"),
        ("$69$,$84$", r"\boxed{69}", W, "OlympiadBench"),
    ],
    "prose_and_solutions": [
        ("Natalia sold 48/2 = 24 clips in May.\nNatalia sold 48+24 = 72 clips altogether.\n#### 72", "72", C, "GSM8K"),
        ("We add 2 and 3.\nSo she has 5 apples.", "5", C, "prm800k#18"),
        (r"The smallest possible value of \(a_{10}\) is \(248\).", "248", C, "Omni-MATH"),
        (r"The probability is $\frac{3}{8}$, so $m+n = 11$.", "11", C, ""),
        ("Solving, $(x-2)(x-3)=0$, so $x=2$ or $x=3$.", "3, 2", C, ""),
        ("First, $x+1=6$.\nThus $$x = 5.$$", "5", C, "SkyThought#117"),
        (r"Cathy can win if and only if \( n \leq 2^{k-1} \).", r"n \le 2^{k-1}", UG, "Omni-MATH"),
        ("It is impossible to select 16 such numbers.", "16", UG, "Omni-GPTeval"),
        ("Jenna will win with $2013$ coins, and whoever goes first will win with $2014$ coins.", "2014", UG, "HARP"),
        ("$A makes 1100 on the deal$", "1100", UG, "HARP"),
        ("5", "We add them.\nSo she has 5 apples.", C, ""),
        (r"x^2+1", "The polynomial is $$x^2+1.$$", C, ""),
        (r"\frac{3}{8}", "So we get\n\\[\n\\frac{3}{8}.\n\\]", C, ""),
        ("12", "We try 7 first, then 12 works.\n\nSo the answer is 12", C, "MV#76"),
        # line 2: "the answer is at least X" is a bound; the earlier "the answer is X" is the claim
        ("2017^{98}", "We claim that the answer is $2017^{98}$ .\n\nFirst, we show that the answer is at least "
         "$2017^{98}$ .\n\nLet $S = x_1 + x_2$ .", C, "Omni-GPTeval"),
    ],
    "unicode": [
        (r"2\sqrt{2}", "2√2", C, "khan#158044"),
        (r"\sqrt{3}", "√3", C, "khan#158044"),
        (r"\sqrt[3]{2}", "∛2", C, ""),
        (r"\frac{1}{2}", "½", C, ""),
        (r"2\frac{1}{2}", "2½", C, ""),
        (r"[2, \infty)", "[2, ∞)", C, ""),
        (r"45^\circ", "45°", C, ""),
        ("x^2", "x²", C, ""),
        ("6", "2 × 3", C, ""),
        (r"\pm 2", "±2", C, ""),
        (r"\sqrt[3]{2}", r"\sqrt[3]2", C, "lm-eval#4037"),
        ("2", r"\sqrt[3]{8}", C, "lm-eval#4037"),
    ],
    "other_notations": [
        (r"6.02 \times 10^{23}", "6.02e23", C, ""),
        ("1500", "1.5e4", W, ""),
        (r"\frac{1}{3}", r"0.\overline{3}", C, ""),
        (r"\frac{4}{11}", r"0.\overline{36}", C, ""),
        (r"\frac{1}{6}", r"0.1\overline{6}", C, ""),
        (r"\frac{4}{11}", r"0.\overline{3}", W, ""),
        (r"(-\infty,\infty)", r"\text{all real numbers}", C, ""),
        (r"\emptyset", r"\varnothing", C, ""),
        ("5", r"\text{(B) } 5", C, "NeMo-Skills#1526"),  # an option letter with its value
        ("B", r"\text{(B) } 5", C, "NeMo-Skills#1526"),
        ("C", r"\text{(B) } 5", W, ""),
        ("6", "(B) 5", W, ""),
        ("4210_{5}", "4210", C, "lm-eval#3477"),  # a base subscript is dropped: digits compared
        ("1011_2", "11", W, "lm-eval#3785"),  # but the value is not converted
        ("3:1", "6:2", C, "HARP"),  # a ratio is its quotient
        ("3:1", "1:3", W, "HARP"),
        ("(2,4)", "(2,4)", C, "lm-eval#4030"),
        ("[2,5)", "[2,5)", C, "lm-eval#4030"),
        (r"(3, \frac{\pi}{2})", r"\left( 3, \frac{\pi}{2} \right)", C, "Qwen-Math#29"),
        ("f(x) = 2x", "2x", C, "sieval#28"),  # a leading f(x) = is the function's value
        ("f(x) = 2x", "y = 2x", W, "sieval#28"),  # another name is another variable
        (r"2^{2015}+\left\lfloor\left(\frac{3}{2}\right)^{2015}\right\rfloor-2",
         r"\boxed{2^{2015}+\left\lfloor\left(\frac{3}{2}\right)^{2015}\right\rfloor-2}", C, "Omni-MATH"),  # sympy cannot print it
    ],
}

ROWS = [
    pytest.param(gold, prediction, expected, source, id=f"{family}-{i}")
    for family, rows in FAMILIES.items()
    for i, (gold, prediction, expected, source) in enumerate(rows)
]


def test_every_family_cites_its_sources():
    assert len(ROWS) >= 40
    assert set(FAMILY_SOURCES) == set(FAMILIES)
    cited = {s for sources in FAMILY_SOURCES.values() for s in sources} | {p.values[3] for p in ROWS if p.values[3]}
    assert cited <= set(SOURCES), cited - set(SOURCES)


@pytest.mark.parametrize("gold, prediction", ISSUE_ROWS)
def test_issue_row_is_correct(gold, prediction):
    verdict = check(gold, prediction, timeout_s=10.0)
    assert verdict.outcome is C, verdict


@pytest.mark.parametrize("gold, prediction, expected, source", ROWS)
def test_family_row(gold, prediction, expected, source):
    verdict = check(gold, prediction, timeout_s=10.0)
    assert verdict.outcome is expected, f"{verdict} (source: {SOURCES.get(source, 'written for this table')})"


def test_worker_processes_grade_the_issue_rows_the_same_way():
    golds, predictions = zip(*ISSUE_ROWS)
    verdicts = check_many(list(golds), list(predictions), workers=2, timeout_s=10.0)
    assert [v.outcome for v in verdicts] == [C] * len(ISSUE_ROWS)
    assert verdicts[4].prediction == "1.22000000000000" and "decimal comma" in verdicts[4].reason
