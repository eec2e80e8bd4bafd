"""Fixtures for the knowledge tests."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from knowledge.loader import DATA_DIR


@pytest.fixture
def data_copy(tmp_path: Path) -> Path:
    """A private copy of the data folder, for a test to break."""
    target = tmp_path / "data"
    shutil.copytree(DATA_DIR, target)
    return target
