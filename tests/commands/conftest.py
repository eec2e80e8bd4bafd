from __future__ import annotations

import pytest

from commands.context import Services
from knowledge.base import KnowledgeBase
from tests.commands.helpers import grown_kb

# `kb`, the real knowledge base loaded once per run, is tests/conftest.py's.


@pytest.fixture(scope="session")
def big_kb(kb: KnowledgeBase) -> KnowledgeBase:
    return grown_kb(kb)


@pytest.fixture
def services(kb: KnowledgeBase) -> Services:
    return Services(kb)


class _NoFreeText:
    """Paging and autocomplete on the grown knowledge base never answer free text, and a model
    trained on it costs many seconds; a test that asks one must build `Services(big_kb)`."""

    def answer(self, question: str) -> None:
        raise AssertionError("big_services answers no free text: use Services(big_kb)")


@pytest.fixture
def big_services(big_kb: KnowledgeBase) -> Services:
    return Services(big_kb, answerer=_NoFreeText())  # type: ignore[arg-type]
