"""Fixtures shared by every test package: the real knowledge base and a project-root path;
the `e2e` marker's guard (`tests/e2e.py`)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings

from knowledge.base import KnowledgeBase
from knowledge.loader import DATA_DIR, load_knowledge_base
from tests import e2e

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
    e2e.install_guards()


@pytest.hookimpl(tryfirst=True)  # before `-m` deselects by marker
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    e2e.mark_by_fixtures(items)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item) -> Iterator[None]:
    with e2e.running(item):
        return (yield)


@pytest.fixture(scope="session")
def kb() -> KnowledgeBase:
    """The real, curated knowledge base, loaded once per test run: the only load outside the
    tests that load a changed copy on purpose. Nothing may change it (it is frozen)."""
    return load_knowledge_base(SEEDS_DIR, DATA_DIR)


pytest_plugins = ["tests.bot.running_bot"]
