"""Every rule filter declares its reasons, signal and columns, and emits nothing undeclared."""

from __future__ import annotations

import importlib
import json

import pyarrow as pa
import pytest

import bigmath.filters  # noqa: F401
from bigmath.filter import Filter, UndeclaredReasonError, Verdicts
from bigmath.filters._rules import RuleFilter
from bigmath.registry import get_filter, names
from bigmath.schema import dumps_meta, make_id

RULE_FILTERS = ("hyperlink", "language", "multiple_choice", "multi_part", "yes_no", "true_false", "proof",
                "figure", "answer")
FAMILIES = {"hyperlink", "language", "multiple_choice", "multi_part", "yes_no", "true_false", "proof",
            "answer", "figure"}
SIGNALS = {"hyperlink": "has_hyperlink", "language": "is_non_english", "multiple_choice": "is_multiple_choice",
           "multi_part": "is_multi_part", "yes_no": "is_yes_no", "true_false": "is_true_false",
           "proof": "is_proof", "figure": "needs_figure", "answer": "has_bad_answer"}


def test_rule_filters_are_registered():
    assert set(RULE_FILTERS) <= set(names("filter"))


@pytest.mark.parametrize("name", RULE_FILTERS)
def test_declarations(name):
    cls = get_filter(name)
    assert cls.name == name
    assert cls.signal == SIGNALS[name]
    assert cls.reasons and len(set(cls.reasons)) == len(cls.reasons)
    for reason in cls.reasons:
        family, _, detail = reason.partition(":")
        assert family in FAMILIES and detail, reason
    assert cls.__doc__ and "Reasons" in cls.__doc__
    documented = cls.__doc__ + (importlib.import_module(cls.__module__).__doc__ or "")
    if name != "language":  # language documents its codes as ``language:<iso>``
        for reason in cls.reasons:
            assert reason in documented or reason.split(":")[1] in documented, reason
    assert "source" in documented.lower()  # the docstrings name the rule's source


def test_undeclared_reason_raises():
    class Sloppy(RuleFilter):
        name = "sloppy"
        reasons = ("proof:prove",)
        columns = ("problem",)

        def rule(self, row):
            return "proof:undeclared"

    with pytest.raises(UndeclaredReasonError, match="proof:undeclared"):
        Sloppy().verdicts(pa.table({"problem": ["Prove it."]}))


def _sample_table(shared_data, limit=800):
    rows = []
    for file in ("math/sample.jsonl", "omni_math/sample.jsonl", "harp/sample.jsonl", "harp/proof_based.jsonl",
                 "labelled/gaokao_math_qa_test.jsonl", "labelled/omni_math_gpteval100.jsonl"):
        with open(shared_data / file, encoding="utf-8") as fh:
            for number, line in enumerate(fh, start=1):
                if number > limit:
                    break
                native = json.loads(line)
                rows.append({"id": make_id(file, str(number)), "problem": native.get("problem") or native["question"],
                             "answer": None if native.get("answer") is None else str(native["answer"]),
                             "solution": native.get("solution") or native.get("solution_1"),
                             "meta": dumps_meta({k: v for k, v in native.items() if k not in ("problem", "answer")})})
    return pa.Table.from_pylist(rows)


def test_real_rows_emit_only_declared_reasons(shared_data):
    """``Filter.verdicts`` raises on an undeclared reason; run every rule filter on real rows."""
    table = _sample_table(shared_data)
    seen = set()
    for name in RULE_FILTERS:
        flt = get_filter(name)()
        flt.setup()
        verdicts = flt.verdicts(table.select(list(flt.columns)))
        assert isinstance(verdicts, Verdicts) and len(verdicts) == table.num_rows
        seen |= {r for r in verdicts.reasons if r}
    assert {r.split(":")[0] for r in seen} >= {"proof", "multiple_choice", "answer", "language", "figure"}


@pytest.mark.parametrize("name", [n for n in RULE_FILTERS if issubclass(get_filter(n), RuleFilter)])
def test_prescreen_is_necessary_on_real_rows(name, shared_data):
    """On real rows too, the rule alone and the pre-screened filter agree row by row."""
    table = _sample_table(shared_data, limit=400)
    flt = get_filter(name)()
    data = {c: table.column(c).to_pylist() for c in flt.columns}
    direct = [flt.rule({c: data[c][i] for c in flt.columns}) for i in range(table.num_rows)]
    assert direct == flt.verdicts(table).reasons


def test_filters_are_pydantic_configs():
    for name in RULE_FILTERS:
        flt = get_filter(name)()
        assert isinstance(flt, Filter)
        assert flt.config() == {"type": name, "drop": True}
