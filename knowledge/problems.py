"""A knowledge-base problem, said so that a curator can find and fix it: file, entry, what."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError


@dataclass(frozen=True, slots=True)
class Problem:
    file: str
    entry_id: str | None
    message: str

    def __str__(self) -> str:
        where = f"{self.file}: {self.entry_id}" if self.entry_id else self.file
        return f"{where}: {self.message}"

    @classmethod
    def from_validation(
        cls, file: str, entry_id: str | None, error: ValidationError
    ) -> list[Problem]:
        """One problem per pydantic error, with the field path spelled out."""
        problems = []
        for detail in error.errors(include_url=False):
            field = ".".join(str(part) for part in detail["loc"]) or "entry"
            problems.append(cls(file, entry_id, f"{field}: {detail['msg']}"))
        return problems


def read_optional_toml(path: Path, name: str) -> tuple[dict[str, Any], list[Problem]]:
    """The TOML document at `path` (shown to curators as `name`): empty when there is no file,
    since the file is optional; empty, with the problem, when it is not valid TOML."""
    if not path.is_file():
        return {}, []
    try:
        return tomllib.loads(path.read_text(encoding="utf-8")), []
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        return {}, [Problem(name, None, f"not valid TOML: {exc}")]


class KnowledgeBaseError(Exception):
    """The knowledge base cannot be loaded; carries every problem found, not just the first."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        lines = "\n".join(f"  - {problem}" for problem in problems)
        super().__init__(f"the knowledge base has {len(problems)} problem(s):\n{lines}")
