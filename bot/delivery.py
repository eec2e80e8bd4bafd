"""Delivering one scheduled briefing: claim the slot, compose, send once, record what happened.

The order of steps is what makes delivery at-most-once per channel and slot:

1. `claim_slot` in the delivery log (a unique row per channel and slot): only one claimant
   ever proceeds, across workers, restarts and processes.
2. Compose from the channel's stored rotation state with the one composer `/brief` uses.
3. Wait for the pacer (Discord's global rate limit), then send with a message nonce derived
   from (channel, slot) and `enforce_nonce`, so a retry of a send whose outcome was lost (a
   crash between sending and recording) returns the first message instead of posting again.
4. Record the outcome (`sent`/`sent_late` with the message id), then the channel's new
   rotation state. A gone or forbidden channel (Discord codes 10003, 50001, 50013) pauses
   the subscription with the reason, unless it changed since it was read; every other
   failure is recorded `failed_retrying` for the sweep to retry. Right before sending, the
   subscription is read again, so a channel unsubscribed meanwhile gets nothing.

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
from commands.i18n import N_, say
from commands.messages import Reply
from knowledge.base import KnowledgeBase

if TYPE_CHECKING:
    from discord.ext import commands

__all__ = [
    "PAUSE_REASONS",
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


class _NoLongerSubscribed(Exception):
    """Checked right before sending: the channel was unsubscribed or paused meanwhile."""


class Sender(Protocol):
    async def send(self, *, guild_id: int, channel_id: int, reply: Reply, nonce: str) -> int:
        """Post `reply` to the channel; return the message id. Raises ChannelUnavailable or
        SendFailed."""
        ...


#: The Discord error codes that mean the channel itself is gone or closed to the bot, so the
#: subscription is paused (with this reason) until someone fixes it and subscribes again.
#: Any other error, even a 403 or 404 (a proxy's 404 carries code 0), is retried: pausing on
#: a transient or unrelated error would silently stop a channel's briefings.
PAUSE_REASONS: dict[int, str] = {
    10003: N_("The channel no longer exists (Discord: Unknown Channel)."),
    50001: N_("I can't see the channel (Discord: Missing Access). Give me View Channel there."),
    50013: N_(
        "I'm not allowed to post there (Discord: Missing Permissions). "
        "Give me Send Messages and Embed Links in the channel."
    ),
}
"""Stored in English as the reason; `/briefings list` shows it in the reader's language."""


class DiscordSender:
    """Sends through the bot's REST client; needs no cached channel objects."""

    def __init__(self, bot: commands.Bot) -> None:
        self._bot = bot

    async def send(self, *, guild_id: int, channel_id: int, reply: Reply, nonce: str) -> int:
        channel = self._bot.get_partial_messageable(channel_id, guild_id=guild_id)
        try:
            # discord.py sends `enforce_nonce: true` with every nonce it is given. It retries
            # 429s itself (a global one holds back every request) and 500/502/504 a few times.
            message = await channel.send(**message_kwargs(reply), nonce=nonce)
        except discord.HTTPException as error:
            reason = PAUSE_REASONS.get(error.code)
            if reason is not None and isinstance(error, discord.NotFound | discord.Forbidden):
                raise ChannelUnavailable(reason) from error
            raise SendFailed(
                f"Discord error {error.status} ({error.code}): {error.text}"
            ) from error
        except (aiohttp.ClientError, OSError, TimeoutError) as error:
            raise SendFailed(f"network error: {error!r}") from error
        return message.id


def late_note(slot: dt.datetime, why: str, language: str = "en") -> str:
    """The line a late briefing carries, e.g. "... due at 09:00 (2 hours ago); I was offline"."""
    stamp = int(slot.timestamp())
    return say(
        language,
        "Sent late: this briefing was due at {due} ({ago}); {why}.",
        due=f"<t:{stamp}:t>",
        ago=f"<t:{stamp}:R>",
        why=say(language, why),
    )


@dataclass
class Deliverer:
    """Delivers one (subscription, slot); see the module docstring for the steps."""

    storage: Storage
    kb: KnowledgeBase
    sender: Sender
    pacer: Pacer
    clock: Callable[[], dt.datetime]
    grace: dt.timedelta
    #: Called with the subscription this delivery paused (not called when the pause did not
    #: happen because the subscription changed meanwhile).
    on_paused: Callable[[Subscription, str], None] = lambda subscription, reason: None
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
                late_note=late_note(slot, late, subscription.language) if late else None,
                role_id=subscription.role_id,
                language=subscription.language,
            )
            message_id = await self._send(subscription, briefing.reply, nonce_for(channel_id, slot))
        except _NoLongerSubscribed as gone:
            note = f"not sent: {gone} before it went out"
            await self.storage.record_outcome(
                channel_id, slot, "skipped_missed", note=note, now=self.clock()
            )
            log.info("briefing for channel %s slot %s %s", channel_id, slot, note)
            return "skipped"
        except ChannelUnavailable as error:
            return await self._pause(subscription, slot, error.reason)
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

    async def _pause(
        self, subscription: Subscription, slot: dt.datetime, reason: str
    ) -> DeliveryResult:
        """The channel is gone or forbids the bot: pause, unless the subscription changed
        since this delivery read it (a re-subscribe, perhaps after fixing the channel, must
        not be undone, nor left active in the database without a job)."""
        channel_id = subscription.channel_id
        paused = await self.storage.pause_subscription(
            channel_id, reason, now=self.clock(), expected_updated_at=subscription.updated_at
        )
        if not paused:
            note = f"{reason} Not paused: the subscription changed meanwhile, so retrying."
            await self.storage.record_outcome(
                channel_id, slot, "failed_retrying", note=note, now=self.clock()
            )
            log.warning("briefing for channel %s slot %s: %s", channel_id, slot, note)
            return "failed"
        self.on_paused(subscription, reason)
        await self.storage.record_outcome(channel_id, slot, "paused", note=reason, now=self.clock())
        log.warning("briefings for channel %s paused: %s", channel_id, reason)
        return "paused"

    async def _send(self, subscription: Subscription, reply: Reply, nonce: str) -> int:
        for attempt in range(SEND_ATTEMPTS):
            await self.pacer.acquire()
            # Re-check right before sending (after any wait for the pacer or a backoff), so
            # an unsubscribe confirmed while this delivery was queued or composing stops it.
            # Not airtight: an unsubscribe landing between this read and Discord receiving
            # the message (normally milliseconds; seconds if discord.py is retrying a 429 or
            # 5xx inside `send`) still lets this one briefing out. Closing that would mean
            # holding a database lock across an HTTP request, which is not worth it.
            current = await self.storage.get_subscription(subscription.channel_id)
            if current is None:
                raise _NoLongerSubscribed("unsubscribed")
            if not current.active:
                raise _NoLongerSubscribed("paused")
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
