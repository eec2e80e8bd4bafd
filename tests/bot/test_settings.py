"""Malformed URL and id settings are settings errors: one line, exit 2, passwords hidden.

Each case runs the real `kuril-brief` command, as an operator would: the value is refused
when the setting is validated, never as a traceback from deeper down.
"""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.startup import redact_url
from tests.bot.cli_process import kuril_brief

TOKEN = "MTEwMDAwMDAwMDAwMDAwMDAwMQ.GhIjKl.secret-part"


def closed_port() -> int:
    with socket.socket() as probe:  # a port on 127.0.0.1 that nothing listens on
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def assert_one_settings_line(result, name: str, shown: str, reason: str) -> None:  # type: ignore[no-untyped-def]
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert result.stderr.splitlines() == [
        f"Invalid setting {name}={shown}: {reason} Fix it in the environment or .env."
    ]


PORT = "the port must be a number from 1 to 65535."


@pytest.mark.e2e
@pytest.mark.parametrize(
    ("url", "shown", "reason"),
    [
        (
            "postgresql://bot:s3cretpw@127.0.0.1:notaport/x",
            "postgresql://bot:***@127.0.0.1:notaport/x",
            PORT,
        ),
        (
            "postgresql://bot:s3cretpw@127.0.0.1:99999/x",
            "postgresql://bot:***@127.0.0.1:99999/x",
            PORT,
        ),
        (
            "postgresql://bot:s3cretpw@[::1/x",
            "postgresql://bot:***@[::1/x",
            "an IPv6 host must be in brackets, as in postgresql://bot@[::1]:5432/db.",
        ),
        (
            "postgresql://bot:s3cret@pw@127.0.0.1/x",
            "postgresql://bot:***@127.0.0.1/x",
            "'@' appears more than once: write an '@' in the user name or password as %40.",
        ),
        (
            "postgresql://bot:s3cretpw@127.0.0.1/x?sslmode=bogus",
            "postgresql://bot:***@127.0.0.1/x?sslmode=bogus",
            "?sslmode= must be one of disable, allow, prefer, require, verify-ca, verify-full.",
        ),
        (
            "postgresql://bot@127.0.0.1/x?application_name=kb&password=s3cretpw",
            "postgresql://bot@127.0.0.1/x?application_name=kb&password=***",
            "unknown parameter ?application_name= (supported: sslmode, ssl, host, port, user, "
            "password, passfile, target_session_attrs).",
        ),
        (
            "postgres ql://bot:s3cretpw@db/x",
            "postgres ql://bot:***@db/x",
            "not a database URL: write sqlite:///FILE or "
            "postgresql://USER:PASSWORD@HOST:PORT/DATABASE.",
        ),
    ],
)
@pytest.mark.parametrize("command", [("db", "status"), ("run",)], ids=" ".join)
def test_a_malformed_postgres_url_is_a_settings_error_without_the_password(
    tmp_path: Path, command: tuple[str, ...], url: str, shown: str, reason: str
) -> None:
    result = kuril_brief(*command, home=tmp_path, DATABASE_URL=url, DISCORD_TOKEN=TOKEN)
    assert_one_settings_line(result, "DATABASE_URL", shown, reason)
    assert "s3cret" not in result.stderr and "pw@" not in result.stderr


IN_MEMORY = (
    "an in-memory SQLite database would lose every subscription when the bot stops; name a "
    "file: sqlite:///kuril-brief.db."
)


@pytest.mark.e2e
@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("sqlite:///", IN_MEMORY),
        ("sqlite://", IN_MEMORY),
        ("sqlite:///:memory:", IN_MEMORY),
        (
            "sqlite:///kb.db?timeout=5",
            "a SQLite URL takes no ?parameters (the bot sets its own timeout and journal mode).",
        ),
        (
            "sqlite://db-host/kb.db",
            "a SQLite URL names only a file: sqlite:///relative.db (in the data directory) or "
            "sqlite:////absolute/path.db.",
        ),
    ],
)
def test_sqlite_urls_the_bot_cannot_keep_data_in_are_settings_errors(
    tmp_path: Path, url: str, reason: str
) -> None:
    result = kuril_brief("db", "upgrade", home=tmp_path, DATABASE_URL=url)
    assert_one_settings_line(result, "DATABASE_URL", url, reason)
    assert not (tmp_path / "data").exists()


@pytest.mark.e2e
@pytest.mark.parametrize(
    ("url", "reason"),
    [
        (
            "postgresql://bot@127.0.0.1:{port}/x?password=s3cretpw",
            "connection refused. Is PostgreSQL running there, on that port?",
        ),
        (
            "postgresql:///x?host=/nonexistent&password=s3cretpw",
            "there is no PostgreSQL socket in /nonexistent. Is PostgreSQL running, and is that "
            "the folder of its socket?",
        ),
    ],
)
def test_connection_failures_hide_password_parameters_and_say_why_in_words(
    tmp_path: Path, url: str, reason: str
) -> None:
    url = url.format(port=closed_port())
    result = kuril_brief("db", "status", home=tmp_path, DATABASE_URL=url)
    assert result.returncode == 1
    assert result.stdout == ""
    shown = url.replace("s3cretpw", "***")
    assert result.stderr.splitlines() == [
        f"Cannot reach the database at DATABASE_URL={shown}: {reason}"
    ]


