"""Delivering one scheduled briefing: compose, claim, send once, record what happened.

The order of steps is what makes delivery exactly-once per channel and slot:

1. Compose from the channel's stored rotation state with the one composer `/brief` uses.
   The footer ends with the slot's reference (`ref <nonce>`), so the message can be
   recognised in the channel later.
2. Wait for the pacer (Discord's global rate limit), read the subscription again (a channel
   unsubscribed meanwhile gets nothing), and only then `claim_slot` in the delivery log (a
   unique row per channel and slot): only one claimant proceeds, and a claim exists only
   for a request actually about to go out, so a crash leaves at most the requests in flight
   "in doubt" (claimed, outcome unknown).
3. Send with a message nonce derived from (channel, slot) and `enforce_nonce`, so a quick
   retry of a send whose outcome was lost returns the first message instead of posting again.
4. Record the outcome (`sent`/`sent_late` with the message id), then the channel's new
   rotation state. A gone or forbidden channel (Discord codes 10003, 50001, 50013) pauses
   the subscription with the reason (through `pause`, the scheduler's, which also drops its
   job), unless it changed since it was read; every other failure is recorded
   `failed_retrying` for the sweep to retry.

A slot found in doubt (claimed by a process that died, or whose outcome could not be
recorded) is settled by asking Discord: the channel's messages since the slot are read and
the bot's own message carrying the slot's reference is looked for. Found: it is recorded as
sent. Absent: it is sent now. When the channel cannot be read, a re-send is safe only while
Discord still deduplicates the nonce (`NONCE_WINDOW`); after that the slot is recorded as
skipped, because it may have gone out and a briefing must never arrive twice.

`Deliverer` knows nothing of discord.py: it talks to Discord through a `Sender`;
`DiscordSender` is the real one, translating discord.py's exceptions into
`ChannelUnavailable`/`SendFailed`/`HistoryUnavailable`.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import random
from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass
from typing import Any, Literal, Protocol
from zoneinfo import ZoneInfo

import aiohttp
import discord

from bot.ratelimit import Pacer
from bot.render import message_kwargs
from bot.slots import nonce_for, snowflake_at, snowflake_time
from bot.storage import FINAL_OUTCOMES, ChannelState, Delivery, Storage, Subscription
from bot.storage.store import UNAVAILABLE_ERRORS
from commands.briefing import REFERENCE_PREFIX, Briefing, compose_briefing
from commands.i18n import N_, say
from commands.messages import Reply
from knowledge.base import KnowledgeBase

__all__ = [
    "NONCE_WINDOW",
    "ON_TIME",
    "PAUSE_REASONS",
    "ChannelUnavailable",
    "Deliverer",
    "DeliveryResult",
    "DiscordSender",
    "HistoryUnavailable",
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
#: A slot sent within this long of its time is on time (no "sent late" note).
ON_TIME = dt.timedelta(minutes=1)
#: Why a briefing that was due on time went out late anyway (it waited on our side).
HELD_UP = N_("it was held up on my side")
#: Discord deduplicates a nonce with `enforce_nonce` for "a few minutes": a re-send with the
#: same nonce is certainly harmless only this soon after the claim it repeats.
NONCE_WINDOW = dt.timedelta(minutes=2)
#: A slot's message is looked for from this long before the slot (Discord's clock and ours
#: may differ a little, and a cron firing may map to a slot a second or two ahead).
CLOCK_SKEW = dt.timedelta(minutes=2)
#: Pages of 100 messages read to find an in-doubt slot's briefing, at most.
HISTORY_PAGES = 10


class ChannelUnavailable(Exception):
    """The channel is gone or forbids the bot: pause the subscription with `reason`."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class SendFailed(Exception):
    """A send failed in a way worth retrying later (rate limits, server errors, network)."""


class HistoryUnavailable(Exception):
    """The channel's messages could not be read (or not all of them), so whether an
    in-doubt briefing went out is unknown."""


