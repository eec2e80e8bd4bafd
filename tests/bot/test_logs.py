"""LOG_FORMAT=json: one JSON object per line, tracebacks and newlines included."""

from __future__ import annotations

import json
import logging
import sys

from bot.logs import JsonFormatter


def test_a_record_with_a_traceback_and_newlines_is_one_json_line() -> None:
    try:
        raise ValueError("bad\nvalue")
    except ValueError:
        record = logging.getLogger("kuril").makeRecord(
            "kuril", logging.ERROR, __file__, 1, "two\nlines %s", ("é",), exc_info=sys.exc_info()
        )
    line = JsonFormatter().format(record)
    assert "\n" not in line
    entry = json.loads(line)
    assert entry["level"] == "ERROR"
    assert entry["logger"] == "kuril"
    assert entry["message"] == "two\nlines é"
    assert "ValueError: bad" in entry["exc_info"]
    assert entry["time"].endswith("+00:00")
