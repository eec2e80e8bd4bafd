"""The PostgreSQL side of the storage, scheduler and end-to-end tests, in one place.

`eval "$(bash .ci/postgres.sh)"` exports KURIL_TEST_POSTGRES_URL; without it, tests that ask
for PostgreSQL are skipped with the reason. Each such test starts from an empty `public`
schema, so tests against one cluster must not run concurrently (one test run at a time).
"""

from __future__ import annotations

import os

import asyncpg
import pytest

__all__ = ["POSTGRES_ENV", "fresh_postgres_url", "postgres_url"]

POSTGRES_ENV = "KURIL_TEST_POSTGRES_URL"


def postgres_url() -> str:
    """The test database's URL. Without one the test is skipped, except in CI (`CI` set),
    where .ci/run starts PostgreSQL: a skip there would hide that the variants never ran."""
    url = os.environ.get(POSTGRES_ENV, "")
    if not url and os.environ.get("CI"):
        pytest.fail(f"CI must run the PostgreSQL tests, but {POSTGRES_ENV} is not set")
    if not url:
        pytest.skip(f'PostgreSQL: set {POSTGRES_ENV}, e.g. eval "$(bash .ci/postgres.sh)"')
    return url


async def fresh_postgres_url() -> str:
    """The test database's URL, its `public` schema emptied; skips the test without one."""
    url = postgres_url()
    conn = await asyncpg.connect(url)
    try:
        await conn.execute("DROP SCHEMA IF EXISTS public CASCADE; CREATE SCHEMA public")
    finally:
        await conn.close()
    return url
