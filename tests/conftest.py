"""Shared test fixtures: where the real sample data lives."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]


def shared_data_dir() -> Path:
    """``../shared/data`` beside the checkout, or ``$BIGMATH_SHARED_DATA``."""
    return Path(os.environ.get("BIGMATH_SHARED_DATA", REPO_ROOT.parent / "shared" / "data"))


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """Path of the real sample data (read-only). Fails loudly when it is missing."""
    path = shared_data_dir()
    if not (path / "README.md").exists():
        pytest.fail(f"shared sample data not found at {path}; set BIGMATH_SHARED_DATA")
    return path


@pytest.fixture(scope="session")
def repo_root() -> Path:
    """The checkout's root folder."""
    return REPO_ROOT
