"""No interaction token reaches any log line, even at DEBUG (`bot.logfilters`)."""

from __future__ import annotations

import logging

import pytest

from bot.logfilters import DiscordLogFilter, redact
from tests.bot.running_bot import StartBot, embed_text
from tests.standin.server import DiscordStandin


async def test_a_debug_run_logs_no_interaction_token(
    start_bot: StartBot, standin: DiscordStandin, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    await start_bot()
    sent = [await standin.dispatch_slash("about") for _ in range(2)]
    sent.append(await standin.dispatch_slash("ask", {"question": "Who signed in 1855?"}))
    for interaction in sent:
        assert embed_text(await standin.wait_for_reply(interaction))
    text = caplog.text + "\n".join(r.getMessage() for r in caplog.records)
    assert "INTERACTION_CREATE" in text  # the payloads were logged ...
    assert "<redacted>" in text  # ... with their tokens masked
    for interaction in sent:
        assert interaction.token not in text
        assert interaction.token.split(":")[-1] not in text


def test_redaction_covers_urls_and_payloads_and_keeps_the_rest() -> None:
    line = (
        "POST https://discord.com/api/v10/interactions/123/aW50ZXJhY3Rpb246MTIz:Zm9v/callback"
        " with {'token': 'aW50ZXJhY3Rpb246MTIz:Zm9v', 'id': '123'}"
        ' and {"token": "abc.DEF-ghi"} /webhooks/99/tok_en-1/messages/@original'
    )
    cleaned = redact(line)
    for secret in ("aW50ZXJhY3Rpb246MTIz:Zm9v", "abc.DEF-ghi", "tok_en-1"):
        assert secret not in cleaned
    assert "/interactions/123/<redacted>/callback" in cleaned
    assert "/webhooks/99/<redacted>/messages/@original" in cleaned
    assert "'id': '123'" in cleaned


def test_a_reconnect_is_one_line_without_a_traceback() -> None:
    try:
        raise ConnectionResetError("gateway went away")
    except ConnectionResetError as error:
        record = logging.LogRecord(
            "discord.shard", logging.ERROR, __file__, 1,
            "Attempting a reconnect for shard ID %s in %.2fs", (0, 4.2), (type(error), error, None),
        )  # fmt: skip
    assert DiscordLogFilter().filter(record)
    assert record.exc_info is None and record.levelname == "WARNING"
    assert record.getMessage() == (
        "Attempting a reconnect for shard ID 0 in 4.20s (ConnectionResetError: gateway went away)"
    )
