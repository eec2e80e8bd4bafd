"""`/about`: counts by kind, sources, a version that follows the data, how answers are found."""

from __future__ import annotations

import shutil

from commands.about import HOW_ANSWERS_ARE_FOUND, about
from commands.context import Services
from knowledge.loader import DATA_DIR, load_knowledge_base
from tests.commands.helpers import REPO, check_limits, invocation, real_kb, text_of

KB = real_kb()


def test_about_counts_every_kind_and_names_the_sources(services) -> None:
    reply = about(services, invocation())
    text = text_of(reply)
    check_limits(reply)
    assert not reply.ephemeral
    for kind, count in KB.counts().items():
        assert f"• {count} " in text, kind
    assert f"{len(KB.entries)} entries" in text
    for seed in KB.seeds.values():
        assert seed.title in text
    assert HOW_ANSWERS_ARE_FOUND in text
    assert KB.version in reply.embeds[0].footer


def test_the_version_changes_when_the_data_changes(tmp_path) -> None:
    data = tmp_path / "data"
    shutil.copytree(DATA_DIR, data)
    same = load_knowledge_base(REPO / "seeds", data)
    assert same.version == KB.version
    events = data / "events.toml"
    events.write_text(events.read_text(encoding="utf-8") + "\n# a curator's edit\n", "utf-8")
    changed = load_knowledge_base(REPO / "seeds", data)
    assert changed.version != KB.version
    assert changed.version in text_of(about(Services(changed), invocation()))


def test_many_sources_are_listed_by_whole_lines_with_a_count_of_the_rest() -> None:
    from commands.about import fit_lines

    lines = [f"• Source number {n} " + "word " * 30 for n in range(40)]
    text = fit_lines(lines, 1024)
    assert len(text) <= 1024
    shown = text.splitlines()
    assert shown[-1].startswith("…and ")
    hidden = int(shown[-1].split()[1])
    assert shown[:-1] == lines[: len(shown) - 1]
    assert len(shown) - 1 + hidden == len(lines)
