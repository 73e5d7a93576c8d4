"""Generic readers: native rows from local jsonl / json / parquet / zip files, folders, or the Hub.

Every reader yields :class:`NativeRow` objects in a deterministic order (folders and zip members
sorted by name, rows in file order), with enough location to name the file and line of a bad row.
The adapters in this package never open files themselves.
"""

from __future__ import annotations

import dataclasses
import gzip
import io
import json
import zipfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO, Any

from bigmath.errors import InputError

#: File name endings the local readers understand (checked longest first).
DATA_SUFFIXES = (".jsonl.gz", ".json.gz", ".jsonl", ".ndjson", ".json", ".parquet", ".zip")
_PARQUET_BATCH = 4096
_UNSUPPORTED = f"unsupported file type; expected one of {', '.join(DATA_SUFFIXES)}"


@dataclasses.dataclass(frozen=True, slots=True)
class NativeRow:
    """One upstream row and where it came from.

    Attributes:
        row: the native row as read (a JSON object / Arrow row as a dict).
        index: 0-based position of the row within its ``unit``.
        unit: the split (Hub) or file label (local) the index counts in; adapters without native
            ids use ``f"{unit}/{index}"`` as ``source_id``.
        origin: file path, ``archive.zip!member`` or ``hub:<id>@<revision>/<config>/<split>``.
        line: 1-based line (jsonl) or row number (json, parquet, Hub) within ``origin``.
    """

    row: dict[str, Any]
    index: int
    unit: str
    origin: str
    line: int


def _suffix(name: str) -> str | None:
    lower = name.lower()
    return next((s for s in DATA_SUFFIXES if lower.endswith(s)), None)


def file_label(name: str) -> str:
    """Return ``name`` without its data suffix (``data/HARP.jsonl.zip`` -> ``data/HARP``)."""
    suffix = _suffix(name)
    stem = name[: -len(suffix)] if suffix else name
    if suffix == ".zip":  # HARP.jsonl.zip -> HARP
        inner = _suffix(stem)
        stem = stem[: -len(inner)] if inner and inner != ".zip" else stem
    return stem


def _jsonl_rows(stream: IO[bytes], origin: str) -> Iterator[tuple[int, dict[str, Any]]]:
    for line_no, raw in enumerate(stream, start=1):
        if not raw.strip():
            continue  # blank lines (a trailing newline) are not rows
        try:
            value = json.loads(raw)
        except UnicodeDecodeError as err:
            raise InputError(origin, line_no, "(json)", f"line is not UTF-8 ({err.reason})") from None
        except json.JSONDecodeError as err:
            raise InputError(origin, line_no, "(json)", f"invalid JSON: {err.msg} at character {err.pos + 1}") from None
        if not isinstance(value, dict):
            raise InputError(origin, line_no, "(json)", f"expected a JSON object, got {type(value).__name__}")
        yield line_no, value


def _json_rows(stream: IO[bytes], origin: str) -> Iterator[tuple[int, dict[str, Any]]]:
    try:
        value = json.load(stream)
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise InputError(origin, getattr(err, "lineno", None), "(json)", f"invalid JSON: {err}") from None
    if isinstance(value, dict):  # {"data": [...]} or {"rows": [...]}: one list of objects inside
        lists = [v for v in value.values() if isinstance(v, list)]
        if len(lists) != 1:
            raise InputError(origin, None, "(json)", "expected a list of objects or an object holding one such list")
        value = lists[0]
    if not isinstance(value, list):
        raise InputError(origin, None, "(json)", f"expected a list of objects, got {type(value).__name__}")
    for number, item in enumerate(value, start=1):
        if not isinstance(item, dict):
            raise InputError(origin, number, "(json)", f"expected a JSON object, got {type(item).__name__}")
        yield number, item


def _parquet_rows(stream: IO[bytes] | str, origin: str) -> Iterator[tuple[int, dict[str, Any]]]:
    import pyarrow.parquet as pq

    try:
        parquet = pq.ParquetFile(stream)
    except Exception as err:  # pyarrow raises ArrowInvalid / OSError for non-parquet bytes
        raise InputError(origin, None, "(parquet)", f"not a readable parquet file: {err}") from None
    number = 0
    for batch in parquet.iter_batches(batch_size=_PARQUET_BATCH):
        for row in batch.to_pylist():
            number += 1
            yield number, row


