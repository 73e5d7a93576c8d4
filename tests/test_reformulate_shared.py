"""The reformulator on real multiple-choice rows (``../shared/data/labelled/harp_mcq_sample.jsonl``),
with the options written into the text in every notation of ``benchmarks/reformulate_quality.py``."""

from __future__ import annotations

import json

import pytest

from bigmath.reformulate import options_from_field, reformulate
from bigmath.reformulate.checks import option_labels_left, option_texts_left
from bigmath.reformulate.latex import comparable, option_value
from bigmath.verify import check

ROWS = 120  # first rows of the file: 1950-1958 AHSME, both labels


@pytest.fixture(scope="module")
def quality(benchmark_script):
    return benchmark_script("reformulate_quality")


@pytest.fixture(scope="module")
def harp_rows(shared_data):
    lines = (shared_data / "labelled" / "harp_mcq_sample.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines[:ROWS]]


@pytest.fixture(scope="module")
def field_results(harp_rows):
    return [reformulate(r["problem"], r["answer_choice"], choices=r["choices"]) for r in harp_rows]


@pytest.mark.parametrize("notation", ["paren", "lines_dot", "lines_colon", "textbf", "right_paren"])
def test_every_notation_gives_the_field_result(notation, quality, harp_rows, field_results):
    from bigmath.filters.multiple_choice import MultipleChoice

    flag = MultipleChoice()
    for row, expected in zip(harp_rows, field_results):
        text = quality._inline(row["problem"], row["choices"], notation)
        result = reformulate(text, quality._gold(row, notation))
        assert (result.status, result.detail, result.problem, result.answer) == (
            expected.status, expected.detail, expected.problem, expected.answer), (notation, row["number"], row["year"])
        # the rows this stage receives are the ones the multiple-choice filter flags
        assert flag.rule({"problem": text, "answer": None}) == "multiple_choice:lettered_options"


def test_rewrites_keep_the_keyed_option_and_drop_the_others(harp_rows, field_results):
    rewritten = 0
    for row, result in zip(harp_rows, field_results):
        if result.status != "rewritten":
            assert result.problem is None and result.reason.startswith("reformulate:")
            continue
        rewritten += 1
        block = options_from_field(row["choices"], row["problem"])
        assert comparable(result.answer) == comparable(option_value(row["choices"][row["answer_choice"]]))
        assert option_texts_left(result.problem, block) == [] and not option_labels_left(result.problem, block.stem)
    assert rewritten >= 30  # of 120; these early AHSME years hold many multiple_choice_only rows


def test_rewritten_answers_equal_harp_open_ended_answers(shared_data, harp_rows, field_results):
    lines = (shared_data / "harp" / "sample.jsonl").read_text(encoding="utf-8").splitlines()
    published = {(r["year"], r["contest"], r["number"]): r for r in map(json.loads, lines)}
    compared = 0
    for row, result in zip(harp_rows, field_results):
        match = published.get((row["year"], row["contest"], row["number"]))
        if match is None or result.status != "rewritten":
            continue
        compared += 1
        assert check(match["answer"], f"\\boxed{{{result.answer}}}").correct, (row["year"], row["number"])
    assert compared >= 10
