"""Rate limits (`bot.ratelimit`): discord.py's buckets under a fan-out to many channels, and
the pacer learning a global limit from Discord's 429s."""

from __future__ import annotations

import asyncio
import heapq
import math
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

import aiohttp
import pytest
from aiohttp import web
from discord.http import HTTPClient

from bot.ratelimit import Pacer, amortise_bucket_cleanup, watch_global_limit


async def test_idle_buckets_are_dropped_on_a_timer_not_at_every_new_bucket() -> None:
    """discord.py scans every bucket for idle ones at each new bucket past 256 (quadratic
    over a fan-out); amortised, a scan runs at most once per period and still drops them."""
    now = [1000.0]
    http = HTTPClient(loop=None)  # type: ignore[arg-type]
    scans: list[int] = []
    real = http._try_clear_expired_ratelimits

    def counted() -> None:
        scans.append(len(http._buckets))
        real()

    http._try_clear_expired_ratelimits = counted  # type: ignore[method-assign]
    amortise_bucket_cleanup(http, every=30.0, clock=lambda: now[0])
    for channel in range(300):
        http.get_ratelimit(f"POST /channels/{{channel_id}}/messages:{channel}")
    assert len(http._buckets) == 300
    idle = [bucket for n, bucket in enumerate(http._buckets.values()) if n < 100]
    for bucket in idle:
        bucket._last_request -= 301  # idle for over 5 minutes, as discord.py counts it
    http.get_ratelimit("POST /channels/{channel_id}/messages:300")
    assert len(http._buckets) == 301, "no scan before the period is up"
    now[0] += 31
    http.get_ratelimit("POST /channels/{channel_id}/messages:301")
    assert scans == [302] and len(http._buckets) == 202, "the idle hundred are gone"
    for channel in range(302, 400):
        http.get_ratelimit(f"POST /channels/{{channel_id}}/messages:{channel}")
    assert len(scans) == 1, "one scan per period, not one per new bucket"


class FakeTime:
    """A clock that moves only when the pacer sleeps (or the test moves it); events due
    meanwhile (answers coming back) happen at their time."""

    def __init__(self) -> None:
        self.now = 0.0
        self._events: list[tuple[float, int, Callable[[], None]]] = []

    def __call__(self) -> float:
        return self.now

    def at(self, when: float, event: Callable[[], None]) -> None:
        heapq.heappush(self._events, (when, len(self._events) + id(event), event))

    async def sleep(self, seconds: float) -> None:
        self.run_until(self.now + max(0.0, seconds))
        await asyncio.sleep(0)

    def run_until(self, until: float) -> None:
        """Move to `until` (when infinite: to the last event), events happening on the way."""
        while self._events and self._events[0][0] <= until:
            when, _, event = heapq.heappop(self._events)
            self.now = max(self.now, when)
            event()
        if until < math.inf:
            self.now = max(self.now, until)


class GlobalLimit:
    """The stand-in's global limit (and Discord's, as documented): a request is refused once
    `per_second` requests were let through in the second before it, until the oldest of them
    leaves the window (`retry_after`; the Retry-After header in whole seconds)."""

    def __init__(self, per_second: int) -> None:
        self.per_second = per_second
        self.window: deque[float] = deque()

    def retry_after(self, at: float) -> float | None:
        while self.window and self.window[0] <= at - 1.0:
            self.window.popleft()
        if len(self.window) >= self.per_second:
            return self.window[0] + 1.0 - at
        self.window.append(at)
        return None


@dataclass
class FanOut:
    #: When each request refused with a global 429 went out, and when that was heard.
    refused: list[tuple[float, float]] = field(default_factory=list)
    #: The pacer's rate after each of those.
    rates: list[float] = field(default_factory=list)
    delivered: int = 0
    finished: float = 0.0  # when the last answer came back


async def fan_out(
    pacer: Pacer, clock: FakeTime, limit: GlobalLimit, count: int, latency: float = 0.05
) -> FanOut:
    """`count` requests through the pacer as delivery sends them: each reaches Discord
    `latency / 2` after it goes out and its answer is back `latency` after, so several are
    in flight at once; discord.py sends a refused one again after `retry_after`, outside
    the pacer."""
    result = FanOut()

    def send() -> None:
        sent_at = pacer.request_sent()
        retry_after = limit.retry_after(sent_at + latency / 2)

        def answered() -> None:
            result.finished = clock.now
            if retry_after is None:
                result.delivered += 1
                return
            result.refused.append((sent_at, clock.now))
            pacer.global_limit_hit(max(1, math.ceil(retry_after)), sent_at)
            result.rates.append(pacer.rate)
            clock.at(clock.now + retry_after, send)

        clock.at(sent_at + latency, answered)

    for _ in range(count):
        await pacer.acquire()
        await pacer.space()
        send()
    clock.run_until(math.inf)
    assert result.delivered == count
    return result


