"""Delivering one scheduled briefing: claim the slot, compose, send once, record what happened.

The order of steps is what makes delivery at-most-once per channel and slot:

1. `claim_slot` in the delivery log (a unique row per channel and slot): only one claimant
   ever proceeds, across workers, restarts and processes.
2. Compose from the channel's stored rotation state with the one composer `/brief` uses.
3. Wait for the pacer (Discord's global rate limit), then send with a message nonce derived
   from (channel, slot) and `enforce_nonce`, so a retry of a send whose outcome was lost (a
   crash between sending and recording) returns the first message instead of posting again.
4. Record the outcome (`sent`/`sent_late` with the message id), then the channel's new
   rotation state. A gone or forbidden channel pauses the subscription with the reason;
   transient failures are recorded `failed_retrying` for the sweep to retry.

`Deliverer` knows nothing of discord.py: it sends through a `Sender`; `DiscordSender` is the
real one, translating discord.py's exceptions into `ChannelUnavailable`/`SendFailed`.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, Protocol
from zoneinfo import ZoneInfo

import aiohttp
import discord

from bot.ratelimit import Pacer
from bot.render import message_kwargs
from bot.slots import nonce_for
from bot.storage import ChannelState, Storage, Subscription
from commands.briefing import compose_briefing
from commands.messages import Reply
from knowledge.base import KnowledgeBase

if TYPE_CHECKING:
    from discord.ext import commands

__all__ = [
    "ChannelUnavailable",
    "Deliverer",
    "DeliveryResult",
    "DiscordSender",
    "SendFailed",
    "Sender",
    "late_note",
]

log = logging.getLogger(__name__)

DeliveryResult = Literal["sent", "sent_late", "paused", "failed", "skipped", "taken"]

#: Attempts of one send within one delivery (discord.py already retries each 429/5xx up to
#: five times with its own backoff); after these the slot waits for the next sweep.
SEND_ATTEMPTS = 3
BACKOFF_BASE_S = 1.0


class ChannelUnavailable(Exception):
    """The channel is gone or forbids the bot: pause the subscription with `reason`."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class SendFailed(Exception):
    """A send failed in a way worth retrying later (rate limits, server errors, network)."""


class Sender(Protocol):
    async def send(self, *, guild_id: int, channel_id: int, reply: Reply, nonce: str) -> int:
        """Post `reply` to the channel; return the message id. Raises ChannelUnavailable or
        SendFailed."""
        ...


def _unavailable_reason(error: discord.HTTPException) -> str:
    code = error.code
    if isinstance(error, discord.NotFound):
        if code == 10003:
            return "The channel no longer exists (Discord: Unknown Channel)."
        return f"Discord could not find the channel (error {code}: {error.text or 'Not Found'})."
    if code == 50001:
        return "I can't see the channel (Discord: Missing Access). Give me View Channel there."
    if code == 50013:
        return (
            "I'm not allowed to post there (Discord: Missing Permissions). "
            "Give me Send Messages and Embed Links in the channel."
        )
    return f"Discord refused my message (error {code}: {error.text or 'Forbidden'})."


class DiscordSender:
    """Sends through the bot's REST client; needs no cached channel objects."""

    def __init__(self, bot: commands.Bot) -> None:
        self._bot = bot

    async def send(self, *, guild_id: int, channel_id: int, reply: Reply, nonce: str) -> int:
        channel = self._bot.get_partial_messageable(channel_id, guild_id=guild_id)
        try:
            # discord.py sends `enforce_nonce: true` with every nonce it is given.
            message = await channel.send(**message_kwargs(reply), nonce=nonce)
        except (discord.NotFound, discord.Forbidden) as error:
            raise ChannelUnavailable(_unavailable_reason(error)) from error
        except discord.HTTPException as error:
            raise SendFailed(
                f"Discord error {error.status} ({error.code}): {error.text}"
            ) from error
        except (aiohttp.ClientError, OSError, TimeoutError) as error:
            raise SendFailed(f"network error: {error!r}") from error
        return message.id


