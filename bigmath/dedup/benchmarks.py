"""Evaluation benchmarks to decontaminate against: built-in specs, local files and Hub ids.

Built-in names (``KNOWN_BENCHMARKS``): ``math500``, ``aime24``, ``aime25``, ``amc23``, ``gsm8k``,
``olympiadbench``, ``minerva``, ``omni_math``, ``aimo_aime``, ``aimo_amc``. Each has a default
Hub id and a local file name (as in ``../shared/data/labelled/``). A benchmark is read from:

* a local file (jsonl / json / parquet, via :func:`bigmath.sources.readers.read_local`);
* a folder: the built-in benchmark's file name inside it;
* the Hub (``datasets.load_dataset``, via :func:`bigmath.sources.readers.read_hub`).

Field names vary (``problem``, ``question``, ``Problem``...): the problem text is the first of
:data:`TEXT_FIELDS` present, the item id the first of :data:`ID_FIELDS` (else the row number).
OlympiadBench's optional ``context`` is prepended to its ``question``.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from pydantic import BaseModel, ConfigDict, model_validator

from bigmath.errors import InputError

TEXT_FIELDS = ("problem", "question", "Problem", "Question", "prompt", "input")
ID_FIELDS = ("unique_id", "id", "idx", "problem_idx", "ID")


@dataclasses.dataclass(frozen=True)
class KnownBenchmark:
    """Defaults of a built-in benchmark: Hub location and the local file name."""

    hub_id: str
    split: str
    file: str
    configs: tuple[str | None, ...] = (None,)


KNOWN_BENCHMARKS: dict[str, KnownBenchmark] = {
    "math500": KnownBenchmark("HuggingFaceH4/MATH-500", "test", "math500_test.jsonl"),
    "aime24": KnownBenchmark("HuggingFaceH4/aime_2024", "train", "aime24_test.jsonl"),
    "aime25": KnownBenchmark("opencompass/AIME2025", "test", "aime25_test.jsonl", ("AIME2025-I", "AIME2025-II")),
    "amc23": KnownBenchmark("math-ai/amc23", "test", "amc23_test.jsonl"),
    "gsm8k": KnownBenchmark("openai/gsm8k", "test", "gsm8k_test.jsonl", ("main",)),
    "olympiadbench": KnownBenchmark("Hothan/OlympiadBench", "train", "olympiadbench_test.jsonl", ("OE_TO_maths_en_COMP",)),
    "minerva": KnownBenchmark("math-ai/minervamath", "test", "minerva_math_test.jsonl"),
    "omni_math": KnownBenchmark("KbsdJames/Omni-MATH", "test", "omni_math_test.jsonl"),
    "aimo_aime": KnownBenchmark("AI-MO/aimo-validation-aime", "train", "aimo_validation_aime.parquet"),
    "aimo_amc": KnownBenchmark("AI-MO/aimo-validation-amc", "train", "aimo_validation_amc.parquet"),
}
#: Benchmarks the ``decontaminate`` stage checks by default (the usual RL evaluation sets).
DEFAULT_BENCHMARKS = ("math500", "aime24", "aime25", "amc23", "gsm8k", "olympiadbench", "minerva")

_BY_FILE = {spec.file: name for name, spec in KNOWN_BENCHMARKS.items()}


@dataclasses.dataclass(frozen=True)
class BenchmarkItem:
    """One evaluation problem: ``benchmark`` name, ``item_id`` within it, ``problem`` text."""

    benchmark: str
    item_id: str
    problem: str


class BenchmarkSource(BaseModel):
    """Where one benchmark's problems come from (recipe form: ``{name: math500, path: ...}``).

    Attributes:
        name: benchmark name (used in the reason ``decontamination:<name>``).
        path: local file, or a folder holding the built-in file name; None = the Hub.
        hub_id, split, configs, revision: Hub location (defaults from :data:`KNOWN_BENCHMARKS`).
        text_field, id_field: override the field detection.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    path: str | None = None
    hub_id: str | None = None
    split: str | None = None
    configs: tuple[str | None, ...] | None = None
    revision: str | None = None
    text_field: str | None = None
    id_field: str | None = None

    @model_validator(mode="after")
    def _locatable(self) -> "BenchmarkSource":
        if self.path is None and self.hub_id is None and self.name not in KNOWN_BENCHMARKS:
            raise ValueError(f"benchmark {self.name!r} is not built in ({', '.join(KNOWN_BENCHMARKS)}); "
                             "give a path or a hub_id")
        return self

    def local_file(self) -> Path | None:
        """The local file read (``path``, or the built-in file name inside the folder ``path``);
        None when the benchmark comes from the Hub.

        Raises:
            InputError: ``path`` is a folder and the benchmark has no built-in file name.
        """
        if self.path is None:
            return None
        path = Path(self.path)
        if path.is_dir():
            known = KNOWN_BENCHMARKS.get(self.name)
            if known is None:
                raise InputError(str(path), None, None, f"folder given for benchmark {self.name!r}, which has "
                                 "no built-in file name; give the file itself")
            path = path / known.file
        return path

    def load(self) -> list[BenchmarkItem]:
        """Read the benchmark's problems (empty problems are skipped; they cannot contaminate).

        Raises:
            InputError: unreadable file/dataset, or a row without a text field (names file and row).
        """
        from bigmath.sources.readers import read_hub, read_local

        known = KNOWN_BENCHMARKS.get(self.name)
        if self.path is not None:
            rows = read_local(self.local_file())
        else:
            rows = read_hub(self.hub_id or known.hub_id, split=self.split or (known.split if known else "test"),
                            configs=self.configs or (known.configs if known else (None,)), revision=self.revision)
        try:
            return self._items(rows)
        except InputError as exc:
            if self.path is not None or "cannot load dataset" not in exc.message:
                raise
            raise InputError(exc.path, exc.row, exc.field, exc.message + f" (offline? give a local copy of {self.name}: "
                             "--against FILE or a folder of benchmark files, or benchmarks_dir / --benchmarks-dir; "
                             "see docs/dedup.md)") from None

    def _items(self, rows) -> list[BenchmarkItem]:
        items = []
        for native in rows:
            row = native.row
            text_field = self.text_field or next((f for f in TEXT_FIELDS if f in row), None)
            if text_field is None or (row.get(text_field) is not None and not isinstance(row[text_field], str)):
                raise InputError(native.origin, native.line, self.text_field or "problem",
                                 f"no problem text field (looked for {', '.join(TEXT_FIELDS)})")
            text = row.get(text_field) or ""
            if isinstance(row.get("context"), str) and row["context"].strip():
                text = f"{row['context']}\n{text}"
            id_field = self.id_field or next((f for f in ID_FIELDS if row.get(f) is not None), None)
            item_id = str(row[id_field]) if id_field else f"{native.unit}/{native.index}"
            if text.strip():
                items.append(BenchmarkItem(self.name, item_id, text))
        return items