class _NoLongerSubscribed(Exception):
    """Checked right before sending: the channel was unsubscribed or paused meanwhile."""


class _Taken(Exception):
    """The claim failed: the slot is settled or someone else holds it."""


class Sender(Protocol):
    async def send(self, *, guild_id: int, channel_id: int, reply: Reply, nonce: str) -> int:
        """Post `reply` to the channel; return the message id. Raises ChannelUnavailable or
        SendFailed."""
        ...

    async def find_briefing(
        self, *, guild_id: int, channel_id: int, since: dt.datetime, reference: str
    ) -> int | None:
        """The id of the bot's own message posted after `since` whose embed footer ends with
        the slot `reference`, or None if there is none. Raises ChannelUnavailable or
        HistoryUnavailable."""
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

    def __init__(self, bot: discord.Client) -> None:
        self._bot = bot

    async def send(self, *, guild_id: int, channel_id: int, reply: Reply, nonce: str) -> int:
        channel = self._bot.get_partial_messageable(channel_id, guild_id=guild_id)
        try:
            # discord.py sends `enforce_nonce: true` with every nonce it is given. It retries
            # 429s itself (a global one holds back every request) and 500/502/504 a few times.
            message = await channel.send(**message_kwargs(reply), nonce=nonce)
        except (discord.HTTPException, aiohttp.ClientError, OSError, TimeoutError) as error:
            raise _translated(error, SendFailed, pause_on=PAUSE_REASONS) from error
        return message.id

    async def find_briefing(
        self, *, guild_id: int, channel_id: int, since: dt.datetime, reference: str
    ) -> int | None:
        me = self._bot.user.id if self._bot.user is not None else None
        after = snowflake_at(since)
        for _ in range(HISTORY_PAGES):
            try:
                # Oldest first after `after`, 100 at a time (the response lists them newest
                # first); discord.py's bucket handling and 429 retries apply as to a send.
                page = await self._bot.http.logs_from(channel_id, 100, after=after)
            except (discord.HTTPException, aiohttp.ClientError, OSError, TimeoutError) as error:
                # Missing Read Message History (50013) is no reason to pause: posting works.
                raise _translated(error, HistoryUnavailable, pause_on=(10003, 50001)) from error
            for message in page:
                if _is_briefing(message, me, reference):
                    return int(message["id"])
            if len(page) < 100:
                return None
            after = max(int(message["id"]) for message in page)
        raise HistoryUnavailable(f"more than {HISTORY_PAGES * 100} messages since the slot")


def _translated(
    error: BaseException, failure: type[Exception], *, pause_on: Collection[int]
) -> Exception:
    """discord.py's error as ours: `ChannelUnavailable` for a gone or closed channel (codes
    in `pause_on`), else `failure` with a one-line description."""
    if isinstance(error, discord.HTTPException):
        reason = PAUSE_REASONS.get(error.code)
        closed = isinstance(error, discord.NotFound | discord.Forbidden)
        if closed and error.code in pause_on and reason is not None:
            return ChannelUnavailable(reason)
        return failure(f"Discord error {error.status} ({error.code}): {error.text}")
    return failure(f"network error: {error!r}")


