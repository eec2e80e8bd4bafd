"""The `e2e` marker, kept honest: `pytest -m "not e2e"` must stay in-process and fast.

A test is end to end when it starts the Discord stand-in, any subprocess (a bot, the CLI,
`psql`, a shell) or uses PostgreSQL. Tests that ask for the stand-in's or the bot's fixtures,
or carry the `postgres` marker, get `e2e` at collection. Any other test that starts one of
those fails with a message saying to mark it, so the marker cannot be forgotten.

Tests that train a free-text model of their own (the CLI's `ask`, the model cache, a grown or
taught knowledge base: seconds of CPU each, scikit-learn's import alone about three) carry
`e2e` too, by hand: they run the whole answering pipeline from the data files, and would take
the fast run far past 20 s. So do the few that wait seconds of real time by design (cron jobs
firing on a real clock, sends through a pacer at its real rate), each saying so.
"""

from __future__ import annotations

import functools
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

#: Fixtures that start the stand-in or a bot on it.
E2E_FIXTURES = frozenset({"standin", "run_client", "start_bot"})

_running: list[pytest.Item] = []


def require_e2e(what: str) -> None:
    """Fail the running test unless it is marked `e2e` (outside a test: no check)."""
    if _running and _running[-1].get_closest_marker("e2e") is None:
        item = _running[-1]
        pytest.fail(
            f"{item.nodeid} {what} but is not marked e2e: add `@pytest.mark.e2e` to the test "
            "or `pytestmark = pytest.mark.e2e` to its module",
            pytrace=False,
        )


@contextmanager
def running(item: pytest.Item) -> Iterator[None]:
    """`item`'s setup, call and teardown (its higher-scoped fixtures' setup included)."""
    _running.append(item)
    try:
        yield
    finally:
        _running.pop()


def mark_by_fixtures(items: list[pytest.Item]) -> None:
    for item in items:
        uses = E2E_FIXTURES.intersection(getattr(item, "fixturenames", ()))
        if uses or item.get_closest_marker("postgres") is not None:
            item.add_marker(pytest.mark.e2e)


def install_guards() -> None:
    """Every subprocess and every stand-in start checks the running test's marker."""
    from tests.standin.server import DiscordStandin

    popen_init = subprocess.Popen.__init__
    if getattr(popen_init, "e2e_guard", False):
        return

    @functools.wraps(popen_init)
    def guarded_popen_init(self: subprocess.Popen[Any], *args: Any, **kwargs: Any) -> None:
        require_e2e("starts a subprocess")
        popen_init(self, *args, **kwargs)

    guarded_popen_init.e2e_guard = True
    subprocess.Popen.__init__ = guarded_popen_init

    start = DiscordStandin.start

    @functools.wraps(start)
    async def guarded_start(self: DiscordStandin) -> DiscordStandin:
        require_e2e("starts the Discord stand-in")
        return await start(self)

    DiscordStandin.start = guarded_start
