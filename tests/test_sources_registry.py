"""The source contract: every adapter registers, declares its facts, validates its fields, and
``bigmath sources`` lists them all."""

from __future__ import annotations

import json
import re

import pytest
from pydantic import ValidationError
from typer.testing import CliRunner

from bigmath.cli.app import app
from bigmath.errors import InputError
from bigmath.registry import get_source, names

ADAPTERS = ("math", "numinamath_cot", "numinamath_1_5", "harp", "omni_math", "openmathinstruct2")
SPDX = {"MIT", "Apache-2.0", "CC-BY-4.0"}


def test_bigmath_sources_lists_six_adapters_custom_and_problems():
    assert set(names("source")) == {*ADAPTERS, "custom", "problems"}  # problems: common-schema parquet
    result = CliRunner().invoke(app, ["sources", "--json"])
    assert result.exit_code == 0, result.output
    listed = {info["name"]: info for info in json.loads(result.output)}
    assert set(listed) == {*ADAPTERS, "custom", "problems"}
    assert listed["numinamath_cot"]["hub_id"] == "AI-MO/NuminaMath-CoT"
    assert all("@" in listed[name]["citation"] for name in ADAPTERS)  # BibTeX of each upstream dataset
    for columns in ("250", "80"):  # a table on wide terminals, one block per source on narrow ones
        table = CliRunner().invoke(app, ["sources"], env={"COLUMNS": columns})
        assert table.exit_code == 0 and all(name in table.output for name in (*ADAPTERS, "custom", "problems"))


@pytest.mark.parametrize("name", ADAPTERS)
def test_adapter_declares_its_facts(name):
    cls = get_source(name)
    assert cls.name == name and cls.registry_name == name
    assert cls.hub_id is None if name == "harp" else re.fullmatch(r"[\w.-]+/[\w.-]+", cls.hub_id)
    assert re.fullmatch(r"[0-9a-f]{40}", cls.default_revision), "pin a full commit sha"
    assert cls.license in SPDX and cls.citation.startswith("@") and cls.citation.rstrip().endswith("}")
    assert cls.splits and cls.native_fields and "problem" in cls.native_fields
    assert cls.reasons and all(r.startswith("adapter:") for r in cls.reasons)
    assert "adapter:empty_problem" in cls.reasons
    assert cls.__doc__ and "Reasons" in cls.__doc__


@pytest.mark.parametrize("name", ADAPTERS)
def test_adapter_fields_validate_and_round_trip(name):
    cls = get_source(name)
    source = cls(path="data.jsonl", split="anything", limit=10)
    assert cls(**source.model_dump()) == source  # recipes rebuild sources from model_dump()
    info = source.describe()
    assert {"name", "hub_id", "revision", "license", "citation", "path", "split"} <= set(info)
    json.dumps(info)
    hub = cls()
    assert hub.describe()["revision"] == (cls.default_revision if name != "harp" else hub.resolved_revision())
    with pytest.raises(ValidationError):
        cls(path="x", not_a_field=1)
    with pytest.raises(ValidationError):
        cls(limit=-1)
    with pytest.raises(ValidationError, match="has no split"):
        cls(split="no_such_split")  # Hub splits are checked


def test_math_reads_all_subject_configs_of_the_mirror():
    math = get_source("math")
    assert math.hub_id == "EleutherAI/hendrycks_math" and len(math.hub_configs) == 7
    assert "hendrycks/competition_math" in math.__doc__  # says why the mirror is used


def test_openmathinstruct2_documents_majority_vote_and_streams():
    omi = get_source("openmathinstruct2")
    assert omi.streaming and omi.collapses_rows
    assert "majority vote" in omi.__doc__ and "not ground truth" in omi.__doc__


def test_harp_pins_upstream_zips_per_split():
    harp = get_source("harp")
    assert harp(split="proof_based").remote_url().endswith("/HARP_proof-based.jsonl.zip")
    assert "36269c78e705ed14ac7a1e2a7538da22f74e793c" in harp().remote_url()


def test_input_error_message_names_file_row_and_field():
    err = InputError("data/x.jsonl", 7, "answer", "expected a string, got list")
    assert str(err) == "data/x.jsonl, row 7, field 'answer': expected a string, got list"
    assert InputError(None, None, "problem", "missing").with_location("f.jsonl", 3).row == 3
    import pickle

    assert str(pickle.loads(pickle.dumps(err))) == str(err)
