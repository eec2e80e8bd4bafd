"""Curated training questions: how people ask for each entry, and what is out of scope.

The free-text model (`knowledge.question_model`) learns from these, so curators teach the bot new
phrasing by adding data, never code. They live in `knowledge/data/questions/*.toml`:

* in every file but `out_of_scope.toml`, a table per entry id:
  `[entry-id]` with `questions = [...]` and, optionally, `lead = "..."`: the one line that
  settles a yes/no question about the entry, shown first when a question asks yes or no;
  and, optionally, `not_said = [...]`: near misses the entry does not answer (the banks' names,
  the exact date), filed as out of scope beside the entry they come close to; and, optionally,
  `states = [...]`: the kinds of detail the entry states (a count, a date, a person...), as
  named in `details/<language>.toml` (`knowledge.details`): a question asking for another
  kind is declined with the entry as "did you mean";
* in `out_of_scope.toml`, a table per group of questions the bot must decline
  (`[off_topic]`, `[prompt_injection]`, ...), each with `questions = [...]`.

The loader checks that every table names an entry (or is an out-of-scope group), that no
question (after normalisation) is filed twice in a language, under one label or two, that no
question taught to an entry asks for a kind of detail the entry does not state, and `kb check`
reports how many questions each entry has.
"""

from __future__ import annotations

import re
import tomllib
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

from knowledge.details import ABUSE_DIR, KINDS_LANGUAGE, DetailReader, read_details
from knowledge.parties import Parties, read_parties
from knowledge.problems import Problem
from knowledge.text import normalise

QUESTIONS_DIR = "questions"
OUT_OF_SCOPE_FILE = "out_of_scope.toml"
OUT_OF_SCOPE = "out-of-scope"
"""The label the model gives a question it must decline."""

MIN_QUESTIONS = 10
"""Fewer questions than this and the model cannot learn an entry: `kb check` fails."""

_GROUP = re.compile(r"^[a-z0-9]+(?:[_-][a-z0-9]+)*$")
_ENTRY_KEYS = frozenset({"questions", "lead", "not_said", "states"})


@dataclass(frozen=True)
class QuestionSet:
    """Labelled questions (entry id or `OUT_OF_SCOPE`), and the yes/no leads per entry."""

    examples: tuple[tuple[str, str], ...] = ()
    leads: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    groups: Mapping[str, int] = field(default_factory=lambda: MappingProxyType({}))
    """Out-of-scope questions per group, for reports."""
    parties: Parties = field(default_factory=Parties)
    """Parties the article never speaks of (`knowledge.parties`)."""
    states: Mapping[str, frozenset[str]] = field(default_factory=lambda: MappingProxyType({}))
    """The kinds of detail each entry states (`knowledge.details`); none when not given."""
    details: DetailReader = field(default_factory=DetailReader)
    """What a question in this set's language asks for."""
    abuse: DetailReader = field(default_factory=DetailReader)
    """Abuse in this set's language (`knowledge.details.ABUSE_DIR`): always declined."""

    def counts(self) -> dict[str, int]:
        """Questions per label."""
        return dict(Counter(label for _, label in self.examples))


