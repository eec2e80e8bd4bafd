"""`kuril-brief run` on a shifted clock, for crash tests and benchmarks.

    KURIL_TEST_CLOCK_OFFSET_S=3600 python -m tests.bot.clocked_bot

The real command line and runner, with one change: the bot's scheduler reads a clock that
runs `KURIL_TEST_CLOCK_OFFSET_S` seconds ahead of the real one. A test gives the stand-in the
same clock, so a slot can be a few seconds away and a restart "30 minutes later" can happen
at once, with Discord's side (message ids, the nonce window) moving in step.
"""

from __future__ import annotations

import datetime as dt
import os
from typing import Any

from bot import cli, client

OFFSET_VARIABLE = "KURIL_TEST_CLOCK_OFFSET_S"


def main() -> int:
    offset = dt.timedelta(seconds=float(os.environ[OFFSET_VARIABLE]))

    def clock() -> dt.datetime:
        return dt.datetime.now(dt.UTC) + offset

    real_init = client.KurilBriefBot.__init__

    def init(self: client.KurilBriefBot, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("clock", clock)
        real_init(self, *args, **kwargs)

    client.KurilBriefBot.__init__ = init  # type: ignore[method-assign]
    return cli.main(["run"])


if __name__ == "__main__":
    raise SystemExit(main())
