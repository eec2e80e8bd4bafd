"""`bot.metrics` without Discord: registries stay private, the server reports a busy port."""

from __future__ import annotations

import socket

import prometheus_client
import pytest
from pydantic import ValidationError

from bot.cli import main
from bot.metrics import BotMetrics, Health, MetricsServer
from bot.settings import Settings
from bot.startup import StartupError


def test_each_bot_gets_its_own_registry_and_the_global_one_stays_clean() -> None:
    first, second = BotMetrics(), BotMetrics()  # a shared registry would refuse the second
    first.interaction("timeline", "ok")
    first.briefing("sent_late")
    first.briefing("taken")  # another worker's slot: not a briefing outcome
    assert (
        first.registry.get_sample_value(
            "kuril_brief_interactions_total", {"command": "timeline", "outcome": "ok"}
        )
        == 1
    )
    assert first.registry.get_sample_value("kuril_brief_briefings_total", {"outcome": "late"}) == 1
    assert (
        second.registry.get_sample_value(
            "kuril_brief_interactions_total", {"command": "timeline", "outcome": "ok"}
        )
        is None
    )
    global_names = {metric.name for metric in prometheus_client.REGISTRY.collect()}
    assert not any(name.startswith("kuril_brief") for name in global_names)


async def _healthy() -> Health:
    return Health(gateway=True, database_error=None)


async def test_a_busy_metrics_port_is_said_plainly() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        server = MetricsServer(BotMetrics(), _healthy, host="127.0.0.1", port=port)
        with pytest.raises(StartupError) as refused:
            await server.start()
    assert str(refused.value) == (
        f"Cannot serve metrics on METRICS_HOST=127.0.0.1 METRICS_PORT={port}: address already "
        "in use. Pick a free port (and an address of this machine), or unset METRICS_PORT."
    )
    await server.stop()


async def test_an_unknown_metrics_host_is_said_in_words(monkeypatch: pytest.MonkeyPatch) -> None:
    """A failed name lookup is a gaierror with a negative errno: not "unknown error -2".
    The lookup is made to fail here, so no test asks a real DNS server."""

    def not_found(*_args: object, **_kwargs: object) -> None:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", not_found)
    server = MetricsServer(BotMetrics(), _healthy, host="metrics.example", port=9464)
    with pytest.raises(StartupError) as refused:
        await server.start()
    assert str(refused.value) == (
        "Cannot serve metrics on METRICS_HOST=metrics.example METRICS_PORT=9464: host "
        "'metrics.example' not found. Pick a free port (and an address of this machine), or "
        "unset METRICS_PORT."
    )


def test_metrics_are_off_by_default_and_bind_to_loopback(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("METRICS_PORT", raising=False)
    monkeypatch.delenv("METRICS_HOST", raising=False)
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.metrics_port is None and settings.metrics_host == "127.0.0.1"
    monkeypatch.setenv("METRICS_PORT", "70000")
    with pytest.raises(ValidationError, match="metrics_port"):
        Settings(_env_file=None)  # type: ignore[call-arg]


@pytest.mark.usefixtures("clean_environment")
@pytest.mark.e2e  # `ask` trains a free-text model of its own
def test_run_reads_and_validates_the_metrics_settings(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(SystemExit):
        main(["run", "--help"])
    help_text = capsys.readouterr().out
    assert "METRICS_PORT" in help_text and "METRICS_HOST" in help_text
    monkeypatch.setenv("DISCORD_TOKEN", "a.token")
    monkeypatch.setenv("METRICS_PORT", "70000")
    assert main(["run"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("Invalid setting METRICS_PORT=70000: ") and len(err.splitlines()) == 1
    assert main(["ask", "--json", "Who signed in 1855?"]) == 0  # ask does not read it
