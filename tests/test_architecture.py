"""The core stays free of Discord: `knowledge/` and `commands/` never import `discord`."""

from __future__ import annotations

import ast
import subprocess
import sys

import pytest

from tests.conftest import REPO_ROOT

CORE_PACKAGES = ("knowledge", "commands")


def imported_modules(source: str) -> set[str]:
    modules: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            modules.add(node.module)
    return modules


@pytest.mark.parametrize("package", CORE_PACKAGES)
def test_core_source_never_imports_discord(package: str) -> None:
    files = sorted((REPO_ROOT / package).rglob("*.py"))
    assert files, f"no Python files found in {package}/"
    offenders = [
        str(path.relative_to(REPO_ROOT))
        for path in files
        if any(module.split(".")[0] == "discord" for module in imported_modules(path.read_text()))
    ]
    assert offenders == []


@pytest.mark.e2e
def test_importing_the_core_loads_no_discord_module() -> None:
    """Catches indirect imports too: a fresh interpreter imports every core module."""
    modules = [
        ".".join(path.relative_to(REPO_ROOT).with_suffix("").parts)
        for package in CORE_PACKAGES
        for path in sorted((REPO_ROOT / package).rglob("*.py"))
    ]
    script = (
        "import importlib, sys\n"
        f"for name in {modules!r}: importlib.import_module(name)\n"
        "print(sorted(m for m in sys.modules if m == 'discord' or m.startswith('discord.')))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=REPO_ROOT, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


def test_import_scanner_sees_discord_imports() -> None:
    assert "discord" in imported_modules("import discord")
    assert "discord.ext" in imported_modules("from discord.ext import commands")
