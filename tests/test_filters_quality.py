"""Precision and recall floors of the rule filters on the hand-labelled evaluation set.

The set is ``tests/data/filter_labels.jsonl``: real problems from ``../shared/data`` (referenced
by file and line, rendered by :mod:`bigmath.filters._evaluation`) plus problems written to probe
known failure modes, each labelled by hand with the flags it should get.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import bigmath.filters  # noqa: F401  (registers the filters)
from bigmath.filters._evaluation import FLAGS, load_labelled, scores, to_table
from bigmath.filters._rules import RuleFilter
from bigmath.registry import get_filter

LABELS = Path(__file__).parent / "data" / "filter_labels.jsonl"
#: The issue's floors: precision and recall >= 0.95 for these signals.
FLOORS = {family: 0.95 for family in ("language", "multiple_choice", "proof", "multi_part", "yes_no",
                                      "true_false", "hyperlink", "figure", "answer")}


@pytest.fixture(scope="module")
def labelled(shared_data):
    rows = load_labelled(LABELS, shared_data)
    return rows, to_table(rows)


@pytest.fixture(scope="module")
def verdicts(labelled):
    _, table = labelled
    out = {}
    for family in FLAGS:
        flt = get_filter(family)()
        flt.setup()
        out[family] = flt.verdicts(table)
    return out


def test_labelled_set_size_and_provenance(labelled):
    rows, _ = labelled
    real = [r for r in rows if not r["origin"].startswith("written:")]
    written = [r for r in rows if r["origin"].startswith("written:")]
    assert len(real) >= 300 and len(written) >= 60
    # every real row names its file and line; those lines resolved (load_labelled would raise)
    assert all(":" in r["origin"] and r["origin"].rsplit(":", 1)[1].isdigit() for r in real)
    assert {r["origin"].split("/")[0] for r in real} >= {"math", "omni_math", "harp", "labelled"}
    assert len({r["origin"] for r in rows}) == len(rows), "a row is labelled twice"
    for family in FLOORS:  # every scored signal has positives and negatives
        positives = sum(family in r["flags"] for r in rows)
        assert 10 <= positives < len(rows) - 10, family


@pytest.mark.parametrize("family", sorted(FLOORS))
def test_precision_and_recall_floor(family, labelled, verdicts):
    rows, _ = labelled
    predicted = [reason is not None for reason in verdicts[family].reasons]
    result = scores(predicted, [family in r["flags"] for r in rows])
    wrong = [(r["id"], r["origin"]) for r, p in zip(rows, predicted) if p != (family in r["flags"])]
    assert result["precision"] >= FLOORS[family], (result, wrong)
    assert result["recall"] >= FLOORS[family], (result, wrong)


def test_language_codes_match_labels(labelled, verdicts):
    rows, _ = labelled
    codes = verdicts["language"].signals["language"].to_pylist()
    for row, code in zip(rows, codes):
        if "language" in row["flags"]:
            assert code == row["lang"], (row["origin"], code)
        else:
            assert code in ("en", "und"), (row["origin"], code)
    caught = {code for row, code in zip(rows, codes) if "language" in row["flags"]}
    assert caught >= {"zh", "ru", "es", "de", "fr"}


@pytest.mark.parametrize("family", [f for f in FLAGS if issubclass(get_filter(f), RuleFilter)])
def test_prescreen_never_hides_a_verdict(family, labelled, verdicts):
    """The RE2 pre-screen is a necessary condition: the rule alone gives the same verdicts."""
    rows, table = labelled
    flt = get_filter(family)()
    data = {c: table.column(c).to_pylist() for c in flt.columns}
    direct = [flt.rule({c: data[c][i] for c in flt.columns}) for i in range(table.num_rows)]
    assert direct == verdicts[family].reasons
