"""Decontamination against the real benchmark copies in ../shared/data/labelled/."""

from __future__ import annotations

import json
import re

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from bigmath.cli import app
from bigmath.dedup.benchmarks import BenchmarkSource, parse_benchmark
from bigmath.dedup.decontaminate import NgramIndex, alignment_score, ngram_size_for
from bigmath.dedup.exact import word_tokens
from bigmath.stages.decontaminate import DecontaminateStage
from bigmath.errors import InputError
from bigmath.pipeline.stage import StageContext
from bigmath.schema import Problem, problems_to_table

# MATH-500 test/algebra/2486.json with changed whitespace and one changed number (144 -> 145)
MUTATED = ("Find all  $p$ which satisfy both\nthe inequalities $0\\ge 54p - 145$ and $0>12-20p$.   Express your "
           "answer in interval notation,\n reducing any fractions in your answer.")
UNRELATED = ("Let $ABCD$ be a cyclic quadrilateral whose diagonals meet at $P$. Prove that the circumcentres of "
             "triangles $PAB$, $PBC$, $PCD$, $PDA$ form a parallelogram.")


@pytest.fixture(scope="module")
def labelled(shared_data):
    return shared_data / "labelled"


@pytest.fixture(scope="module")
def math500(labelled):
    return BenchmarkSource(name="math500", path=str(labelled / "math500_test.jsonl")).load()


@pytest.fixture(scope="module")
def index(math500):
    return NgramIndex(math500)


def test_mutated_math500_problem_is_caught_and_unrelated_is_not(index):
    match = index.match(MUTATED)
    assert match is not None and (match.benchmark, match.item_id) == ("math500", "test/algebra/2486.json")
    assert 0.9 <= match.score < 1.0 and match.method == "ngram"
    assert index.match(UNRELATED) is None
    # inserted into a longer problem statement, the copy still scores 1.0
    copy = next(i for i in index.items if i.item_id == "test/algebra/2486.json").problem
    assert index.match("Solve the following problem. " + copy + " Show your work.").score == 1.0


def test_problems_shorter_than_n_words_use_half_their_length(index):
    assert ngram_size_for(40, 13) == 13 and ngram_size_for(20, 13) == 10 and ngram_size_for(1, 13) == 1
    short = "What is the remainder of 2004 divided by 12?"  # 10 tokens: indexed with 5-grams
    assert index.match(short).item_id == "test/number_theory/132.json"
    changed = index.match(short.replace("2004", "2005"))  # one token of ten: 0.9, still caught
    assert changed is not None and changed.score == pytest.approx(0.9)
    # a 5-token problem with a changed number is a different problem (score 0.8 < 0.9)
    assert index.match(r"Evaluate $\log_264$.") is not None
    assert index.match(r"Evaluate $\log_232$.") is None
    assert alignment_score(word_tokens("a b c d e"), word_tokens("a b x d e")) == pytest.approx(0.8)


def test_math_test_split_contains_exactly_the_500_math500_problems(shared_data, index):
    problems = [json.loads(line)["problem"] for line in (shared_data / "math" / "sample.jsonl").open()]
    matches = [index.match(p) for p in problems]
    copies = [m for m in matches if m is not None and m.score == 1.0]
    assert len(copies) == 500 and len({m.item_id for m in copies}) == 500
    near = [m for m in matches if m is not None and m.score < 1.0]
    # template siblings in MATH test, e.g. "multiples of 3" vs MATH-500's "multiples of 7"
    assert len(near) == 29 and all(0.9 <= m.score < 1.0 for m in near)


def test_harp_proof_problems_match_no_benchmark(shared_data, labelled):
    index = NgramIndex([item for source in parse_benchmark(str(labelled)) for item in source.load()])
    proofs = [json.loads(line)["problem"] for line in (shared_data / "harp" / "proof_based.jsonl").open()]
    assert len(proofs) == 310 and not any(index.match(p) for p in proofs)


