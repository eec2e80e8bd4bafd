"""The deployment files agree with the code: setting names, install commands, health check.

No Docker daemon runs here, so the image is never built in CI; these tests read the
Dockerfile, compose.yaml, .env.example and the systemd unit and hold them to the settings
object and to the README's production install (which CI runs verbatim).
"""

from __future__ import annotations

import configparser
import http.server
import re
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import yaml
from pydantic_settings import BaseSettings

from bot.settings import Settings
from tests.conftest import REPO_ROOT

SETTINGS = set(Settings.setting_names())
#: Names that configure the deployment around the bot, not the bot.
COMPOSE_ONLY = {"POSTGRES_PASSWORD"}
#: Python's and pip's own variables, set in the image.
RUNTIME = {"PATH", "PYTHONDONTWRITEBYTECODE", "PYTHONUNBUFFERED", "PIP_DISABLE_PIP_VERSION_CHECK", "PIP_NO_CACHE_DIR"}  # fmt: skip


def readme_block(marker: str) -> list[str]:
    """The command lines of the ```sh block after `<!-- ci: MARKER -->` in the README."""
    text = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    match = re.search(rf"<!-- ci: {marker} -->\s*```sh\n(.*?)```", text, re.DOTALL)
    assert match, f"README has no `<!-- ci: {marker} -->` block"
    return [line.split("  #")[0].strip() for line in match[1].splitlines() if line.strip()]


def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    text = (REPO_ROOT / "Dockerfile").read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if not line.lstrip().startswith("#")]
    joined = re.sub(r"\\\n\s*", " ", "\n".join(lines))
    instructions = []
    for line in joined.splitlines():
        if line.strip():
            keyword, _, rest = line.strip().partition(" ")
            instructions.append((keyword.upper(), rest.strip()))
    return instructions


def dockerfile_env() -> dict[str, str]:
    env = {}
    for keyword, rest in dockerfile_instructions():
        if keyword == "ENV":
            env.update(dict(re.findall(r"(\w+)=(\S+)", rest)))
    return env


def compose() -> dict:
    return yaml.safe_load((REPO_ROOT / "compose.yaml").read_text(encoding="utf-8"))


def env_example_names() -> dict[str, bool]:
    """Every NAME in .env.example, commented out (`# NAME=`) or not: name -> is it set."""
    names: dict[str, bool] = {}
    for line in (REPO_ROOT / ".env.example").read_text(encoding="utf-8").splitlines():
        if match := re.match(r"^(#\s*)?([A-Z][A-Z0-9_]*)=", line):
            names[match[2]] = names.get(match[2], False) or not match[1]
    return names


def test_the_image_installs_exactly_as_the_readme_says() -> None:
    runs = [
        command.strip()
        for keyword, rest in dockerfile_instructions()
        if keyword == "RUN"
        for command in rest.split("&&")
    ]
    production = readme_block("production-install")
    assert production, "the README's production install is empty"
    for command in production:
        assert command in runs, f"the Dockerfile does not run {command!r}"
    assert "requirements/production.txt" in " ".join(production)
    assert "development.txt" not in (REPO_ROOT / "Dockerfile").read_text(encoding="utf-8")


def test_the_image_is_slim_non_root_and_checks_healthz() -> None:
    instructions = dockerfile_instructions()
    base = next(rest for keyword, rest in instructions if keyword == "FROM")
    assert base.startswith("python:3.11-slim")
    users = [rest for keyword, rest in instructions if keyword == "USER"]
    assert users and users[-1] not in ("root", "0")
    health = next(rest for keyword, rest in instructions if keyword == "HEALTHCHECK")
    assert "/healthz" in health and "METRICS_PORT" in health
    env = dockerfile_env()
    assert env["METRICS_HOST"] == "0.0.0.0", "the health check and Prometheus reach it from outside"
    assert int(env["METRICS_PORT"]) > 0
    exposed = [rest for keyword, rest in instructions if keyword == "EXPOSE"]
    assert exposed == [env["METRICS_PORT"]]


def test_the_images_environment_names_real_settings() -> None:
    env = dockerfile_env()
    assert set(env) - RUNTIME <= SETTINGS, set(env) - RUNTIME - SETTINGS
    # The values must pass the settings' own validation.
    Settings(_env_file=None, **{k.lower(): v for k, v in env.items() if k in SETTINGS})


