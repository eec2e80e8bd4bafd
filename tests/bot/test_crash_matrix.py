"""The crash matrix: SIGKILL part-way through a fan-out, restart later; nothing lost, nothing
doubled. A few representative cases; `benchmarks/briefings.py --crash-matrix` runs them all."""

from __future__ import annotations

import datetime as dt
import signal
from pathlib import Path

import pytest

from bot.delivery import ON_TIME
from tests.bot.crash_matrix import run_case

CHANNELS = 120


@pytest.mark.e2e
@pytest.mark.parametrize(
    ("kill_after", "restart_after"),
    [
        pytest.param(1, dt.timedelta(seconds=5), id="first-post-restart-5s"),
        pytest.param(60, dt.timedelta(seconds=150), id="mid-fan-out-restart-150s"),
        pytest.param(119, dt.timedelta(minutes=30), id="last-post-restart-30min"),
    ],
)
async def test_sigkill_mid_fan_out_then_restart_loses_and_doubles_nothing(
    tmp_path: Path, kill_after: int, restart_after: dt.timedelta
) -> None:
    result = await run_case(
        tmp_path, channels=CHANNELS, kill_after=kill_after, restart_after=restart_after
    )
    summary = {k: v for k, v in vars(result).items() if k != "log"}
    assert "Traceback" not in result.log, result.log[-4000:]
    assert result.lost == 0 and result.duplicated == 0, summary
    assert result.outcomes.get("sent", 0) + result.late == CHANNELS, summary
    assert result.posts == CHANNELS, summary  # no briefing was even re-sent
    # Each claim the kill left in doubt was settled by reading the channel once.
    assert result.history_reads == result.in_doubt_at_kill, summary
    # What went out before the kill, in doubt or not, is recorded as sent on time ...
    assert result.outcomes.get("sent", 0) >= result.delivered_at_kill, summary
    if restart_after > ON_TIME:  # ... and what the restart sent carries the late note
        assert result.late >= CHANNELS - result.delivered_at_kill - 1, summary


@pytest.mark.e2e
async def test_sigterm_mid_fan_out_stops_within_5_seconds_and_the_restart_finishes(
    tmp_path: Path,
) -> None:
    result = await run_case(
        tmp_path,
        channels=CHANNELS,
        kill_after=CHANNELS // 2,
        restart_after=dt.timedelta(seconds=5),
        stop_with=signal.SIGTERM,
    )
    summary = {k: v for k, v in vars(result).items() if k != "log"}
    assert result.exit_code == 0 and result.exit_seconds < 5.0, summary
    assert result.lost == 0 and result.duplicated == 0, summary
    assert result.in_doubt_at_kill == 0, summary  # a clean stop leaves nothing in doubt
    assert "Traceback" not in result.log