def test_benchmark_readers_handle_each_layout(labelled, tmp_path):
    found = {s.name: s for s in parse_benchmark(str(labelled))}
    assert set(found) == {"math500", "aime24", "aime25", "amc23", "gsm8k", "olympiadbench", "minerva",
                          "aimo_aime", "aimo_amc"}
    sizes = {name: len(source.load()) for name, source in found.items()}
    assert sizes == {"math500": 500, "aime24": 30, "aime25": 30, "amc23": 40, "gsm8k": 1319, "olympiadbench": 675,
                     "minerva": 272, "aimo_aime": 90, "aimo_amc": 83}
    gsm8k = found["gsm8k"].load()[0]  # GSM8K's text field is "question"
    assert gsm8k.problem.startswith("Janet") and gsm8k.item_id == "0"
    assert found["aimo_aime"].load()[0].problem.startswith("Quadratic polynomials")  # parquet
    named = parse_benchmark(f"evalset={labelled / 'amc23_test.jsonl'}")
    assert [s.name for s in named] == ["evalset"] and parse_benchmark("math500")[0].path is None  # Hub
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"problem": "ok"}\n{"text": "no known field"}\n')
    with pytest.raises(InputError, match=r"bad.jsonl, row 2"):
        BenchmarkSource(name="bad", path=str(bad)).load()
    with pytest.raises(InputError, match="not found"):
        parse_benchmark(str(tmp_path / "missing.jsonl"))


def _table_with(problems: list[str]) -> pa.Table:
    return problems_to_table([Problem.create(source="mixed", source_id=str(i), problem=p, license="MIT")
                              for i, p in enumerate(problems)])


def test_stage_rejects_with_benchmark_reason_and_records_the_item(tmp_path, labelled):
    stage = DecontaminateStage(benchmarks=["math500", {"name": "gsm8k"}], benchmarks_dir=str(labelled))
    assert stage.reasons == ("decontamination:math500", "decontamination:gsm8k")
    assert all(b.path == str(labelled) for b in stage.benchmarks)  # local copies, not the Hub
    ctx = StageContext(stage_dir=tmp_path, inputs=[], cache_dir=tmp_path / "cache", out_dir=tmp_path)
    stage.setup(ctx)
    result = stage.process(_table_with([UNRELATED, MUTATED, "Compute $1+1$."]), ctx)
    assert result.kept.num_rows == 2 and result.rejected.num_rows == 1
    row = result.rejected.to_pylist()[0]
    assert row["reason"] == "decontamination:math500" and row["reasons"] == ["decontamination:math500"]
    assert row["duplicate_of"] == "math500:test/algebra/2486.json" and row["stage"] == "decontaminate"
    assert row["decontam_match"] == row["duplicate_of"] and 0.9 <= row["similarity"] == row["decontam_score"]
    assert result.kept.column("decontam_benchmark").to_pylist() == [None, None]
    assert result.stats == {"decontamination_ngram": 1}


def test_cli_decontaminate(tmp_path, labelled):
    pq.write_table(_table_with([UNRELATED, MUTATED]), tmp_path / "in.parquet")
    result = CliRunner().invoke(app, ["decontaminate", str(tmp_path / "in.parquet"), "--out", str(tmp_path / "out"),
                                      "--against", f"math500={labelled / 'math500_test.jsonl'}",
                                      "--against", str(labelled / "aime24_test.jsonl")])
    assert result.exit_code == 0, result.output
    assert re.search(r"math500, aime24 \(word 13-grams", result.output)
    assert pq.read_table(tmp_path / "out" / "kept.parquet").num_rows == 1
    assert pq.read_table(tmp_path / "out" / "rejected.parquet").column("duplicate_of").to_pylist() == [
        "math500:test/algebra/2486.json"]
    bad = CliRunner().invoke(app, ["decontaminate", str(tmp_path / "in.parquet"), "--out", str(tmp_path / "o2"),
                                   "--against", str(tmp_path / "nope.jsonl")])
    assert bad.exit_code == 1 and "not found" in bad.output


def test_optional_embedding_similarity_catches_a_paraphrase(tmp_path, labelled):
    paraphrase = ("Two towns A and B lie 45 miles from each other. Alicia sets off from A riding her bike toward "
                  "B at 18 mph; at the same moment Beth leaves B for A at 12 mph. How far from A do they meet?")
    items = BenchmarkSource(name="amc23", path=str(labelled / "amc23_test.jsonl")).load()
    assert NgramIndex(items).match(paraphrase) is None  # no shared 13-gram: n-grams alone miss it
    stage = DecontaminateStage(benchmarks=[f"amc23={labelled / 'amc23_test.jsonl'}"], embedding_threshold=0.8)
    ctx = StageContext(stage_dir=tmp_path, inputs=[], cache_dir=tmp_path / "cache", out_dir=tmp_path)
    stage.setup(ctx)
    result = stage.process(_table_with([paraphrase, UNRELATED]), ctx)
    assert result.rejected.num_rows == 1 and result.stats == {"decontamination_embedding": 1}
    row = result.rejected.to_pylist()[0]
    assert row["duplicate_of"] == "amc23:0" and 0.8 <= row["decontam_score"] < 1.0