def _rows_of_stream(stream: IO[bytes], name: str, origin: str) -> Iterator[tuple[int, dict[str, Any]]]:
    suffix = _suffix(name)
    if suffix in (".jsonl.gz", ".json.gz"):
        stream = gzip.GzipFile(fileobj=stream)
        suffix = suffix[:-3]
    if suffix in (".jsonl", ".ndjson"):
        return _jsonl_rows(stream, origin)
    if suffix == ".json":
        return _json_rows(stream, origin)
    if suffix == ".parquet":
        return _parquet_rows(stream, origin)
    raise InputError(origin, None, None, _UNSUPPORTED)


def _zip_rows(path: Path, label: str) -> Iterator[NativeRow]:
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile as err:
        raise InputError(str(path), None, None, f"not a zip archive: {err}") from None
    with archive:
        members = sorted(
            m for m in archive.namelist()
            if not m.endswith("/") and not m.startswith("__MACOSX/") and not Path(m).name.startswith(".")
            and _suffix(m) not in (None, ".zip")
        )
        if not members:
            raise InputError(str(path), None, None, "zip archive holds no .jsonl/.json/.parquet member")
        for member in members:
            # one member (HARP.jsonl or HARD-Math.jsonl, depending on the upstream version): the
            # archive's own label, so source ids do not change with the member name
            unit = label if len(members) == 1 else f"{label}/{file_label(member)}"
            origin = f"{path}!{member}"
            with archive.open(member) as raw:
                stream = io.BytesIO(raw.read()) if _suffix(member) == ".parquet" else raw
                for index, (line, row) in enumerate(_rows_of_stream(stream, member, origin)):
                    yield NativeRow(row, index, unit, origin, line)


def _file_rows(path: Path, unit: str) -> Iterator[NativeRow]:
    if _suffix(path.name) == ".zip":
        yield from _zip_rows(path, unit)
        return
    with open(path, "rb") as stream:
        for index, (line, row) in enumerate(_rows_of_stream(stream, path.name, str(path))):
            yield NativeRow(row, index, unit, str(path), line)


def data_files(path: str | Path) -> list[Path]:
    """Return the data files at ``path``: the file itself, or every data file under a folder, sorted.

    Raises:
        InputError: the path does not exist, has an unsupported type, or the folder holds no data file.
    """
    root = Path(path)
    if not root.exists():
        raise InputError(str(root), None, None, "no such file or folder")
    if root.is_file():
        if _suffix(root.name) is None:
            raise InputError(str(root), None, None, _UNSUPPORTED)
        return [root]
    files = sorted(p for p in root.rglob("*") if p.is_file() and _suffix(p.name) and not p.name.startswith("."))
    if not files:
        raise InputError(str(root), None, None, f"folder holds no data file ({', '.join(DATA_SUFFIXES)})")
    return files


def read_local(path: str | Path, split: str | None = None) -> Iterator[NativeRow]:
    """Yield the rows of a local file or folder (jsonl, json, parquet, gzip'd json(l), zip of those).

    The ``unit`` of a single file is ``split`` when given, else the file's label (name without
    data suffix); in a folder it is the file's relative label, prefixed with ``split`` when given.

    Raises:
        InputError: unreadable path, file or row (names file, line and field).
    """
    root = Path(path)
    files = data_files(root)
    for file in files:
        if root.is_file():
            unit = split or file_label(file.name)
        else:
            rel = file_label(file.relative_to(root).as_posix())
            unit = f"{split}/{rel}" if split else rel
        yield from _file_rows(file, unit)


def read_hub(
    hub_id: str,
    *,
    split: str,
    configs: Sequence[str | None] = (None,),
    revision: str | None = None,
    streaming: bool = False,
) -> Iterator[NativeRow]:
    """Yield the rows of a Hugging Face dataset split (``datasets.load_dataset``), config by config.

    Rows are numbered across ``configs`` (in the given order) within the split, so an index is
    unique per split. ``hub_id`` may also be a local dataset folder (what ``load_dataset`` accepts).

    Raises:
        InputError: the dataset, config, split or revision cannot be loaded.
    """
    import datasets

    index = 0
    for config in configs or (None,):
        origin = f"hub:{hub_id}@{revision or 'main'}/{config or 'default'}/{split}"
        try:
            dataset = datasets.load_dataset(hub_id, config, split=split, revision=revision, streaming=streaming)
        except Exception as err:  # datasets raises many types (FileNotFound, ValueError, HTTP errors)
            raise InputError(origin, None, None, f"cannot load dataset: {type(err).__name__}: {err}") from None
        for number, row in enumerate(dataset, start=1):
            yield NativeRow(dict(row), index, split, origin, number)
            index += 1
