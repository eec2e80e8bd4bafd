"""The curators' Japanese and Russian translations of the knowledge base, and who may show them.

English is the knowledge base's own language. `data/i18n/<lang>.toml` holds, per language:

* `[seed.<id>] title`: the article's title, translated (its text never is);
* `[entry.<id>]`: the entry's display fields, those its kind has (`TRANSLATABLE`), plus `lead`,
  the line that settles a yes/no question: a translation of the English questions' lead, or,
  for an entry without one, the language's own (a Japanese or Russian yes/no question is
  answered politely in the present state, "凍結しています", where the entry's text tells the past event);
* `[theme.<id>] name` and `aliases`.

A quote's `text` is the speaker's verbatim English words and is never translated; source
quotes are never translated either, so nothing translated can pass for the article's words.
Every translated field is shown as the curators' translation (`EntryView.translated`). Figures
must survive translation: a number in the English field is in its translation, and a number in a
translation is in the English field or the source sentence.

Loading fails on a structural problem (an unknown id, a field the entry does not have, a
translated quote, a lost figure); a missing translation is a gap that `kb check` reports per
language and fails on, while the bot shows the English field in its place.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Literal

from knowledge.models import Actor, Entry, EntryKind, Event, Quote, Sanction, Seed, Theme, Titled
from knowledge.problems import Problem
from knowledge.questions import QuestionSet, read_questions
from knowledge.spellings import Spellings, read_spellings

if TYPE_CHECKING:
    from knowledge.base import KnowledgeBase

Language = Literal["en", "ja", "ru"]
LANGUAGES: tuple[Language, ...] = ("en", "ja", "ru")
TRANSLATED: tuple[Language, ...] = ("ja", "ru")
"""The languages curators translate into; English is the original."""

I18N_DIR = "i18n"

TRANSLATABLE: dict[EntryKind, tuple[str, ...]] = {
    "event": ("title", "when", "text", "curator_note", "lead"),
    "sanction": ("measure", "unit", "text", "curator_note", "lead"),
    "quote": ("role", "context", "curator_note", "lead"),
    "actor": ("name", "aliases", "text", "curator_note", "lead"),
    "fact": ("title", "text", "curator_note", "lead"),
}
"""Display fields per kind; a quote's `text` is absent on purpose (the speaker's own words)."""

THEME_FIELDS = ("name", "aliases")

_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_SPELLED = {
    "one": "1",
    "two": "2",
    "three": "3",
    "four": "4",
    "five": "5",
    "six": "6",
    "seven": "7",
    "eight": "8",
    "nine": "9",
    "ten": "10",
}
_MONTHS = {
    month: str(number)
    for number, month in enumerate(
        "january february march april may june july august september october november december".split(),  # noqa: SIM905
        1,
    )
}
"""Japanese writes "February 2022" as 2022年2月: a month's number is not a new figure."""

FieldValue = str | tuple[str, ...]


@dataclass(frozen=True)
class Translation:
    """One language's curated fields: per entry, per theme, and the seeds' titles, plus the
    training questions that teach the free-text model that language."""

    language: Language
    entries: Mapping[str, Mapping[str, FieldValue]] = field(
        default_factory=lambda: MappingProxyType({})
    )
    themes: Mapping[str, Mapping[str, FieldValue]] = field(
        default_factory=lambda: MappingProxyType({})
    )
    seed_titles: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    questions: QuestionSet = field(default_factory=QuestionSet)
    spellings: Spellings = field(default_factory=Spellings)
    """Misspellings of the language's words, mended before the model reads a question."""


@dataclass(frozen=True)
class EntryView:
    """An entry's display fields in one language. `translated` marks the curators' translation
    (any field shown in the language rather than in English); `source` is always the verbatim
    English sentence, and a quote's `text` the speaker's verbatim English words."""

    language: Language
    translated: bool
    heading: str
    text: str
    source: str
    seed_title: str
    when: str | None = None
    curator_note: str | None = None
    role: str | None = None
    context: str | None = None
    speaker: str | None = None
    lead: str | None = None
    unit: str | None = None


def english_fields(entry: Entry, leads: Mapping[str, str]) -> dict[str, FieldValue]:
    """The English values of `entry`'s translatable fields that it has (non-empty)."""
    values: dict[str, FieldValue] = {}
    for name in TRANSLATABLE[entry.kind]:
        value = leads.get(entry.id) if name == "lead" else getattr(entry, name, None)
        if value:
            values[name] = value
    return values