@pytest.mark.parametrize(("limit", "count"), [(10, 300), (40, 600)])
async def test_the_pacer_learns_a_tighter_global_limit_from_its_first_429(
    limit: int, count: int
) -> None:
    """Starting at 47.5/s from idle, `limit` requests go through in well under a second, then
    a 429: the limit counts a second, so that is `limit` a second, learnt at once. Requests
    already in flight then may be refused too; none sent after it is. (The pacer used to
    count requests it had not sent yet, so learnt too high a rate, and drew more 429s later:
    at 10/s, 1.6 and 22 s on.)"""
    clock = FakeTime()
    pacer = Pacer(47.5, clock=clock, sleep=clock.sleep)
    result = await fan_out(pacer, clock, GlobalLimit(limit), count)
    (_, learnt), *_ = result.refused
    assert [sent for sent, _ in result.refused if sent >= learnt] == [], result.refused
    assert len(result.refused) <= 1 + 0.05 * 47.5  # the first, and those in flight then
    assert 0.8 * limit <= result.rates[0] <= 0.9 * limit  # a margin under the limit
    assert pacer.rate < limit  # still, after creeping back up meanwhile
    assert result.finished < count / (0.9 * limit) + 2  # cut once, not again and again


async def test_the_pacer_learns_the_limit_from_a_429_soon_after_a_hold() -> None:
    """At the ceiling, held off by a 429 it could not judge; 10 go through in 0.2 s after the
    hold, then a 429: that is a limit of 10 a second, however short the time since the hold."""
    clock = FakeTime()
    pacer = Pacer(47.5, clock=clock, sleep=clock.sleep)
    pacer.global_limit_hit(1.0)  # which request it was is not known: hold only
    assert pacer.rate == 47.5
    limit = GlobalLimit(10)
    refused: float | None = None
    while refused is None:
        await pacer.acquire()
        await pacer.space()
        sent_at = pacer.request_sent()
        if limit.retry_after(clock.now) is not None:
            refused = sent_at
    assert refused == pytest.approx(1.0 + 10 / 47.5)  # well under 0.25 s after the hold
    pacer.global_limit_hit(1.0, refused)
    assert pacer.rate == pytest.approx(9.0)


async def test_bursts_at_the_documented_limit_cost_no_rate() -> None:
    """Against Discord's 50/s, a pacer at its ceiling of 47.5/s draws a 429 only from a burst
    (senders the event loop woke late, all at once): it holds off, and keeps its rate."""
    clock = FakeTime()
    pacer = Pacer(47.5, clock=clock, sleep=clock.sleep)
    limit = GlobalLimit(50)
    assert (await fan_out(pacer, clock, limit, 200)).refused == []
    refusals = 0
    for _ in range(4):  # woken late together: four more in the same instant
        sent_at = pacer.request_sent()
        if (retry_after := limit.retry_after(clock.now)) is not None:
            refusals += 1
            pacer.global_limit_hit(retry_after, sent_at)
    assert refusals >= 1 and pacer.rate == 47.5
    clock.run_until(clock.now + 1.0)  # held off
    assert (await fan_out(pacer, clock, limit, 200)).refused == []


async def test_the_session_trace_counts_requests_under_the_global_limit_only() -> None:
    """Through a real aiohttp session: every REST request is counted as it goes out, an
    interaction callback (exempt from the global limit) is not, and a global 429 is judged
    by the requests let through before it."""
    limit = GlobalLimit(3)

    async def message(request: web.Request) -> web.Response:
        if (retry := limit.retry_after(time.monotonic())) is not None:
            headers = {"Retry-After": str(retry), "X-RateLimit-Global": "true"}
            return web.json_response({"global": True}, status=429, headers=headers)
        return web.json_response({"id": "1"})

    async def callback(request: web.Request) -> web.Response:
        return web.Response(status=204)

    app = web.Application()
    app.router.add_post("/api/v10/channels/1/messages", message)
    app.router.add_post("/api/v10/interactions/1/token/callback", callback)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    base = f"http://127.0.0.1:{port}/api/v10"
    pacer = Pacer(47.5)
    try:
        async with aiohttp.ClientSession(trace_configs=[watch_global_limit(pacer)]) as session:
            for _ in range(5):  # not counted: were they, the limit would look like 8
                async with session.post(f"{base}/interactions/1/token/callback") as response:
                    assert response.status == 204
            statuses = []
            for _ in range(4):
                async with session.post(f"{base}/channels/1/messages") as response:
                    statuses.append(response.status)
    finally:
        await runner.cleanup()
    assert statuses == [200, 200, 200, 429]
    assert pacer.global_limits == 1
    assert pacer.rate == pytest.approx(0.9 * 3)
