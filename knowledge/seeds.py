"""Reading seed articles from `seeds/`: the text, its metadata and its sentences.

Each article `NAME.txt` sits beside `NAME.toml` (title, what it covers, provenance). Sentences
are what `kb check` requires entries to cover, so the splitter is deliberately simple and
predictable: a sentence ends at `.`, `!` or `?` (optionally followed by a closing quote) when
the next word starts with a capital letter or an opening quote.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from pydantic import ValidationError

from knowledge.models import Seed
from knowledge.problems import Problem

_SENTENCE_END = re.compile(r"[.!?][\"”’]?(?=\s+[\"“]?[A-Z])")


def split_sentences(text: str) -> tuple[str, ...]:
    """Split an article into sentences, paragraph by paragraph, keeping each verbatim."""
    sentences: list[str] = []
    for paragraph in text.splitlines():
        paragraph = paragraph.strip()
        start = 0
        for match in _SENTENCE_END.finditer(paragraph):
            sentences.append(paragraph[start : match.end()].strip())
            start = match.end()
        tail = paragraph[start:].strip()
        if tail:
            sentences.append(tail)
    return tuple(sentences)


def load_seeds(seeds_dir: Path) -> tuple[dict[str, Seed], list[Problem]]:
    """Read every `*.txt` article with its `*.toml` metadata; report what is missing or broken."""
    seeds: dict[str, Seed] = {}
    problems: list[Problem] = []
    if not seeds_dir.is_dir():
        return seeds, [Problem(str(seeds_dir), None, "seeds directory does not exist")]
    for article in sorted(seeds_dir.glob("*.txt")):
        meta_path = article.with_suffix(".toml")
        if not meta_path.is_file():
            problems.append(Problem(article.name, None, f"metadata file {meta_path.name} missing"))
            continue
        try:
            meta = tomllib.loads(meta_path.read_text(encoding="utf-8"))
            text = article.read_text(encoding="utf-8")
            seed = Seed(id=article.stem, text=text, sentences=split_sentences(text), **meta)
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            problems.append(Problem(meta_path.name, None, f"unreadable: {exc}"))
            continue
        except ValidationError as exc:
            problems.extend(Problem.from_validation(meta_path.name, None, exc))
            continue
        seeds[seed.id] = seed
    if not seeds and not problems:
        problems.append(Problem(str(seeds_dir), None, "no seed articles (*.txt) found"))
    return seeds, problems