def read_translations(
    data_dir: Path,
    entries: Iterable[Entry],
    themes: Iterable[Theme],
    seeds: Mapping[str, Seed],
    english: QuestionSet,
) -> tuple[dict[str, Translation], list[Problem]]:
    """Every language's translation file and training questions, validated against the
    English entries. Gaps are not problems here (see `translation_gaps`)."""
    by_id = {entry.id: entry for entry in entries}
    theme_ids = {theme.id for theme in themes}
    translations: dict[str, Translation] = {}
    problems: list[Problem] = []
    for language in TRANSLATED:
        name = f"{I18N_DIR}/{language}.toml"
        path = data_dir / name
        if not path.is_file():
            problems.append(Problem(name, None, "translation file missing"))
            continue
        try:
            document: dict[str, Any] = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            problems.append(Problem(name, None, f"not valid TOML: {exc}"))
            continue
        for unexpected in sorted(set(document) - {"seed", "entry", "theme"}):
            problems.append(Problem(name, None, f"unexpected table [{unexpected}]"))
        seed_titles: dict[str, str] = {}
        for seed_id, table in _tables(document, "seed", name, problems):
            if seed_id not in seeds:
                problems.append(Problem(name, seed_id, "no seed has this id"))
                continue
            values = _fields(table, ("title",), name, seed_id, problems)
            title = values.get("title")
            if isinstance(title, str):
                seed_titles[seed_id] = title
        entry_fields: dict[str, Mapping[str, FieldValue]] = {}
        for entry_id, table in _tables(document, "entry", name, problems):
            entry = by_id.get(entry_id)
            if entry is None:
                problems.append(Problem(name, entry_id, "no entry has this id"))
                continue
            if isinstance(entry, Quote) and "text" in table:
                problems.append(
                    Problem(
                        name,
                        entry_id,
                        "a quote's text is the speaker's verbatim words: it is never translated",
                    )
                )
                table = {key: value for key, value in table.items() if key != "text"}
            values = _fields(table, TRANSLATABLE[entry.kind], name, entry_id, problems)
            original = english_fields(entry, english.leads)
            for extra in sorted(set(values) - set(original) - {"lead"}):
                problems.append(Problem(name, entry_id, f"the English entry has no {extra}"))
            # A lead of the language's own (no English one) keeps to the entry's figures.
            problems += _figure_problems(name, entry, {"lead": entry.text, **original}, values)
            if isinstance(entry, Quote):
                for key, value in values.items():
                    if isinstance(value, str) and entry.text in value:
                        problems.append(
                            Problem(
                                name, entry_id, f"{key} repeats the quotation; cite, never copy"
                            )
                        )
            entry_fields[entry_id] = MappingProxyType(values)
        theme_fields: dict[str, Mapping[str, FieldValue]] = {}
        for theme_id, table in _tables(document, "theme", name, problems):
            if theme_id not in theme_ids:
                problems.append(Problem(name, theme_id, "no theme has this id"))
                continue
            theme_fields[theme_id] = MappingProxyType(
                _fields(table, THEME_FIELDS, name, theme_id, problems)
            )
        questions, question_problems = read_questions(data_dir, by_id, language, english)
        problems += question_problems
        spellings, spelling_problems = read_spellings(
            data_dir, language, _texts(entry_fields, theme_fields, seed_titles)
        )
        problems += spelling_problems
        translations[language] = Translation(
            language,
            MappingProxyType(entry_fields),
            MappingProxyType(theme_fields),
            MappingProxyType(seed_titles),
            questions,
            spellings,
        )
    return translations, problems


def _texts(
    entries: Mapping[str, Mapping[str, FieldValue]],
    themes: Mapping[str, Mapping[str, FieldValue]],
    seed_titles: Mapping[str, str],
) -> list[str]:
    """Every curated string of one language: correct text, which no misspelling may be in."""
    values = [*seed_titles.values()]
    for fields in (*entries.values(), *themes.values()):
        for value in fields.values():
            values += [value] if isinstance(value, str) else list(value)
    return values


def _tables(
    document: dict[str, Any], key: str, file: str, problems: list[Problem]
) -> list[tuple[str, dict[str, Any]]]:
    group = document.get(key, {})
    if not isinstance(group, dict):
        problems.append(Problem(file, None, f"[{key}.<id>] must be tables"))
        return []
    found = []
    for item_id, table in group.items():
        if not isinstance(table, dict):
            problems.append(Problem(file, item_id, "must be a table of fields"))
        else:
            found.append((item_id, table))
    return found


def _fields(
    table: dict[str, Any],
    allowed: tuple[str, ...],
    file: str,
    item_id: str,
    problems: list[Problem],
) -> dict[str, FieldValue]:
    values: dict[str, FieldValue] = {}
    for key, value in table.items():
        if key not in allowed:
            problems.append(Problem(file, item_id, f"{key!r} is not a translatable field here"))
        elif key == "aliases":
            if not isinstance(value, list) or not all(
                isinstance(alias, str) and alias.strip() for alias in value
            ):
                problems.append(Problem(file, item_id, "aliases must be non-empty strings"))
            else:
                values[key] = tuple(alias.strip() for alias in value)
        elif not isinstance(value, str) or not value.strip():
            problems.append(Problem(file, item_id, f"{key} must be a non-empty string"))
        else:
            values[key] = value.strip()
    return values


