"""Exact (normalised text) and MinHash duplicates, and the ``exact_dedup`` stage on real shards."""

from __future__ import annotations

import collections
import json

import pyarrow.parquet as pq
import pytest

from bigmath.dedup.exact import find_duplicates, word_tokens
from bigmath.stages.exact_dedup import ExactDedupStage
from bigmath.errors import InputError
from bigmath.pipeline.stage import StageContext
from bigmath.schema import Problem, problems_to_table
from bigmath.sources.problems import ProblemsSource


def _harp_rows(path, source: str) -> list[Problem]:
    rows = [json.loads(line) for line in path.open()]
    return [Problem.create(source=source, source_id=f"{r['year']}/{r['contest']}/{r['number']}", problem=r["problem"],
                           answer=r.get("answer"), license="MIT") for r in rows]


@pytest.fixture(scope="module")
def harp_and_mcq(shared_data):
    """HARP sample (2000) and the HARP multiple-choice sample (1000), 278 problems in both."""
    return (_harp_rows(shared_data / "harp" / "sample.jsonl", "harp"),
            _harp_rows(shared_data / "labelled" / "harp_mcq_sample.jsonl", "harp_mcq"))


def test_normalisation_ignores_spacing_case_and_fraction_style_but_not_numbers():
    rows = [("a", r"What is $\dfrac{1}{2} + x$?"), ("b", r"what is  $\frac{1}{2}+x$?"),
            ("c", r"WHAT IS \(\frac{1}{2} + x\)?"), ("d", r"What is $\frac{1}{3} + x$?")]
    table = find_duplicates(rows)
    assert table.to_pylist() == [
        {"id": "b", "duplicate_of": "a", "similarity": 1.0, "reason": "duplicate:exact"},
        {"id": "c", "duplicate_of": "a", "similarity": 1.0, "reason": "duplicate:exact"},
    ]
    assert word_tokens(r"Find $x^2+3x$, x = 12.") == ["find", "x", "^", "2", "+", "3", "x", ",", "x", "=", "12", "."]


def test_minhash_finds_near_duplicates_and_keeps_the_first():
    base = ("Keiko walks once around a track at the same constant speed every day. The sides of the track are "
            "straight, and the ends are semicircles. The track has a width of $6$ meters, and it takes her $36$ "
            "seconds longer to walk around the outside edge of the track than around the inside edge. What is "
            "Keiko's speed in meters per second?")
    rows = [("k1", base), ("other", "Compute the area of a triangle with sides 3, 4 and 5."),
            ("k2", base.replace("the same", "exactly the same"))]
    assert find_duplicates(rows).num_rows == 0
    near = find_duplicates(rows, minhash=True, minhash_threshold=0.7).to_pylist()
    assert [(r["id"], r["duplicate_of"], r["reason"]) for r in near] == [("k2", "k1", "duplicate:minhash")]
    assert 0.7 <= near[0]["similarity"] < 1.0


def test_exact_dedup_stage_on_real_harp_shards(tmp_path, harp_and_mcq):
    harp, mcq = harp_and_mcq
    shards = []
    for i, rows in enumerate((harp[:1000], harp[1000:], mcq)):
        shards.append(tmp_path / f"in-{i}.parquet")
        pq.write_table(problems_to_table(rows), shards[-1])
    stage = ExactDedupStage(minhash=True)
    ctx = StageContext(stage_dir=tmp_path / "stage", inputs=shards, cache_dir=tmp_path / "cache", out_dir=tmp_path)
    ctx.stage_dir.mkdir()
    stage.prepare(ctx)
    duplicates = pq.read_table(ctx.stage_dir / "duplicates.parquet")
    reasons = collections.Counter(duplicates.column("reason").to_pylist())
    # 278 MCQ rows repeat a HARP sample problem; 9 problems appear twice inside HARP (AMC 10 = AMC 12)
    assert reasons["duplicate:exact"] == 287
    assert reasons["duplicate:minhash"] >= 3  # AMC 10/12 twins differing by a typo or a word
    stage.setup(ctx)
    kept_total, rejected = 0, []
    for shard in shards:
        result = stage.process(pq.read_table(shard), ctx)
        kept_total += result.kept.num_rows
        rejected.append(result.rejected)
    assert kept_total + sum(r.num_rows for r in rejected) == 3000
    assert sum(r.num_rows for r in rejected) == duplicates.num_rows
    ledger = rejected[2].to_pylist()
    assert all(r["stage"] == "exact_dedup" and r["duplicate_of"] for r in ledger)
    first = {p.id for p in harp}
    assert sum(r["duplicate_of"] in first for r in ledger if r["reason"] == "duplicate:exact") >= 278


def test_repeated_ids_are_reported_with_file_and_row(tmp_path):
    """`bigmath dedup` reads its input through the ``problems`` source, which refuses a repeated
    id before any stage runs (the stages themselves rely on the engine's unique ids)."""
    row = Problem.create(source="x", source_id="1", problem="p", license="MIT")
    path = tmp_path / "twice.parquet"
    pq.write_table(problems_to_table([row, row]), path)
    with pytest.raises(InputError, match=r"twice.parquet, row 2, field 'id'"):
        list(ProblemsSource(path=str(path)).iter_tables(100))
