"""The generic readers: jsonl, json, parquet, gzip, zip, folders, and Hub loading (a local dataset)."""

from __future__ import annotations

import gzip
import json
import zipfile

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from bigmath.errors import InputError
from bigmath.sources.readers import file_label, read_hub, read_local

ROWS = [{"problem": f"What is ${i}+{i}$?", "solution": f"$\\boxed{{{2 * i}}}$", "id": i} for i in range(5)]


def _jsonl(rows) -> str:
    return "".join(json.dumps(r) + "\n" for r in rows)


def _read(path, split=None):
    return [(n.row, n.index, n.unit, n.line) for n in read_local(path, split)]


def test_jsonl_skips_blank_lines_but_keeps_line_numbers(tmp_path):
    path = tmp_path / "a.jsonl"
    path.write_text(_jsonl(ROWS[:2]) + "\n  \n" + _jsonl(ROWS[2:3]))
    assert _read(path) == [(ROWS[0], 0, "a", 1), (ROWS[1], 1, "a", 2), (ROWS[2], 2, "a", 5)]
    assert [u for _, _, u, _ in _read(path, split="test")] == ["test"] * 3


@pytest.mark.parametrize("layout", ["list", "wrapped"])
def test_json_list_or_object_holding_a_list(tmp_path, layout):
    path = tmp_path / "b.json"
    path.write_text(json.dumps(ROWS if layout == "list" else {"data": ROWS}))
    assert [r for r, _, _, _ in _read(path)] == ROWS


def test_parquet_gzip_and_zip_of_several_members(tmp_path):
    pq.write_table(pa.Table.from_pylist(ROWS), tmp_path / "c.parquet")
    assert [r for r, _, _, _ in _read(tmp_path / "c.parquet")] == ROWS
    with gzip.open(tmp_path / "d.jsonl.gz", "wt") as f:
        f.write(_jsonl(ROWS))
    assert [r for r, _, _, _ in _read(tmp_path / "d.jsonl.gz")] == ROWS
    archive = tmp_path / "e.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("part2.jsonl", _jsonl(ROWS[3:]))
        zf.writestr("part1.json", json.dumps(ROWS[:3]))
        zf.writestr("__MACOSX/._part1.json", "junk")
        zf.writestr("README.txt", "not data")
    rows = list(read_local(archive))
    assert [n.row for n in rows] == ROWS  # members sorted by name
    assert [n.unit for n in rows] == ["e/part1"] * 3 + ["e/part2"] * 2
    assert rows[3].origin == f"{archive}!part2.jsonl" and rows[3].index == 0


def test_folder_is_read_recursively_in_sorted_order(tmp_path):
    (tmp_path / "z").mkdir()
    (tmp_path / "z" / "late.jsonl").write_text(_jsonl(ROWS[3:]))
    (tmp_path / "early.jsonl").write_text(_jsonl(ROWS[:3]))
    (tmp_path / "notes.txt").write_text("ignored: not a data file")
    rows = list(read_local(tmp_path))
    assert [n.row for n in rows] == ROWS
    assert [n.unit for n in rows] == ["early"] * 3 + ["z/late"] * 2
    assert [n.unit for n in read_local(tmp_path, "train")][-1] == "train/z/late"


def test_file_label():
    assert file_label("data/HARP.jsonl.zip") == "data/HARP"
    assert file_label("HARP_proof-based.jsonl.zip") == "HARP_proof-based"
    assert file_label("x.parquet") == "x" and file_label("y.jsonl.gz") == "y"


@pytest.mark.parametrize(("name", "content", "words"), [
    ("missing.jsonl", None, "no such file"),
    ("data.csv", "a,b\n", "unsupported file type"),
    ("f.json", '{"a": 1, "b": 2}', "list of objects"),
    ("g.jsonl", '[1, 2]\n', "expected a JSON object"),
    ("h.zip", "not a zip", "not a zip archive"),
    ("i.parquet", "not parquet", "not a readable parquet file"),
])
def test_bad_files_raise_input_error_naming_the_file(tmp_path, name, content, words):
    path = tmp_path / name
    if content is not None:
        path.write_text(content)
    with pytest.raises(InputError) as caught:
        list(read_local(path))
    assert str(path) in str(caught.value) and words in str(caught.value)


def test_empty_folder_and_zip_without_data_are_errors(tmp_path):
    with pytest.raises(InputError, match="holds no data file"):
        list(read_local(tmp_path))
    archive = tmp_path / "x.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("README.md", "no data")
    with pytest.raises(InputError, match="no .jsonl/.json/.parquet member"):
        list(read_local(archive))


@pytest.mark.parametrize("streaming", [False, True])
def test_read_hub_loads_a_dataset_with_datasets(tmp_path, streaming, monkeypatch):
    # datasets.load_dataset on a local dataset folder: the same call the Hub path makes, offline
    monkeypatch.setenv("HF_DATASETS_CACHE", str(tmp_path / "cache"))
    repo = tmp_path / "repo"
    (repo / "data").mkdir(parents=True)
    (repo / "data" / "train.jsonl").write_text(_jsonl(ROWS))
    (repo / "data" / "test.jsonl").write_text(_jsonl(ROWS[:2]))
    rows = list(read_hub(str(repo), split="test", streaming=streaming))
    assert [n.row for n in rows] == ROWS[:2]
    assert [n.index for n in rows] == [0, 1] and rows[0].unit == "test" and rows[0].origin.startswith("hub:")
