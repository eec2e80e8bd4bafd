"""The one error path's notes, in the user's language."""

from __future__ import annotations

import pytest
from discord import app_commands

from bot.tree import friendly_message


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", "You need the Manage Channels permission to do that."),
        ("ja", "この操作を行うには、あなたに 「チャンネルの管理」 権限が必要です。"),
        ("ru", "Для этого вам нужно право «Управлять каналами»."),
    ],
)
def test_a_missing_permission_is_said_in_the_users_language(language: str, expected: str) -> None:
    error = app_commands.MissingPermissions(["manage_channels"])
    assert friendly_message(error, language) == expected


def test_a_direct_message_refusal_in_russian() -> None:
    error = app_commands.NoPrivateMessage()
    assert friendly_message(error, "ru") == (
        "Эта команда работает только на сервере, не в личных сообщениях."
    )


def test_an_unexpected_error_has_no_friendly_message() -> None:
    assert friendly_message(app_commands.AppCommandError("boom"), "ja") is None