def read_questions(
    data_dir: Path,
    entry_ids: Iterable[str],
    language: str | None = None,
    english: QuestionSet | None = None,
) -> tuple[QuestionSet, list[Problem]]:
    """Every question file under `data_dir/questions` (English), or under its `language`
    folder (`questions/ja/`, the same layout), validated against `entry_ids` and, for another
    language, against the `english` set's kinds of detail and what each entry states."""
    english = english or QuestionSet()
    known = frozenset(entry_ids)
    where = f"{QUESTIONS_DIR}/{language}" if language else QUESTIONS_DIR
    folder = data_dir / where
    if not folder.is_dir():
        return QuestionSet(), [Problem(where, None, "training questions missing")]
    examples: list[tuple[str, str]] = []
    leads: dict[str, str] = {}
    groups: dict[str, int] = {}
    filed: dict[str, tuple[str, str]] = {}  # normalised question -> (label, file)
    states: dict[str, frozenset[str]] = {}
    details, problems = read_details(data_dir, language or KINDS_LANGUAGE)
    kinds = details.kinds if language is None else english.details.kinds
    problems += [
        Problem(f"details/{language}.toml", kind, "no such kind in details/en.toml")
        for kind in sorted(details.kinds - kinds)
    ]
    abuse, abuse_problems = read_details(data_dir, language or KINDS_LANGUAGE, ABUSE_DIR)
    problems += abuse_problems
    for path in sorted(folder.glob("*.toml")):
        name = f"{where}/{path.name}"
        try:
            document: dict[str, Any] = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            problems.append(Problem(name, None, f"not valid TOML: {exc}"))
            continue
        out_of_scope = path.name == OUT_OF_SCOPE_FILE
        for key, table in document.items():
            if not isinstance(table, dict):
                problems.append(Problem(name, key, "must be a table with `questions`"))
                continue
            if out_of_scope:
                label = OUT_OF_SCOPE
                if not _GROUP.match(key):
                    problems.append(Problem(name, key, "a group name is lower-case words"))
                allowed = frozenset({"questions"})
            else:
                label = key
                if key not in known:
                    problems.append(Problem(name, key, "no entry has this id"))
                    continue
                allowed = _ENTRY_KEYS
            for unexpected in sorted(set(table) - allowed):
                problems.append(Problem(name, key, f"unexpected key {unexpected!r}"))
            questions = table.get("questions")
            if not isinstance(questions, list) or not all(
                isinstance(q, str) and q.strip() for q in questions
            ):
                problems.append(Problem(name, key, "questions must be a list of non-empty strings"))
                continue
            lead = table.get("lead")
            if lead is not None:
                if not isinstance(lead, str) or not lead.strip():
                    problems.append(Problem(name, key, "lead must be a non-empty string"))
                elif key in leads:
                    problems.append(Problem(name, key, "lead given twice"))
                else:
                    leads[key] = lead.strip()
            if out_of_scope:
                groups[key] = groups.get(key, 0) + len(questions)
            else:
                stated = _states(table, kinds, name, key, problems)
                if stated is not None:
                    states[key] = stated
            not_said = table.get("not_said", [])
            if not isinstance(not_said, list) or not all(
                isinstance(q, str) and q.strip() for q in not_said
            ):
                problems.append(Problem(name, key, "not_said must be a list of non-empty strings"))
                not_said = []
            if not_said:
                groups["not_said"] = groups.get("not_said", 0) + len(not_said)
            labelled = [(q, label) for q in questions] + [(q, OUT_OF_SCOPE) for q in not_said]
            for question, label in labelled:
                folded = normalise(question)
                if not folded:
                    problems.append(Problem(name, key, f"{question!r} has no words"))
                    continue
                earlier = filed.get(folded)
                if earlier is None:
                    filed[folded] = (label, name)
                    examples.append((question.strip(), label))
                elif earlier[0] != label:
                    problems.append(
                        Problem(name, key, f"{question!r} is also filed under {earlier[0]!r}")
                    )
                else:  # a copy teaches nothing and hides how thin an entry really is
                    problems.append(
                        Problem(name, key, f"{question!r} is filed twice (also in {earlier[1]})")
                    )
    if language is not None and details.kinds:
        states = dict(english.states)
    problems += _asks_unstated(examples, states, details, where)
    problems += [  # a question the bot should answer must never read as abuse
        Problem(where, label, f"{question!r} matches a pattern in {ABUSE_DIR}/")
        for question, label in examples
        if label != OUT_OF_SCOPE and abuse.asked(question)
    ]
    counts = Counter(label for _, label in examples)
    for entry_id in sorted(known):
        if counts[entry_id] < MIN_QUESTIONS:
            problems.append(
                Problem(
                    where,
                    entry_id,
                    f"{counts[entry_id]} training questions; the model needs at least "
                    f"{MIN_QUESTIONS}",
                )
            )
    if not counts[OUT_OF_SCOPE]:
        problems.append(Problem(where, None, "no out-of-scope questions"))
    # Parties are read once, with the English questions; every language's reader uses them.
    parties, party_problems = read_parties(data_dir) if language is None else (Parties(), [])
    problems += party_problems
    question_set = QuestionSet(
        tuple(examples),
        MappingProxyType(leads),
        MappingProxyType(groups),
        parties,
        MappingProxyType(states),
        details,
        abuse,
    )
    return question_set, problems


def _states(
    table: dict[str, Any], kinds: frozenset[str], file: str, key: str, problems: list[Problem]
) -> frozenset[str] | None:
    """The entry's `states`, each a kind the details file names (None when not given)."""
    stated = table.get("states")
    if stated is None:
        return None
    if not isinstance(stated, list) or not all(isinstance(kind, str) for kind in stated):
        problems.append(Problem(file, key, "states must be a list of kinds of detail"))
        return None
    for kind in sorted(set(stated) - kinds):
        problems.append(Problem(file, key, f"states {kind!r}: no such kind in details/en.toml"))
    return frozenset(stated) & kinds


def _asks_unstated(
    examples: list[tuple[str, str]],
    states: Mapping[str, frozenset[str]],
    details: DetailReader,
    where: str,
) -> list[Problem]:
    """A question taught to an entry that asks for a kind of detail the entry does not state
    contradicts the data: the bot would decline it."""
    if not states:
        return []
    problems = []
    for question, label in examples:
        if label == OUT_OF_SCOPE:
            continue
        unstated = details.asked(question) - states.get(label, frozenset())
        if unstated:
            kinds = ", ".join(sorted(unstated))
            problems.append(
                Problem(
                    where,
                    label,
                    f"{question!r} asks for {kinds}, which the entry does not state: add it to "
                    "`states`, or file the question under `not_said`",
                )
            )
    return problems
