"""A loopback Discord (REST + gateway) that the real discord.py client logs into.

End-to-end tests drive it like Discord would drive the bot: they dispatch interactions and
messages over the gateway, then wait for what the bot sends back over REST. Every request is
recorded, every JSON body is checked against Discord's OpenAPI schema and documented limits
(:mod:`tests.standin.schema`), and faults (429s, 502s, 403s, gateway drops) can be injected.

It answers the way Discord does where discord.py cares: JSON only with a bare
``Content-Type: application/json``; 429s carry ``Via`` and ``retry_after``; READY carries
``resume_gateway_url``; interaction callbacks answer 200 + body for ``?with_response=1``.
It binds 127.0.0.1 only.
"""

# Waits take a `timeout` argument on purpose: it reads best in tests.
# ruff: noqa: ASYNC109

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import math
import re
import secrets
import time
from collections import deque
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, TypeVar

import discord
import discord.gateway
import discord.http
import yarl
from aiohttp import WSMsgType, web

from tests.standin.schema import validate_query, validate_request

T = TypeVar("T")

API_PREFIX = "/api/v10"
DISCORD_EPOCH_MS = 1420070400000
DEFAULT_TOKEN = "standin.bot.token"

# Permission bits (https://discord.com/developers/docs/topics/permissions).
CREATE_INSTANT_INVITE = 1 << 0
ADMINISTRATOR = 1 << 3
MANAGE_CHANNELS = 1 << 4
MANAGE_GUILD = 1 << 5
ADD_REACTIONS = 1 << 6
VIEW_CHANNEL = 1 << 10
SEND_MESSAGES = 1 << 11
MANAGE_MESSAGES = 1 << 13
EMBED_LINKS = 1 << 14
ATTACH_FILES = 1 << 15
READ_MESSAGE_HISTORY = 1 << 16
MENTION_EVERYONE = 1 << 17
USE_EXTERNAL_EMOJIS = 1 << 18
CHANGE_NICKNAME = 1 << 26
USE_APPLICATION_COMMANDS = 1 << 31
SEND_MESSAGES_IN_THREADS = 1 << 38
ALL_PERMISSIONS = (1 << 51) - 1
EVERYONE_DEFAULT = (
    CREATE_INSTANT_INVITE
    | ADD_REACTIONS
    | VIEW_CHANNEL
    | SEND_MESSAGES
    | EMBED_LINKS
    | ATTACH_FILES
    | READ_MESSAGE_HISTORY
    | USE_EXTERNAL_EMOJIS
    | CHANGE_NICKNAME
    | USE_APPLICATION_COMMANDS
    | SEND_MESSAGES_IN_THREADS
)

# Gateway intents that matter for what the stand-in delivers.
INTENT_GUILD_MEMBERS = 1 << 1
INTENT_GUILD_PRESENCES = 1 << 8
INTENT_GUILD_MESSAGES = 1 << 9
INTENT_DIRECT_MESSAGES = 1 << 12
INTENT_MESSAGE_CONTENT = 1 << 15
PRIVILEGED_INTENTS = INTENT_GUILD_MEMBERS | INTENT_GUILD_PRESENCES | INTENT_MESSAGE_CONTENT

# Channel / message / interaction type numbers used here.
GUILD_TEXT, DM = 0, 1
MSG_DEFAULT, MSG_REPLY, MSG_CHAT_INPUT = 0, 19, 20
PING, APPLICATION_COMMAND, MESSAGE_COMPONENT, AUTOCOMPLETE, MODAL_SUBMIT = 1, 2, 3, 4, 5
FLAG_EPHEMERAL, FLAG_LOADING = 64, 128
OPTION_TYPES = {bool: 5, int: 4, float: 10, str: 3}
USER_OPTION, CHANNEL_OPTION, ROLE_OPTION = 6, 7, 8

NONCE_WINDOW_S = 120.0
FILES_KEY: web.RequestKey[list[dict[str, Any]]] = web.RequestKey("standin_files", list)
ATTACHMENT_SIZE_LIMIT = 10 * 1024 * 1024


def _iso(ts: float) -> str:
    return dt.datetime.fromtimestamp(ts, dt.UTC).isoformat()


class StandinTimeout(AssertionError):
    """A wait on the stand-in ran out; an AssertionError so pytest shows it as a failure."""


# --- The world the bot sees -------------------------------------------------------------


@dataclass
class User:
    id: int
    username: str
    bot: bool = False
    global_name: str | None = None

    def payload(self) -> dict[str, Any]:
        return {
            "id": str(self.id),
            "username": self.username,
            "global_name": self.global_name,
            "discriminator": "0",
            "avatar": None,
            "bot": self.bot,
            "public_flags": 0,
        }

    @property
    def mention(self) -> str:
        return f"<@{self.id}>"


@dataclass
class Role:
    id: int
    name: str
    permissions: int
    position: int = 0
    managed: bool = False
    bot_id: int | None = None

    def payload(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": str(self.id),
            "name": self.name,
            "permissions": str(self.permissions),
            "position": self.position,
            "color": 0,
            "colors": {"primary_color": 0, "secondary_color": None, "tertiary_color": None},
            "hoist": False,
            "managed": self.managed,
            "mentionable": False,
            "icon": None,
            "unicode_emoji": None,
            "flags": 0,
        }
        if self.bot_id is not None:
            data["tags"] = {"bot_id": str(self.bot_id)}
        return data


@dataclass
class Channel:
    id: int
    name: str
    type: int = GUILD_TEXT
    guild_id: int | None = None
    position: int = 0
    topic: str | None = None
    # Raw Discord overwrites: {"id", "type" (0 role, 1 member), "allow", "deny"}.
    overwrites: list[dict[str, Any]] = field(default_factory=list)
    recipient_id: int | None = None  # DMs only

    @property
    def mention(self) -> str:
        return f"<#{self.id}>"


@dataclass
class Guild:
    id: int
    name: str
    owner_id: int
    roles: dict[int, Role] = field(default_factory=dict)
    channels: dict[int, Channel] = field(default_factory=dict)
    members: dict[int, list[int]] = field(default_factory=dict)  # user id -> role ids
    joined_at: str = field(default_factory=lambda: _iso(time.time()))
    preferred_locale: str = "en-US"


@dataclass
class RecordedRequest:
    """One REST call as the stand-in saw it; ``path`` is relative to ``/api/v10``."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    json: Any
    at: float
    files: list[dict[str, Any]] = field(default_factory=list)
    route: str | None = None  # the stand-in's route template, None if unknown
    status: int | None = None


@dataclass
class Violation:
    """A body that broke Discord's schema or documented limits."""

    method: str
    path: str
    problems: list[str]
    body: Any

    def __str__(self) -> str:
        return f"{self.method} {self.path}: " + "; ".join(self.problems)


@dataclass
class _Fault:
    method: str
    pattern: re.Pattern[str]
    status: int
    remaining: int
    retry_after: float
    is_global: bool
    code: int | None
    message: str | None


@dataclass
class SentInteraction:
    """An interaction the test dispatched, and everything the bot did in reply."""

    id: int
    token: str
    type: int
    payload: dict[str, Any]
    channel_id: int
    created: float
    callbacks: list[dict[str, Any]] = field(default_factory=list)
    followups: list[dict[str, Any]] = field(default_factory=list)
    original: dict[str, Any] | None = None  # the message @original points at
    original_edits: int = 0

    @property
    def acknowledged(self) -> bool:
        return bool(self.callbacks)

    @property
    def response(self) -> dict[str, Any] | None:
        """The first callback body (``{"type": ..., "data": ...}``), once the bot answered."""
        return self.callbacks[0] if self.callbacks else None


@dataclass
class _Session:
    id: str
    intents: int
    seq: int = 0
    frames: deque[dict[str, Any]] = field(default_factory=lambda: deque(maxlen=5000))
    ws: web.WebSocketResponse | None = None


def _path_regex(template: str) -> re.Pattern[str]:
    """``/channels/{channel_id}/messages`` -> regex with named groups; also takes real paths."""
    parts = re.split(r"(\{[a-z_]+\})", template)
    out = "".join(f"(?P<{p[1:-1]}>[^/]+)" if p.startswith("{") else re.escape(p) for p in parts)
    return re.compile(f"^{out}$")


_Handler = Callable[[web.Request, dict[str, str], Any], Awaitable[web.Response]]


