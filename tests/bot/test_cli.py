"""`kuril-brief` from the outside: kb check/export, run without a token, argument errors."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import main
from tests.conftest import REPO_ROOT, SEEDS_DIR

pytestmark = pytest.mark.usefixtures("clean_environment")


def test_kb_check_passes_on_the_real_data(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["kb", "check"]) == 0
    out = capsys.readouterr().out
    assert "russia-suspends-kuril-talks: 17/17 sentences covered" in out
    assert "OK" in out
    # training questions per entry and per out-of-scope group, one line each
    assert "training questions:" in out
    assert re.search(r"^\s+\d+  reason-for-suspension$", out, re.MULTILINE), out
    assert re.search(r"^\s+\d+  out-of-scope:prompt_injection$", out, re.MULTILINE), out


def test_kb_check_fails_on_a_broken_seed(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    seeds = tmp_path / "seeds"
    shutil.copytree(SEEDS_DIR, seeds)
    article = seeds / "russia-suspends-kuril-talks.txt"
    article.write_text(article.read_text(encoding="utf-8").replace("seven banks", "six banks"))
    monkeypatch.setenv("KURIL_SEEDS_DIR", str(seeds))
    assert main(["kb", "check"]) == 1
    err = capsys.readouterr().err
    assert "japan-sanctions-banks" in err
    assert "not verbatim" in err


def test_kb_export_json_has_the_product_shape(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["kb", "export", "--json"]) == 0
    document = json.loads(capsys.readouterr().out)
    entries = document["entries"]
    assert len(entries) == len({entry["id"] for entry in entries}) > 0
    for entry in entries:
        assert {"id", "kind", "text", "source"} <= set(entry)
        assert set(entry["source"]) == {"seed", "quote"}
    kinds = {entry["kind"] for entry in entries}
    assert kinds == {"event", "sanction", "quote", "actor", "fact"}


def test_run_without_token_says_so_and_points_to_console(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["run"]) == 2
    err = capsys.readouterr().err
    assert "DISCORD_TOKEN" in err
    assert "kuril-brief console" in err


def test_broken_knowledge_base_stops_start_up_with_a_pointer(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("KURIL_SEEDS_DIR", str(tmp_path / "missing"))
    assert main(["console"]) == 1
    err = capsys.readouterr().err
    assert err.splitlines() == [
        f"Cannot load the knowledge base at KURIL_SEEDS_DIR={tmp_path / 'missing'}: "
        f"{tmp_path / 'missing'}: seeds directory does not exist. "
        "Run `kuril-brief kb check` for every problem."
    ]


def test_bad_log_level_is_a_clear_error(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LOG_LEVEL", "LOUD")
    assert main(["kb", "check"]) == 2
    assert "LOG_LEVEL" in capsys.readouterr().err


def test_kb_export_on_a_broken_knowledge_base_says_why_without_a_traceback(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("KURIL_SEEDS_DIR", str(tmp_path / "missing"))
    assert main(["kb", "export", "--json"]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.splitlines()[1:] == [
        f"  - {tmp_path / 'missing'}: seeds directory does not exist"
    ]


@pytest.mark.e2e
def test_a_closed_pipe_is_not_an_error() -> None:
    """More output than a pipe buffers, read by a reader that stops early: a quiet exit."""
    result = subprocess.run(
        f"yes 'how many banks' | head -2000 | {sys.executable} -m bot.cli ask --jsonl | head -1",
        shell=True, cwd=REPO_ROOT, capture_output=True, text=True, timeout=60, check=False,
        env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PYTHONUNBUFFERED": "0"},
    )  # fmt: skip
    assert json.loads(result.stdout)["answered"] is True
    assert "Traceback" not in result.stderr and "BrokenPipe" not in result.stderr


def test_unsupported_database_url_is_refused_before_anything_starts(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DISCORD_TOKEN", "a.token")
    monkeypatch.setenv("DATABASE_URL", "mysql://user@127.0.0.1/kuril")
    assert main(["run"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("Invalid setting DATABASE_URL=mysql://user@127.0.0.1/kuril: ")
    assert "sqlite:///... or postgresql://..." in err
    assert len(err.splitlines()) == 1 and "Value error" not in err


def test_kb_export_carries_the_curators_translations(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["kb", "export", "--json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert set(document["translations"]) == {"ja", "ru"}
    japanese = document["translations"]["ja"]
    assert japanese["entries"]["talks-begin"]["when"] == "1951年から"
    assert "text" not in japanese["entries"]["kishida-unfair-and-unacceptable"]
    assert japanese["themes"]["sanctions"]["aliases"][0] == "制裁"