def test_compose_runs_the_bot_with_postgres_16() -> None:
    services = compose()["services"]
    bot, postgres = services["bot"], services["postgres"]
    assert postgres["image"] == "postgres:16"
    assert "pg_isready" in " ".join(postgres["healthcheck"]["test"])
    assert bot["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert bot["env_file"] == ".env"
    for service in (bot, postgres):
        assert service["restart"] == "unless-stopped"
        for volume in service["volumes"]:
            name = volume.split(":")[0]
            assert name in compose()["volumes"], f"{name} is not a named volume"
    assert postgres["volumes"] == ["pgdata:/var/lib/postgresql/data"]
    assert bot["volumes"] == [f"bot-data:{dockerfile_env()['KURIL_DATA_DIR']}"]


def test_compose_names_real_settings_and_defines_what_it_interpolates() -> None:
    services = compose()["services"]
    assert set(services["bot"]["environment"]) <= SETTINGS
    url = services["bot"]["environment"]["DATABASE_URL"]
    assert url.startswith("postgresql://kuril:") and url.endswith("@postgres:5432/kuril")
    env = services["postgres"]["environment"]
    assert (env["POSTGRES_USER"], env["POSTGRES_DB"]) == ("kuril", "kuril")
    text = (REPO_ROOT / "compose.yaml").read_text(encoding="utf-8")
    interpolated = set(re.findall(r"\$\{(\w+)", text))
    assert interpolated <= set(env_example_names()), "every ${NAME} must be in .env.example"


def test_env_example_documents_every_setting_and_nothing_else() -> None:
    names = env_example_names()
    assert set(names) - COMPOSE_ONLY == SETTINGS


def test_env_example_as_is_is_valid_settings() -> None:
    """Copying .env.example to .env must not break any command with invalid values."""

    class FromExample(Settings):
        @classmethod
        def settings_customise_sources(cls, settings_cls: type[BaseSettings], **sources):  # type: ignore[override]
            return (sources["dotenv_settings"],)

    settings = FromExample(_env_file=REPO_ROOT / ".env.example")
    assert settings.discord_token is None, "an empty DISCORD_TOKEN= means not set"


def systemd_unit() -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read(REPO_ROOT / "deploy" / "kuril-brief.service", encoding="utf-8")
    return parser


def test_systemd_unit_runs_the_production_install() -> None:
    service = systemd_unit()["Service"]
    folder = Path(service["WorkingDirectory"])
    assert "python3 -m venv .venv" in readme_block("production-install")
    assert service["ExecStart"] == f"{folder}/.venv/bin/kuril-brief run"
    assert service["User"] != "root"
    assert service["Restart"] == "on-failure"
    # Exit 2, 3 and 4 need the operator (settings; Discord refused; a database refused).
    assert service["RestartPreventExitStatus"].split() == ["2", "3", "4"], "do not loop"
    names = {assignment.split("=")[0] for assignment in service["Environment"].split()}
    assert names <= SETTINGS
    assert f"/var/lib/{service['StateDirectory']}" == service["Environment"].split("=", 1)[1]


@pytest.mark.e2e
@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="no systemd-analyze here")
def test_systemd_accepts_the_unit(tmp_path: Path) -> None:
    """systemd's own parser: unknown keys or bad values are reported on stderr. The real
    ExecStart exists only after an install, so a stand-in executable takes its place."""
    text = (REPO_ROOT / "deploy" / "kuril-brief.service").read_text(encoding="utf-8")
    unit = tmp_path / "kuril-brief.service"
    unit.write_text(text.replace("/opt/kuril-brief/.venv/bin/kuril-brief", "/bin/true"))
    result = subprocess.run(
        ["systemd-analyze", "verify", str(unit)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0 and not result.stderr.strip(), result.stderr


class _Healthz(http.server.BaseHTTPRequestHandler):
    status = 200

    def do_GET(self) -> None:
        self.send_response(self.status if self.path == "/healthz" else 404)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        """Quiet."""


@pytest.mark.e2e
@pytest.mark.parametrize(("status", "healthy"), [(200, True), (503, False)])
def test_the_images_health_check_command_follows_healthz(status: int, healthy: bool) -> None:
    """The HEALTHCHECK's own shell command, run against a /healthz on 127.0.0.1."""
    handler = type("Healthz", (_Healthz,), {"status": status})
    server = http.server.HTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        health = next(
            rest for keyword, rest in dockerfile_instructions() if keyword == "HEALTHCHECK"
        )
        command = health.split(" CMD ", 1)[1]
        env = {"PATH": str(Path(sys.executable).parent) + ":/usr/bin:/bin"}
        env["METRICS_PORT"] = str(server.server_address[1])
        result = subprocess.run(["sh", "-c", command], env=env, capture_output=True, timeout=30)
    finally:
        server.shutdown()
        server.server_close()
    assert (result.returncode == 0) is healthy, result.stderr


@pytest.mark.e2e
def test_the_images_health_check_passes_when_metrics_are_turned_off() -> None:
    """`METRICS_PORT=` in .env (env_file) overrides the image's 9464 with an empty value: the
    bot then serves no metrics, and the check must not report the container unhealthy."""
    health = next(rest for keyword, rest in dockerfile_instructions() if keyword == "HEALTHCHECK")
    command = health.split(" CMD ", 1)[1]
    env = {"PATH": str(Path(sys.executable).parent) + ":/usr/bin:/bin", "METRICS_PORT": ""}
    result = subprocess.run(["sh", "-c", command], env=env, capture_output=True, timeout=30)
    assert result.returncode == 0, result.stderr
    assert b"metrics are off" in result.stdout


def a_used_checkout(tmp_path: Path) -> Path:
    """A git checkout after the Quick start: tracked files, plus .venv, data/ and .env."""
    repo = tmp_path / "checkout"
    (repo / "bot").mkdir(parents=True)
    (repo / "bot" / "cli.py").write_text("print('hi')\n")
    (repo / "README.md").write_text("# Kuril Brief\n")
    (repo / ".gitignore").write_text(".venv/\ndata/\n.env\n")
    git = ["git", "-c", "user.name=ci", "-c", "user.email=ci@example.invalid"]
    for command in (["init", "-q"], ["add", "."], ["commit", "-q", "-m", "release"]):
        subprocess.run([*git, *command], cwd=repo, check=True, capture_output=True)
    (repo / ".venv" / "bin").mkdir(parents=True)
    (repo / ".venv" / "bin" / "python").symlink_to(sys.executable)
    (repo / "data").mkdir()
    (repo / "data" / "kuril-brief.db").write_bytes(b"SQLite format 3\x00")
    (repo / ".env").write_text("DISCORD_TOKEN=the-developers-own\n")
    return repo


def run_as_written(commands: list[str], cwd: Path, target: Path) -> None:
    """The README's commands with /opt/kuril-brief moved to `target` and without sudo."""
    for command in commands:
        line = command.replace("sudo ", "").replace("/opt/kuril-brief", str(target))
        subprocess.run(["bash", "-o", "pipefail", "-c", line], cwd=cwd, check=True)


@pytest.mark.e2e
def test_the_systemd_steps_copy_the_project_not_the_checkouts_venv_data_or_env(
    tmp_path: Path,
) -> None:
    repo = a_used_checkout(tmp_path)
    block = readme_block("systemd")
    copy = [line for line in block if "/opt/kuril-brief" in line and ("mkdir" in line or "tar" in line)]  # fmt: skip
    assert any("git archive" in line for line in copy), copy
    run_as_written(copy, repo, tmp_path / "opt-git")
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    variant = re.search(r"`(tar --exclude[^`]*/opt/kuril-brief)`", readme)
    assert variant, "the README's copy for a folder that is not a git checkout"
    run_as_written(["mkdir /opt/kuril-brief", variant[1]], repo, tmp_path / "opt-tar")
    for target in (tmp_path / "opt-git", tmp_path / "opt-tar"):
        assert sorted(p.name for p in target.iterdir()) == [".gitignore", "README.md", "bot"]
    # and the block then creates the venv there, as the production install does
    assert block[block.index("cd /opt/kuril-brief") + 1] == "sudo python3 -m venv .venv"


def test_readme_dumps_from_compose_without_a_terminal() -> None:
    """`docker compose exec` allocates a TTY by default, which mangles output sent to a file."""
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    redirected = [line for line in re.findall(r"docker compose exec[^`\n]*", readme) if ">" in line]
    assert redirected, "the README shows a compose pg_dump"
    for line in redirected:
        assert line.startswith("docker compose exec -T "), line
