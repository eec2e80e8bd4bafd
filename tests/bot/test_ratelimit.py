"""discord.py's rate-limit buckets under a fan-out to many channels (`bot.ratelimit`)."""

from __future__ import annotations

from discord.http import HTTPClient

from bot.ratelimit import amortise_bucket_cleanup


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
