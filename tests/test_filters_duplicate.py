"""The exact-duplicate filter: first occurrence kept, later copies point at it, across batches."""

from __future__ import annotations

import hashlib
import json

import pyarrow as pa

import bigmath.filters  # noqa: F401
from bigmath.annotate import annotate, split
from bigmath.filters._rules import normalized
from bigmath.registry import get_filter
from bigmath.textnorm import text_hash


def _batch(ids, problems):
    return pa.table({"id": ids, "problem": problems})


def test_first_kept_later_copies_point_to_it():
    flt = get_filter("exact_duplicate")()
    verdicts = flt.verdicts(_batch(["a", "b", "c", "d"], ["Find $x$ if $x+1=2$.", "Other problem.",
                                                         "find x if x + 1 = 2 .", "FIND  $x$ IF $x+1=2$."]))
    assert verdicts.reasons == [None, None, "duplicate:exact", "duplicate:exact"]
    assert verdicts.duplicate_of == [None, None, "a", "a"]
    assert verdicts.similarity == [None, None, 1.0, 1.0]


def test_state_carries_across_batches_and_resets():
    flt = get_filter("exact_duplicate")()
    assert flt.verdicts(_batch(["a"], ["Compute $2^{10}$."])).reasons == [None]
    second = flt.verdicts(_batch(["b", "c"], ["compute 2^{10}.", "Compute $2^{11}$."]))
    assert second.reasons == ["duplicate:exact", None] and second.duplicate_of == ["a", None]
    flt.setup()  # a new run forgets what it saw
    assert flt.verdicts(_batch(["b"], ["compute 2^{10}."])).reasons == [None]


def test_hash_is_textnorm_hash(shared_data):
    """The filter's key is exactly bigmath.textnorm.text_hash, so it agrees with the dedup stage."""
    texts = []
    with open(shared_data / "omni_math" / "sample.jsonl", encoding="utf-8") as fh:
        texts = [json.loads(line)["problem"] for line in fh][:500]
    for text in texts + ["", "Ünïcode  ½ and \\dfrac{1}{2}", "$x$ \\left( y \\right)"]:
        assert hashlib.sha1(normalized(text).encode("utf-8")).hexdigest() == text_hash(text)


def test_routing_through_annotate_and_split():
    flt = get_filter("exact_duplicate")()
    table = _batch(["a", "b"], ["Same problem.", "same   problem."]).append_column("source", pa.array(["s", "s"]))
    kept, rejected = split(annotate(table, [flt]), "rule_filters")
    assert kept.column("id").to_pylist() == ["a"]
    assert rejected.column("duplicate_of").to_pylist() == ["a"]
    assert rejected.column("reason").to_pylist() == ["duplicate:exact"]
    assert kept.column("is_exact_duplicate").to_pylist() == [False]
