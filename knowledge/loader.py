"""Load the curated data files and seeds into a validated, immutable `KnowledgeBase`.

Loading collects every problem it finds (file, entry, what is wrong) before failing, so a
curator fixes a broken data set in one pass instead of one error at a time.
"""

from __future__ import annotations

import hashlib
import re
import tomllib
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from knowledge.base import KnowledgeBase
from knowledge.models import Actor, Entry, EntryBase, Event, Fact, Quote, Sanction, Seed, Theme
from knowledge.problems import KnowledgeBaseError, Problem
from knowledge.questions import read_questions
from knowledge.seeds import load_seeds
from knowledge.translations import read_translations

DATA_DIR = Path(__file__).resolve().parent / "data"

# data file -> the TOML array-of-tables key that holds its entries, and their model
ENTRY_FILES: dict[str, tuple[str, type[EntryBase]]] = {
    "events.toml": ("event", Event),
    "sanctions.toml": ("sanction", Sanction),
    "quotes.toml": ("quote", Quote),
    "actors.toml": ("actor", Actor),
    "facts.toml": ("fact", Fact),
}
THEMES_FILE = "themes.toml"

_NUMBER = re.compile(r"\d[\d,.]*\d|\d")


def load_knowledge_base(seeds_dir: Path, data_dir: Path = DATA_DIR) -> KnowledgeBase:
    """Load and validate everything; raise `KnowledgeBaseError` listing all problems."""
    kb, problems = read_knowledge_base(seeds_dir, data_dir)
    if problems or kb is None:
        raise KnowledgeBaseError(problems)
    return kb


def read_knowledge_base(
    seeds_dir: Path, data_dir: Path = DATA_DIR
) -> tuple[KnowledgeBase | None, list[Problem]]:
    """Like `load_knowledge_base`, but return the problems instead of raising (for `kb check`)."""
    seeds, problems = load_seeds(seeds_dir)
    if not seeds:  # every entry would also fail for want of its seed: say the cause once
        return None, problems
    located: list[tuple[str, Entry]] = []
    for file_name, (key, model) in ENTRY_FILES.items():
        rows, file_problems = _read_rows(data_dir / file_name, key)
        problems += file_problems
        for row in rows:
            try:
                # ENTRY_FILES holds only Entry's models, typed by their common base.
                located.append((file_name, model.model_validate(row)))  # pyright: ignore[reportArgumentType]
            except ValidationError as exc:
                problems += Problem.from_validation(file_name, _row_id(row), exc)
    theme_rows, theme_problems = _read_rows(data_dir / THEMES_FILE, "theme")
    problems += theme_problems
    themes: list[Theme] = []
    for row in theme_rows:
        try:
            themes.append(Theme.model_validate(row))
        except ValidationError as exc:
            problems += Problem.from_validation(THEMES_FILE, _row_id(row), exc)

    problems += _check_ids(located, themes)
    problems += _check_sources(located, seeds)
    problems += _check_references(located, themes)
    questions, question_problems = read_questions(data_dir, (entry.id for _, entry in located))
    problems += question_problems
    if problems:  # translations are checked against sound English entries, never a cascade
        return None, problems
    entries = tuple(entry for _, entry in located)
    translations, problems = read_translations(data_dir, entries, themes, seeds, questions)
    if problems:
        return None, problems
    version = _version(data_dir, seeds)
    return KnowledgeBase(seeds, entries, tuple(themes), version, questions, translations), []


def _read_rows(path: Path, key: str) -> tuple[list[dict[str, Any]], list[Problem]]:
    if not path.is_file():
        return [], [Problem(path.name, None, "data file missing")]
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        return [], [Problem(path.name, None, f"not valid TOML: {exc}")]
    unknown = sorted(set(document) - {key})
    problems = [Problem(path.name, None, f"unexpected table [{name}]") for name in unknown]
    rows = document.get(key, [])
    if not isinstance(rows, list):
        return [], [*problems, Problem(path.name, None, f"[[{key}]] must be an array of tables")]
    return rows, problems


def _row_id(row: dict[str, Any]) -> str | None:
    value = row.get("id")
    return value if isinstance(value, str) else None


def _check_ids(located: list[tuple[str, Entry]], themes: list[Theme]) -> list[Problem]:
    seen: dict[str, str] = {}
    problems = []
    named = [(file, entry.id) for file, entry in located]
    named += [(THEMES_FILE, theme.id) for theme in themes]
    for file, entry_id in named:
        if entry_id in seen:
            problems.append(Problem(file, entry_id, f"duplicate id (also in {seen[entry_id]})"))
        else:
            seen[entry_id] = file
    return problems


def _check_sources(located: list[tuple[str, Entry]], seeds: dict[str, Seed]) -> list[Problem]:
    """Every source quote is verbatim in its seed; quotes and figures match their source."""
    problems = []
    for file, entry in located:
        seed = seeds.get(entry.source.seed)
        if seed is None:
            known = ", ".join(sorted(seeds)) or "none"
            problems.append(
                Problem(file, entry.id, f"unknown seed {entry.source.seed!r} (known: {known})")
            )
            continue
        if entry.source.quote not in seed.text:
            problems.append(
                Problem(file, entry.id, f"source quote is not verbatim in seed {seed.id!r}")
            )
            continue
        if isinstance(entry, Quote) and entry.text not in entry.source.quote:
            problems.append(
                Problem(
                    file, entry.id, "quote text does not match its source character for character"
                )
            )
        for number in _NUMBER.findall(entry.text):
            if number not in entry.source.quote:
                problems.append(
                    Problem(file, entry.id, f"figure {number!r} in the text is not in its source")
                )
        if isinstance(entry, Sanction) and entry.amount is not None:
            spelled = {str(entry.amount), *_SPELLED.get(entry.amount, ())}
            if not any(form in entry.source.quote for form in spelled):
                problems.append(
                    Problem(file, entry.id, f"amount {entry.amount} is not in its source")
                )
    return problems


_SPELLED: dict[int, tuple[str, ...]] = {
    n: (word,)
    for n, word in enumerate(
        ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"]
    )
}


def _check_references(located: list[tuple[str, Entry]], themes: list[Theme]) -> list[Problem]:
    """Topics, speakers and sanction parties must name actors or themes that exist."""
    actors = {entry.id for _, entry in located if entry.kind == "actor"}
    topics = actors | {theme.id for theme in themes}
    problems = []
    for file, entry in located:
        for topic in entry.topics:
            if topic not in topics:
                problems.append(Problem(file, entry.id, f"unknown topic {topic!r}"))
        parties: list[tuple[str, str]] = []
        if isinstance(entry, Quote):
            parties.append(("speaker", entry.speaker))
        if isinstance(entry, Sanction):
            parties += [("by", entry.by), ("against", entry.against)]
        for field, actor_id in parties:
            if actor_id not in actors:
                problems.append(Problem(file, entry.id, f"{field} {actor_id!r} is not an actor"))
    return problems


def _version(data_dir: Path, seeds: dict[str, Seed]) -> str:
    """A short content hash: changes whenever a data file, a seed or its metadata changes."""
    digest = hashlib.sha256()
    for path in sorted(data_dir.rglob("*.toml")):
        digest.update(path.relative_to(data_dir).as_posix().encode())
        digest.update(path.read_bytes())
    for seed_id in sorted(seeds):
        digest.update(seeds[seed_id].model_dump_json().encode())  # text and metadata
    return digest.hexdigest()[:12]
