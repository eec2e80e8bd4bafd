"""`/about`: counts by kind, sources, a version that follows the data, how answers are found."""

from __future__ import annotations

import shutil

from commands.about import HOW_ANSWERS_ARE_FOUND, about
from knowledge.base import KnowledgeBase
from knowledge.loader import DATA_DIR, load_knowledge_base
from tests.commands.helpers import REPO, invocation, services_without_free_text, text_of


def test_about_counts_every_kind_and_names_the_sources(kb: KnowledgeBase, services) -> None:
    reply = about(services, invocation())
    text = text_of(reply)
    assert not reply.ephemeral
    for kind, count in kb.counts().items():
        assert f"• {count} " in text, kind
    assert f"{len(kb.entries)} entries" in text
    for seed in kb.seeds.values():
        assert seed.title in text
    assert HOW_ANSWERS_ARE_FOUND in text
    assert kb.version in reply.embeds[0].footer


def test_the_version_changes_when_the_data_changes(kb: KnowledgeBase, tmp_path) -> None:
    data = tmp_path / "data"
    shutil.copytree(DATA_DIR, data)
    same = load_knowledge_base(REPO / "seeds", data)
    assert same.version == kb.version
    events = data / "events.toml"
    events.write_text(events.read_text(encoding="utf-8") + "\n# a curator's edit\n", "utf-8")
    changed = load_knowledge_base(REPO / "seeds", data)
    assert changed.version != kb.version
    assert changed.version in text_of(about(services_without_free_text(changed), invocation()))


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
