"""Every file in ``../shared/data/{math,harp,omni_math}/`` ingests completely with its adapter.

For each file: kept + rejected == the file's rows; >= 99% of the rows upstream gives an answer for
become a Problem with a non-empty answer; every rejection carries a declared ``adapter:*`` reason;
ids are unique; every native field is either mapped or kept in ``meta``.
"""

from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from bigmath.cli.app import app
from bigmath.registry import get_source
from bigmath.pipeline.engine import build
from bigmath.pipeline.recipe import Recipe

SOURCE_FOLDERS = ("math", "harp", "omni_math")
# native fields each adapter maps to core columns (the rest must be in meta)
MAPPED = {
    "math": {"problem", "solution", "type"},
    "harp": {"problem", "answer", "level", "subject"},
    "omni_math": {"domain", "difficulty", "problem", "solution", "answer", "source"},
}


def _native_rows(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").split("\n") if line.strip()]


def _upstream_has_answer(source: str, row: dict) -> bool:
    """Whether upstream gives an answer for this row (read from the raw row, not by the adapter)."""
    if source == "math":
        return "\\boxed" in row["solution"] or "\\fbox" in row["solution"]
    return bool(str(row.get("answer") or "").strip())


def _ingest(source, out: Path) -> dict:
    """Run ``source`` alone through the build engine (what ``bigmath ingest`` does); return stats."""
    return build(Recipe(name="ingest", sources=[source]), out).stats


def _files(shared_data: Path) -> list[tuple[str, Path]]:
    found = [(folder, f) for folder in SOURCE_FOLDERS for f in sorted((shared_data / folder).iterdir()) if f.is_file()]
    assert len(found) >= 4, found  # math/sample, harp/sample, harp/proof_based, omni_math/sample
    return found


def test_every_shared_source_file_ingests_completely(shared_data, tmp_path):
    figures = {}
    for folder, file in _files(shared_data):
        source = get_source(folder)(path=str(file))
        out = tmp_path / folder / file.stem
        stats = _ingest(source, out)
        kept = pq.read_table(out / "kept.parquet").to_pylist()
        rejected = pq.read_table(out / "rejected.parquet").to_pylist()
        native = _native_rows(file)
        assert len(kept) + len(rejected) == len(native) == stats["ingested"], file

        answered = [i for i, row in enumerate(native) if _upstream_has_answer(folder, row)]
        by_position = {int(p["source_id"].rsplit("/", 1)[1]): p for p in kept} if folder != "harp" else None
        if folder == "harp":  # harp ids are year/contest/number: match rows by id
            by_id = {p["source_id"]: p for p in kept}
            mapped = [by_id.get(f"{native[i]['year']}/{native[i]['contest']}/{native[i]['number']}") for i in answered]
        else:
            mapped = [by_position.get(i) for i in answered]
        with_answer = sum(1 for p in mapped if p is not None and p["answer"])
        if answered:
            assert with_answer / len(answered) >= 0.99, (file, with_answer, len(answered))
        figures[f"{folder}/{file.name}"] = (len(native), len(kept), len(answered), with_answer)

        reasons = set(type(source).reasons)
        assert all(r["reason"] in reasons and r["stage"] == "ingest" for r in rejected)
        assert len({p["id"] for p in kept} | {r["id"] for r in rejected}) == len(native)
        assert all(p["source"] == folder and p["license"] == type(source).license for p in kept)
    assert figures["harp/proof_based.jsonl"][2] == 0  # the proof split has no answers upstream


@pytest.mark.parametrize("folder", SOURCE_FOLDERS)
def test_nothing_lost_every_native_field_is_mapped_or_in_meta(shared_data, folder):
    file = sorted((shared_data / folder).glob("*.jsonl"))[0]
    source = get_source(folder)(path=str(file), limit=300)
    for native, problem in zip(_native_rows(file), source.iter_results()):
        meta = json.loads(problem.meta)
        missing = set(native) - MAPPED[folder] - set(meta)
        assert not missing, (folder, problem.source_id, missing)
        text = problem.problem  # whitespace-normalised: no CR, no doubled inner spaces, no line-end spaces
        assert "\r" not in text and " \n" not in text and text == text.strip()
        assert not re.search(r"\S  +\S", text), problem.source_id


def test_harp_reads_upstream_zips_whatever_the_member_is_called(shared_data, tmp_path):
    # upstream zips name their member differently across versions: HARD-Math.jsonl (default split
    # at 36269c7), HARP_proof-based.jsonl (proof split), HARP.jsonl (later versions)
    for file, member in (("sample.jsonl", "HARD-Math.jsonl"), ("proof_based.jsonl", "HARP.jsonl")):
        jsonl = shared_data / "harp" / file
        archive = tmp_path / member.replace(".jsonl", "") / "HARP.jsonl.zip"
        archive.parent.mkdir()
        with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            zf.write(jsonl, member)
        zipped = list(get_source("harp")(path=str(archive)).iter_results())
        assert zipped == list(get_source("harp")(path=str(jsonl)).iter_results())
        assert len(zipped) == {"sample.jsonl": 2000, "proof_based.jsonl": 310}[file]


def test_ingest_is_byte_identical_across_runs(shared_data, tmp_path):
    file = shared_data / "omni_math" / "sample.jsonl"
    for run in ("a", "b"):
        _ingest(get_source("omni_math")(path=str(file)), tmp_path / run)
    for name in ("kept.parquet", "rejected.parquet", "stats.json"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name


def test_cli_ingest_writes_outputs_and_summary(shared_data, tmp_path):
    out = tmp_path / "proof"
    result = CliRunner().invoke(app, ["ingest", "harp", "--path", str(shared_data / "harp" / "proof_based.jsonl"),
                                      "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "kept" in result.output and "310" in result.output
    stats = json.loads((out / "stats.json").read_text())
    assert stats["ingested"] == stats["kept"] == 310 and stats["rejected"] == 0
    source = json.loads((out / "build.json").read_text())["sources"][0]
    assert source["name"] == "harp" and source["path"].endswith("proof_based.jsonl")
    assert pq.read_table(out / "kept.parquet").num_rows == 310


def test_the_wrong_adapter_for_a_file_is_warned_about(shared_data):
    """``math`` reads an Omni-MATH file without error (both have problem and solution), so the
    missing native fields are what tells the user; the right adapters stay quiet."""
    import warnings

    from bigmath.sources.base import SourceFieldWarning

    omni = str(shared_data / "omni_math" / "sample.jsonl")
    with pytest.warns(SourceFieldWarning, match=r"fields level, type that source 'math' expects"):
        list(get_source("math")(path=omni, limit=5).iter_results())
    with pytest.warns(SourceFieldWarning, match="omni_math"):
        list(get_source("omni_math")(path=str(shared_data / "math" / "sample.jsonl"), limit=200).iter_results())
    with warnings.catch_warnings():
        warnings.simplefilter("error", SourceFieldWarning)
        for name, file in [("math", "math/sample.jsonl"), ("omni_math", "omni_math/sample.jsonl"),
                           ("harp", "harp/sample.jsonl"), ("harp", "harp/proof_based.jsonl")]:
            assert list(get_source(name)(path=str(shared_data / file), limit=150).iter_results())