class DiscordStandin:
    """The stand-in server. ``await start()``, use :meth:`patch_discord`, ``await stop()``."""

    def __init__(
        self,
        *,
        token: str = DEFAULT_TOKEN,
        heartbeat_interval_ms: int = 41250,
        interaction_deadline: float = 3.0,
        followup_window: float = 15 * 60.0,
        allowed_privileged_intents: int = PRIVILEGED_INTENTS,
        reject_invalid: bool = True,
        echo_bot_messages: bool = True,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        self.token = token
        #: Seconds since the epoch as Discord's servers see them: message ids, timestamps and
        #: the nonce window follow it. Tests that run the bot on a test clock share it
        #: (`use_clock`), so a slot's time and the ids of messages sent for it agree.
        self.wall_clock = wall_clock
        self.heartbeat_interval_ms = heartbeat_interval_ms
        self.interaction_deadline = interaction_deadline
        self.followup_window = followup_window
        self.allowed_privileged_intents = allowed_privileged_intents
        self.reject_invalid = reject_invalid
        self.echo_bot_messages = echo_bot_messages

        self._last_snowflake = 0
        self.requests: list[RecordedRequest] = []
        self.unknown_routes: list[RecordedRequest] = []
        self.violations: list[Violation] = []
        self.gateway_received: list[dict[str, Any]] = []
        self.identify_count = 0
        self.gateway_refused = False  # see refuse_gateway()
        self.gateway_refusals = 0  # connections refused so far
        self.identify_close_code: int | None = None  # see close_identify_with()
        self.resume_count = 0
        self.connections_ready = 0  # READY or RESUMED sent

        self.messages: dict[int, dict[str, Any]] = {}  # every message, by id
        self.bot_messages: list[dict[str, Any]] = []  # posted by the bot, in order
        self._consumed: set[int] = set()
        self._nonces: dict[tuple[int, int, str], tuple[float, int]] = {}
        self.interactions: dict[int, SentInteraction] = {}
        self._by_token: dict[str, SentInteraction] = {}
        self.global_commands: list[dict[str, Any]] = []
        self.guild_commands: dict[int, list[dict[str, Any]]] = {}

        self._faults: list[_Fault] = []
        self._channel_errors: dict[int, tuple[int, int, str]] = {}
        self._global_rps: float | None = None
        self._global_window: deque[float] = deque()

        self._session: _Session | None = None
        self._sockets: set[web.WebSocketResponse] = set()
        self._cond = asyncio.Condition()
        self._send_lock = asyncio.Lock()
        self._dispatch_lock = asyncio.Lock()
        self._routes: list[tuple[str, str, re.Pattern[str], _Handler]] = []
        self._register_routes()
        self._runner: web.AppRunner | None = None
        self.port: int | None = None

        self.users: dict[str, User] = {}
        self.guilds: dict[int, Guild] = {}
        self.dm_channels: dict[int, Channel] = {}  # by recipient user id
        self._build_default_world()

    # --- world ---------------------------------------------------------------------------

    def _build_default_world(self) -> None:
        """One guild with a few channels, roles and members; tests can add more."""
        self.bot_user = self.add_user("Kuril Brief", bot=True, user_id=1100000000000000001)
        self.application_id = self.bot_user.id
        self.owner = self.add_user("owner", user_id=1100000000000000002)
        self.add_user("alice", user_id=1100000000000000003)
        self.add_user("mod", user_id=1100000000000000004)
        self.add_user("helper-bot", bot=True, user_id=1100000000000000005)

        gid = 1200000000000000001
        guild = Guild(id=gid, name="Kuril Test Guild", owner_id=self.owner.id)
        guild.roles[gid] = Role(gid, "@everyone", EVERYONE_DEFAULT)
        bot_role = Role(
            1200000000000000002, "Kuril Brief", EVERYONE_DEFAULT, 1, True, self.bot_user.id
        )
        mod_role = Role(
            1200000000000000003, "Moderators", MANAGE_GUILD | MANAGE_MESSAGES | MANAGE_CHANNELS, 2
        )
        guild.roles[bot_role.id] = bot_role
        guild.roles[mod_role.id] = mod_role
        self.guilds[gid] = guild
        self.guild_id = gid
        for pos, name in enumerate(("general", "briefings")):
            self.add_channel(name, channel_id=1300000000000000001 + pos, position=pos)
        deny_send = {"id": str(gid), "type": 0, "allow": "0", "deny": str(SEND_MESSAGES)}
        self.add_channel("announcements", channel_id=1300000000000000003, overwrites=[deny_send])
        self.channel_id = 1300000000000000001
        guild.members[self.owner.id] = []
        guild.members[self.users["alice"].id] = []
        guild.members[self.users["mod"].id] = [mod_role.id]
        guild.members[self.users["helper-bot"].id] = []
        guild.members[self.bot_user.id] = [bot_role.id]

    def add_user(self, username: str, *, bot: bool = False, user_id: int | None = None) -> User:
        user = User(user_id or self._snowflake(), username, bot=bot)
        self.users[username] = user
        return user

    def add_channel(
        self,
        name: str,
        *,
        guild_id: int | None = None,
        channel_id: int | None = None,
        position: int = 0,
        overwrites: list[dict[str, Any]] | None = None,
    ) -> Channel:
        """Add a text channel (before the client connects, or it arrives with the next READY)."""
        gid = guild_id or self.guild_id
        channel = Channel(
            channel_id or self._snowflake(), name, guild_id=gid, position=position,
            overwrites=list(overwrites or []),
        )  # fmt: skip
        self.guilds[gid].channels[channel.id] = channel
        return channel

    def add_member(
        self, user: User, *, guild_id: int | None = None, role_ids: tuple[int, ...] = ()
    ) -> None:
        self.guilds[guild_id or self.guild_id].members[user.id] = list(role_ids)

    @property
    def default_channel(self) -> Channel:
        """#general in the default guild: where dispatches go unless told otherwise."""
        return self.guilds[self.guild_id].channels[self.channel_id]

    def user(self, name: str) -> User:
        return self.users[name]

    def channel(self, name: str, *, guild_id: int | None = None) -> Channel:
        guild = self.guilds[guild_id or self.guild_id]
        return next(c for c in guild.channels.values() if c.name == name)

    def _find_channel(self, channel_id: int) -> Channel | None:
        for guild in self.guilds.values():
            if channel_id in guild.channels:
                return guild.channels[channel_id]
        return next((c for c in self.dm_channels.values() if c.id == channel_id), None)

    def _user_by_id(self, user_id: int) -> User | None:
        return next((u for u in self.users.values() if u.id == user_id), None)

    def dm_channel(self, user: User) -> Channel:
        if user.id not in self.dm_channels:
            self.dm_channels[user.id] = Channel(
                self._snowflake(), "", type=DM, recipient_id=user.id
            )
        return self.dm_channels[user.id]

    def _snowflake(self) -> int:
        """Time-based, strictly increasing ids like Discord's."""
        now = (int(self.wall_clock() * 1000) - DISCORD_EPOCH_MS) << 22
        self._last_snowflake = max(now, self._last_snowflake + 1)
        return self._last_snowflake

    # --- permissions -----------------------------------------------------------------------

    def base_permissions(self, guild: Guild, user_id: int) -> int:
        if user_id == guild.owner_id:
            return ALL_PERMISSIONS
        perms = guild.roles[guild.id].permissions
        for role_id in guild.members.get(user_id, []):
            perms |= guild.roles[role_id].permissions
        return ALL_PERMISSIONS if perms & ADMINISTRATOR else perms

    def channel_permissions(self, channel: Channel, user_id: int) -> int:
        """Discord's algorithm: base, then @everyone, role and member overwrites."""
        if channel.guild_id is None:
            return VIEW_CHANNEL | SEND_MESSAGES | READ_MESSAGE_HISTORY | EMBED_LINKS | ATTACH_FILES
        guild = self.guilds[channel.guild_id]
        perms = self.base_permissions(guild, user_id)
        if perms & ADMINISTRATOR:
            return ALL_PERMISSIONS
        roles = set(guild.members.get(user_id, []))
        by_id = {int(o["id"]): o for o in channel.overwrites}
        if everyone := by_id.get(guild.id):
            perms = (perms & ~int(everyone["deny"])) | int(everyone["allow"])
        allow = deny = 0
        for o in channel.overwrites:
            if o["type"] == 0 and int(o["id"]) in roles:
                allow |= int(o["allow"])
                deny |= int(o["deny"])
        perms = (perms & ~deny) | allow
        if (member := by_id.get(user_id)) and member["type"] == 1:
            perms = (perms & ~int(member["deny"])) | int(member["allow"])
        return perms

    # --- payloads --------------------------------------------------------------------------

    def channel_payload(self, channel: Channel) -> dict[str, Any]:
        if channel.type == DM:
            recipient = self._user_by_id(channel.recipient_id or 0)
            return {
                "id": str(channel.id),
                "type": DM,
                "last_message_id": None,
                "flags": 0,
                "recipients": [recipient.payload()] if recipient else [],
            }
        return {
            "id": str(channel.id),
            "type": channel.type,
            "guild_id": str(channel.guild_id),
            "name": channel.name,
            "position": channel.position,
            "permission_overwrites": channel.overwrites,
            "parent_id": None,
            "topic": channel.topic,
            "nsfw": False,
            "last_message_id": None,
            "rate_limit_per_user": 0,
            "flags": 0,
        }

    def member_payload(self, guild: Guild, user: User, *, with_user: bool = True) -> dict[str, Any]:
        data: dict[str, Any] = {
            "roles": [str(r) for r in guild.members.get(user.id, [])],
            "nick": None,
            "avatar": None,
            "joined_at": guild.joined_at,
            "premium_since": None,
            "deaf": False,
            "mute": False,
            "flags": 0,
            "pending": False,
            "communication_disabled_until": None,
        }
        if with_user:
            data["user"] = user.payload()
        return data

    def guild_payload(self, guild: Guild) -> dict[str, Any]:
        members = [
            self.member_payload(guild, user)
            for uid in guild.members
            if (user := self._user_by_id(uid)) is not None
        ]
        return {
            "id": str(guild.id),
            "name": guild.name,
            "icon": None,
            "splash": None,
            "discovery_splash": None,
            "banner": None,
            "description": None,
            "owner_id": str(guild.owner_id),
            "afk_channel_id": None,
            "afk_timeout": 300,
            "verification_level": 0,
            "default_message_notifications": 0,
            "explicit_content_filter": 0,
            "mfa_level": 0,
            "nsfw_level": 0,
            "premium_tier": 0,
            "premium_subscription_count": 0,
            "preferred_locale": guild.preferred_locale,
            "system_channel_id": None,
            "system_channel_flags": 0,
            "rules_channel_id": None,
            "public_updates_channel_id": None,
            "vanity_url_code": None,
            "application_id": None,
            "features": [],
            "emojis": [],
            "stickers": [],
            "roles": [r.payload() for r in guild.roles.values()],
            "channels": [self.channel_payload(c) for c in guild.channels.values()],
            "members": members,
            "member_count": len(members),
            "threads": [],
            "presences": [],
            "voice_states": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "soundboard_sounds": [],
            "large": False,
            "unavailable": False,
            "joined_at": guild.joined_at,
            "max_members": 500000,
            "nsfw": False,
            "premium_progress_bar_enabled": False,
        }

    def application_payload(self) -> dict[str, Any]:
        return {
            "id": str(self.application_id),
            "name": self.bot_user.username,
            "icon": None,
            "description": "",
            "summary": "",
            "type": None,
            "rpc_origins": [],
            "bot_public": True,
            "bot_require_code_grant": False,
            "verify_key": "0" * 64,
            "owner": self.owner.payload(),
            "team": None,
            "flags": 0,
            "interactions_endpoint_url": None,
            "bot": self.bot_user.payload(),
            "approximate_guild_count": len(self.guilds),
            "tags": [],
        }

    # --- lifecycle -------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_base(self) -> str:
        """What ``discord.http.Route.BASE`` must be set to."""
        return f"{self.base_url}{API_PREFIX}"

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/gateway"

    async def start(self) -> DiscordStandin:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_get("/gateway", self._gateway)
        app.router.add_route("*", API_PREFIX + "/{tail:.*}", self._rest)
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        server = site._server
        assert server is not None
        self.port = server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return self

    async def stop(self) -> None:
        for ws in list(self._sockets):
            with contextlib.suppress(Exception):
                await ws.close(code=1001)
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> DiscordStandin:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @contextlib.contextmanager
    def patch_discord(self) -> Iterator[None]:
        """Point discord.py's REST base and its default gateway at the stand-in.

        A plain ``discord.Client`` never calls ``GET /gateway/bot``: it connects straight to
        ``DiscordWebSocket.DEFAULT_GATEWAY`` (and falls back to it after INVALID_SESSION), so
        that class attribute is patched as well as ``Route.BASE``.
        """
        ws_cls = discord.gateway.DiscordWebSocket
        old_base, old_gateway = discord.http.Route.BASE, ws_cls.DEFAULT_GATEWAY
        discord.http.Route.BASE = self.api_base
        ws_cls.DEFAULT_GATEWAY = yarl.URL(self.gateway_url)
        try:
            yield
        finally:
            discord.http.Route.BASE = old_base
            ws_cls.DEFAULT_GATEWAY = old_gateway

    # --- waiting -----------------------------------------------------------------------------

    async def _changed(self) -> None:
        async with self._cond:
            self._cond.notify_all()

    async def wait_for(self, check: Callable[[], T | None], *, timeout: float, what: str) -> T:
        """Wait until ``check()`` returns something other than None/False; re-checked on change."""
        async with self._cond:
            try:
                return await asyncio.wait_for(self._cond.wait_for(check), timeout)  # type: ignore[arg-type]
            except TimeoutError:
                raise StandinTimeout(f"timed out after {timeout}s waiting for {what}") from None

    async def wait_for_interaction_response(
        self, interaction: SentInteraction, *, timeout: float = 5.0
    ) -> dict[str, Any]:
        """The first callback body the bot POSTed for this interaction."""
        return await self.wait_for(
            lambda: interaction.response, timeout=timeout, what=f"a response to {interaction.id}"
        )

    async def wait_for_reply(
        self, interaction: SentInteraction, *, timeout: float = 5.0
    ) -> dict[str, Any]:
        """The message the user finally sees: the callback's message, or the deferred one once
        the bot has edited it (``PATCH @original``)."""

        def visible() -> dict[str, Any] | None:
            msg = interaction.original
            if msg is None or msg["flags"] & FLAG_LOADING:
                return None
            if interaction.response and interaction.response.get("type") == 6:
                return msg if interaction.original_edits else None
            return msg

        return await self.wait_for(visible, timeout=timeout, what=f"a reply to {interaction.id}")

    async def wait_for_followup(
        self, interaction: SentInteraction, *, index: int = 0, timeout: float = 5.0
    ) -> dict[str, Any]:
        def check() -> dict[str, Any] | None:
            return interaction.followups[index] if len(interaction.followups) > index else None

        return await self.wait_for(check, timeout=timeout, what=f"followup #{index}")

    async def wait_for_message(
        self,
        channel_id: int | None = None,
        *,
        predicate: Callable[[dict[str, Any]], bool] | None = None,
        sources: tuple[str, ...] = ("channel",),
        timeout: float = 5.0,
    ) -> dict[str, Any]:
        """The oldest not-yet-returned message the bot posted (via ``POST /channels/.../messages``
        by default; add ``"interaction"``/``"webhook"`` to ``sources`` for the others)."""

        def check() -> dict[str, Any] | None:
            for msg in self.bot_messages:
                if int(msg["id"]) in self._consumed or msg["_source"] not in sources:
                    continue
                if channel_id is not None and int(msg["channel_id"]) != channel_id:
                    continue
                if predicate is None or predicate(msg):
                    self._consumed.add(int(msg["id"]))
                    return msg
            return None

        where = f"channel {channel_id}" if channel_id else "any channel"
        return await self.wait_for(check, timeout=timeout, what=f"a bot message in {where}")

    async def wait_for_request(
        self, method: str, route: str, *, count: int = 1, timeout: float = 5.0
    ) -> RecordedRequest:
        """The ``count``-th request matching ``method`` and a template or concrete path."""
        pattern = _path_regex(route)

        def check() -> RecordedRequest | None:
            hits = self.requests_matching(method, route, _pattern=pattern)
            done = [r for r in hits if r.status is not None]
            return done[count - 1] if len(done) >= count else None

        return await self.wait_for(check, timeout=timeout, what=f"{method} {route} x{count}")

    async def wait_for_connections(self, count: int, *, timeout: float = 5.0) -> None:
        """Until READY/RESUMED has been sent ``count`` times in total."""
        await self.wait_for(
            lambda: self.connections_ready >= count, timeout=timeout, what=f"{count} sessions"
        )

    def requests_matching(
        self, method: str, route: str, *, _pattern: re.Pattern[str] | None = None
    ) -> list[RecordedRequest]:
        pattern = _pattern or _path_regex(route)
        return [r for r in self.requests if r.method == method.upper() and pattern.match(r.path)]

    def take_violations(self) -> list[Violation]:
        """Return and clear the violations (for tests that provoke them on purpose)."""
        taken, self.violations = self.violations, []
        return taken

    def check(self, method: str, path: str, body: Any) -> list[str]:
        """Validate a body as if the bot had sent it, recording a violation if it fails."""
        problems = validate_request(method, path, body)
        if problems:
            self.violations.append(Violation(method.upper(), path, problems, body))
        return problems

    # --- fault injection -------------------------------------------------------------------

    def fail_next(
        self,
        method: str,
        route: str,
        *,
        status: int = 429,
        count: int = 1,
        retry_after: float = 0.05,
        is_global: bool = False,
        code: int | None = None,
        message: str | None = None,
    ) -> None:
        """Answer the next ``count`` matching requests with ``status`` instead of handling them.

        ``route`` is a template (``/channels/{channel_id}/messages``) or a concrete path.
        """
        self._faults.append(
            _Fault(
                method.upper(), _path_regex(route), status, count, retry_after, is_global,
                code, message,
            )
        )  # fmt: skip

    def set_channel_error(self, channel_id: int, status: int | None) -> None:
        """Make message posts to a channel fail: 403 Missing Permissions, 404 Unknown Channel."""
        if status is None:
            self._channel_errors.pop(channel_id, None)
        elif status == 403:
            self._channel_errors[channel_id] = (403, 50013, "Missing Permissions")
        elif status == 404:
            self._channel_errors[channel_id] = (404, 10003, "Unknown Channel")
        else:
            raise ValueError("status must be 403, 404 or None")

    def use_clock(self, now: Callable[[], dt.datetime]) -> None:
        """Run Discord's wall clock on a test clock (the one the bot's scheduler uses)."""
        self.wall_clock = lambda: now().timestamp()

    def set_global_rate_limit(self, per_second: float | None) -> None:
        """Answer 429 (global) once more than ``per_second`` requests arrive in a second."""
        self._global_rps = per_second
        self._global_window.clear()

    def clear_faults(self) -> None:
        self._faults.clear()
        self._channel_errors.clear()
        self.set_global_rate_limit(None)

    # --- gateway ---------------------------------------------------------------------------

    async def _send(self, ws: web.WebSocketResponse, frame: dict[str, Any]) -> None:
        async with self._send_lock:
            if not ws.closed:
                with contextlib.suppress(ConnectionError, RuntimeError):
                    await ws.send_str(json.dumps(frame))

    async def dispatch_event(self, event: str, data: dict[str, Any]) -> None:
        """Send a DISPATCH to the bot; while it is disconnected it is kept for RESUME."""
        session = self._session
        if session is None:
            raise RuntimeError("no gateway session: the client has not identified yet")
        async with self._dispatch_lock:  # frames leave in sequence order
            session.seq += 1
            frame = {"op": 0, "t": event, "s": session.seq, "d": data}
            session.frames.append(frame)
            if session.ws is not None:
                await self._send(session.ws, frame)

    async def _gateway(self, request: web.Request) -> web.StreamResponse:
        if self.gateway_refused:
            self.gateway_refusals += 1
            await self._changed()
            return web.Response(status=503, text="gateway unavailable (refuse_gateway)")
        ws = web.WebSocketResponse(max_msg_size=0, timeout=1.0)
        await ws.prepare(request)
        self._sockets.add(ws)
        hello = {"op": 10, "s": None, "t": None}
        await self._send(ws, {**hello, "d": {"heartbeat_interval": self.heartbeat_interval_ms}})
        try:
            async for msg in ws:
                if msg.type is not WSMsgType.TEXT:
                    continue
                frame = json.loads(msg.data)
                self.gateway_received.append(frame)
                await self._on_gateway_frame(ws, frame)
        finally:
            self._sockets.discard(ws)
            if self._session is not None and self._session.ws is ws:
                self._session.ws = None
        return ws

    async def _on_gateway_frame(self, ws: web.WebSocketResponse, frame: dict[str, Any]) -> None:
        op, data = frame.get("op"), frame.get("d")
        if op == 1:  # HEARTBEAT
            await self._send(ws, {"op": 11, "s": None, "t": None, "d": None})
        elif op == 2:  # IDENTIFY
            await self._identify(ws, data or {})
        elif op == 6:  # RESUME
            await self._resume(ws, data or {})
        elif op == 8 and self._session is not None:  # REQUEST_GUILD_MEMBERS
            guild = self.guilds.get(int(data["guild_id"]))
            if guild is not None:
                chunk = self.guild_payload(guild)["members"]
                await self.dispatch_event(
                    "GUILD_MEMBERS_CHUNK",
                    {"guild_id": str(guild.id), "members": chunk, "chunk_index": 0,
                     "chunk_count": 1, "not_found": [], "nonce": data.get("nonce")},
                )  # fmt: skip
        await self._changed()

    async def _identify(self, ws: web.WebSocketResponse, data: dict[str, Any]) -> None:
        if data.get("token") != self.token:
            await ws.close(code=4004, message=b"Authentication failed.")
            return
        if self.identify_close_code is not None:
            await ws.close(code=self.identify_close_code, message=b"closed by close_identify_with")
            return
        intents = int(data.get("intents", 0))
        if intents & PRIVILEGED_INTENTS & ~self.allowed_privileged_intents:
            await ws.close(code=4014, message=b"Disallowed intent(s).")
            return
        self.identify_count += 1
        if self._session is not None and self._session.ws is not None:
            await self._session.ws.close(code=4000)
        self._session = _Session(id=secrets.token_hex(16), intents=intents, ws=ws)
        ready = {
            "v": 10,
            "user": {**self.bot_user.payload(), "verified": True, "mfa_enabled": False,
                     "flags": 0, "email": None},
            "guilds": [{"id": str(g), "unavailable": True} for g in self.guilds],
            "session_id": self._session.id,
            "resume_gateway_url": self.gateway_url,
            "application": {"id": str(self.application_id), "flags": 0},
            "private_channels": [],
            "relationships": [],
            "presences": [],
            "user_settings": {},
            "geo_ordered_rtc_regions": [],
            "_trace": ["kuril-standin"],
        }  # fmt: skip
        if "shard" in data:
            ready["shard"] = data["shard"]
        await self.dispatch_event("READY", ready)
        for guild in self.guilds.values():
            await self.dispatch_event("GUILD_CREATE", self.guild_payload(guild))
        self.connections_ready += 1

    async def _resume(self, ws: web.WebSocketResponse, data: dict[str, Any]) -> None:
        session = self._session
        if data.get("token") != self.token:
            await ws.close(code=4004, message=b"Authentication failed.")
            return
        if session is None or data.get("session_id") != session.id:
            await self._send(ws, {"op": 9, "s": None, "t": None, "d": False})
            return
        self.resume_count += 1
        if session.ws is not None and session.ws is not ws:
            await session.ws.close(code=4000)
        session.ws = ws
        last = data.get("seq") or 0
        for frame in list(session.frames):
            if frame["s"] > last:
                await self._send(ws, frame)
        await self.dispatch_event("RESUMED", {"_trace": ["kuril-standin"]})
        self.connections_ready += 1

    async def disconnect_gateway(self, code: int = 4000) -> None:
        """Drop the bot's gateway socket. 4000 (unknown error) makes discord.py RESUME."""
        session = self._session
        if session is None or session.ws is None:
            raise RuntimeError("the client is not connected")
        ws, session.ws = session.ws, None
        await ws.close(code=code)

    def refuse_gateway(self, refused: bool = True) -> None:
        """While refused, gateway connections get HTTP 503 (an outage): discord.py keeps
        retrying with backoff (`gateway_refusals` counts the attempts). Combine with
        `disconnect_gateway()` to take the bot offline."""
        self.gateway_refused = refused

    def close_identify_with(self, code: int | None) -> None:
        """Close every IDENTIFY with `code` (None: serve it again), though REST still takes
        the token: 4004 is a token revoked between login and gateway, 4014 an intent the
        Developer Portal does not allow."""
        self.identify_close_code = code

    async def send_reconnect(self) -> None:
        """Send op 7 RECONNECT, as Discord does before moving a session."""
        if self._session and self._session.ws:
            await self._send(self._session.ws, {"op": 7, "s": None, "t": None, "d": None})

    async def invalidate_session(self, *, resumable: bool = False) -> None:
        """Send op 9 INVALID_SESSION; with ``resumable=False`` the client must re-IDENTIFY."""
        if self._session and self._session.ws:
            ws = self._session.ws
            if not resumable:
                self._session.id = "invalidated-" + self._session.id
            await self._send(ws, {"op": 9, "s": None, "t": None, "d": resumable})

    # --- dispatching to the bot --------------------------------------------------------------

    def _find_command(self, name: str, guild_id: int | None) -> tuple[dict[str, Any] | None, bool]:
        if guild_id is not None:
            for cmd in self.guild_commands.get(guild_id, []):
                if cmd["name"] == name and cmd.get("type", 1) == 1:
                    return cmd, True
        for cmd in self.global_commands:
            if cmd["name"] == name and cmd.get("type", 1) == 1:
                return cmd, False
        return None, False

    def _build_options(
        self,
        definition: list[dict[str, Any]],
        values: dict[str, Any],
        resolved: dict[str, dict[str, Any]],
        guild: Guild | None,
        focused: str | None = None,
    ) -> list[dict[str, Any]]:
        """Turn ``{"name": value}`` into Discord's option list, typed from the synced command."""
        types = {o["name"]: o.get("type") for o in definition}
        out = []
        for name, value in values.items():
            kind = types.get(name) or OPTION_TYPES.get(type(value), 3)
            if kind == USER_OPTION and isinstance(value, User):
                resolved.setdefault("users", {})[str(value.id)] = value.payload()
                if guild is not None and value.id in guild.members:
                    member = self.member_payload(guild, value, with_user=False)
                    member["permissions"] = str(self.base_permissions(guild, value.id))
                    resolved.setdefault("members", {})[str(value.id)] = member
                value = str(value.id)
            elif kind == CHANNEL_OPTION and isinstance(value, Channel):
                payload = {**self.channel_payload(value), "permissions": str(ALL_PERMISSIONS)}
                resolved.setdefault("channels", {})[str(value.id)] = payload
                value = str(value.id)
            elif kind == ROLE_OPTION and isinstance(value, Role):
                resolved.setdefault("roles", {})[str(value.id)] = value.payload()
                value = str(value.id)
            option = {"name": name, "type": kind, "value": value}
            if name == focused:
                option["focused"] = True
            out.append(option)
        return out

    async def _dispatch_command(
        self,
        itype: int,
        path: str,
        options: dict[str, Any] | None,
        *,
        user: User | None,
        channel: Channel | None,
        dm: bool,
        permissions: int | None,
        locale: str,
        require_synced: bool,
        focused: str | None = None,
    ) -> SentInteraction:
        user = user or self.users["alice"]
        channel = channel or (self.dm_channel(user) if dm else self.default_channel)
        guild = self.guilds[channel.guild_id] if channel.guild_id else None
        top, *subs = path.split()
        command, is_guild_cmd = self._find_command(top, guild.id if guild else None)
        if command is None and require_synced:
            raise LookupError(f"/{top} was never synced to Discord (pass require_synced=False)")
        definition = (command or {}).get("options") or []
        # Walk "group sub" down the synced definition, building the nested option wrappers.
        chain: list[dict[str, Any]] = []
        for sub in subs:
            node = next((o for o in definition if o["name"] == sub), None)
            kind = node["type"] if node else (1 if sub == subs[-1] else 2)
            definition = (node or {}).get("options") or []
            chain.append({"name": sub, "type": kind, "options": []})
        resolved: dict[str, dict[str, Any]] = {}
        leaf_options = self._build_options(definition, options or {}, resolved, guild, focused)
        for wrapper in reversed(chain):
            wrapper["options"] = leaf_options
            leaf_options = [wrapper]
        data: dict[str, Any] = {
            "id": (command or {}).get("id") or str(self._snowflake()),
            "name": top,
            "type": 1,
            "options": leaf_options,
        }
        if resolved:
            data["resolved"] = resolved
        if is_guild_cmd and guild is not None:
            data["guild_id"] = str(guild.id)
        return await self._dispatch_interaction(itype, data, user, channel, permissions, locale)

    async def dispatch_slash(
        self,
        command: str,
        options: dict[str, Any] | None = None,
        *,
        user: User | None = None,
        channel: Channel | None = None,
        dm: bool = False,
        permissions: int | None = None,
        locale: str = "en-US",
        require_synced: bool = True,
    ) -> SentInteraction:
        """Invoke ``/command`` (``"group sub"`` paths allowed) as ``user`` (default alice).

        Option types come from the synced command; User/Channel/Role values get ``resolved``
        entries. ``permissions`` overrides the member's computed channel permissions.
        """
        return await self._dispatch_command(
            APPLICATION_COMMAND, command, options, user=user, channel=channel, dm=dm,
            permissions=permissions, locale=locale, require_synced=require_synced,
        )  # fmt: skip

    async def dispatch_autocomplete(
        self,
        command: str,
        focused: str,
        value: Any,
        options: dict[str, Any] | None = None,
        *,
        user: User | None = None,
        channel: Channel | None = None,
        dm: bool = False,
        locale: str = "en-US",
        require_synced: bool = True,
    ) -> SentInteraction:
        """The user typed ``value`` into option ``focused``; the bot must answer with choices."""
        values = {**(options or {}), focused: value}
        return await self._dispatch_command(
            AUTOCOMPLETE, command, values, user=user, channel=channel, dm=dm, permissions=None,
            locale=locale, require_synced=require_synced, focused=focused,
        )  # fmt: skip

    async def dispatch_component(
        self,
        message: dict[str, Any],
        custom_id: str,
        *,
        component_type: int = 2,
        values: list[str] | None = None,
        user: User | None = None,
        permissions: int | None = None,
        locale: str = "en-US",
    ) -> SentInteraction:
        """``user`` clicked the button (or picked ``values`` in the select) on ``message``."""
        stored = self.messages.get(int(message["id"]), message)
        channel = self._find_channel(int(stored["channel_id"]))
        if channel is None:
            raise LookupError(f"unknown channel {stored['channel_id']}")
        if user is None:
            recipient = self._user_by_id(channel.recipient_id or 0)
            user = recipient if channel.type == DM and recipient else self.users["alice"]
        data: dict[str, Any] = {"custom_id": custom_id, "component_type": component_type}
        if values is not None:
            data["values"] = values
        public = {k: v for k, v in stored.items() if not k.startswith("_")}
        return await self._dispatch_interaction(
            MESSAGE_COMPONENT, data, user, channel, permissions, locale, message=public
        )

    async def dispatch_modal_submit(
        self,
        custom_id: str,
        values: dict[str, str],
        *,
        user: User | None = None,
        channel: Channel | None = None,
        dm: bool = False,
        locale: str = "en-US",
    ) -> SentInteraction:
        """``user`` submitted the modal ``custom_id`` with text inputs ``{custom_id: value}``."""
        user = user or self.users["alice"]
        channel = channel or (self.dm_channel(user) if dm else self.default_channel)
        rows = [
            {"type": 1, "components": [{"type": 4, "custom_id": cid, "value": value}]}
            for cid, value in values.items()
        ]
        data = {"custom_id": custom_id, "components": rows}
        return await self._dispatch_interaction(MODAL_SUBMIT, data, user, channel, None, locale)

    async def _dispatch_interaction(
        self,
        itype: int,
        data: dict[str, Any],
        user: User,
        channel: Channel,
        permissions: int | None,
        locale: str,
        message: dict[str, Any] | None = None,
    ) -> SentInteraction:
        iid = self._snowflake()
        token = f"aW50ZXJhY3Rpb246{iid}:{secrets.token_urlsafe(24)}"
        payload: dict[str, Any] = {
            "id": str(iid),
            "application_id": str(self.application_id),
            "type": itype,
            "data": data,
            "token": token,
            "version": 1,
            "channel": self.channel_payload(channel),
            "channel_id": str(channel.id),
            "locale": locale,
            "app_permissions": str(self.channel_permissions(channel, self.bot_user.id)),
            "entitlements": [],
            "entitlement_sku_ids": [],
            "attachment_size_limit": ATTACHMENT_SIZE_LIMIT,
        }
        if channel.guild_id is not None:
            guild = self.guilds[channel.guild_id]
            member = self.member_payload(guild, user)
            perms = (
                self.channel_permissions(channel, user.id) if permissions is None else permissions
            )
            member["permissions"] = str(perms)
            payload.update(
                guild_id=str(guild.id),
                guild={"id": str(guild.id), "locale": guild.preferred_locale, "features": []},
                guild_locale=guild.preferred_locale,
                member=member,
                context=0,
                authorizing_integration_owners={"0": str(guild.id)},
            )
        else:
            payload.update(
                user=user.payload(), context=1, authorizing_integration_owners={"0": "0"}
            )
        if message is not None:
            payload["message"] = message
        sent = SentInteraction(iid, token, itype, payload, channel.id, time.monotonic())
        if itype == MESSAGE_COMPONENT and message is not None:
            sent.original = self.messages.get(int(message["id"]))
        self.interactions[iid] = sent
        self._by_token[token] = sent
        await self.dispatch_event("INTERACTION_CREATE", payload)
        return sent

    async def dispatch_message(
        self,
        content: str,
        *,
        author: User | None = None,
        channel: Channel | None = None,
        dm: bool = False,
        mention_bot: bool = False,
        reply_to: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """A user (or another bot, e.g. ``user("helper-bot")``) posts a message.

        Delivered only if the bot's intents ask for it (GUILD_MESSAGES / DIRECT_MESSAGES), and
        with content blanked in guilds unless MESSAGE_CONTENT is on or the bot is mentioned,
        as Discord does. Returns the full message as the stand-in stored it.
        """
        author = author or self.users["alice"]
        channel = channel or (self.dm_channel(author) if dm else self.default_channel)
        if mention_bot:
            content = f"{self.bot_user.mention} {content}"
        body: dict[str, Any] = {"content": content}
        if reply_to is not None:
            body["message_reference"] = {"message_id": reply_to["id"]}
        msg = self._create_message(channel, author, body, source="user")
        await self._deliver_message_create(msg, author)
        await self._changed()
        return msg

    async def _deliver_message_create(self, msg: dict[str, Any], author: User) -> None:
        session = self._session
        if session is None:
            return
        guild_id = msg.get("guild_id")
        needed = INTENT_GUILD_MESSAGES if guild_id else INTENT_DIRECT_MESSAGES
        if not session.intents & needed:
            return
        event = {k: v for k, v in msg.items() if not k.startswith("_")}
        mentioned = any(int(m["id"]) == self.bot_user.id for m in msg["mentions"])
        sees_content = (
            session.intents & INTENT_MESSAGE_CONTENT
            or not guild_id
            or mentioned
            or author.id == self.bot_user.id
        )
        if not sees_content:
            event.update(content="", embeds=[], attachments=[], components=[])
        if guild_id:
            event["member"] = self.member_payload(
                self.guilds[int(guild_id)], author, with_user=False
            )
        await self.dispatch_event("MESSAGE_CREATE", event)

    # --- messages ----------------------------------------------------------------------------

    def _create_message(
        self,
        channel: Channel,
        author: User,
        body: dict[str, Any],
        *,
        source: str,
        interaction: SentInteraction | None = None,
        files: list[dict[str, Any]] = (),  # type: ignore[assignment]
    ) -> dict[str, Any]:
        mid = self._snowflake()
        content = body.get("content") or ""
        mention_ids = {int(m) for m in re.findall(r"<@!?(\d+)>", content)}
        mentions = [u.payload() for u in self.users.values() if u.id in mention_ids]
        msg: dict[str, Any] = {
            "id": str(mid),
            "channel_id": str(channel.id),
            "author": author.payload(),
            "content": content,
            "timestamp": _iso(self.wall_clock()),
            "edited_timestamp": None,
            "tts": bool(body.get("tts")),
            "mention_everyone": False,
            "mentions": mentions,
            "mention_roles": [],
            "attachments": self._attachments(body.get("attachments"), files),
            "embeds": [{"type": "rich", **e} for e in body.get("embeds") or []],
            "components": body.get("components") or [],
            "pinned": False,
            "type": MSG_DEFAULT,
            "flags": int(body.get("flags") or 0),
            "_source": source,
        }
        if channel.guild_id is not None:
            msg["guild_id"] = str(channel.guild_id)
        if body.get("nonce") is not None:
            msg["nonce"] = body["nonce"]
        if body.get("poll"):
            msg["poll"] = body["poll"]
        ref = body.get("message_reference")
        if ref and (target := self.messages.get(int(ref["message_id"]))) is not None:
            msg["type"] = MSG_REPLY
            msg["message_reference"] = {
                "type": 0, "message_id": target["id"], "channel_id": target["channel_id"],
                **({"guild_id": target["guild_id"]} if "guild_id" in target else {}),
            }  # fmt: skip
            msg["referenced_message"] = {k: v for k, v in target.items() if not k.startswith("_")}
        if interaction is not None:
            msg["webhook_id"] = str(self.application_id)
            msg["application_id"] = str(self.application_id)
            msg["type"] = MSG_CHAT_INPUT if interaction.type == APPLICATION_COMMAND else MSG_DEFAULT
            user = interaction.payload.get("member", {}).get("user") or interaction.payload.get(
                "user"
            )
            msg["interaction_metadata"] = {
                "id": str(interaction.id),
                "type": interaction.type,
                "user": user,
                "authorizing_integration_owners": interaction.payload[
                    "authorizing_integration_owners"
                ],
            }
            if interaction.type == MESSAGE_COMPONENT and "message" in interaction.payload:
                msg["interaction_metadata"]["interacted_message_id"] = interaction.payload[
                    "message"
                ]["id"]
        self.messages[mid] = msg
        if author.id == self.bot_user.id:
            self.bot_messages.append(msg)
        return msg

    def _attachments(
        self, requested: list[dict[str, Any]] | None, files: list[dict[str, Any]]
    ) -> list[dict[str, Any]]:
        """Attachment objects as Discord returns them, from the body's references to the
        uploaded ``files[n]`` parts (entries that already have a size are kept as they are)."""
        uploads = {f["field"]: f for f in files}
        out = []
        for i, ref in enumerate(requested or []):
            upload = uploads.get(f"files[{ref.get('id', i)}]")
            if upload is None and "size" in ref:
                out.append(ref)
                continue
            aid = self._snowflake()
            name = ref.get("filename") or (upload or {}).get("filename") or "file"
            url = f"{self.base_url}/attachments/{aid}/{name}"
            out.append({
                "id": str(aid), "filename": name, "size": (upload or {}).get("size", 0),
                "url": url, "proxy_url": url, "content_type": (upload or {}).get("content_type"),
                "description": ref.get("description"),
            })  # fmt: skip
        return out

    def _edit_message(
        self,
        msg: dict[str, Any],
        body: dict[str, Any],
        files: list[dict[str, Any]] = (),  # type: ignore[assignment]
    ) -> dict[str, Any]:
        if "attachments" in body:
            msg["attachments"] = self._attachments(body["attachments"], files)
        for key in ("content", "components", "poll"):
            if key in body:
                msg[key] = body[key] if body[key] is not None else ([] if key != "content" else "")
        if "embeds" in body:
            msg["embeds"] = [{"type": "rich", **e} for e in body["embeds"] or []]
        if body.get("flags") is not None:
            msg["flags"] = (msg["flags"] & FLAG_EPHEMERAL) | int(body["flags"])
        msg["flags"] &= ~FLAG_LOADING
        msg["edited_timestamp"] = _iso(self.wall_clock())
        return msg

    @staticmethod
    def public(msg: dict[str, Any]) -> dict[str, Any]:
        """A stored message as Discord would return it (internal ``_`` keys dropped)."""
        return {k: v for k, v in msg.items() if not k.startswith("_")}

    # --- REST --------------------------------------------------------------------------------

    def _route(self, method: str, template: str) -> Callable[[_Handler], _Handler]:
        def register(handler: _Handler) -> _Handler:
            self._routes.append((method, template, _path_regex(template), handler))
            return handler

        return register

    def _register_routes(self) -> None:
        r = self._route
        r("GET", "/gateway")(self._get_gateway)
        r("GET", "/gateway/bot")(self._get_gateway_bot)
        r("GET", "/users/@me")(self._get_me)
        r("GET", "/users/{user_id}")(self._get_user)
        r("GET", "/oauth2/applications/@me")(self._get_application)
        r("GET", "/applications/@me")(self._get_application)
        for method in ("GET", "PUT"):
            r(method, "/applications/{application_id}/commands")(self._commands)
            r(method, "/applications/{application_id}/guilds/{guild_id}/commands")(self._commands)
        r("POST", "/interactions/{interaction_id}/{token}/callback")(self._callback)
        r("POST", "/webhooks/{application_id}/{token}")(self._webhook_execute)
        for method in ("GET", "PATCH", "DELETE"):
            r(method, "/webhooks/{application_id}/{token}/messages/{message_id}")(
                self._webhook_message
            )
        r("POST", "/channels/{channel_id}/messages")(self._post_message)
        r("GET", "/channels/{channel_id}/messages")(self._list_messages)
        for method in ("GET", "PATCH", "DELETE"):
            r(method, "/channels/{channel_id}/messages/{message_id}")(self._channel_message)
        r("PUT", "/channels/{channel_id}/messages/{message_id}/reactions/{emoji}/@me")(
            self._no_content
        )
        r("POST", "/channels/{channel_id}/typing")(self._no_content)
        r("GET", "/channels/{channel_id}")(self._get_channel)
        r("GET", "/guilds/{guild_id}")(self._get_guild)
        r("GET", "/guilds/{guild_id}/channels")(self._get_guild_channels)
        r("GET", "/guilds/{guild_id}/members/{user_id}")(self._get_member)
        r("POST", "/users/@me/channels")(self._open_dm)

    @staticmethod
    def _json(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
        # Exactly "application/json": discord.py parses nothing else (no charset suffix).
        return web.Response(
            body=json.dumps(data).encode(),
            status=status,
            headers={"Content-Type": "application/json", **(headers or {})},
        )

    @classmethod
    def _error(cls, status: int, code: int, message: str, **extra: Any) -> web.Response:
        return cls._json({"message": message, "code": code, **extra}, status)

    def _rate_limited(self, retry_after: float, *, is_global: bool, route: str) -> web.Response:
        headers = {
            "Via": "1.1 google",
            "Retry-After": str(max(1, math.ceil(retry_after))),
            "X-RateLimit-Scope": "global" if is_global else "user",
        }
        if is_global:
            headers["X-RateLimit-Global"] = "true"
        else:
            headers.update({
                "X-RateLimit-Limit": "5",
                "X-RateLimit-Remaining": "0",
                "X-RateLimit-Reset": f"{time.time() + retry_after:.3f}",
                "X-RateLimit-Reset-After": f"{retry_after:.3f}",
                "X-RateLimit-Bucket": f"standin-{abs(hash(route)) % 10**8:08d}",
            })  # fmt: skip
        body = {"message": "You are being rate limited.", "retry_after": retry_after,
                "global": is_global, "code": 0}  # fmt: skip
        return self._json(body, 429, headers)

    async def _read_body(self, request: web.Request) -> tuple[Any, list[dict[str, Any]]]:
        ctype = request.content_type
        if ctype == "application/json":
            raw = await request.read()
            return (json.loads(raw) if raw else None), []
        if ctype == "multipart/form-data":
            body: Any = None
            files = []
            reader = await request.multipart()
            async for part in reader:
                content = await part.read()  # type: ignore[union-attr]
                if part.name == "payload_json":  # type: ignore[union-attr]
                    body = json.loads(content)
                else:
                    files.append(
                        {
                            "field": part.name,  # type: ignore[union-attr]
                            "filename": part.filename,  # type: ignore[union-attr]
                            "size": len(content),
                            "content_type": part.headers.get("Content-Type"),  # type: ignore[union-attr]
                        }
                    )
            return body, files
        raw = await request.read()
        return (raw.decode(errors="replace") if raw else None), []

    async def _rest(self, request: web.Request) -> web.Response:
        path = "/" + request.match_info["tail"]
        body, files = await self._read_body(request)
        rec = RecordedRequest(
            method=request.method, path=path, query=dict(request.query),
            headers=dict(request.headers), json=body, at=time.monotonic(), files=files,
        )  # fmt: skip
        self.requests.append(rec)
        request[FILES_KEY] = files
        try:
            response = await self._handle(request, rec)
        except Exception as exc:  # a stand-in bug must surface in the test, not hang it
            self.violations.append(
                Violation(rec.method, path, [f"stand-in crashed: {exc!r}"], body)
            )
            response = self._error(500, 0, "500: Internal Server Error")
        rec.status = response.status
        await self._changed()
        return response

    async def _handle(self, request: web.Request, rec: RecordedRequest) -> web.Response:
        match: dict[str, str] | None = None
        handler: _Handler | None = None
        for method, template, pattern, fn in self._routes:
            if method == rec.method and (m := pattern.match(rec.path)):
                rec.route, match, handler = template, m.groupdict(), fn
                break
        webhookish = rec.path.startswith(("/interactions/", "/webhooks/"))
        if not webhookish and request.headers.get("Authorization") != f"Bot {self.token}":
            return self._error(401, 0, "401: Unauthorized")
        if self._global_rps is not None and not webhookish:
            now = time.monotonic()
            while self._global_window and self._global_window[0] <= now - 1.0:
                self._global_window.popleft()
            if len(self._global_window) >= self._global_rps:
                retry = max(0.001, self._global_window[0] + 1.0 - now)
                return self._rate_limited(round(retry, 3), is_global=True, route=rec.path)
            self._global_window.append(now)
        for fault in self._faults:
            if fault.remaining > 0 and fault.method == rec.method and fault.pattern.match(rec.path):
                fault.remaining -= 1
                return self._fault_response(fault, rec)
        if handler is None or match is None:
            self.unknown_routes.append(rec)
            return self._error(404, 0, "404: Not Found")
        if rec.query and (problems := validate_query(rec.method, rec.path, rec.query)):
            self.violations.append(Violation(rec.method, rec.path, problems, rec.query))
            if self.reject_invalid:
                errors = {
                    "_errors": [{"code": "NUMBER_TYPE_COERCE", "message": p} for p in problems]
                }
                return self._error(400, 50035, "Invalid Form Body", errors=errors)
        if isinstance(rec.json, dict | list) and rec.method in ("POST", "PUT", "PATCH"):
            problems = self.check(rec.method, rec.path, rec.json)
            if problems and self.reject_invalid:
                errors = {
                    "_errors": [{"code": "BASE_TYPE_INVALID", "message": p} for p in problems]
                }
                return self._error(400, 50035, "Invalid Form Body", errors=errors)
        return await handler(request, match, rec.json)

    def _fault_response(self, fault: _Fault, rec: RecordedRequest) -> web.Response:
        if fault.status == 429:
            return self._rate_limited(fault.retry_after, is_global=fault.is_global, route=rec.path)
        if fault.status in (500, 502, 503, 504) and fault.code is None:
            html = f"<html><body><h1>{fault.status} Server Error</h1></body></html>"
            return web.Response(text=html, status=fault.status, content_type="text/html")
        return self._error(fault.status, fault.code or 0, fault.message or f"{fault.status}: Error")

    # --- REST handlers -----------------------------------------------------------------------

    async def _no_content(self, request: web.Request, m: dict[str, str], body: Any) -> web.Response:
        return web.Response(status=204)

    async def _get_gateway(
        self, request: web.Request, m: dict[str, str], body: Any
    ) -> web.Response:
        return self._json({"url": self.gateway_url})

    async def _get_gateway_bot(
        self, request: web.Request, m: dict[str, str], body: Any
    ) -> web.Response:
        limit = {"total": 1000, "remaining": 999, "reset_after": 14400000, "max_concurrency": 1}
        return self._json({"url": self.gateway_url, "shards": 1, "session_start_limit": limit})

    async def _get_me(self, request: web.Request, m: dict[str, str], body: Any) -> web.Response:
        return self._json(
            {**self.bot_user.payload(), "verified": True, "mfa_enabled": False, "flags": 0}
        )

    async def _get_user(self, request: web.Request, m: dict[str, str], body: Any) -> web.Response:
        user = self._user_by_id(int(m["user_id"])) if m["user_id"].isdigit() else None
        return self._json(user.payload()) if user else self._error(404, 10013, "Unknown User")

    async def _get_application(
        self, request: web.Request, m: dict[str, str], body: Any
    ) -> web.Response:
        return self._json(self.application_payload())

    async def _commands(self, request: web.Request, m: dict[str, str], body: Any) -> web.Response:
        if m["application_id"] != str(self.application_id):
            return self._error(403, 50001, "Missing Access")
        guild_id = int(m["guild_id"]) if "guild_id" in m else None
        if guild_id is not None and guild_id not in self.guilds:
            return self._error(403, 50001, "Missing Access")
        current = self.guild_commands.get(guild_id, []) if guild_id else self.global_commands
        if request.method == "GET":
            return self._json(current)
        if not isinstance(body, list):
            return self._error(400, 50035, "Invalid Form Body")
        ids = {(c["type"], c["name"]): c["id"] for c in current}
        stored = []
        for cmd in body:
            kind = cmd.get("type") or 1
            perms = cmd.get("default_member_permissions")
            echoed = {
                "id": ids.get((kind, cmd["name"])) or str(self._snowflake()),
                "application_id": str(self.application_id),
                "version": str(self._snowflake()),
                "type": kind,
                "name": cmd["name"],
                "name_localizations": cmd.get("name_localizations"),
                "description": cmd.get("description") or "",
                "description_localizations": cmd.get("description_localizations"),
                "options": cmd.get("options") or [],
                "default_member_permissions": None if perms is None else str(perms),
                "dm_permission": cmd.get("dm_permission", True) if guild_id is None else None,
                "contexts": cmd.get("contexts"),
                "integration_types": cmd.get("integration_types") or [0],
                "nsfw": bool(cmd.get("nsfw", False)),
            }
            if guild_id is not None:
                echoed["guild_id"] = str(guild_id)
            stored.append(echoed)
        if guild_id is not None:
            self.guild_commands[guild_id] = stored
        else:
            self.global_commands = stored
        return self._json(stored)

    def _interaction_for_token(self, app_id: str, token: str) -> SentInteraction | None:
        sent = self._by_token.get(token)
        if sent is None or app_id != str(self.application_id):
            return None
        if time.monotonic() - sent.created > self.followup_window:
            return None
        return sent

    async def _callback(self, request: web.Request, m: dict[str, str], body: Any) -> web.Response:
        sent = (
            self.interactions.get(int(m["interaction_id"]))
            if m["interaction_id"].isdigit()
            else None
        )
        if sent is None or sent.token != m["token"]:
            return self._error(404, 10062, "Unknown interaction")
        if time.monotonic() - sent.created > self.interaction_deadline:
            return self._error(404, 10062, "Unknown interaction")
        if sent.acknowledged:
            return self._error(400, 40060, "Interaction has already been acknowledged.")
        body = body if isinstance(body, dict) else {}
        ctype = body.get("type")
        allowed = {
            APPLICATION_COMMAND: {4, 5, 9},
            MESSAGE_COMPONENT: {4, 5, 6, 7, 9},
            AUTOCOMPLETE: {8},
            MODAL_SUBMIT: {4, 5, 6, 7},
        }.get(sent.type, {1})
        if ctype not in allowed:
            problem = f"callback type {ctype} is not valid for interaction type {sent.type}"
            self.violations.append(Violation("POST", request.path, [problem], body))
            return self._error(400, 50035, "Invalid Form Body", errors={"type": problem})
        sent.callbacks.append(body)
        data = body.get("data") or {}
        channel = self._find_channel(sent.channel_id)
        assert channel is not None
        resource: dict[str, Any] | None = None
        if ctype in (4, 5):
            msg_body = dict(data)
            if ctype == 5:
                msg_body = {"content": "", "flags": int(data.get("flags") or 0) | FLAG_LOADING}
            msg = self._create_message(
                channel, self.bot_user, msg_body, source="interaction", interaction=sent,
                files=request[FILES_KEY],
            )  # fmt: skip
            sent.original = msg
            resource = {"type": ctype, "message": self.public(msg)}
        elif ctype == 7 and sent.original is not None:
            self._edit_message(sent.original, data, request[FILES_KEY])
            sent.original_edits += 1
            resource = {"type": ctype, "message": self.public(sent.original)}
        await self._changed()
        if request.query.get("with_response") not in ("1", "true", "True"):
            return web.Response(status=204)
        original = sent.original if ctype in (4, 5, 7) else None
        info: dict[str, Any] = {
            "id": str(sent.id),
            "type": sent.type,
            "response_message_loading": ctype == 5,
            "response_message_ephemeral": bool(original and original["flags"] & FLAG_EPHEMERAL),
        }
        if original is not None:
            info["response_message_id"] = original["id"]
        out: dict[str, Any] = {"interaction": info}
        if resource is not None:
            out["resource"] = resource
        return self._json(out)

    async def _webhook_execute(
        self, request: web.Request, m: dict[str, str], body: Any
    ) -> web.Response:
        sent = self._interaction_for_token(m["application_id"], m["token"])
        if sent is None or not sent.acknowledged:
            return self._error(404, 10015, "Unknown Webhook")
        channel = self._find_channel(sent.channel_id)
        assert channel is not None
        msg = self._create_message(
            channel, self.bot_user, body or {}, source="webhook", interaction=sent,
            files=request[FILES_KEY],
        )  # fmt: skip
        sent.followups.append(msg)
        await self._changed()
        if request.query.get("wait") in ("1", "true", "True"):
            return self._json(self.public(msg))
        return web.Response(status=204)

    async def _webhook_message(
        self, request: web.Request, m: dict[str, str], body: Any
    ) -> web.Response:
        sent = self._interaction_for_token(m["application_id"], m["token"])
        if sent is None:
            return self._error(404, 10015, "Unknown Webhook")
        if m["message_id"] == "@original":
            msg = sent.original
        else:
            msg = next((f for f in sent.followups if f["id"] == m["message_id"]), None)
        if msg is None:
            return self._error(404, 10008, "Unknown Message")
        if request.method == "DELETE":
            self.messages.pop(int(msg["id"]), None)
            return web.Response(status=204)
        if request.method == "PATCH":
            self._edit_message(msg, body or {}, request[FILES_KEY])
            if msg is sent.original:
                sent.original_edits += 1
            await self._changed()
        return self._json(self.public(msg))

    def _channel_error(self, channel_id: str, need: int) -> web.Response | None:
        channel = self._find_channel(int(channel_id)) if channel_id.isdigit() else None
        if channel is None:
            return self._error(404, 10003, "Unknown Channel")
        if (err := self._channel_errors.get(channel.id)) is not None:
            return self._error(*err)
        perms = self.channel_permissions(channel, self.bot_user.id)
        if not perms & VIEW_CHANNEL:
            return self._error(403, 50001, "Missing Access")
        if perms & need != need:
            return self._error(403, 50013, "Missing Permissions")
        return None

    async def _post_message(
        self, request: web.Request, m: dict[str, str], body: Any
    ) -> web.Response:
        if (err := self._channel_error(m["channel_id"], SEND_MESSAGES)) is not None:
            return err
        channel = self._find_channel(int(m["channel_id"]))
        assert channel is not None
        body = body if isinstance(body, dict) else {}
        if not any(
            body.get(k) for k in ("content", "embeds", "components", "sticker_ids", "poll")
        ) and not body.get("attachments"):
            return self._error(400, 50006, "Cannot send an empty message")
        ref = body.get("message_reference")
        if (
            ref
            and int(ref["message_id"]) not in self.messages
            and ref.get("fail_if_not_exists", True)
        ):
            errors = {
                "message_reference": {
                    "_errors": [
                        {"code": "MESSAGE_REFERENCE_UNKNOWN_MESSAGE", "message": "Unknown message"}
                    ]
                }
            }
            return self._error(400, 50035, "Invalid Form Body", errors=errors)
        nonce = body.get("nonce")
        if nonce is not None and body.get("enforce_nonce"):
            key = (channel.id, self.bot_user.id, str(nonce))
            now = self.wall_clock()
            seen = self._nonces.get(key)
            if seen and now - seen[0] < NONCE_WINDOW_S and seen[1] in self.messages:
                return self._json(self.public(self.messages[seen[1]]))
        msg = self._create_message(
            channel, self.bot_user, body, source="channel", files=request[FILES_KEY]
        )
        if nonce is not None and body.get("enforce_nonce"):
            self._nonces[(channel.id, self.bot_user.id, str(nonce))] = (
                self.wall_clock(),
                int(msg["id"]),
            )
        if self.echo_bot_messages:
            await self._deliver_message_create(msg, self.bot_user)
        await self._changed()
        return self._json(self.public(msg))

    async def _list_messages(
        self, request: web.Request, m: dict[str, str], body: Any
    ) -> web.Response:
        """Discord's channel history: up to ``limit`` (default 50) messages, newest first;
        ``after`` gives the oldest ones after that id, ``before`` the newest ones before it.
        Like Discord, a listed message carries no ``nonce`` (only the create response and the
        gateway event echo it), so a bot cannot lean on it to find its own messages."""
        need = READ_MESSAGE_HISTORY
        if (err := self._channel_error(m["channel_id"], need)) is not None:
            return err
        query = request.query
        limit = int(query.get("limit", "50"))
        in_channel = sorted(
            (msg for msg in self.messages.values() if msg["channel_id"] == m["channel_id"]),
            key=lambda msg: int(msg["id"]),
        )
        if "around" in query:
            return self._error(400, 0, "the stand-in does not serve `around`")
        if "after" in query:
            after = int(query["after"])
            page = [msg for msg in in_channel if int(msg["id"]) > after][:limit]
        else:
            before = int(query["before"]) if "before" in query else None
            page = [msg for msg in in_channel if before is None or int(msg["id"]) < before]
            page = page[-limit:]
        listed = [
            {k: v for k, v in self.public(msg).items() if k != "nonce"} for msg in reversed(page)
        ]
        return self._json(listed)

    async def _channel_message(
        self, request: web.Request, m: dict[str, str], body: Any
    ) -> web.Response:
        need = READ_MESSAGE_HISTORY if request.method == "GET" else 0
        if (err := self._channel_error(m["channel_id"], need)) is not None:
            return err
        msg = self.messages.get(int(m["message_id"])) if m["message_id"].isdigit() else None
        if msg is None or msg["channel_id"] != m["channel_id"]:
            return self._error(404, 10008, "Unknown Message")
        if request.method == "GET":
            return self._json(self.public(msg))
        if int(msg["author"]["id"]) != self.bot_user.id and request.method == "PATCH":
            return self._error(403, 50005, "Cannot edit a message authored by another user")
        if request.method == "DELETE":
            self.messages.pop(int(msg["id"]))
            return web.Response(status=204)
        self._edit_message(msg, body or {}, request[FILES_KEY])
        await self._changed()
        return self._json(self.public(msg))

    async def _get_channel(
        self, request: web.Request, m: dict[str, str], body: Any
    ) -> web.Response:
        channel = self._find_channel(int(m["channel_id"])) if m["channel_id"].isdigit() else None
        if channel is None:
            return self._error(404, 10003, "Unknown Channel")
        return self._json(self.channel_payload(channel))

    async def _get_guild(self, request: web.Request, m: dict[str, str], body: Any) -> web.Response:
        guild = self.guilds.get(int(m["guild_id"])) if m["guild_id"].isdigit() else None
        if guild is None:
            return self._error(404, 10004, "Unknown Guild")
        data = self.guild_payload(guild)
        for key in ("channels", "members", "threads", "presences", "voice_states", "joined_at"):
            data.pop(key, None)
        return self._json(data)

    async def _get_guild_channels(
        self, request: web.Request, m: dict[str, str], body: Any
    ) -> web.Response:
        guild = self.guilds.get(int(m["guild_id"])) if m["guild_id"].isdigit() else None
        if guild is None:
            return self._error(404, 10004, "Unknown Guild")
        return self._json([self.channel_payload(c) for c in guild.channels.values()])

    async def _get_member(self, request: web.Request, m: dict[str, str], body: Any) -> web.Response:
        guild = self.guilds.get(int(m["guild_id"])) if m["guild_id"].isdigit() else None
        user = self._user_by_id(int(m["user_id"])) if m["user_id"].isdigit() else None
        if guild is None or user is None or user.id not in guild.members:
            return self._error(404, 10007, "Unknown Member")
        return self._json(self.member_payload(guild, user))

    async def _open_dm(self, request: web.Request, m: dict[str, str], body: Any) -> web.Response:
        rid = str((body or {}).get("recipient_id", ""))
        user = self._user_by_id(int(rid)) if rid.isdigit() else None
        if user is None:
            return self._error(400, 50035, "Invalid Form Body")
        return self._json(self.channel_payload(self.dm_channel(user)))
