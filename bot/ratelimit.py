"""A client-side pacer that keeps scheduled deliveries under Discord's global rate limit.

Discord allows a bot 50 requests per second across all routes. discord.py handles a 429 when
it gets one, but thousands of concurrent sends would first *cause* a storm of them, so the
scheduler paces its own requests: each `acquire()` is given the next free start time, spaced
`1 / rate` apart (a token bucket holding one token). Any one-second window then sees at most
`floor(rate) + 1` starts, so a rate a little below the limit never trips it.

A global 429 that happens anyway (other traffic from the same bot) needs nothing here:
discord.py's HTTP client holds back every request until its `retry_after` has passed and
then retries, without telling the caller, so paced sends simply wait inside `send`.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

__all__ = ["DISCORD_GLOBAL_LIMIT", "Pacer"]

DISCORD_GLOBAL_LIMIT = 50.0


class Pacer:
    """`await pacer.acquire()` before each request; fair (first come, first served)."""

    def __init__(self, rate: float, *, clock: Callable[[], float] = time.monotonic) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.rate = rate
        self._interval = 1.0 / rate
        self._clock = clock
        self._next = 0.0

    async def acquire(self) -> None:
        now = self._clock()
        start = max(now, self._next)
        self._next = start + self._interval
        if start > now:
            await asyncio.sleep(start - now)