def parse_benchmark(spec: str) -> list[BenchmarkSource]:
    """Parse one ``--against`` value into benchmark sources.

    Accepted forms: ``FILE`` (name from the built-in file name, else the file stem),
    ``NAME=FILE``, ``NAME`` (built-in, from the Hub), ``hub:OWNER/NAME[@SPLIT]``, or a folder
    (every built-in benchmark file found in it).

    Raises:
        InputError: the path does not exist / the folder holds no known benchmark file.
        ValueError: an unknown bare name.
    """
    if spec.startswith("hub:"):
        hub_id, _, split = spec[4:].partition("@")
        return [BenchmarkSource(name=hub_id.split("/")[-1].lower(), hub_id=hub_id, split=split or "test")]
    name, sep, location = spec.partition("=")
    if not sep:
        name, location = "", spec
    path = Path(location)
    if not path.exists():
        if not sep and location in KNOWN_BENCHMARKS:
            return [BenchmarkSource(name=location)]
        raise InputError(location, None, None, "benchmark file not found (and not a built-in benchmark name: "
                         f"{', '.join(KNOWN_BENCHMARKS)})")
    if path.is_dir() and not name:
        found = [BenchmarkSource(name=n, path=str(path / s.file)) for n, s in KNOWN_BENCHMARKS.items()
                 if (path / s.file).exists()]
        if not found:
            raise InputError(str(path), None, None, "folder holds none of the built-in benchmark files "
                             f"({', '.join(s.file for s in KNOWN_BENCHMARKS.values())})")
        return found
    return [BenchmarkSource(name=name or _BY_FILE.get(path.name, path.name.split(".")[0]), path=str(path))]
