"""Run a command from the project's virtual environment, creating or updating it first.

    python3 scripts/with_venv.py kuril-brief        # the bot (the console without a token)
    python3 scripts/with_venv.py pytest             # the tests

Only the standard library and the interpreter it runs on (Python 3.11 or newer, with the
`venv` module: Debian's and Ubuntu's `python3-venv`). It never installs outside `.venv`
(PEP 668), and installs exactly the versions and hashes in `requirements/development.txt`,
which is exported from `uv.lock`. It reinstalls only when that file or `pyproject.toml`
changed since the last install, so later runs start at once.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv"
REQUIREMENTS = ROOT / "requirements" / "development.txt"
STAMP = VENV / ".kuril-brief-installed"
MINIMUM = (3, 11)


def fail(message: str) -> None:
    print(f"with_venv: {message}", file=sys.stderr)
    raise SystemExit(1)


def fingerprint() -> str:
    """What the environment was installed from (the lock's export, the project, and the
    venv's Python, which `pyvenv.cfg` names); a change means reinstall."""
    digest = hashlib.sha256()
    for path in (REQUIREMENTS, ROOT / "pyproject.toml", VENV / "pyvenv.cfg"):
        digest.update(path.read_bytes())
    return digest.hexdigest()


def run(*command: str | Path) -> None:
    shown = " ".join(str(part) for part in command)
    print(f"with_venv: {shown}", file=sys.stderr)
    result = subprocess.run([str(part) for part in command], cwd=ROOT, check=False)
    if result.returncode != 0:
        fail(f"this step failed (exit {result.returncode}): {shown}")


def ensure_venv() -> Path:
    """`.venv` with the locked development dependencies and the project (editable)."""
    python = VENV / "bin" / "python"
    if not python.exists():
        try:
            import ensurepip  # noqa: F401  (Debian ships venv without it: python3-venv adds it)
        except ImportError:
            fail(
                "Python's venv module is incomplete here. On Debian or Ubuntu: "
                "sudo apt-get install python3-venv"
            )
        run(sys.executable, "-m", "venv", VENV)
    if STAMP.exists() and STAMP.read_text(encoding="utf-8").strip() == fingerprint():
        return python
    print("with_venv: installing the locked dependencies into .venv", file=sys.stderr)
    pip = (python, "-m", "pip", "--disable-pip-version-check")
    if subprocess.run([*map(str, pip), "--version"], capture_output=True, check=False).returncode:
        run(python, "-m", "ensurepip")  # a venv made by another tool (uv) may lack pip
    run(*pip, "install", "--quiet", "--require-hashes", "-r", REQUIREMENTS.relative_to(ROOT))
    run(*pip, "install", "--quiet", "--no-deps", "--no-build-isolation", "--editable", ".")
    STAMP.write_text(fingerprint() + "\n", encoding="utf-8")
    return python


def main(argv: list[str]) -> None:
    if sys.version_info < MINIMUM:
        fail(
            f"Kuril Brief needs Python {MINIMUM[0]}.{MINIMUM[1]} or newer; this is "
            f"{sys.version.split()[0]}. On Debian 12 or Ubuntu 24.04: "
            "sudo apt-get install python3 python3-venv"
        )
    if not argv:
        fail("usage: python3 scripts/with_venv.py COMMAND [ARGS...], e.g. kuril-brief or pytest")
    ensure_venv()
    executable = VENV / "bin" / argv[0]
    if not executable.exists():
        fail(f"{argv[0]} is not installed in .venv (see .venv/bin)")
    os.execv(executable, [str(executable), *argv[1:]])


if __name__ == "__main__":
    main(sys.argv[1:])
