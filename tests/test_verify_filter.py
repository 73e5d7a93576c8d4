"""The ``verifiable_answer`` filter: reasons, signal columns, the pipeline's annotate/split, real labels."""

from __future__ import annotations

import json
import threading

import pyarrow as pa

from bigmath.annotate import annotate, split
from bigmath.filters.verifiable import VerifiableAnswer, non_closed_form
from bigmath.registry import get_filter

ANSWERS = [
    ("42", None, "integer", True),
    (r"\frac{6}{4}", None, "fraction", True),
    ("$10\\frac{2}{3}$", None, "fraction", True),
    (r"(-\infty, 3]", None, "interval", True),
    (r"\text{Tuesday}", None, "text", True),
    (None, "verify:missing_answer", "unknown", False),
    ("  ", "verify:missing_answer", "unknown", False),
    (r"\frac{5055}{2^{15}", "verify:unparseable_answer", "unknown", False),
    (r"1, 2, \ldots, n", "verify:non_closed_form", "unknown", False),
    (r"f(x) = 1 \text{ for all } x \in \mathbb{N}", "verify:non_closed_form", "equation", True),
    (r"\begin{cases} n^2 & \text{if } n \text{ odd} \\ n & \text{else} \end{cases}", "verify:non_closed_form", "unknown", False),
    (r"\text{not a rational number}", "verify:non_closed_form", "text", True),
    (r"m \neq 1", "verify:non_closed_form", "equation", True),
    (r"The number of colorings is \(\boxed{6}\).", None, "integer", True),  # its box is the gold
]


def _table() -> pa.Table:
    n = len(ANSWERS)
    return pa.table({"id": [str(i) for i in range(n)], "source": ["test"] * n, "answer": [a for a, *_ in ANSWERS]})


def test_registered_with_declared_reasons():
    cls = get_filter("verifiable_answer")
    assert cls is VerifiableAnswer
    assert set(cls.reasons) == {"verify:missing_answer", "verify:non_closed_form", "verify:unparseable_answer"}
    assert cls.columns == ("answer",)


def test_reasons_and_signal_columns():
    verdicts = VerifiableAnswer().verdicts(_table().select(["answer"]))
    assert verdicts.reasons == [reason for _, reason, _, _ in ANSWERS]
    assert verdicts.signals["answer_type"].to_pylist() == [kind for *_, kind, _ in ANSWERS]
    assert verdicts.signals["answer_parses"].to_pylist() == [parses for *_, parses in ANSWERS]


def test_annotate_and_split_route_every_row():
    annotated = annotate(_table(), [VerifiableAnswer()])
    kept, rejected = split(annotated, "verify")
    assert {"answer_type", "answer_parses"} <= set(kept.column_names)
    assert kept.num_rows + rejected.num_rows == len(ANSWERS)
    assert sorted(rejected.column("reason").to_pylist()) == sorted(r for _, r, _, _ in ANSWERS if r)
    assert set(rejected.column("stage").to_pylist()) == {"verify"}


def test_works_off_the_main_thread():
    out = []
    thread = threading.Thread(target=lambda: out.append(VerifiableAnswer().verdicts(_table().select(["answer"]))))
    thread.start()
    thread.join()
    assert out[0].reasons == [reason for _, reason, _, _ in ANSWERS]


def test_rejections_on_labelled_omni_math(shared_data):
    """Omni-MATH's authors judged 33 of these 100 problems gradable by rules (the ones in
    omni_math/sample.jsonl); what we reject should be the other kind."""
    with (shared_data / "omni_math/sample.jsonl").open(encoding="utf-8") as handle:
        rule_gradable = {json.loads(line)["problem"] for line in handle}
    with (shared_data / "labelled/omni_math_gpteval100.jsonl").open(encoding="utf-8") as handle:
        rows = [json.loads(line) for line in handle]
    verdicts = VerifiableAnswer().verdicts(pa.table({"answer": [r["answer"] for r in rows]}))
    rejected = [r["problem"] in rule_gradable for r, reason in zip(rows, verdicts.reasons) if reason]
    not_gradable = sum(r["problem"] not in rule_gradable for r in rows)
    precision = rejected.count(False) / len(rejected)
    recall = rejected.count(False) / not_gradable
    assert precision >= 0.9 and recall >= 0.35, (precision, recall)


def test_non_closed_form_keeps_ordinary_answers():
    for answer in ["42", r"5 \text{ square units}", "AE + AP = PD", r"\text{Devon}", r"x \in [-2, 7]", r"\frac{\pi}{4}"]:
        assert not non_closed_form(answer), answer
