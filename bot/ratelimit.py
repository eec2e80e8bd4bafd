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
is an aiohttp trace on the bot's HTTP session that tells the pacer when each REST request
under the global limit goes out (discord.py's own retries included) and which of them drew
a global 429. On one, the pacer stops handing out starts for the `Retry-After`, and learns
the limit from it: the limit counts a one-second window, so what it let through in the
second up to the refused request is the limit, however soon after a hold that came. The
rate is cut to 90% of that, unless that was (nearly) the ceiling: then the 429 came
from a burst of senders the event loop woke late, not from a lower limit. A 429 for a
request that went out before the previous 429 was heard of belongs to that burst (it was in
flight) and teaches nothing. So the first global 429 sets the rate under the limit. Then,
after every `RECOVER_EVERY_S` seconds without a global 429, the rate creeps back up by 2%,
never past the ceiling. Interaction callbacks never pass through the pacer (Discord exempts
them from the global limit, and discord.py's global hold does not apply to them either).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable
from types import SimpleNamespace

import aiohttp
from discord.http import HTTPClient

__all__ = ["DISCORD_GLOBAL_LIMIT", "Pacer", "amortise_bucket_cleanup", "watch_global_limit"]

log = logging.getLogger(__name__)

DISCORD_GLOBAL_LIMIT = 50.0
#: Discord's global limit (and the stand-in's) counts the requests of any one second.
WINDOW_S = 1.0
CUT = 0.9
#: A 429 while this much of the ceiling went through in the last second is a burst, not a
#: lower limit: no cut.
FULL_SPEED = 0.98
RECOVER_EVERY_S = 10.0
RECOVER_STEP = 1.02
MIN_RATE = 1.0
#: Requests sent are kept this long; a 429 for a request older than that (a slow response)
#: cannot be judged and only holds.
HISTORY_S = 10.0
#: URL paths Discord does not count against the global limit (interaction callbacks).
_EXEMPT = ("/interactions/", "/webhooks/")
#: discord.py drops idle per-route buckets (idle for 5 minutes) at most this often.
BUCKET_CLEANUP_EVERY_S = 30.0


class Pacer:
    """`await pacer.acquire()` before each request's preparations, and `await pacer.space()`
    right before the request; fair (first come, first served). `request_sent` and
    `global_limit_hit` are what it hears of the session (see `watch_global_limit`)."""

    def __init__(
        self,
        rate: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        """`clock` and `sleep` go together: a test's clock moves when the pacer sleeps."""
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.ceiling = rate
        self.rate = rate
        self._clock = clock
        self._sleep = sleep
        self._next = 0.0
        self._next_request = 0.0  # see `space`
        #: When each REST request under the global limit went out (the last `HISTORY_S`),
        #: and when those refused with a global 429 went out.
        self._sent: deque[float] = deque()
        self._refused: deque[float] = deque()
        self._last_limit = float("-inf")  # when the last global 429 was reported
        self._calm_since = clock()
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
                await self._sleep(start - now)
                if hits != self.global_limits:
                    # A global 429 came while waiting: start times handed out before it are
                    # void (all of them going at once when the hold ends would be a burst).
                    continue
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
            await self._sleep(start - now)
            if hits == self.global_limits:
                return

    def request_sent(self) -> float:
        """A REST request under the global limit is going out now (any request: briefings,
        commands' own requests, discord.py's retries); returns the time to hand back to
        `global_limit_hit` should it be refused."""
        now = self._clock()
        self._sent.append(now)
        for times in (self._sent, self._refused):
            while times and times[0] < now - HISTORY_S:
                times.popleft()
        return now

    def global_limit_hit(self, retry_after: float, sent_at: float | None = None) -> None:
        """Discord answered a global 429 to the request sent at `sent_at` (None: not known):
        hold off, and slow down to what the limit let through."""
        now = self._clock()
        self.global_limits += 1
        self._next = now + max(0.0, retry_after)  # start times handed out before are void
        self._next_request = self._next
        self._calm_since = now
        previous, self._last_limit = self._last_limit, now
        if sent_at is None:
            return
        self._refused.append(sent_at)
        if sent_at < max(previous, now - HISTORY_S + WINDOW_S):
            # Sent before the last 429 was heard of, it is part of that burst (a request in
            # flight then, its answer perhaps only in after the hold): nothing new.
            return
        # The limit counts a window of one second: what it let through in the second up to
        # this request is the limit, however short the time since a hold was (10 let through
        # in 0.2 s, then a 429, is 10 a second, not 50). This one was refused (as were any
        # others in `_refused`): it does not count.
        let_through = self._count(self._sent, sent_at) - self._count(self._refused, sent_at)
        allowed = let_through / WINDOW_S
        if allowed >= self.ceiling * FULL_SPEED:
            # The limit is not below the ceiling: a burst (the event loop woke several
            # senders late at once) went over it. Holding off is enough.
            return
        # 90% of what got through, never raised: further 429s of one burst (discord.py retries
        # the refused requests when the hold ends) see the same window and cut no further.
        rate = max(MIN_RATE, min(self.rate, allowed * CUT))
        if rate < self.rate:
            log.info("global 429 after %d requests in a second: now %.1f/s", let_through, rate)
        self.rate = rate

    @staticmethod
    def _count(times: deque[float], until: float) -> int:
        """How many of `times` fall in the window of `WINDOW_S` up to `until`."""
        return sum(1 for at in times if until - WINDOW_S < at <= until)


def _retry_after(headers: object) -> float:
    try:
        return float(getattr(headers, "get", lambda *_: None)("Retry-After") or 1.0)
    except ValueError:
        return 1.0


def watch_global_limit(
    pacer: Pacer, trace: aiohttp.TraceConfig | None = None
) -> aiohttp.TraceConfig:
    """An aiohttp trace (discord.py's `http_trace`) that tells `pacer` of every REST request
    under the global limit as it goes out, and of every global 429 (with when its request
    went out); added to `trace` when given (discord.py takes one trace config, so others
    share it)."""

    async def on_request_start(
        session: aiohttp.ClientSession,
        context: SimpleNamespace,
        params: aiohttp.TraceRequestStartParams,
    ) -> None:
        if not any(part in params.url.path for part in _EXEMPT):
            context.pacer_sent_at = pacer.request_sent()

    async def on_request_end(
        session: aiohttp.ClientSession,
        context: SimpleNamespace,
        params: aiohttp.TraceRequestEndParams,
    ) -> None:
        response = params.response
        if response.status == 429 and response.headers.get("X-RateLimit-Global") == "true":
            sent_at = getattr(context, "pacer_sent_at", None)
            pacer.global_limit_hit(_retry_after(response.headers), sent_at)

    trace = trace or aiohttp.TraceConfig()
    trace.on_request_start.append(on_request_start)
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
