"""Prometheus metrics and a health check for operators, on METRICS_PORT (off by default).

`BotMetrics` owns one `CollectorRegistry`, created at start-up and passed down (nothing is
registered on prometheus-client's global registry, so tests and several bots in one process
never collide). Every name starts with `kuril_brief_`. The bot feeds it from a few places:

- the app-command tree and button handler: interactions by command and outcome;
- discord.py's HTTP session (an aiohttp trace): acknowledgement latency, measured from the
  interaction's snowflake (when Discord created it) to the callback's response, and REST 429s;
- the free-text answerer (wrapped): answered or declined;
- the briefing scheduler: each delivery's result;
- at scrape time: gateway latency and state per shard.

`MetricsServer` serves `/metrics` and `/healthz` from the bot's own event loop (aiohttp, which
discord.py already uses): 200 only when the gateway is connected and the database answers.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import logging
import math
import os
import re
import socket
import time
from collections.abc import Awaitable, Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any, Protocol

import aiohttp
from aiohttp import web
from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.exposition import CONTENT_TYPE_LATEST, generate_latest
from prometheus_client.registry import Collector

from bot.slots import snowflake_time
from bot.startup import StartupError
from bot.storage import StorageClosedError
from bot.storage.store import DatabaseFileReplacedError

if TYPE_CHECKING:
    import discord

    from commands.context import Services

__all__ = ["BotMetrics", "Health", "MetricsServer", "check_health"]

log = logging.getLogger(__name__)

PREFIX = "kuril_brief_"
#: Discord's deadline is 3 s; the buckets are dense below it.
ACK_BUCKETS = (0.05, 0.1, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 2.5, 3.0, 5.0)
INTERACTION_OUTCOMES = ("ok", "refused", "error")
FREE_TEXT_OUTCOMES = ("answered", "declined")
#: The scheduler's delivery results, as metric outcomes ("taken": another worker had it).
BRIEFING_OUTCOMES = {
    "sent": "delivered",
    "sent_late": "late",
    "failed": "failed",
    "paused": "paused",
    "skipped": "skipped",
}
RATE_LIMIT_SCOPES = ("global", "user", "shared", "unknown")
HEALTH_DB_TIMEOUT_S = 2.0
_CALLBACK_PATH = re.compile(r"/interactions/(\d+)/[^/]+/callback$")


class BotMetrics:
    """The bot's metrics on one registry; see the module docstring for who feeds what."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.interactions = Counter(
            PREFIX + "interactions",
            "Interactions handled, by command (or button:<kind>) and outcome: ok, refused "
            "(a friendly refusal such as missing permissions), error.",
            ["command", "outcome"],
            registry=self.registry,
        )
        self.ack_latency = Histogram(
            PREFIX + "interaction_ack_seconds",
            "From an interaction's creation at Discord to the bot's acknowledgement being "
            "accepted (Discord's deadline is 3 seconds).",
            buckets=ACK_BUCKETS,
            registry=self.registry,
        )
        self.free_text = self._counter(
            "free_text_answers",
            "Free-text questions (/ask, mentions, DMs), by outcome: answered or declined.",
            "outcome",
            FREE_TEXT_OUTCOMES,
        )
        self.briefings = self._counter(
            "briefings",
            "Scheduled briefings by outcome: delivered (on time), late (delivered late), "
            "failed (will be retried), paused (channel gone or forbidden), skipped (missed "
            "past the grace period).",
            "outcome",
            BRIEFING_OUTCOMES.values(),
        )
        self.rate_limited = self._counter(
            "rest_rate_limited",
            "REST responses with status 429, by X-RateLimit-Scope (global, user, shared).",
            "scope",
            RATE_LIMIT_SCOPES,
        )

    def _counter(self, name: str, documentation: str, label: str, known: Iterable[str]) -> Counter:
        """A counter by one label whose `known` values start at 0, so rates and alerts work
        before the first event."""
        counter = Counter(PREFIX + name, documentation, [label], registry=self.registry)
        for value in known:
            counter.labels(value)
        return counter

    # -- feeding -------------------------------------------------------------------------

    def interaction(self, command: str, outcome: str) -> None:
        self.interactions.labels(command=command, outcome=outcome).inc()

    def briefing(self, result: str) -> None:
        """A delivery result from the scheduler (`sent`, `sent_late`, `failed`, ...)."""
        outcome = BRIEFING_OUTCOMES.get(result)
        if outcome is not None:
            self.briefings.labels(outcome=outcome).inc()

    def count_free_text(self, services: Services) -> Services:
        """The same services, with the free-text answerer counting its answers."""
        answerer = _CountingAnswerer(services.free_text(), self.free_text)
        return dataclasses.replace(services, answerer=answerer)

    def http_trace(self) -> aiohttp.TraceConfig:
        """For discord.py's `http_trace=`: sees every REST response, interaction callbacks
        included (they go through the same session)."""
        trace = aiohttp.TraceConfig()
        trace.on_request_end.append(self._on_request_end)
        return trace

    async def _on_request_end(
        self, _session: aiohttp.ClientSession, _context: Any, params: aiohttp.TraceRequestEndParams
    ) -> None:
        status = params.response.status
        if status == 429:
            scope = params.response.headers.get("X-RateLimit-Scope", "unknown")
            self.rate_limited.labels(scope=scope if scope in RATE_LIMIT_SCOPES else "unknown").inc()
            return
        match = _CALLBACK_PATH.search(params.url.path)
        if match is not None and status < 400:
            waited = time.time() - snowflake_time(int(match[1])).timestamp()
            self.ack_latency.observe(max(0.0, waited))

    def watch_gateway(self, client: discord.AutoShardedClient) -> None:
        """Report `client`'s shards (latency and state) at every scrape."""
        self.registry.register(_GatewayCollector(client))


