"""The demo dataset (``bigmath/demo``): every file reads with its adapter and holds the cases its
README promises at the lines it names."""

from __future__ import annotations

import json

from bigmath.demo import DEMO_DIR, demo_files
from bigmath.registry import get_source
from bigmath.schema import Problem, Rejection
from bigmath.textnorm import normalize_problem


def _results(name: str) -> list[Problem | Rejection]:
    return list(get_source(name)(path=str(demo_files()[name])).iter_results())


def _line(name: str, line: int) -> dict:
    return json.loads(demo_files()[name].read_text(encoding="utf-8").split("\n")[line - 1])


def test_demo_files_cover_the_six_adapters_with_about_20_problems_each():
    files = demo_files()
    assert set(files) == {"math", "numinamath_cot", "numinamath_1_5", "harp", "omni_math", "openmathinstruct2"}
    for name in files:
        results = _results(name)
        assert 18 <= len(results) <= 25, (name, len(results))
        assert len({r.source_id for r in results}) == len(results)
    readme = (DEMO_DIR / "README.md").read_text()
    assert all(f"`{path.name}`" in readme for path in files.values())


def test_adapter_level_cases_at_the_lines_the_readme_names():
    reasons = {r.source_id: r.reason for r in _results("numinamath_1_5") if isinstance(r, Rejection)}
    assert reasons == {"numinamath_1_5/0": "adapter:sentinel_answer", "numinamath_1_5/1": "adapter:sentinel_answer",
                       "numinamath_1_5/9": "adapter:invalid_problem", "numinamath_1_5/10": "adapter:invalid_solution"}
    omi = _results("openmathinstruct2")
    assert [r.source_id for r in omi if isinstance(r, Rejection)] == ["openmathinstruct2/13"]
    assert sum(isinstance(r, Problem) for r in omi) == 20
    no_answer = {
        "math": [6, 7, 10], "numinamath_cot": [7, 10], "harp": [7], "omni_math": [2], "openmathinstruct2": [13],
        "numinamath_1_5": [],
    }
    for name, lines in no_answer.items():
        kept = [r for r in _results(name) if isinstance(r, Problem)]
        if name == "harp":
            missing = [r.source_id for r in kept if r.answer is None]
            assert missing == ["2094/USAMO/1"]
            continue
        missing = sorted(int(r.source_id.rsplit("/", 1)[1]) + 1 for r in kept if r.answer is None)
        assert missing == lines, name


def test_exact_duplicates_and_the_math500_row():
    # (file, line) pairs whose texts differ (whitespace, \dfrac) but normalise to the same text
    pairs = [(("math", 3), ("numinamath_cot", 5)), (("harp", 5), ("numinamath_1_5", 7)),
             (("math", 21), ("openmathinstruct2", 2))]
    for (a, la), (b, lb) in pairs:
        first, second = _line(a, la)["problem"], _line(b, lb)["problem"]
        assert first != second and normalize_problem(first) == normalize_problem(second)
    assert _line("math", 21)["problem"] == _line("openmathinstruct2", 1)["problem"]
    problems = [_line("math", n)["problem"] for n in range(1, 22)]
    assert problems.count("How many positive whole-number divisors does 196 have?") == 1


def test_demo_rows_carry_the_filter_cases():
    text = {name: path.read_text(encoding="utf-8") for name, path in demo_files().items()}
    assert "www." in text["math"] and "href=" in text["numinamath_cot"] and "https://" in text["numinamath_1_5"]
    assert "已知" in text["numinamath_cot"] and "Найдите" in text["numinamath_cot"]
    assert "¿Cuál" in text["numinamath_1_5"] and "Wie viele" in text["numinamath_1_5"]
    assert "Combien" in text["numinamath_1_5"]
    assert "12.50 dollars and a pen for 7.25 dollars" in text["math"]
    assert "In the figure below" in _line("math", 4)["problem"] and "[asy]" not in _line("math", 4)["problem"]
    assert "[asy]" in _line("math", 5)["problem"]
    assert r"\boxed{}" in _line("math", 7)["solution"]
    assert _line("numinamath_1_5", 1)["answer"] == "proof" and _line("numinamath_1_5", 2)["answer"] == "notfound"
