r"""Answer extraction on real solutions from ``../shared/data``, each checked by hand.

Every row of :data:`CASES` names the file, the 1-based line and the field of a real solution and
the content of its last ``\boxed{}`` as read by a person from the raw text (not produced by the
code under test). Cases were picked for what makes extraction hard: nested braces, several boxes,
``\text{}`` / ``\mbox{}`` units, escaped braces ``\{ \}``, matrices, intervals, ``\$``, a box
inside a box, a space between ``\boxed`` and ``{``, and Omni-MATH solutions whose last box is
not the dataset's answer field (extraction must still return the last box).
"""

from __future__ import annotations

import functools
import json
from pathlib import Path

import pytest

from bigmath.boxed import last_boxed
from bigmath.registry import get_source

# (file under shared data, 1-based line, field, last boxed content as read by hand)
CASES = [
    ("math/sample.jsonl", 1, "solution", "2"),
    ("math/sample.jsonl", 3, "solution", r"\dfrac{9}{7}"),
    ("math/sample.jsonl", 9, "solution", "4,6,14,15"),
    ("math/sample.jsonl", 13, "solution", "10"),  # two boxes, same value
    ("math/sample.jsonl", 16, "solution", r"\frac{11}{2}"),
    ("math/sample.jsonl", 22, "solution", r"\$40"),
    ("math/sample.jsonl", 26, "solution", r"[0,\infty)"),
    ("math/sample.jsonl", 28, "solution", "12, 10, 6"),
    ("math/sample.jsonl", 37, "solution", r"(-\sqrt{3}, \sqrt{3})"),
    ("math/sample.jsonl", 41, "solution", r"(-\infty,-8)\cup (8,\infty)"),
    ("math/sample.jsonl", 92, "solution", "161"),  # first box is an intermediate result
    ("math/sample.jsonl", 134, "solution", r"\frac{\sqrt{3}}{3}"),
    ("math/sample.jsonl", 169, "solution", r"\text{Evelyn}"),
    ("math/sample.jsonl", 176, "solution", r"575\text{ students}"),  # prose follows the box
    ("math/sample.jsonl", 260, "solution", r"\$15,\!000"),
    ("math/sample.jsonl", 269, "solution", r"\frac{68}{3}\text{ pounds}"),
    ("math/sample.jsonl", 379, "solution", r"\left[\frac{1}{2}, \frac{4}{3}\right]"),
    ("math/sample.jsonl", 384, "solution", r"9\pi"),
    ("math/sample.jsonl", 386, "solution", r"44\%"),
    ("math/sample.jsonl", 407, "solution", r"118 \text{ dollars}"),
    ("math/sample.jsonl", 590, "solution", r"\frac{\sqrt{3}}{9}"),
    ("math/sample.jsonl", 809, "solution", r"\text{(C)}"),
    ("math/sample.jsonl", 1674, "solution", r"39^\circ"),
    ("math/sample.jsonl", 1884, "solution", "11.5"),  # unit outside the box
    ("math/sample.jsonl", 1902, "solution", r"864 \mbox{ inches}^2"),
    ("math/sample.jsonl", 2277, "solution", r"\{-1\} \cup [0,7)"),  # escaped braces
    ("math/sample.jsonl", 2623, "solution", r"\{1\pm\sqrt{5},-2\}"),
    ("math/sample.jsonl", 4460, "solution", r"\begin{pmatrix} 6 \\ 3 \\ 0 \end{pmatrix}"),
    ("math/sample.jsonl", 4463, "solution", r"\begin{pmatrix} 1 \\ 4 \\ 3 \end{pmatrix}"),
    ("harp/sample.jsonl", 1, "solution_1", r"10\frac{2}{3}"),
    ("harp/sample.jsonl", 2, "solution_1", "21"),
    ("harp/sample.jsonl", 163, "solution_1", r"\frac{5}{8}"),
    ("harp/sample.jsonl", 188, "solution_1", r"6\sqrt {6}"),
    ("harp/sample.jsonl", 197, "solution_1", r"\frac{a^2}{a-b}"),
    ("harp/sample.jsonl", 222, "solution_1", r"\frac{40}{3}"),
    ("harp/sample.jsonl", 306, "solution_1", r"2\sqrt{31}"),
    ("harp/sample.jsonl", 1113, "solution_1", "875"),  # \boxed{\boxed{875}}
    ("harp/sample.jsonl", 1493, "solution_1", r"\text{It is a negative number ending with a 5.}"),
    ("omni_math/sample.jsonl", 1, "solution", "115440"),
    ("omni_math/sample.jsonl", 28, "solution", "2^{1011}"),  # answer field says 2
    ("omni_math/sample.jsonl", 29, "solution", r"\frac{n+1}{4n-2}"),
    ("omni_math/sample.jsonl", 31, "solution", "6.25^2 + 3.75^2"),
    ("omni_math/sample.jsonl", 53, "solution", "443"),  # two answers; the last box is the second
    ("omni_math/sample.jsonl", 65, "solution", r"\angle NMB \cong 45^{\circ} \cong \frac{\pi}{4}"),  # "\boxed {"
    ("omni_math/sample.jsonl", 232, "solution", "4489"),
    ("omni_math/sample.jsonl", 973, "solution", r"\sqrt{\frac{12}{n(n-1)(n+1)}}"),
    ("omni_math/sample.jsonl", 987, "solution", "100"),
    ("omni_math/sample.jsonl", 993, "solution", r"\frac{1}{16}"),
]


