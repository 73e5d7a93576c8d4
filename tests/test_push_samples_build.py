"""End to end on a real build of the shared samples: build -> export -> card -> push --dry-run -> push.

The build (the session fixture ``samples_build`` in ``conftest.py``) runs ``pipelines/samples.yaml``
through the real engine with every source and every stage it lists, on a slice of each source
(the LLM stages skip: no backend). ``data_cards/examples/samples/`` holds the card of the full
recipe, and the last test checks it against the ``stats.json`` of that build, committed beside it.
"""

from __future__ import annotations

import json
import re

import datasets
import pyarrow.parquet as pq
from typer.testing import CliRunner

from bigmath.cli import app
from bigmath.export.card import validate_card
from bigmath.export.hub import push




def _funnel_cells(text: str) -> dict[tuple[str, str], int]:
    block = re.search(r"<!-- bigmath:funnel -->\n(.*?)<!-- /bigmath:funnel -->", text, re.DOTALL).group(1)
    rows = [[c.strip() for c in line.strip("|").split("|")] for line in block.strip().splitlines()]
    sources = rows[0][1:-1]
    return {(row[0], s): int(v.replace(",", "")) for row in rows[2:] for s, v in zip(sources, row[1:-1])}


def _check_card_against_stats(text: str, stats: dict) -> None:
    validate_card(text)
    cells = _funnel_cells(text)
    expected = {("ingested", s): c["ingested"] for s, c in stats["sources"].items()}
    expected.update({(stage, s): n for s, per in stats["funnel"].items() for stage, n in per.items()})
    assert cells == expected
    for stage in stats["stages"]:
        for reason, count in stage["reasons"].items():
            assert f"| {stage['name']} | `{reason}` | {count:,} |" in text


def test_samples_build_exports_cards_and_pushes(samples_build, tmp_path, monkeypatch, hub_server):
    stats = json.loads((samples_build / "stats.json").read_text())
    kept_rows = pq.read_metadata(samples_build / "kept.parquet").num_rows
    assert stats["kept"] == kept_rows and stats["rejected"] > 0 and len(stats["sources"]) >= 5
    runner = CliRunner()

    result = runner.invoke(app, ["export", str(samples_build), "--format", "verl", "--out", str(tmp_path / "verl"),
                                 "--test-size", "0.1"])
    assert result.exit_code == 0, result.output
    verl = datasets.load_dataset("parquet", data_dir=str(tmp_path / "verl"))
    excluded = pq.read_metadata(tmp_path / "verl" / "excluded.parquet").num_rows
    assert verl["train"].num_rows + verl["test"].num_rows + excluded == kept_rows

    result = runner.invoke(app, ["card", str(samples_build)])
    assert result.exit_code == 0, result.output
    card = (samples_build / "card" / "README.md").read_text()
    _check_card_against_stats(card, stats)
    # settings that shaped the data only: not those of skipped stages or switched-off options
    settings = card[card.index("### Models and thresholds"):card.index("### Stages and fingerprints")]
    assert "| decontaminate | `min_similarity` | 0.9 |" in settings and "| semdedup | `model` |" in settings
    assert "llm_judges" not in settings and "solve_rate" not in settings
    assert "minhash_threshold" not in settings and "| decontaminate | `model` |" not in settings
    assert "| llm_judges | `llm_judges` |" in card and "skipped: no backend configured" in card

    result = runner.invoke(app, ["push", str(samples_build), "tester/bigmath-samples", "--dry-run"])
    assert result.exit_code == 0, result.output
    hub_dir = samples_build / "hub"
    assert datasets.load_dataset(str(hub_dir), split="train").num_rows == kept_rows

    monkeypatch.setattr("huggingface_hub.constants.HF_HUB_DISABLE_XET", True)  # classic LFS to the local Hub
    with hub_server.FakeHub(token="hf_samples_token") as hub:
        push(samples_build, "tester/bigmath-samples", endpoint=hub.url, token="hf_samples_token")
        remote = hub.files("tester/bigmath-samples")
        assert remote["data/train-00000-of-00001.parquet"] == (hub_dir / "data/train-00000-of-00001.parquet").read_bytes()
        assert remote["README.md"] == (hub_dir / "README.md").read_bytes()
        assert len(hub.commits) == 1


def test_committed_example_card_matches_its_build(repo_root):
    example = repo_root / "data_cards" / "examples" / "samples"
    stats = json.loads((example / "stats.json").read_text())
    text = (example / "README.md").read_text()
    _check_card_against_stats(text, stats)
    assert "recipe `samples`" in text
    for plot in re.findall(r"\]\(([\w.]+\.png)\)", text):
        assert (example / plot).read_bytes().startswith(b"\x89PNG")
