"""Pacing scheduled deliveries under Discord's global rate limit, learning it from Discord.

Discord allows a bot 50 requests per second across all routes (less for some bots, or behind
a proxy), and says not to hard-code it: follow the headers and `retry_after`. Who does what:

- Per-route buckets (`X-RateLimit-Limit/Remaining/Reset-After/Bucket`): discord.py's HTTP
  client already tracks them per bucket hash and major parameter, waits before a request
  when a bucket is empty, and retries a 429 after `retry_after`. Nothing to add.
- The global limit has no "remaining" header; discord.py only reacts to a global 429 (it
  holds back every REST request for `retry_after`, then releases them all at once). Thousands
  of concurrent sends would *cause* storms of those, so deliveries go through one `Pacer`.

The pacer hands out start times spaced `1 / rate` apart (a token bucket holding one token),
so any one-second window sees at most `floor(rate) + 1` starts. `rate` starts at the
ceiling (a little under the documented 50/s) and listens to Discord: `watch_global_limit`
is an aiohttp trace on the bot's HTTP session that reports every global 429. On one, the
pacer stops handing out starts for the `Retry-After`, and, unless it was running at full
speed (then the 429 came from a burst of senders the event loop woke late, not from a lower
limit), cuts its rate to 90% of what it actually sent in the last second (what the limit let
through); then, after every
`RECOVER_EVERY_S` seconds without a global 429, it creeps back up by 2%, never past the
ceiling. Interaction callbacks never pass through it (Discord exempts them from the global
limit, and discord.py's global hold does not apply to them either).
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Callable
from types import SimpleNamespace

import aiohttp
from discord.http import HTTPClient

__all__ = ["DISCORD_GLOBAL_LIMIT", "Pacer", "amortise_bucket_cleanup", "watch_global_limit"]

DISCORD_GLOBAL_LIMIT = 50.0
#: Starts are kept for this long to tell what actually went out in the last second.
WINDOW_S = 1.0
CUT = 0.9
#: A 429 while this much of the ceiling went out in the last second is a burst, not a lower
#: limit: no cut.
FULL_SPEED = 0.98
RECOVER_EVERY_S = 10.0
RECOVER_STEP = 1.02
MIN_RATE = 1.0
#: Sending for less than this since a hold is too short to judge the limit by: no cut.
MIN_SPAN_S = 0.25
#: discord.py drops idle per-route buckets (idle for 5 minutes) at most this often.
BUCKET_CLEANUP_EVERY_S = 30.0


class Pacer:
    """`await pacer.acquire()` before each request's preparations, and `await pacer.space()`
    right before the request; fair (first come, first served)."""

    def __init__(self, rate: float, *, clock: Callable[[], float] = time.monotonic) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.ceiling = rate
        self.rate = rate
        self._clock = clock
        self._next = 0.0
        self._next_request = 0.0  # see `space`
        self._hold_ends = float("-inf")  # when the last 429's Retry-After ran out
        self._starts: deque[float] = deque()
        self._calm_since = clock()
        self._last_cut = float("-inf")
        #: Global 429s reported so far.
        self.global_limits = 0

    async def acquire(self) -> None:
        while True:
            now = self._clock()
            if self.rate < self.ceiling and now - self._calm_since >= RECOVER_EVERY_S:
                self.rate = min(self.ceiling, self.rate * RECOVER_STEP)
                self._calm_since = now
            start = max(now, self._next)
            self._next = start + 1.0 / self.rate
            if start > now:
                hits = self.global_limits
                await asyncio.sleep(start - now)
                if hits != self.global_limits:
                    # A global 429 came while waiting: start times handed out before it are
                    # void (all of them going at once when the hold ends would be a burst).
                    continue
            self._starts.append(start)
            while self._starts and self._starts[0] <= start - WINDOW_S:
                self._starts.popleft()
            return

    async def space(self) -> None:
        """Right before the request itself: at least `1 / rate` after the previous one.

        `acquire` paced the work that comes before a send (reading the subscription and
        claiming the slot in the database, so that only what is about to go out is
        claimed). A stall there (a slow commit holding the write lock) would otherwise let
        several requests go at once when it clears: a burst over the global limit, a 429,
        and a cut in the rate that takes minutes to win back. Normally this waits not at all.
        """
        while True:
            now = self._clock()
            start = max(now, self._next_request)
            self._next_request = start + 1.0 / self.rate
            if start <= now:
                return
            hits = self.global_limits
            await asyncio.sleep(start - now)
            if hits == self.global_limits:
                return

    def global_limit_hit(self, retry_after: float) -> None:
        """Discord answered a global 429: hold off, and slow down to what got through."""
        now = self._clock()
        self.global_limits += 1
        # What went out per second since the last hold ended (at most the last second): a
        # second that was partly a hold says nothing of the limit by its count alone
        # (counted as a whole second, a 429 soon after a hold cut the rate to 1/s).
        since = max(now - WINDOW_S, self._hold_ends)
        sent = sum(1 for start in self._starts if since < start <= now)
        seen = sent / (now - since) if now - since >= MIN_SPAN_S else None
        self._next = now + max(0.0, retry_after)  # start times handed out before are void
        self._next_request = self._hold_ends = self._next
        self._calm_since = now
        if now - self._last_cut < WINDOW_S or seen is None:  # one cut per burst of 429s
            return
        self._last_cut = now
        if seen >= self.ceiling * FULL_SPEED:
            # At full speed the limit is not below the ceiling: a burst (the event loop woke
            # several senders late at once) went over it. Holding off is enough.
            return
        self.rate = max(MIN_RATE, min(self.rate, seen or self.rate) * CUT)


def _retry_after(headers: object) -> float:
    try:
        return float(getattr(headers, "get", lambda *_: None)("Retry-After") or 1.0)
    except ValueError:
        return 1.0


def watch_global_limit(
    pacer: Pacer, trace: aiohttp.TraceConfig | None = None
) -> aiohttp.TraceConfig:
    """An aiohttp trace (discord.py's `http_trace`) that tells `pacer` of every global 429;
    added to `trace` when given (discord.py takes one trace config, so others share it)."""

    async def on_request_end(
        session: aiohttp.ClientSession,
        context: SimpleNamespace,
        params: aiohttp.TraceRequestEndParams,
    ) -> None:
        response = params.response
        if response.status == 429 and response.headers.get("X-RateLimit-Global") == "true":
            pacer.global_limit_hit(_retry_after(response.headers))

    trace = trace or aiohttp.TraceConfig()
    trace.on_request_end.append(on_request_end)
    return trace


def amortise_bucket_cleanup(
    http: HTTPClient,
    *,
    every: float = BUCKET_CLEANUP_EVERY_S,
    clock: Callable[[], float] = time.monotonic,
) -> None:
    """Let discord.py drop its idle rate-limit buckets at most every `every` seconds.

    discord.py keeps one bucket per route and channel, and once it holds 256 it scans every
    bucket for idle ones (idle means unused for 5 minutes) each time it makes a new one: a
    fan-out to 10,000 channels makes 10,000 new buckets, each scanning up to 10,000, which
    is quadratic (about 9 s of event-loop time at 10,000 channels, measured with py-spy in
    `benchmarks/briefings.py`). Scanning on a timer instead still drops every idle bucket,
    at most `every` seconds later; meanwhile at most `every` seconds of new buckets pile up.
    """
    real = http._try_clear_expired_ratelimits
    due = [clock() + every]

    def try_clear_expired_ratelimits() -> None:
        now = clock()
        if now < due[0]:
            return
        due[0] = now + every
        real()

    http._try_clear_expired_ratelimits = try_clear_expired_ratelimits
