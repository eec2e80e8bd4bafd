"""Parties the article never speaks of (the US, China, NATO, Putin, ...), kept as data.

A question asking what such a party said or did is out of scope, however close its words are to
an entry: "What has the US said about Russia pulling out of the talks?" must not get the
suspension. `Parties.named_in` finds the parties a question names; the answerer declines when
its chosen entry does not involve them. The list lives in `knowledge/data/parties.toml`, so
curators add a party by adding data.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

from knowledge.problems import Problem, read_optional_toml
from knowledge.text import normalise

PARTIES_FILE = "parties.toml"
_SHORT_CAPITALS = re.compile(r"^(?:[A-Z]\.?){2,3}$")


@dataclass(frozen=True)
class Parties:
    """Each party's names: folded words (`folded`), and short capitals matched as written."""

    folded: Mapping[str, tuple[str, ...]] = field(default_factory=lambda: MappingProxyType({}))
    capitals: Mapping[str, tuple[re.Pattern[str], ...]] = field(
        default_factory=lambda: MappingProxyType({})
    )

    def named_in(self, text: str) -> frozenset[str]:
        """The parties `text` names. Short capitals ("US") count only in a text with lower-case
        letters too: in "TELL US" they are a word, not a country."""
        words = f" {normalise(text)} "
        found = {
            party
            for party, names in self.folded.items()
            if any(f" {name} " in words for name in names)
        }
        if text != text.upper():
            found |= {
                party
                for party, patterns in self.capitals.items()
                if any(pattern.search(text) for pattern in patterns)
            }
        return frozenset(found)


def read_parties(data_dir: Path) -> tuple[Parties, list[Problem]]:
    """`data_dir/parties.toml`, validated: a table per party, with a list of `names`. No file,
    no parties."""
    document, problems = read_optional_toml(data_dir / PARTIES_FILE, PARTIES_FILE)
    folded: dict[str, tuple[str, ...]] = {}
    capitals: dict[str, tuple[re.Pattern[str], ...]] = {}
    for party, table in document.items():
        names = table.get("names") if isinstance(table, dict) else None
        if (
            not isinstance(names, list)
            or not names
            or not all(isinstance(name, str) and normalise(name) for name in names)
        ):
            problems.append(Problem(PARTIES_FILE, party, "names must be a list of names"))
            continue
        short = [name for name in names if _SHORT_CAPITALS.match(name)]
        folded[party] = tuple(normalise(name) for name in names if name not in short)
        capitals[party] = tuple(
            re.compile(rf"(?<![A-Za-z]){re.escape(name)}(?![A-Za-z])") for name in short
        )
    return Parties(MappingProxyType(folded), MappingProxyType(capitals)), problems
