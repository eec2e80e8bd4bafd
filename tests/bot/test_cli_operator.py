"""What an operator types: --version, --help, invite, settings per command, .env, data dir."""

from __future__ import annotations

import base64
import json
import re
import tomllib
import urllib.parse
from pathlib import Path

import discord
import platformdirs
import pytest

from bot import settings as settings_module
from bot.cli import EMPTY_VALUES, LOGGING, SUBCOMMANDS, Subcommand, build_parser
from bot.cogs.briefings import missing_permissions
from bot.invite import application_id_from_token, required_permissions
from bot.settings import Settings
from tests.bot.cli_process import kuril_brief
from tests.conftest import REPO_ROOT

APP_ID = 1100000000000000001


def token_for(user_id: int) -> str:
    """A token shaped like Discord's: base64 of the bot's id, then two opaque parts."""
    return base64.b64encode(str(user_id).encode()).decode().rstrip("=") + ".GhIjKl.secret-part"


def all_subcommands() -> dict[str, Subcommand]:
    found = {}
    for command in SUBCOMMANDS:
        if command.children:
            found |= {f"{command.name} {child.name}": child for child in command.children}
        else:
            found[command.name] = command
    return found


@pytest.mark.e2e
def test_version_is_the_projects(tmp_path: Path) -> None:
    result = kuril_brief("--version", home=tmp_path)
    pyproject = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert result.returncode == 0
    assert result.stdout.strip() == f"kuril-brief {pyproject['project']['version']}"


@pytest.mark.parametrize("name", all_subcommands())
def test_every_subcommand_help_lists_the_settings_it_reads(
    name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    command = all_subcommands()[name]
    with pytest.raises(SystemExit) as exited:
        build_parser().parse_args([*name.split(), "--help"])
    assert exited.value.code == 0
    help_text = capsys.readouterr().out
    listed = help_text.split("settings read (environment or .env):")[1].split("\n\n")[0]
    names = [line.split()[0] for line in listed.strip().splitlines()]
    assert names == [*command.reads, *LOGGING]
    assert set(names) <= set(Settings.setting_names()), "a listed setting does not exist"
    for line in listed.strip().splitlines():
        assert len(line.split()) > 2, f"{line!r} has no description"


@pytest.mark.e2e
def test_help_runs_as_a_real_command(tmp_path: Path) -> None:
    result = kuril_brief("run", "--help", home=tmp_path)
    assert result.returncode == 0
    for setting in ("DISCORD_TOKEN", "DATABASE_URL", "BRIEFING_GRACE_MINUTES", "LOG_FORMAT"):
        assert setting in result.stdout
    assert "a .env file in the working directory" in result.stdout


@pytest.mark.e2e
def test_a_setting_a_command_does_not_read_cannot_stop_it(tmp_path: Path) -> None:
    ask = kuril_brief("ask", "hi", home=tmp_path, DATABASE_URL="garbage")
    assert ask.returncode == 0, ask.stderr
    assert ask.stdout.strip()
    check = kuril_brief("kb", "check", home=tmp_path, BRIEFING_GRACE_MINUTES="-5")
    assert check.returncode == 0, check.stderr
    assert "OK" in check.stdout


@pytest.mark.e2e
def test_the_same_setting_stops_a_command_that_reads_it(tmp_path: Path) -> None:
    result = kuril_brief(
        "run", home=tmp_path, BRIEFING_GRACE_MINUTES="-5", DISCORD_TOKEN=token_for(APP_ID)
    )
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        "Invalid setting BRIEFING_GRACE_MINUTES=-5: input should be greater than or equal to 0. "
        "Fix it in the environment or .env."
    ]


@pytest.mark.e2e
@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("mysql://bot:hunter2@127.0.0.1/kuril", "mysql://bot:***@127.0.0.1/kuril"),
        # Not a URL at all (a missing colon): the password is hidden all the same.
        ("postgresql//bot:hunter2@127.0.0.1/kuril", "postgresql//bot:***@127.0.0.1/kuril"),
    ],
)
def test_invalid_settings_hide_secrets(tmp_path: Path, url: str, shown: str) -> None:
    result = kuril_brief(
        "run",
        home=tmp_path,
        DISCORD_TOKEN=token_for(APP_ID),
        DATABASE_URL=url,
    )
    assert result.returncode == 2
    assert f"DATABASE_URL={shown}" in result.stderr
    assert "hunter2" not in result.stderr
    assert "Value error" not in result.stderr