def late_note(slot: dt.datetime, why: str) -> str:
    """The line a late briefing carries, e.g. "... due at 09:00 (2 hours ago); I was offline"."""
    stamp = int(slot.timestamp())
    return f"Sent late: this briefing was due at <t:{stamp}:t> (<t:{stamp}:R>); {why}."


@dataclass
class Deliverer:
    """Delivers one (subscription, slot); see the module docstring for the steps."""

    storage: Storage
    kb: KnowledgeBase
    sender: Sender
    pacer: Pacer
    clock: Callable[[], dt.datetime]
    grace: dt.timedelta
    on_paused: Callable[[int, str], None] = lambda channel_id, reason: None
    backoff_base: float = BACKOFF_BASE_S

    async def deliver(
        self, subscription: Subscription, slot: dt.datetime, *, late: str | None = None
    ) -> DeliveryResult:
        """Deliver `slot` unless someone else has it or it is past the grace period.

        `late` is why it goes out late (shown in a note; the outcome is `sent_late`), or None.
        """
        channel_id = subscription.channel_id
        now = self.clock()
        if now - slot > self.grace:
            note = f"not sent: {_minutes(now - slot)} late, past the grace period"
            if await self.storage.record_outcome(
                channel_id, slot, "skipped_missed", note=note, now=now
            ):
                log.warning("briefing for channel %s slot %s skipped: %s", channel_id, slot, note)
                return "skipped"
            return "taken"
        if not await self.storage.claim_slot(channel_id, slot, now=now):
            return "taken"
        try:
            state = await self.storage.get_channel_state(channel_id)
            briefing = compose_briefing(
                self.kb,
                slot,
                tz=ZoneInfo(subscription.timezone),
                cursor=state.cursor if state else 0,
                seen=state.seen_entry_ids if state else None,
                late_note=late_note(slot, late) if late else None,
                role_id=subscription.role_id,
            )
            message_id = await self._send(subscription, briefing.reply, nonce_for(channel_id, slot))
        except ChannelUnavailable as error:
            await self.storage.pause_subscription(channel_id, error.reason, now=self.clock())
            await self.storage.record_outcome(
                channel_id, slot, "paused", note=error.reason, now=self.clock()
            )
            log.warning("briefings for channel %s paused: %s", channel_id, error.reason)
            self.on_paused(channel_id, error.reason)
            return "paused"
        except Exception as error:
            if not isinstance(error, SendFailed):
                log.exception("composing or sending the briefing for %s failed", channel_id)
            await self.storage.record_outcome(
                channel_id, slot, "failed_retrying", note=str(error), now=self.clock()
            )
            log.warning(
                "briefing for channel %s slot %s will be retried: %s", channel_id, slot, error
            )
            return "failed"
        sent_at = self.clock()
        outcome: DeliveryResult = "sent_late" if late is not None else "sent"
        await self.storage.record_outcome(
            channel_id, slot, outcome, message_id=message_id, now=sent_at
        )
        await self.storage.save_channel_state(
            ChannelState(
                channel_id=channel_id,
                kb_version=self.kb.version,
                cursor=briefing.cursor,
                seen_entry_ids=briefing.seen,
                last_briefed_at=sent_at,
            ),
            now=sent_at,
        )
        return outcome

    async def _send(self, subscription: Subscription, reply: Reply, nonce: str) -> int:
        for attempt in range(SEND_ATTEMPTS):
            await self.pacer.acquire()
            try:
                return await self.sender.send(
                    guild_id=subscription.guild_id,
                    channel_id=subscription.channel_id,
                    reply=reply,
                    nonce=nonce,
                )
            except SendFailed:
                if attempt == SEND_ATTEMPTS - 1:
                    raise
                delay = self.backoff_base * 2**attempt
                await asyncio.sleep(delay * random.uniform(0.75, 1.25))
        raise AssertionError("unreachable")  # pragma: no cover


def _minutes(delta: dt.timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    return f"{minutes} minute{'s' if minutes != 1 else ''}"
