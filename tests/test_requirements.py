"""The hashed requirements files say exactly what `uv.lock` says, and `uv.lock` matches pyproject.

`uv.lock` is the one source of versions; `requirements/*.txt` are exported from it
(`bash requirements/export.sh`) so that plain pip in a stdlib venv installs the same thing
on a machine without uv. These tests read the lock themselves (no uv needed), so CI on a
stock machine catches a lock that moved without a re-export.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name

from tests.conftest import REPO_ROOT

REEXPORT = "uv.lock changed without a re-export: run `bash requirements/export.sh`"
LOCK = tomllib.loads((REPO_ROOT / "uv.lock").read_text(encoding="utf-8"))
PYPROJECT = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
PROJECT = canonicalize_name(PYPROJECT["project"]["name"])


Key = tuple[str, str]  # (canonical name, version): a lock may hold one name at two versions


def lock_packages() -> dict[Key, dict]:
    return {(canonicalize_name(p["name"]), p["version"]): p for p in LOCK["package"]}


def lock_hashes() -> dict[Key, frozenset[str]]:
    """Every artifact's hash, as `uv export` lists them."""
    hashes = {}
    for key, package in lock_packages().items():
        artifacts = [
            *package.get("wheels", []),
            *([package["sdist"]] if "sdist" in package else []),
        ]
        hashes[key] = frozenset(artifact["hash"] for artifact in artifacts)
    return hashes


def resolve(dependency: dict) -> Key:
    """The locked package a dependency entry means: by version when the name is forked."""
    name = canonicalize_name(dependency["name"])
    versions = [version for (locked, version) in lock_packages() if locked == name]
    version = dependency.get("version")
    assert version in versions if version else len(versions) == 1, dependency
    return name, version or versions[0]


def closure(groups: list[str]) -> set[Key]:
    """Every locked package the project needs with these dependency groups, on any platform
    (the export keeps platform-specific ones behind markers, as pip evaluates them)."""
    packages = lock_packages()
    root = packages[resolve({"name": PROJECT})]
    todo = [*root.get("dependencies", [])]
    for group in groups:
        todo += root.get("dev-dependencies", {})[group]
    needed: set[Key] = set()
    while todo:
        dependency = todo.pop()
        key = resolve(dependency)
        package = packages[key]
        todo += [
            extra_dependency
            for extra in dependency.get("extra", [])
            for extra_dependency in package.get("optional-dependencies", {})[extra]
        ]
        if key in needed:
            continue
        needed.add(key)
        todo += package.get("dependencies", [])
    return needed


_PIN = re.compile(r"^([A-Za-z0-9._-]+)==([^\s;\\]+)")


def read_requirements(path: Path) -> dict[Key, frozenset[str]]:
    """`name==version [; marker] \\` lines, each followed by its `--hash=sha256:...` lines."""
    pins: dict[Key, set[str]] = {}
    hashes: set[str] = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        stripped = line.strip()
        if match := _PIN.match(line):
            hashes = pins.setdefault((canonicalize_name(match[1]), match[2]), set())
        elif stripped.startswith("--hash="):
            hashes.add(stripped.removeprefix("--hash=").rstrip(" \\"))
        elif stripped and not stripped.startswith("#"):
            pytest.fail(f"{path.name}: unexpected line {line!r}")
    return {key: frozenset(value) for key, value in pins.items()}


EXPORTS = {
    "production.txt": ["build"],
    "development.txt": list(PYPROJECT["dependency-groups"]),
}


@pytest.mark.parametrize("filename", EXPORTS)
def test_requirements_file_is_the_lock_exported(filename: str) -> None:
    pinned = read_requirements(REPO_ROOT / "requirements" / filename)
    locked = lock_hashes()
    assert set(pinned) == closure(EXPORTS[filename]), REEXPORT
    for key, hashes in pinned.items():
        assert hashes == locked[key], f"{key}: {REEXPORT}"
        assert hashes, f"{key} has no hashes: pip --require-hashes would refuse it"


def test_production_requirements_leave_out_the_dev_tools() -> None:
    names = {name for name, _ in read_requirements(REPO_ROOT / "requirements" / "production.txt")}
    assert not {"pytest", "ruff", "hypothesis"} & names
    assert {"discord-py", "hatchling", "platformdirs"} <= names


def _requirements(declared: list[str]) -> dict[str, tuple[SpecifierSet, frozenset[str]]]:
    parsed = [Requirement(text) for text in declared]
    return {canonicalize_name(r.name): (r.specifier, frozenset(r.extras)) for r in parsed}


def _locked(entries: list[dict]) -> dict[str, tuple[SpecifierSet, frozenset[str]]]:
    return {
        canonicalize_name(e["name"]): (
            SpecifierSet(e.get("specifier", "")),
            frozenset(e.get("extras", [])),
        )
        for e in entries
    }


def test_lock_was_made_from_this_pyproject() -> None:
    """What `uv lock --check` would say, without uv: the lock records what it was made from."""
    metadata = lock_packages()[resolve({"name": PROJECT})]["metadata"]
    stale = "pyproject.toml changed without `uv lock`; then run `bash requirements/export.sh`"
    assert _requirements(PYPROJECT["project"]["dependencies"]) == _locked(
        metadata["requires-dist"]
    ), stale
    groups = PYPROJECT["dependency-groups"]
    assert set(groups) == set(metadata["requires-dev"]), stale
    for group, declared in groups.items():
        assert _requirements(declared) == _locked(metadata["requires-dev"][group]), stale


def test_the_build_backend_is_locked_too() -> None:
    """pip installs the project with --no-build-isolation, from the locked `build` group."""
    backend = _requirements(PYPROJECT["build-system"]["requires"])
    assert set(backend) <= set(_requirements(PYPROJECT["dependency-groups"]["build"]))