class _Answerer(Protocol):
    def answer(self, question: str) -> Any: ...


class _CountingAnswerer:
    """Wraps the knowledge base's answerer: counts each answer, changes nothing else."""

    def __init__(self, inner: _Answerer, counter: Counter) -> None:
        self._inner = inner
        self._counter = counter

    def answer(self, question: str) -> Any:
        answer = self._inner.answer(question)
        self._counter.labels(outcome="answered" if answer.answered else "declined").inc()
        return answer

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


class _GatewayCollector(Collector):
    def __init__(self, client: discord.AutoShardedClient) -> None:
        self._client = client

    def collect(self) -> Iterator[Metric]:
        latency = GaugeMetricFamily(
            PREFIX + "gateway_latency_seconds",
            "Time between a gateway HEARTBEAT and its ACK, per shard (NaN before the first).",
            labels=["shard"],
        )
        state = GaugeMetricFamily(
            PREFIX + "shard_state",
            "1 for the state each shard is in: connected or disconnected.",
            labels=["shard", "state"],
        )
        for shard_id, shard in sorted(self._client.shards.items()):
            value = shard.latency
            latency.add_metric([str(shard_id)], value if math.isfinite(value) else math.nan)
            connected = not shard.is_closed()
            state.add_metric([str(shard_id), "connected"], 1.0 if connected else 0.0)
            state.add_metric([str(shard_id), "disconnected"], 0.0 if connected else 1.0)
        yield latency
        yield state


@dataclasses.dataclass(frozen=True, slots=True)
class Health:
    gateway: bool
    database_error: str | None  # None: the database answered

    @property
    def ok(self) -> bool:
        return self.gateway and self.database_error is None

    def as_json(self) -> dict[str, str]:
        return {
            "status": "ok" if self.ok else "unavailable",
            "gateway": "connected" if self.gateway else "disconnected",
            "database": self.database_error or "ok",
        }


class _Pingable(Protocol):
    async def ping(self) -> None: ...