@pytest.mark.e2e
def test_the_working_directorys_env_file_is_read_and_the_environment_beats_it(
    tmp_path: Path,
) -> None:
    (tmp_path / ".env").write_text(f"DISCORD_APPLICATION_ID={APP_ID}\n", encoding="utf-8")
    from_file = kuril_brief("invite", home=tmp_path, DISCORD_APPLICATION_ID=None)
    assert f"client_id={APP_ID}" in from_file.stdout, from_file.stderr
    overridden = kuril_brief("invite", home=tmp_path, DISCORD_APPLICATION_ID="123456789012345678")
    assert "client_id=123456789012345678" in overridden.stdout


@pytest.mark.e2e
def test_run_without_a_token_says_where_it_looked(tmp_path: Path) -> None:
    result = kuril_brief("run", home=tmp_path)
    assert result.returncode == 2
    assert len(result.stderr.splitlines()) == 1
    assert str(tmp_path / ".env") in result.stderr
    assert "the environment" in result.stderr
    assert "kuril-brief console" in result.stderr


def invite_parts(url: str) -> dict[str, str]:
    parsed = urllib.parse.urlsplit(url)
    assert (parsed.scheme, parsed.netloc, parsed.path) == (
        "https",
        "discord.com",
        "/oauth2/authorize",
    )
    return dict(urllib.parse.parse_qsl(parsed.query))


@pytest.mark.e2e
def test_invite_takes_the_application_id_from_the_token(tmp_path: Path) -> None:
    result = kuril_brief("invite", home=tmp_path, DISCORD_TOKEN=token_for(APP_ID))
    assert result.returncode == 0, result.stderr
    query = invite_parts(result.stdout.strip())
    assert query["client_id"] == str(APP_ID)
    assert query["scope"].split() == ["bot", "applications.commands"]
    assert discord.Permissions(int(query["permissions"])) == discord.Permissions(
        view_channel=True,
        send_messages=True,
        send_messages_in_threads=True,
        embed_links=True,
        read_message_history=True,
    )
    assert "secret-part" not in result.stdout + result.stderr


def test_invite_asks_for_what_briefings_need_and_no_more() -> None:
    """The bot's own pre-subscription check must pass with exactly the invite's permissions."""
    assert missing_permissions(required_permissions()) == []
    assert not required_permissions().administrator
    assert not required_permissions().mention_everyone


def test_a_briefing_channel_is_told_exactly_which_permissions_it_lacks() -> None:
    assert missing_permissions(discord.Permissions(view_channel=True, send_messages=True)) == [
        "Embed Links"
    ]
    everything_else = discord.Permissions.all()
    everything_else.view_channel = False
    assert missing_permissions(everything_else) == ["View Channel"]


@pytest.mark.e2e
def test_invite_prefers_discord_application_id(tmp_path: Path) -> None:
    result = kuril_brief(
        "invite",
        home=tmp_path,
        DISCORD_TOKEN=token_for(APP_ID),
        DISCORD_APPLICATION_ID="223456789012345678",
    )
    assert invite_parts(result.stdout.strip())["client_id"] == "223456789012345678"


@pytest.mark.e2e
@pytest.mark.parametrize("token", ["", "not-base64!.x.y", base64.b64encode(b"hello").decode()])
def test_invite_without_an_id_says_what_to_set(tmp_path: Path, token: str) -> None:
    result = kuril_brief("invite", home=tmp_path, DISCORD_TOKEN=token)
    assert result.returncode == 2
    assert result.stdout == ""
    assert "DISCORD_APPLICATION_ID" in result.stderr
    assert len(result.stderr.splitlines()) == 1


def test_application_id_from_token_decodes_unpadded_base64() -> None:
    for user_id in (80351110224678912, 1100000000000000001, 999999999999999999):
        assert application_id_from_token(token_for(user_id)) == user_id
    assert application_id_from_token("") is None


@pytest.mark.e2e
def test_ask_jsonl_with_a_question_is_refused(tmp_path: Path) -> None:
    result = kuril_brief("ask", "--jsonl", "how many banks", home=tmp_path, input="x\n")
    assert result.returncode == 2
    assert result.stdout == ""
    assert "--jsonl reads its questions from stdin" in result.stderr


@pytest.mark.e2e
def test_no_command_without_a_token_is_the_console_and_ignores_runs_settings(
    tmp_path: Path,
) -> None:
    result = kuril_brief(home=tmp_path, input="/about\n", DATABASE_URL="garbage")
    assert result.returncode == 0, result.stderr
    assert "opening the console" in result.stderr
    assert "About Kuril Brief" in result.stdout


