"""Keep the gateway URL that `GET /gateway/bot` named, across every reconnect.

discord.py asks `/gateway/bot` once, at start. After a failed RESUME, an INVALID_SESSION or
a reconnect after an error it connects to its built-in `wss://gateway.discord.gg` instead
(`DiscordWebSocket.from_client` falls back to `DEFAULT_GATEWAY`). Behind a gateway proxy or
a test stand-in that cuts the bot off for good. `pin_gateway` wraps the bot's HTTP client so
the URL from `/gateway/bot` is remembered and a connection to the built-in default goes
there instead; `resume_gateway_url` from READY is left alone (Discord chose it).
"""

from __future__ import annotations

from typing import Any

import yarl
from discord.gateway import DiscordWebSocket
from discord.http import HTTPClient

__all__ = ["pin_gateway"]


def _same_endpoint(a: yarl.URL, b: yarl.URL) -> bool:
    return (a.scheme, a.host, a.port, a.path.rstrip("/")) == (
        b.scheme,
        b.host,
        b.port,
        b.path.rstrip("/"),
    )


def pin_gateway(http: HTTPClient) -> None:
    """Make `http` connect to the `/gateway/bot` URL whenever discord.py falls back."""
    pinned: list[yarl.URL] = []
    real_get_bot_gateway = http.get_bot_gateway
    real_ws_connect = http.ws_connect

    async def get_bot_gateway(*args: Any, **kwargs: Any) -> Any:
        shards, url, limits = await real_get_bot_gateway(*args, **kwargs)
        pinned[:] = [yarl.URL(url)]
        return shards, url, limits

    async def ws_connect(url: str, **kwargs: Any) -> Any:
        target = yarl.URL(url)
        if pinned and _same_endpoint(target, DiscordWebSocket.DEFAULT_GATEWAY):
            gateway = pinned[0]
            if not _same_endpoint(target, gateway):
                url = str(gateway.with_query(target.query))
        return await real_ws_connect(url, **kwargs)

    http.get_bot_gateway = get_bot_gateway
    http.ws_connect = ws_connect
