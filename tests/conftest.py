"""Fixtures shared by every test package: the real knowledge base and a project-root path."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import settings

from knowledge.base import KnowledgeBase
from knowledge.loader import DATA_DIR, load_knowledge_base

REPO_ROOT = Path(__file__).resolve().parent.parent
SEEDS_DIR = REPO_ROOT / "seeds"
# `shared/` lies beside the clone (CI) or beside a folder of git worktrees.
SHARED_DIR = next(
    (parent / "shared" for parent in REPO_ROOT.parents if (parent / "shared").is_dir()),
    REPO_ROOT.parent / "shared",
)


def pytest_configure(config: pytest.Config) -> None:
    """CI runs the same hypothesis examples every time, so a red run is reproducible and never
    a dice roll; developers' runs keep exploring new examples."""
    settings.register_profile("ci", derandomize=True, print_blob=True)
    if os.environ.get("CI"):
        settings.load_profile("ci")


@pytest.fixture(scope="session")
def kb() -> KnowledgeBase:
    """The real, curated knowledge base, loaded once per test run."""
    return load_knowledge_base(SEEDS_DIR, DATA_DIR)


pytest_plugins = ["tests.bot.running_bot"]
