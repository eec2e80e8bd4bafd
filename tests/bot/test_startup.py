"""Start-up failures read as one line: component, setting, target (password hidden), advice."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from bot.settings import Settings
from bot.startup import (
    EXIT_DISCORD_REFUSED,
    EXIT_FAILURE,
    database_error,
    discord_gateway_error,
    discord_unreachable,
    login_refused,
    redact_url,
)
from bot.storage import Storage
from tests.bot.postgres import postgres_url


def settings_for(tmp_path: Path, database_url: str | None) -> Settings:
    return Settings(_env_file=None, database_url=database_url, kuril_data_dir=tmp_path / "data")


async def open_error(settings: Settings) -> BaseException:
    storage = Storage.from_settings(settings)
    try:
        await storage.open()
    except Exception as exc:
        return exc
    finally:
        await storage.close()
    raise AssertionError("the database opened")


def test_redact_url_hides_only_the_password() -> None:
    assert (
        redact_url("postgresql://bot:s3cret@db:5432/kuril") == "postgresql://bot:***@db:5432/kuril"
    )
    assert redact_url("postgresql://bot@db/kuril") == "postgresql://bot@db/kuril"
    assert redact_url("garbage") == "garbage"


def test_an_unknown_host_is_named(tmp_path: Path) -> None:
    settings = settings_for(tmp_path, "postgresql://bot:pw@db.example:5432/kuril")
    failure = database_error(socket.gaierror(-2, "Name or service not known"), settings)
    assert str(failure) == (
        "Cannot reach the database at DATABASE_URL=postgresql://bot:***@db.example:5432/kuril: "
        "host 'db.example' not found. Check the host name in DATABASE_URL."
    )


def test_the_default_sqlite_file_names_the_data_dir(tmp_path: Path) -> None:
    settings = settings_for(tmp_path, None)
    failure = database_error(PermissionError(13, "Permission denied", str(tmp_path)), settings)
    assert str(failure).startswith(
        f"Cannot open the database at KURIL_DATA_DIR={tmp_path / 'data'} (file kuril-brief.db): "
        f"permission denied for {tmp_path}."
    )


async def test_an_unopenable_sqlite_file_is_said_plainly(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "kuril-brief.db").mkdir()  # a folder where the file should be
    settings = settings_for(tmp_path, None)
    failure = database_error(await open_error(settings), settings)
    assert str(failure) == (
        f"Cannot open the database at KURIL_DATA_DIR={tmp_path / 'data'} (file kuril-brief.db): "
        "unable to open database file. "
        "Check that the file's folder exists and the bot's user may write there."
    )


@pytest.mark.postgres
async def test_a_wrong_postgres_password_is_said_without_it(tmp_path: Path) -> None:
    url = make_url(postgres_url()).set(password="not-the-password")
    raw = url.render_as_string(hide_password=False)
    failure = str(
        database_error(await open_error(settings_for(tmp_path, raw)), settings_for(tmp_path, raw))
    )
    assert failure.startswith(f"Cannot reach the database at DATABASE_URL={redact_url(raw)}: ")
    assert "the user or password was refused. Check them in DATABASE_URL." in failure
    assert "not-the-password" not in failure


@pytest.mark.postgres
async def test_a_missing_postgres_database_says_how_to_create_it(tmp_path: Path) -> None:
    raw = make_url(postgres_url()).set(database="no_such_db").render_as_string(hide_password=False)
    settings = settings_for(tmp_path, raw)
    failure = str(database_error(await open_error(settings), settings))
    assert failure.endswith(
        "database 'no_such_db' does not exist. Create it (createdb no_such_db) or fix DATABASE_URL."
    )


def test_discord_failures_name_the_setting() -> None:
    refused = discord_unreachable(
        ConnectionRefusedError(111, "refused"), "http://127.0.0.1:9/api/v10"
    )
    assert str(refused).startswith(
        "Cannot reach Discord at DISCORD_API_BASE=http://127.0.0.1:9/api/v10: connection refused."
    )
    login = str(login_refused(Exception("Improper token has been passed.")))
    assert "passed.." not in login
    assert login.startswith("Discord refused the login with DISCORD_TOKEN: improper token")


def test_a_gateway_refusal_is_one_line_with_advice() -> None:
    other = discord_gateway_error(4013, "Shard ID 0 WebSocket closed with 4013.", intents="Guilds")
    assert str(other).startswith("Discord's gateway closed the connection: Shard ID 0 ")
    assert "\n" not in str(other) and str(other).endswith("(the bot needs no privileged intents).")
    assert other.exit_code == EXIT_FAILURE
    token = discord_gateway_error(4004, "", intents="Guilds")
    intents = discord_gateway_error(4014, "", intents="Guilds")
    assert "DISCORD_TOKEN" in str(token) and "Reset Token" in str(token)
    assert "it asks for Guilds" in str(intents) and "Privileged Gateway Intents" in str(intents)
    assert token.exit_code == intents.exit_code == EXIT_DISCORD_REFUSED


def test_discord_failures_are_said_in_words_not_exception_names() -> None:
    class ClientConnectorSSLError(OSError):
        pass

    failure = str(
        discord_unreachable(ClientConnectorSSLError("certificate verify failed"), "https://x/v10")
    )
    assert "ClientConnectorSSLError" not in failure
    assert failure.startswith(
        "Cannot reach Discord at DISCORD_API_BASE=https://x/v10: certificate verify failed."
    )
    assert ": timed out." in str(discord_unreachable(TimeoutError(), "https://x/v10"))
