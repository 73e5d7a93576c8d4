"""The dataset card: Hub-valid YAML metadata, the funnel and reasons of stats.json, settings, plots."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from huggingface_hub import DatasetCard
from typer.testing import CliRunner

from bigmath.cli import app
from bigmath.export.build_output import BuildOutputError
from bigmath.export.card import CardValidationError, hub_license, size_category, validate_card, write_card

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"




@pytest.fixture(scope="module")
def build_dir(shared_data, tmp_path_factory, tiny_model, export_helpers) -> Path:
    """A real build of MATH + Omni-MATH + HARP proof rows: rule filters, then a real solve-rate
    stage on the tiny CPU model (column ``solve_rate_tiny``, for the histogram)."""
    return export_helpers.real_build(tmp_path_factory.mktemp("build"), shared_data, n_math=120, n_omni=200,
                              n_harp_proof=8, tiny_model=tiny_model)


@pytest.fixture(scope="module")
def card(build_dir):
    return write_card(build_dir)


def _table(text: str, marker: str) -> list[list[str]]:
    """Rows (cells) of the markdown table between ``<!-- bigmath:marker -->`` comments."""
    block = re.search(rf"<!-- bigmath:{marker} -->\n(.*?)<!-- /bigmath:{marker} -->", text, re.DOTALL).group(1)
    lines = [line for line in block.strip().splitlines() if line.startswith("|")]
    return [[cell.strip() for cell in line.strip("|").split("|")] for line in lines]


def _number(cell: str) -> int | None:
    return None if cell == "—" else int(cell.replace(",", ""))


def test_metadata_validates_as_a_hub_dataset_card(card, build_dir, export_helpers):
    text = card.readme.read_text()
    validate_card(text)
    loaded = DatasetCard.load(card.readme)
    data = loaded.data.to_dict()
    assert data["license"] == ["apache-2.0", "mit"]  # one Hub licence id per distinct source licence
    assert data["language"] == ["en"]
    assert data["size_categories"] == ["n<1K"]
    assert "text-generation" in data["task_categories"]
    assert data["configs"] == [{"config_name": "default", "data_files": [{"split": "train", "path": "data/train-*"}]}]
    stats = json.loads((build_dir / "stats.json").read_text())
    info = data["dataset_info"]
    assert info["splits"][0]["num_examples"] == stats["kept"]
    names = [f["name"] for f in info["features"]]
    assert names[:12] == export_helpers.core_schema_names() and "solve_rate_tiny" in names


def test_card_shows_the_funnel_and_reasons_of_stats_json(card, build_dir):
    stats = json.loads((build_dir / "stats.json").read_text())
    text = card.readme.read_text()
    header, _, ingested, *rows = _table(text, "funnel")
    sources = header[1:-1]
    assert sources == sorted(stats["funnel"])
    assert ingested[0] == "ingested"
    assert [_number(c) for c in ingested[1:-1]] == [stats["sources"][s]["ingested"] for s in sources]
    assert _number(ingested[-1]) == stats["ingested"]
    assert [row[0] for row in rows] == [stage["name"] for stage in stats["stages"]]
    for row in rows:
        values = dict(zip(sources, (_number(c) for c in row[1:-1])))
        assert values == {s: stats["funnel"][s][row[0]] for s in sources}
        assert _number(row[-1]) == sum(stats["funnel"][s][row[0]] for s in sources)

    header, _, *rows = _table(text, "reasons")
    expected = {(st["name"], reason): n for st in stats["stages"] for reason, n in st["reasons"].items()}
    shown = {(row[0], row[1].strip("`")): _number(row[2]) for row in rows}
    assert shown == expected and len(expected) >= 2
    for row in rows:  # per-source columns (from rejected.parquet) add up to the stats.json total
        assert sum(_number(c) for c in row[3:]) == _number(row[2])
    assert f"| ingested | {stats['ingested']:,} |" in text and f"| kept | {stats['kept']:,} |" in text


def test_card_lists_sources_settings_and_citations(card, build_dir, shared_data):
    text = card.readme.read_text()
    assert str(shared_data.resolve()) not in text and str(build_dir) not in text  # no local folders in public
    assert f"| rule_filters | `filters` | `" in text and "| yes |" in text  # stages that ran are marked
    info = json.loads((build_dir / "build.json").read_text())
    assert "| math | EleutherAI/hendrycks_math | local file `math/sample.jsonl` (first 120 rows) | MIT |" in text
    assert "local file `harp/proof_based.jsonl`" in text
    assert "| rule_filters | `multiple_choice` | yes |" in text and "| rule_filters | `proof` | yes |" in text
    assert f"Answer verifier: math-verify {info['versions']['math-verify']}." in text
    fingerprint = next(s["fingerprint"] for s in info["stages"] if s["name"] == "rule_filters")
    assert f"| rule_filters | `filters` | `{fingerprint[:16]}` |" in text
    assert "model: " in text or "tiny" in text  # the solve-rate model is listed among the settings
    citation = text[text.index("## Citation") :]
    assert "albalak2025bigmath" in citation and "hendrycksmath2021" in citation and "gao2024omnimath" in citation


def test_plots_are_pngs_and_deterministic(card, build_dir, tmp_path):
    names = sorted(p.name for p in card.plots)
    assert names == ["difficulty.png", "funnel.png", "solve_rate.png"]
    for plot in card.plots:
        assert plot.read_bytes().startswith(PNG_SIGNATURE)
        assert f"]({plot.name})" in card.readme.read_text()
    again = write_card(build_dir, tmp_path)
    for plot in again.plots + [again.readme]:
        assert plot.read_bytes() == (card.readme.parent / plot.name).read_bytes()


def test_invalid_metadata_is_rejected(card):
    text = card.readme.read_text()
    with pytest.raises(CardValidationError, match="license: 'MIT-ish' is not a Hub licence id"):
        validate_card(text.replace("- apache-2.0\n", "- MIT-ish\n", 1))
    with pytest.raises(CardValidationError, match="size_categories"):
        validate_card(text.replace("- n<1K", "- tiny", 1))


def test_licence_and_size_mapping():
    assert hub_license("CC-BY-4.0") == "cc-by-4.0"
    assert hub_license("GPL-3.0-only") == "gpl-3.0"
    assert hub_license("Custom-Research-Licence") == "other"
    assert hub_license(None) == "unknown"
    assert [size_category(n) for n in (5, 9_821, 251_122, 1_500_000)] == ["n<1K", "1K<n<10K", "100K<n<1M", "1M<n<10M"]


def test_card_command(build_dir, tmp_path):
    runner = CliRunner()
    result = runner.invoke(app, ["card", str(build_dir), "--out", str(tmp_path / "card"), "--repo-id", "org/name"])
    assert result.exit_code == 0, result.output
    assert 'load_dataset("org/name", split="train")' in (tmp_path / "card" / "README.md").read_text()
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "kept.parquet").write_bytes((build_dir / "kept.parquet").read_bytes())
    result = runner.invoke(app, ["card", str(tmp_path / "broken")])
    assert result.exit_code == 1 and "stats.json: file not found" in " ".join(result.output.split())
    with pytest.raises(BuildOutputError, match="not a folder"):
        write_card(tmp_path / "missing")