@pytest.mark.e2e
def test_no_command_with_a_token_validates_what_run_reads(tmp_path: Path) -> None:
    result = kuril_brief(home=tmp_path, DATABASE_URL="garbage", DISCORD_TOKEN=token_for(APP_ID))
    assert result.returncode == 2
    assert result.stderr.startswith("Invalid setting DATABASE_URL=garbage: ")


def test_data_dir_is_the_checkouts_data_folder_in_a_checkout() -> None:
    assert settings_module.is_checkout()
    assert settings_module.default_data_dir() == REPO_ROOT / "data"


def test_data_dir_is_the_users_data_dir_when_installed(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """An installed wheel: the package sits in site-packages, with no pyproject beside it."""
    site_packages = tmp_path / "lib" / "site-packages"
    (site_packages / "bot").mkdir(parents=True)
    monkeypatch.setattr(settings_module, "PROJECT_ROOT", site_packages)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert not settings_module.is_checkout()
    data_dir = settings_module.default_data_dir()
    assert data_dir == tmp_path / "xdg" / "kuril-brief"
    assert data_dir == Path(platformdirs.user_data_dir("kuril-brief", appauthor=False))
    assert settings_module.env_files() == (Path(".env"),), "no .env read from site-packages"


@pytest.mark.e2e
def test_kb_export_still_works_through_the_table(tmp_path: Path) -> None:
    result = kuril_brief("kb", "export", "--json", home=tmp_path)
    assert result.returncode == 0
    assert json.loads(result.stdout)["entries"]


@pytest.mark.e2e
def test_an_empty_setting_is_unset_and_masks_the_env_file(tmp_path: Path) -> None:
    """`NAME=` as copied from .env.example means the default, for every setting."""
    (tmp_path / ".env").write_text("LOG_LEVEL=LOUD\n", encoding="utf-8")
    result = kuril_brief(
        "run", home=tmp_path, LOG_LEVEL="", BRIEFING_GRACE_MINUTES="", DISCORD_DEV_GUILD_ID=""
    )
    assert result.returncode == 2
    assert result.stderr.startswith("DISCORD_TOKEN is not set"), result.stderr


@pytest.mark.e2e
def test_invite_without_a_token_says_where_it_looked(tmp_path: Path) -> None:
    result = kuril_brief("invite", home=tmp_path)
    assert result.returncode == 2
    assert len(result.stderr.splitlines()) == 1
    assert "(looked in the environment and " in result.stderr
    assert str(tmp_path / ".env") in result.stderr


def readme_text() -> str:
    return " ".join((REPO_ROOT / "README.md").read_text(encoding="utf-8").split())


@pytest.mark.e2e
def test_an_empty_environment_value_hides_the_env_file_as_documented(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text(f"DISCORD_APPLICATION_ID={APP_ID}\n", encoding="utf-8")
    hidden = kuril_brief("invite", home=tmp_path, DISCORD_APPLICATION_ID="")
    assert hidden.returncode == 2 and "DISCORD_APPLICATION_ID is not set" in hidden.stderr
    assert EMPTY_VALUES in readme_text()
    assert EMPTY_VALUES in " ".join(kuril_brief("invite", "--help", home=tmp_path).stdout.split())


def test_readme_lists_the_settings_the_db_commands_read() -> None:
    sentence = re.search(r"The `db` commands read only ([^:]*):", readme_text())
    assert sentence, "the README's Database section names what the db commands read"
    documented = re.findall(r"`([A-Z_]+)`", sentence[1])
    for name, command in all_subcommands().items():
        if name.startswith("db "):
            assert documented == [*command.reads, *LOGGING], name


@pytest.mark.e2e
def test_readme_says_how_each_db_command_ends(tmp_path: Path) -> None:
    """The exit codes the commands really give are the ones the README states."""
    missing = kuril_brief("db", "current", home=tmp_path)
    assert missing.stdout.startswith("none (there is no database file at ")
    on_postgres = kuril_brief(
        "db", "backup", str(tmp_path / "x.dump"), home=tmp_path,
        DATABASE_URL="postgresql://bot@db.example/kuril",
    )  # fmt: skip
    assert "pg_dump --format=custom" in on_postgres.stderr
    text = readme_text()
    assert f"a SQLite file that does not exist yet (exit {missing.returncode} for both)" in text
    assert (
        f"prints the `pg_dump` command for your database and exits {on_postgres.returncode}" in text
    )