async def check_health(client: discord.AutoShardedClient, storage: _Pingable) -> Health:
    """Gateway: ready, not closed, every shard's socket open. Database: answers within 2 s."""
    shards = client.shards.values()
    gateway = (
        client.is_ready()
        and not client.is_closed()
        and bool(shards)
        and not any(shard.is_closed() for shard in shards)
    )
    try:
        await asyncio.wait_for(storage.ping(), HEALTH_DB_TIMEOUT_S)
        error = None
    except DatabaseFileReplacedError:  # a kind of StorageClosedError, but for good
        error = "file deleted or replaced"
    except StorageClosedError:  # metrics bind before start-up opens the database
        error = "not open yet"
    except Exception as exc:  # any failure means "not answering"; say which, briefly
        error = "timed out" if isinstance(exc, TimeoutError) else type(exc).__name__
    return Health(gateway=gateway, database_error=error)


def bind_failure(exc: OSError, host: str) -> str:
    """Why a listening socket could not be opened, in words (a failed name lookup is a
    `gaierror` whose negative errno `os.strerror` calls "unknown error -2")."""
    if isinstance(exc, socket.gaierror):
        return f"host {host!r} not found"
    if exc.errno is not None and exc.errno > 0:
        return os.strerror(exc.errno).lower()
    text = str(exc).strip()
    return text[:1].lower() + text[1:] if text else "the address could not be used"


class MetricsServer:
    """`/metrics` (Prometheus text format) and `/healthz`, on `host:port` (0: any free port)."""

    def __init__(
        self,
        metrics: BotMetrics,
        health: Callable[[], Awaitable[Health]],
        *,
        host: str,
        port: int,
    ) -> None:
        self._metrics = metrics
        self._health = health
        self._host = host
        self._port = port
        self._socket: socket.socket | None = None
        self._runner: web.AppRunner | None = None
        self.port: int | None = None  # the bound port, once bound

    def bind(self) -> None:
        """Take the port now, synchronously: a taken port or an unknown host is a one-line
        StartupError before anything else starts. Requests wait in the backlog until `serve`."""
        try:
            family, kind, proto, _, address = socket.getaddrinfo(
                self._host, self._port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
            )[0]
            listener = socket.socket(family, kind, proto)
        except OSError as exc:
            raise self._failure(exc) from exc
        try:
            listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            listener.bind(address)
            listener.listen(128)
        except OSError as exc:
            listener.close()
            raise self._failure(exc) from exc
        listener.setblocking(False)
        self._socket = listener
        self.port = listener.getsockname()[1]

    def _failure(self, exc: OSError) -> StartupError:
        return StartupError(
            f"Cannot serve metrics on METRICS_HOST={self._host} METRICS_PORT={self._port}: "
            f"{bind_failure(exc, self._host)}. Pick a free port (and an address of this "
            "machine), or unset METRICS_PORT."
        )

    async def serve(self) -> None:
        """Answer requests on the bound port (binding it first if `bind` was not called)."""
        if self._socket is None:
            self.bind()
        assert self._socket is not None
        app = web.Application()
        app.router.add_get("/metrics", self._serve_metrics)
        app.router.add_get("/healthz", self._serve_health)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        await web.SockSite(runner, self._socket).start()
        self._runner = runner
        log.info("metrics and /healthz on http://%s:%d", self._host, self.port)

    async def start(self) -> None:
        """`bind`, then `serve`."""
        self.bind()
        await self.serve()

    async def stop(self) -> None:
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()  # closes the socket too
        elif self._socket is not None:
            self._socket.close()
        self._socket = None

    async def _serve_metrics(self, _request: web.Request) -> web.Response:
        body = generate_latest(self._metrics.registry)
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})

    async def _serve_health(self, _request: web.Request) -> web.Response:
        health = await self._health()
        return web.Response(
            text=json.dumps(health.as_json()),
            status=200 if health.ok else 503,
            content_type="application/json",
        )