def _is_briefing(message: Any, me: int | None, reference: str) -> bool:
    """The bot's own channel message (not an interaction reply) carrying `reference`."""
    author = message.get("author") or {}
    if me is None or int(author.get("id", 0)) != me or message.get("webhook_id"):
        return False
    if message.get("nonce") == reference:  # Discord may echo it; history usually does not
        return True
    marker = REFERENCE_PREFIX + reference
    footers = ((embed.get("footer") or {}).get("text") or "" for embed in message["embeds"])
    return any(footer.endswith(marker) for footer in footers)


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
    #: Pauses a subscription with a reason unless it changed since it was read; returns
    #: whether it did (`BriefingScheduler.pause`: the row and the job in one step).
    pause: Callable[[Subscription, str], Awaitable[bool]]
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
        existing = await self.storage.get_delivery(channel_id, slot)
        if existing is not None and existing.outcome in FINAL_OUTCOMES:
            return "taken"
        reference = nonce_for(channel_id, slot)
        try:
            state = await self.storage.get_channel_state(channel_id)

            def compose(why: str | None) -> Briefing:
                return compose_briefing(
                    self.kb,
                    slot,
                    tz=ZoneInfo(subscription.timezone),
                    cursor=state.rotation_cursor if state else 0,
                    seen=state.seen_entry_ids if state else None,
                    late_note=late_note(slot, why, subscription.language) if why else None,
                    role_id=subscription.role_id,
                    language=subscription.language,
                    reference=reference,
                )

            if existing is not None and (existing.outcome == "claimed" or existing.attempts):
                settled = await self._settle_in_doubt(subscription, slot, existing, compose(late))
                if settled is not None:
                    return settled
            message_id, briefing, late = await self._send(subscription, slot, compose, late)
        except _Taken:
            return "taken"
        except _NoLongerSubscribed as gone:
            note = f"not sent: {gone} before it went out"
            await self.storage.record_outcome(
                channel_id, slot, "skipped_missed", note=note, now=self.clock()
            )
            log.info("briefing for channel %s slot %s %s", channel_id, slot, note)
            return "skipped"
        except ChannelUnavailable as error:
            return await self._pause(subscription, slot, error.reason)
        except UNAVAILABLE_ERRORS:
            raise  # nothing can be recorded now; the scheduler recovers from the schedule
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
        outcome: DeliveryResult = "sent_late" if late is not None else "sent"
        await self._record_sent(channel_id, slot, outcome, message_id, briefing)
        return outcome

    async def _record_sent(
        self,
        channel_id: int,
        slot: dt.datetime,
        outcome: Literal["sent", "sent_late"],
        message_id: int,
        briefing: Briefing,
    ) -> None:
        sent_at = self.clock()
        state = ChannelState(
            channel_id=channel_id,
            kb_version=self.kb.version,
            rotation_cursor=briefing.cursor,
            seen_entry_ids=briefing.seen,
            last_briefed_at=sent_at,
        )
        await self.storage.record_sent(
            channel_id, slot, outcome, message_id=message_id, state=state, now=sent_at
        )

    async def _settle_in_doubt(
        self, subscription: Subscription, slot: dt.datetime, earlier: Delivery, briefing: Briefing
    ) -> DeliveryResult | None:
        """An earlier attempt's outcome is unknown (the process died after claiming, its
        result could not be recorded, or a failure may have hidden a success): look in the
        channel. Returns the settled result, or None when the briefing is to be sent now."""
        channel_id = subscription.channel_id
        reference = nonce_for(channel_id, slot)
        try:
            await self.pacer.acquire()  # a REST request like any other under the global limit
            found = await self.sender.find_briefing(
                guild_id=subscription.guild_id,
                channel_id=channel_id,
                since=slot - CLOCK_SKEW,
                reference=reference,
            )
        except HistoryUnavailable as error:
            now = self.clock()
            if earlier.outcome != "claimed" or now - earlier.recorded_at <= NONCE_WINDOW:
                # A reported failure, or a claim recent enough for Discord to deduplicate
                # the nonce: re-sending cannot double the briefing.
                note = f"could not read the channel to check ({error}); re-sending"
                await self.storage.record_outcome(
                    channel_id, slot, "failed_retrying", note=note, now=now
                )
                return None
            note = (
                f"in doubt: it may have gone out and the channel could not be read ({error}); "
                "not re-sent, so that it cannot arrive twice"
            )
            await self.storage.record_outcome(
                channel_id, slot, "skipped_missed", note=note, now=now
            )
            log.warning("briefing for channel %s slot %s %s", channel_id, slot, note)
            return "skipped"
        if found is None:
            if earlier.outcome == "claimed":
                await self.storage.record_outcome(
                    channel_id,
                    slot,
                    "failed_retrying",
                    note="in doubt: not in the channel, so sending it",
                    now=self.clock(),
                )
            return None
        outcome: Literal["sent", "sent_late"] = (
            "sent_late" if snowflake_time(found) - slot > ON_TIME else "sent"
        )
        await self._record_sent(channel_id, slot, outcome, found, briefing)
        log.info(
            "briefing for channel %s slot %s was in doubt and had gone out (message %s)",
            channel_id,
            slot,
            found,
        )
        return outcome

    async def _pause(
        self, subscription: Subscription, slot: dt.datetime, reason: str
    ) -> DeliveryResult:
        """The channel is gone or forbids the bot: pause, unless the subscription changed
        since this delivery read it (a re-subscribe, perhaps after fixing the channel, must
        not be undone)."""
        channel_id = subscription.channel_id
        if not await self.pause(subscription, reason):
            note = f"{reason} Not paused: the subscription changed meanwhile, so retrying."
            await self.storage.record_outcome(
                channel_id, slot, "failed_retrying", note=note, now=self.clock()
            )
            log.warning("briefing for channel %s slot %s: %s", channel_id, slot, note)
            return "failed"
        await self.storage.record_outcome(channel_id, slot, "paused", note=reason, now=self.clock())
        log.warning("briefings for channel %s paused: %s", channel_id, reason)
        return "paused"

    async def _send(
        self,
        subscription: Subscription,
        slot: dt.datetime,
        compose: Callable[[str | None], Briefing],
        late: str | None,
    ) -> tuple[int, Briefing, str | None]:
        """Send (claiming right before each attempt); returns the message id, the briefing
        sent and why it was late. A briefing that became late after the pacer let it go
        (a database lock, a backoff) is composed again with the late note."""
        channel_id = subscription.channel_id
        nonce = nonce_for(channel_id, slot)
        for attempt in range(SEND_ATTEMPTS):
            await self.pacer.acquire()
            paced_at = self.clock()
            # Re-check right before sending (after any wait for the pacer or a backoff), so
            # an unsubscribe confirmed while this delivery was queued or composing stops it.
            # Not airtight: an unsubscribe landing between this read and Discord receiving
            # the message (normally milliseconds; seconds if discord.py is retrying a 429 or
            # 5xx inside `send`) still lets this one briefing out. Closing that would mean
            # holding a database lock across an HTTP request, which is not worth it.
            current = await self.storage.get_subscription(channel_id)
            if current is None:
                raise _NoLongerSubscribed("unsubscribed")
            if not current.active:
                raise _NoLongerSubscribed("paused")
            # Claim only now, right before the request: what a crash leaves in doubt is at
            # most the sends actually in flight, not every slot waiting for the pacer.
            if not await self.storage.claim_slot(channel_id, slot, now=self.clock()):
                raise _Taken
            # Late only now, after the pacer let it go: held up on our side (a database lock).
            # Waiting for its turn in a large fan-out is no news worth a note.
            if late is None and self.clock() - slot > ON_TIME >= paced_at - slot:
                late = HELD_UP
            briefing = compose(late)
            await self.pacer.space()  # no burst when a stall in the claims clears
            try:
                message_id = await self.sender.send(
                    guild_id=subscription.guild_id,
                    channel_id=channel_id,
                    reply=briefing.reply,
                    nonce=nonce,
                )
                return message_id, briefing, late
            except SendFailed as error:
                if attempt == SEND_ATTEMPTS - 1:
                    raise
                await self.storage.record_outcome(
                    channel_id, slot, "failed_retrying", note=str(error), now=self.clock()
                )
                delay = self.backoff_base * 2**attempt
                await asyncio.sleep(delay * random.uniform(0.75, 1.25))
        raise AssertionError("unreachable")  # pragma: no cover


def _minutes(delta: dt.timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    return f"{minutes} minute{'s' if minutes != 1 else ''}"
