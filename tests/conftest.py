"""Fixtures shared by every test package: the real knowledge base and a project-root path;
the `e2e` marker's guard (`tests/e2e.py`); hypothesis's profiles."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings

from knowledge import answerer as answerer_module
from knowledge.answerer import Answerer, answerer_for
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
MODEL_CACHE_DIR = REPO_ROOT / ".test-cache"
"""Where the real knowledge base's free-text models are kept between test runs (git and docker
ignore it; delete it at will): the checkout's own, never a user's data directory."""


FAST_SHARE = 5
"""The fast set (`-m "not e2e"`) runs a fifth of each property test's examples."""


def pytest_configure(config: pytest.Config) -> None:
    """CI runs the same hypothesis examples every time, so a red run is reproducible and never
    a dice roll; developers' runs keep exploring new examples. The fast set, outside CI, runs
    fewer of them (the `fast` profile and `examples`); the full suite, and CI, all of them."""
    settings.register_profile("ci", derandomize=True, print_blob=True)
    settings.register_profile("fast", max_examples=100 // FAST_SHARE)
    if os.environ.get("CI"):
        settings.load_profile("ci")
    elif "not e2e" in (config.getoption("markexpr") or "") and not config.getoption(
        "hypothesis_profile", None
    ):
        settings.load_profile("fast")
    e2e.install_guards()


def examples(full: int) -> int:
    """How many examples a property test that runs `full` of them in the full suite runs now:
    all of them, or a `FAST_SHARE`th (at least 10) in the fast set."""
    if settings.get_current_profile_name() == "fast":
        return max(10, full // FAST_SHARE)
    return full


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
    tests that load a changed copy on purpose. Nothing may change it (it is frozen).

    Its shared answerer (`answerer_for(kb)`, which every `Services(kb)` uses) is made here, with
    its models from `MODEL_CACHE_DIR`: built and saved there the first time, loaded on later
    runs while the knowledge base, its questions, the model's code and libraries are the same
    (the cache's key, `knowledge.model_cache`). Tests that train a model of their own still do."""
    kb = load_knowledge_base(SEEDS_DIR, DATA_DIR)
    with pytest.MonkeyPatch.context() as patch:
        # `answerer_for` builds `Answerer(kb, None)`: give it the cache folder instead.
        def cached(kb: KnowledgeBase, cache_dir: Path | None = None, **kw: Any) -> Answerer:
            return Answerer(kb, MODEL_CACHE_DIR if cache_dir is None else cache_dir, **kw)

        patch.setattr(answerer_module, "Answerer", cached)
        answerer_for(kb)
    return kb


pytest_plugins = ["tests.bot.running_bot"]