@pytest.mark.e2e
@pytest.mark.parametrize(
    ("value", "shown", "reason"),
    [
        (
            "not-a-url",
            "not-a-url",
            "not an http:// or https:// URL; write it like https://discord.com/api/v10.",
        ),
        (
            "ftp://127.0.0.1/api/v10",
            "ftp://127.0.0.1/api/v10",
            "not an http:// or https:// URL; write it like https://discord.com/api/v10.",
        ),
        (
            "http://127.0.0.1:8080",
            "http://127.0.0.1:8080",
            "it must end with the API version; write it like https://discord.com/api/v10.",
        ),
        (
            "http://127.0.0.1:99999/api/v10",
            "http://127.0.0.1:99999/api/v10",
            "not a valid URL (a bad port or [IPv6] host); write it like "
            "https://discord.com/api/v10.",
        ),
        (
            "http://proxy:s3cretpw@127.0.0.1:8080/api/v10",
            "http://proxy:***@127.0.0.1:8080/api/v10",
            "it must not hold a user name or password (the bot sends its token).",
        ),
    ],
)
def test_a_malformed_discord_api_base_is_a_settings_error(
    tmp_path: Path, value: str, shown: str, reason: str
) -> None:
    result = kuril_brief("run", home=tmp_path, DISCORD_TOKEN=TOKEN, DISCORD_API_BASE=value)
    assert_one_settings_line(result, "DISCORD_API_BASE", shown, reason)
    assert "s3cretpw" not in result.stderr


@pytest.mark.e2e
@pytest.mark.parametrize("value", ["-5", "12", "123456789012345678901"])
def test_invite_refuses_an_application_id_that_is_not_a_snowflake(
    tmp_path: Path, value: str
) -> None:
    result = kuril_brief("invite", home=tmp_path, DISCORD_APPLICATION_ID=value)
    assert result.stdout == ""
    assert_one_settings_line(
        result,
        "DISCORD_APPLICATION_ID",
        value,
        "not a Discord id (a number of 17 to 20 digits).",
    )


@pytest.mark.e2e
def test_a_malformed_metrics_host_is_a_settings_error(tmp_path: Path) -> None:
    result = kuril_brief(
        "run", home=tmp_path, DISCORD_TOKEN=TOKEN, METRICS_PORT="9464", METRICS_HOST="http://[::]"
    )
    assert_one_settings_line(
        result,
        "METRICS_HOST",
        "http://[::]",
        "not a host name or IP address (such as 127.0.0.1 or 0.0.0.0).",
    )


# -- redaction ---------------------------------------------------------------------------------


def test_redact_url_hides_passwords_in_userinfo_and_parameters() -> None:
    assert redact_url("postgresql://bot:s3cret@db:5432/kb") == "postgresql://bot:***@db:5432/kb"
    assert redact_url("postgresql://bot@db/kb") == "postgresql://bot@db/kb"
    assert redact_url("postgresql://bot:s3cret@pw@db/kb") == "postgresql://bot:***@db/kb"
    assert redact_url("postgresql://bot:a:b/c?d@db/kb") == "postgresql://bot:***@db/kb"
    assert redact_url("postgresql:///kb?host=/run&password=s3cret&sslmode=require") == (
        "postgresql:///kb?host=/run&password=***&sslmode=require"
    )
    assert redact_url("postgresql://bot@db/kb?sslpassword=s3cret") == (
        "postgresql://bot@db/kb?sslpassword=***"
    )
    assert redact_url("bot:s3cret@db/kb") == "bot:***@db/kb"
    assert redact_url("garbage") == "garbage"


_ANY_TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=20)
#: After the password: no capitals, so HEAD and TAIL can only come from the password.
_LOWER_TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Lu")), max_size=20)


@given(user=st.from_regex(r"[a-z]{0,8}", fullmatch=True), middle=_ANY_TEXT, rest=_LOWER_TEXT)
def test_redact_url_never_shows_any_part_of_a_password(user: str, middle: str, rest: str) -> None:
    """Whatever the password holds (`@`, `:`, `/`, `?`), neither its start nor its end
    shows, and redaction never raises."""
    password = f"HEAD{middle}TAIL"
    shown = redact_url(f"postgresql://{user}:{password}@db.example:5432/kb{rest}")
    assert "HEAD" not in shown and "TAIL" not in shown
    shown = redact_url(f"postgresql://{user}@db.example/kb?password={password.replace('&', '')}")
    assert "HEAD" not in shown


@given(st.text())
def test_redact_url_never_raises(text: str) -> None:
    assert isinstance(redact_url(text), str)