@functools.cache
def _lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").split("\n")


def _row(shared_data: Path, file: str, line: int) -> dict:
    return json.loads(_lines(shared_data / file)[line - 1])


def test_table_has_at_least_40_hand_checked_solutions():
    assert len(CASES) >= 40
    assert len({(f, n) for f, n, _, _ in CASES}) == len(CASES)


@pytest.mark.parametrize(("file", "line", "field", "expected"), CASES, ids=[f"{f}:{n}" for f, n, _, _ in CASES])
def test_last_boxed_on_real_solution(shared_data, file, line, field, expected):
    assert last_boxed(_row(shared_data, file, line)[field]) == expected


@pytest.mark.parametrize(("file", "line", "field", "expected"),
                         [c for c in CASES if c[0] == "math/sample.jsonl"][:10])
def test_math_adapter_answer_is_the_last_box(shared_data, file, line, field, expected):
    problem = get_source("math")().map_row(_row(shared_data, file, line), line - 1, "test")
    assert problem.answer == expected


# Omni-MATH / HARP answer fields as written upstream -> the adapter's cleaned answer (read by hand)
ANSWER_FIELDS = [
    ("omni_math", "omni_math/sample.jsonl", 29, r"\frac{n+1}{4n-2}"),  # "\[\n\boxed{...}\n\]"
    ("omni_math", "omni_math/sample.jsonl", 44, "1999"),  # "\boxed{1999}"
    ("omni_math", "omni_math/sample.jsonl", 232, "4489"),  # "\(\boxed{4489}\)"
    ("omni_math", "omni_math/sample.jsonl", 236, r"\{n \ge 13\}"),  # "\(\{n \ge 13\}\)"
    ("harp", "harp/sample.jsonl", 1, r"10\frac{2}{3}"),  # "$10\frac{2}{3}$"
    ("harp", "harp/sample.jsonl", 1540, "reflection about the line $y = x$"),  # prose: kept as is
]


@pytest.mark.parametrize(("source", "file", "line", "expected"), ANSWER_FIELDS)
def test_adapter_cleans_upstream_answer_field(shared_data, source, file, line, expected):
    problem = get_source(source)().map_row(_row(shared_data, file, line), line - 1, "test")
    assert problem.answer == expected
