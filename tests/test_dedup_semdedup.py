"""SemDeDup identify step on constructed vectors: threshold convention, chains, policy, blocks, sizes."""

from __future__ import annotations

import numpy as np
import pytest
from pydantic import ValidationError

from bigmath.dedup.kmeans import auto_cluster_count, cluster
from bigmath.dedup.policy import KeepPolicy
from bigmath.dedup.semdedup import SemDedupConfig, identify


def _unit(x: np.ndarray) -> np.ndarray:
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


def _with_gram(gram: list[list[float]], dim: int = 8) -> np.ndarray:
    """Unit vectors whose pairwise cosine similarities are exactly ``gram``."""
    lower = np.linalg.cholesky(np.asarray(gram, dtype=np.float64))
    return np.pad(lower, ((0, 0), (0, dim - len(gram)))).astype(np.float32)


def _planted(n: int, dim: int = 32, seed: int = 0) -> np.ndarray:
    """n random unit vectors where every 4th row is a near-copy (noise 0.01) of the row before it."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, dim))
    x[3::4] = x[2::4][: len(x[3::4])] + 0.01 * rng.normal(size=(len(x[3::4]), dim))
    return _unit(x)


# A~B 0.95, B~C 0.95, A~C 0.85; rank A > B > C through source priority.
CHAIN = _with_gram([[1, 0.95, 0.85], [0.95, 1, 0.95], [0.85, 0.95, 1]])
CHAIN_POLICY = KeepPolicy(source_priority=("first", "second", "third"), synthetic=())


def test_chain_semdedup_removes_b_and_c_and_points_c_at_b():
    table, _ = identify(CHAIN, ["A", "B", "C"], ["first", "second", "third"], config=SemDedupConfig(
        similarity_threshold=0.9, policy=CHAIN_POLICY))
    rows = {r["id"]: r for r in table.to_pylist()}
    assert [rows[i]["duplicate"] for i in "ABC"] == [False, True, True]
    assert rows["B"]["duplicate_of"] == "A" and rows["B"]["similarity"] == pytest.approx(0.95, abs=1e-6)
    assert rows["C"]["duplicate_of"] == "B" and rows["C"]["similarity"] == pytest.approx(0.95, abs=1e-6)
    assert rows["C"]["representative"] == "A"  # the chain ends at the kept row


def test_chain_greedy_keeps_c_because_it_is_not_similar_to_a_kept_row():
    table, _ = identify(CHAIN, ["A", "B", "C"], ["first", "second", "third"], config=SemDedupConfig(
        similarity_threshold=0.9, policy=CHAIN_POLICY, chain="greedy"))
    rows = {r["id"]: r for r in table.to_pylist()}
    assert [rows[i]["duplicate"] for i in "ABC"] == [False, True, False]
    assert rows["C"]["max_similarity"] == pytest.approx(0.85, abs=1e-6)  # to A, the only kept row before it


def test_threshold_is_inclusive_and_epsilon_is_one_minus_threshold():
    pair = _with_gram([[1, 0.93], [0.93, 1]])
    at = identify(pair, ["a", "b"], config=SemDedupConfig(similarity_threshold=0.93))[0]
    above = identify(pair, ["a", "b"], config=SemDedupConfig(similarity_threshold=0.930001))[0]
    by_eps = identify(pair, ["a", "b"], config=SemDedupConfig(epsilon=0.07))[0]
    assert at.column("duplicate").to_pylist().count(True) == 1
    assert above.column("duplicate").to_pylist().count(True) == 0
    assert by_eps.equals(at)
    assert SemDedupConfig(epsilon=0.01).threshold == 0.99 and SemDedupConfig().threshold == 0.99
    with pytest.raises(ValidationError, match="not both"):
        SemDedupConfig(epsilon=0.1, similarity_threshold=0.9)


@pytest.mark.parametrize("n", [0, 1, 2, 99, 100, 101])
def test_small_sizes_work(n):
    x = _planted(n) if n else np.zeros((0, 32), np.float32)
    table, info = identify(x, [f"r{i}" for i in range(n)])
    assert table.num_rows == n
    assert info["clusters"] == min(n, auto_cluster_count(n, 1000))
    assert info["duplicates"] == n // 4  # exactly the planted near-copies


def test_blockwise_result_equals_dense_reference():
    x = _planted(700, seed=3)
    ids = [f"r{i:04d}" for i in range(700)]
    blocked, _ = identify(x, ids, config=SemDedupConfig(block_mb=0.001, similarity_threshold=0.95))  # 16-row blocks
    whole, _ = identify(x, ids, config=SemDedupConfig(similarity_threshold=0.95))
    assert blocked.equals(whole)
    # dense reference in rank order (one cluster, closest to centroid first, then id)
    rows = whole.to_pylist()
    order = sorted(range(700), key=lambda i: (-rows[i]["centroid_similarity"], ids[i]))
    dense = x[order] @ x[order].T
    for position, i in enumerate(order[1:], start=1):
        j = order[int(np.argmax(dense[position, :position]))]
        assert rows[i]["max_similarity"] == pytest.approx(float(dense[position, :position].max()), abs=1e-5)
        assert rows[i]["nearest_id"] == ids[j]


def test_deterministic_across_runs_with_many_clusters():
    x = _planted(3000, seed=5)
    ids = [f"r{i}" for i in range(3000)]
    config = SemDedupConfig(target_cluster_size=200, similarity_threshold=0.95)
    first, info = identify(x, ids, config=config)
    second, _ = identify(x, ids, config=config)
    assert info["clusters"] > 10 and first.equals(second)


def test_oversized_clusters_are_split_and_identical_vectors_are_kept_whole():
    x = _planted(2000, seed=7)
    groups = cluster(x, 1, max_cluster_size=300)
    assert groups.splits > 0 and np.bincount(groups.labels).max() <= 300
    same = np.tile(_unit(np.ones((1, 16))), (50, 1))
    whole = cluster(same, 1, max_cluster_size=10)  # cannot be split: one cluster, still usable
    assert whole.count == 1
    table, info = identify(same, [f"s{i:02d}" for i in range(50)], config=SemDedupConfig(max_cluster_size=10))
    assert info["duplicates"] == 49 and set(table.column("representative").to_pylist()) == {None, "s00"}


def test_policy_human_source_beats_synthetic_then_centroid_then_id():
    policy = KeepPolicy()
    assert policy.source_rank("math", "Algebra") < policy.source_rank("some_new_source", None)
    assert policy.source_rank("some_new_source", None) < policy.source_rank("numinamath_cot", "synthetic_math")
    assert policy.source_rank("openmathinstruct2", "math") < policy.source_rank("openmathinstruct2", "augmented_math")
    twins = np.tile(_unit(np.ones((1, 8))), (3, 1))
    table, _ = identify(twins, ["c", "a", "b"], ["numinamath_cot", "math", "math"],
                        ["synthetic_math", "Algebra", "Algebra"], config=SemDedupConfig())
    rows = {r["id"]: r for r in table.to_pylist()}
    assert not rows["a"]["duplicate"]  # human source first, then the smaller id among equals
    assert rows["b"]["duplicate_of"] == "a" and rows["c"]["duplicate"]


def test_prefer_outlier_keeps_the_row_farthest_from_the_centroid():
    angle = np.arccos(0.999)  # y in the middle, x and z on either side: all pairs >= 0.996
    trio = np.array([[np.cos(angle), np.sin(angle)], [1.0, 0.0], [np.cos(angle), -np.sin(angle)]], np.float32)
    config = SemDedupConfig(similarity_threshold=0.99)
    central = identify(trio, ["x", "y", "z"], config=config)[0]
    outlier = identify(trio, ["x", "y", "z"], config=config.model_copy(update={"policy": KeepPolicy(prefer="outlier")}))[0]
    assert [r["id"] for r in central.to_pylist() if not r["duplicate"]] == ["y"]
    assert [r["id"] for r in outlier.to_pylist() if not r["duplicate"]] == ["x"]  # x, z tie: smaller id


def test_greedy_blocks_match_a_plain_greedy_loop():
    rng = np.random.default_rng(11)
    centre = rng.normal(size=(1, 16))
    x = _unit(centre + 0.25 * rng.normal(size=(300, 16)))  # one dense blob: many chains
    ids = [f"g{i:03d}" for i in range(300)]
    config = SemDedupConfig(similarity_threshold=0.9, chain="greedy", clusters=1, block_mb=0.0005)  # 11-row blocks
    table, _ = identify(x, ids, config=config)
    rows = table.to_pylist()
    order = sorted(range(300), key=lambda i: (-rows[i]["centroid_similarity"], ids[i]))
    kept: list[int] = []
    expected = {}
    for i in order:
        sims = [round(float(np.dot(x[i].astype(np.float64), x[j].astype(np.float64))), 6) for j in kept]
        expected[i] = bool(sims) and max(sims) >= 0.9
        if not expected[i]:
            kept.append(i)
    assert [rows[i]["duplicate"] for i in range(300)] == [expected[i] for i in range(300)]
    assert 0 < sum(expected.values()) < 300
    for i in range(300):  # a greedy duplicate always points at a kept row
        if rows[i]["duplicate"]:
            assert not rows[ids.index(rows[i]["duplicate_of"])]["duplicate"]


@pytest.mark.parametrize("block_elements", [1, 1500, 38 * 38, 10**6])
def test_max_to_earlier_matches_brute_force_for_any_block_shape(block_elements):
    from bigmath.dedup.semdedup import _max_to_earlier

    x = _planted(200, seed=13)
    best, nearest = _max_to_earlier(x, block_elements)
    dense = x @ x.T
    assert nearest[0] == -1 and best[0] == -np.inf
    for i in range(1, 200):
        assert nearest[i] == int(np.argmax(dense[i, :i]))
        assert best[i] == pytest.approx(float(dense[i, :i].max()), abs=1e-5)