def _numbers(text: str) -> set[str]:
    found = {number.replace(",", "") for number in _NUMBER.findall(text)}
    words = re.findall(r"[a-z]+", text.lower())
    spelled = {**_SPELLED, **_MONTHS}
    return found | {spelled[word] for word in words if word in spelled}


def _figure_problems(
    file: str, entry: Entry, english: Mapping[str, FieldValue], values: Mapping[str, FieldValue]
) -> list[Problem]:
    """A figure in an English field stays in its translation; a translation adds none that
    neither the English field nor the source sentence has."""
    problems = []
    for key, value in values.items():
        original = english.get(key)
        if not isinstance(value, str) or not isinstance(original, str):
            continue
        digits = {n.replace(",", "") for n in _NUMBER.findall(original)}
        translated = _numbers(value)
        for number in sorted(digits - translated):
            problems.append(Problem(file, entry.id, f"{key}: figure {number} is lost"))
        allowed = _numbers(original) | _numbers(entry.source.quote)
        for number in sorted(translated - allowed):
            problems.append(
                Problem(file, entry.id, f"{key}: figure {number} is in neither English nor source")
            )
    return problems


def translation_gaps(kb: KnowledgeBase) -> dict[Language, list[Problem]]:
    """Per language, every English field (seed title, entry field, theme field) it lacks."""
    gaps: dict[Language, list[Problem]] = {}
    for language in TRANSLATED:
        translation = kb.translations.get(language) or Translation(language)
        file = f"{I18N_DIR}/{language}.toml"
        found: list[Problem] = []
        for seed_id in kb.seeds:
            if seed_id not in translation.seed_titles:
                found.append(Problem(file, seed_id, "seed title not translated"))
        for entry in kb.entries:
            have = translation.entries.get(entry.id, {})
            for key in english_fields(entry, kb.questions.leads):
                if key not in have:
                    found.append(Problem(file, entry.id, f"{key} not translated"))
        for theme in kb.themes:
            have = translation.themes.get(theme.id, {})
            for key in THEME_FIELDS:
                if getattr(theme, key) and key not in have:
                    found.append(Problem(file, theme.id, f"{key} not translated"))
        gaps[language] = found
    return gaps


def translation_coverage(kb: KnowledgeBase) -> dict[Language, tuple[int, int]]:
    """Per language, (fields translated, fields to translate)."""
    gaps = translation_gaps(kb)
    wanted = len(kb.seeds)
    wanted += sum(len(english_fields(entry, kb.questions.leads)) for entry in kb.entries)
    wanted += sum(1 for theme in kb.themes for key in THEME_FIELDS if getattr(theme, key))
    return {language: (wanted - len(gaps[language]), wanted) for language in TRANSLATED}


def view(kb: KnowledgeBase, entry: Entry, language: str = "en") -> EntryView:
    """`entry`'s display fields in `language`: the curators' translation where there is one,
    the English field where there is not; sources and quotations always verbatim English."""
    translation = kb.translations.get(language) if language != "en" else None
    fields = translation.entries.get(entry.id, {}) if translation else {}
    used: list[bool] = []

    def pick(name: str, english: FieldValue | None) -> Any:
        value = fields.get(name)
        if value is None:
            return english
        used.append(True)
        return value

    speaker: str | None = None
    if isinstance(entry, Quote):
        actor_fields = translation.entries.get(entry.speaker, {}) if translation else {}
        speaker = str(actor_fields.get("name", kb.name_of(entry.speaker)))
        used.append("name" in actor_fields)
    seed = kb.seeds.get(entry.source.seed)
    seed_title = seed.title if seed else entry.source.seed
    if translation and entry.source.seed in translation.seed_titles:
        seed_title = translation.seed_titles[entry.source.seed]
    text = entry.text if isinstance(entry, Quote) else pick("text", entry.text)
    lead = pick("lead", kb.questions.leads.get(entry.id))
    if isinstance(entry, Titled):
        heading = pick("title", entry.title)
    elif isinstance(entry, Sanction):
        heading = pick("measure", entry.measure)
    elif isinstance(entry, Actor):
        heading = pick("name", entry.name)
    else:
        heading = ""
    role = pick("role", entry.role) if isinstance(entry, Quote) else None
    if isinstance(entry, Quote):
        heading = f"{speaker}, {role}" if language != "ja" else f"{speaker}（{role}）"
    return EntryView(
        # Any locale code may ask; a language without a translation shows English fields.
        language=language,  # pyright: ignore[reportArgumentType]
        translated=any(used),
        heading=heading,
        text=text,
        source=entry.source.quote,
        seed_title=seed_title,
        when=pick("when", entry.when) if isinstance(entry, Event) else None,
        curator_note=pick("curator_note", entry.curator_note) if entry.curator_note else None,
        role=role,
        context=pick("context", entry.context) if isinstance(entry, Quote) else None,
        speaker=speaker,
        lead=lead,
        unit=pick("unit", entry.unit) if isinstance(entry, Sanction) else None,
    )
