"""Run the installed `kuril-brief` command as a user would: a real process, a clean environment."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

#: The console script pip (or uv) installed beside this interpreter.
KURIL_BRIEF = Path(sys.executable).parent / "kuril-brief"


def clean_env(home: Path, **settings: str | None) -> dict[str, str]:
    """A fresh user's environment. Settings a developer's `.env` might hold are set empty
    (empty means unset, and the environment beats `.env`), so only `settings` count; a
    setting given as None is left out of the environment altogether."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(home),
        "KURIL_DATA_DIR": str(home / "data"),
        "DISCORD_TOKEN": "",
        "DISCORD_APPLICATION_ID": "",
        "DATABASE_URL": "",
    }
    return {name: value for name, value in {**env, **settings}.items() if value is not None}


def kuril_brief(
    *args: str,
    home: Path,
    input: str | None = None,
    cwd: Path | None = None,
    **settings: str | None,
) -> subprocess.CompletedProcess[str]:
    assert KURIL_BRIEF.exists(), f"{KURIL_BRIEF} missing: install the project (see README)"
    return subprocess.run(
        [str(KURIL_BRIEF), *args],
        input=input if input is not None else "",
        capture_output=True,
        text=True,
        cwd=cwd or home,
        env=clean_env(home, **settings),
        timeout=120,
        check=False,
    )
