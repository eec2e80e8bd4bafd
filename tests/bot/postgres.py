"""The PostgreSQL side of the storage, scheduler and end-to-end tests, in one place.

`eval "$(bash .ci/postgres.sh)"` exports KURIL_TEST_POSTGRES_URL; without it, tests that ask
for PostgreSQL are skipped with the reason. Each such test starts from an empty `public`
schema, so tests against one cluster must not run concurrently (one test run at a time).
"""

from __future__ import annotations

import asyncio
import os
import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy.engine import make_url

from tests.e2e import require_e2e

__all__ = [
    "POSTGRES_ENV",
    "PrivateCluster",
    "fresh_postgres_url",
    "postgres_url",
    "private_cluster",
]

POSTGRES_ENV = "KURIL_TEST_POSTGRES_URL"
POSTGRES_SCRIPT = Path(__file__).resolve().parents[2] / ".ci" / "postgres.sh"


def postgres_url() -> str:
    """The test database's URL. Without one the test is skipped, except in CI (`CI` set),
    where .ci/run starts PostgreSQL: a skip there would hide that the variants never ran."""
    require_e2e("uses PostgreSQL")
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


class PrivateCluster:
    """A PostgreSQL server of the test's own (`.ci/postgres.sh` in another directory), so a
    test can stop and start it without disturbing the shared one."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.url = ""

    async def _script(self, mode: str) -> str:
        # Its tools (runuser, useradd) live in /usr/sbin, which CI's clean PATH lacks.
        path = f"/usr/sbin:/sbin:{os.environ.get('PATH', '/usr/bin:/bin')}"
        env = {**os.environ, "PATH": path, "KURIL_PG_DIR": str(self.root)}
        if self.url:  # come back where it was, as a restarted server does
            env["KURIL_PG_PORT"] = str(make_url(self.url).port)
        process = await asyncio.create_subprocess_exec(
            "bash", str(POSTGRES_SCRIPT), mode, env=env,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        out, err = await asyncio.wait_for(process.communicate(), 120)
        if process.returncode != 0:
            raise RuntimeError(f"postgres.sh {mode} failed: {err.decode(errors='replace')}")
        return out.decode().strip()

    async def start(self) -> str:
        url = await self._script("url")
        if self.url and url != self.url:
            raise RuntimeError(f"the cluster came back at {url}, not {self.url}")
        self.url = url
        return url

    async def stop(self) -> None:
        await self._script("stop")


@asynccontextmanager
async def private_cluster(name: str) -> AsyncIterator[PrivateCluster]:
    """A running private cluster (skipped, or failed in CI, where PostgreSQL tests are not
    set up, as `postgres_url` decides); stopped and deleted afterwards."""
    postgres_url()
    # Under /var/tmp: the server runs as `postgres` when we are root, and must reach it.
    cluster = PrivateCluster(Path("/var/tmp") / f"kuril-brief-pg-{name}-{os.getpid()}")
    await cluster.start()
    try:
        yield cluster
    finally:
        try:
            await cluster.stop()
        finally:
            shutil.rmtree(cluster.root, ignore_errors=True)
