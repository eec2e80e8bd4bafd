"""Fixtures shared by every test package: the real knowledge base and a project-root path."""

from __future__ import annotations

from pathlib import Path

import pytest

from knowledge.base import KnowledgeBase
from knowledge.loader import DATA_DIR, load_knowledge_base

REPO_ROOT = Path(__file__).resolve().parent.parent
SEEDS_DIR = REPO_ROOT / "seeds"
SHARED_DIR = REPO_ROOT.parent / "shared"


@pytest.fixture(scope="session")
def kb() -> KnowledgeBase:
    """The real, curated knowledge base, loaded once per test run."""
    return load_knowledge_base(SEEDS_DIR, DATA_DIR)


pytest_plugins = ["tests.bot.running_bot"]
