from __future__ import annotations

import pytest

from commands.context import Services
from knowledge.base import KnowledgeBase
from tests.commands.helpers import grown_kb, services_without_free_text

# `kb`, the real knowledge base loaded once per run, is tests/conftest.py's.


@pytest.fixture(scope="session")
def big_kb(kb: KnowledgeBase) -> KnowledgeBase:
    return grown_kb(kb)


@pytest.fixture
def services(kb: KnowledgeBase) -> Services:
    return Services(kb)


@pytest.fixture
def big_services(big_kb: KnowledgeBase) -> Services:
    return services_without_free_text(big_kb)
