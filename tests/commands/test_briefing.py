"""The briefing composer behind `/brief` and scheduled briefings."""

from __future__ import annotations

import dataclasses
import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from commands.brief import brief, rotation_key
from commands.briefing import ITEMS, briefing_order, compose_briefing
from commands.formatting import entry_label
from knowledge.base import KnowledgeBase
from tests.commands.helpers import NOW, invocation, services_without_free_text, text_of
from tests.conftest import examples


def item_ids(kb, briefing) -> list[str]:
    """The rotation items a briefing shows (not its "what's new" list)."""
    description = briefing.reply.embeds[0].description
    return [e.id for e in briefing_order(kb) if e.id in briefing.shown and e.text in description]


def test_order_holds_every_non_actor_entry_once(kb: KnowledgeBase) -> None:
    order = briefing_order(kb)
    assert sorted(e.id for e in order) == sorted(e.id for e in kb.entries if e.kind != "actor")
    assert {order[0].kind, order[1].kind, order[2].kind} == {"event", "fact", "sanction"}


def test_header_is_dated_in_the_channel_zone_with_a_discord_timestamp(kb: KnowledgeBase) -> None:
    late_evening = dt.datetime(2026, 11, 30, 20, 0, tzinfo=dt.UTC)
    briefing = compose_briefing(kb, late_evening, tz=ZoneInfo("Asia/Tokyo"))
    embed = briefing.reply.embeds[0]
    assert embed.title == "Kuril Brief · Tuesday 1 December 2026"  # already Tuesday in Tokyo
    assert embed.description.startswith(f"<t:{int(late_evening.timestamp())}:F>")
    assert "Asia/Tokyo" in embed.footer and kb.version in embed.footer


def test_items_carry_their_text_and_verbatim_source(kb: KnowledgeBase) -> None:
    briefing = compose_briefing(kb, NOW, cursor=0)
    text = text_of(briefing.reply)
    shown = briefing_order(kb)[:ITEMS]
    assert item_ids(kb, briefing) == [e.id for e in shown]
    for entry in shown:
        assert entry.text in text
        if entry.kind != "quote":
            assert entry.source.quote in text
        assert kb.seed_title(entry.source.seed) in text
    assert "Sources" in [field.name for field in briefing.reply.embeds[0].fields]


def test_rotation_covers_everything_before_repeating(kb: KnowledgeBase) -> None:
    order = briefing_order(kb)
    cursor, seen_items = 0, []
    while len(seen_items) < len(order):
        briefing = compose_briefing(kb, NOW, cursor=cursor)
        seen_items += item_ids(kb, briefing)
        cursor = briefing.cursor
    assert len(seen_items) == len(order)
    assert sorted(seen_items) == sorted(e.id for e in order)
    again = compose_briefing(kb, NOW, cursor=cursor)
    assert item_ids(kb, again)[0] == order[0].id


def test_consecutive_briefings_differ(kb: KnowledgeBase) -> None:
    first = compose_briefing(kb, NOW, cursor=0)
    second = compose_briefing(kb, NOW, cursor=first.cursor)
    assert set(item_ids(kb, first)).isdisjoint(item_ids(kb, second))


def test_whats_new_lists_unseen_entries_newest_first_and_caps_the_list(kb: KnowledgeBase) -> None:
    seen = {e.id for e in kb.entries} - {"talks-begin", "fumio-kishida"}
    briefing = compose_briefing(kb, NOW, seen=seen)
    fields = {field.name: field.value for field in briefing.reply.embeds[0].fields}
    new = fields["What's new since the last briefing"]
    assert entry_label(kb, kb.get("talks-begin")) in new
    assert entry_label(kb, kb.get("fumio-kishida")) in new
    assert {"talks-begin", "fumio-kishida"} <= set(briefing.shown)
    assert briefing.seen == frozenset(kb.by_id)

    everything = compose_briefing(kb, NOW, seen=set())
    listing = dict((f.name, f.value) for f in everything.reply.embeds[0].fields)
    assert "more" in listing["What's new since the last briefing"]

    nothing = compose_briefing(kb, NOW, seen=set(kb.by_id))
    assert "Nothing new" in text_of(nothing.reply)


def test_brief_skips_whats_new_and_the_late_note_shows_when_given(kb: KnowledgeBase) -> None:
    plain = compose_briefing(kb, NOW)
    assert "What's new" not in text_of(plain.reply)
    late = compose_briefing(kb, NOW, late_note="This briefing was due at 09:00 (Europe/Paris).")
    assert "This briefing was due at 09:00" in late.reply.embeds[0].description


def test_only_the_chosen_role_is_mentioned(kb: KnowledgeBase) -> None:
    assert compose_briefing(kb, NOW).reply.mention_role_id is None
    pinged = compose_briefing(kb, NOW, role_id=1234).reply
    assert pinged.mention_role_id == 1234 and pinged.content == "<@&1234>"


def test_naive_datetimes_are_refused(kb: KnowledgeBase) -> None:
    with pytest.raises(ValueError):
        compose_briefing(kb, dt.datetime(2026, 1, 1))


def test_the_brief_command_rotates_per_channel(kb: KnowledgeBase, services) -> None:
    shown = [text_of(brief(services, invocation())) for _ in range(3)]
    assert len(set(shown)) == 3
    order = briefing_order(kb)
    assert order[0].text in shown[0] and order[ITEMS].text in shown[1]


@settings(max_examples=examples(80), deadline=None)
@given(
    cursor=st.integers(min_value=-(10**9), max_value=10**9),
    big=st.booleans(),
    seen_fraction=st.one_of(st.none(), st.floats(0, 1)),
    zone=st.sampled_from(["UTC", "Asia/Tokyo", "Europe/Moscow", "America/Los_Angeles"]),
    late=st.one_of(st.none(), st.text(min_size=1, max_size=1000)),
)
def test_any_cursor_and_kb_size_fits_discords_limits(
    kb, big_kb, cursor, big, seen_fraction, zone, late
):
    chosen = big_kb if big else kb
    seen = None
    if seen_fraction is not None:
        ids = sorted(chosen.by_id)
        seen = set(ids[: int(len(ids) * seen_fraction)])
    briefing = compose_briefing(
        chosen, NOW, tz=ZoneInfo(zone), cursor=cursor, seen=seen, late_note=late
    )
    assert 0 <= briefing.cursor < len(briefing_order(chosen))
    assert item_ids(chosen, briefing) or chosen is big_kb  # grown copies share text with originals


def test_a_grown_kb_cycles_without_repeating(big_kb: KnowledgeBase) -> None:
    order = briefing_order(big_kb)
    cursor, count = 0, 0
    positions = []
    while count < len(order):
        briefing = compose_briefing(big_kb, NOW, cursor=cursor)
        step = (briefing.cursor - cursor) % len(order)
        assert 1 <= step <= ITEMS
        positions += [(cursor + i) % len(order) for i in range(step)]
        cursor, count = briefing.cursor, count + step
    assert positions[: len(order)] == list(range(len(order)))


def test_brief_shows_every_item_once_per_cycle_even_when_items_are_long(kb: KnowledgeBase) -> None:
    """Long items crowd each other out of a message; the next /brief starts where this stopped."""
    long_facts = [
        fact.model_copy(update={"id": f"long-fact-{n}", "text": f"Copy {n}. " + fact.text * 12})
        for n, fact in enumerate(kb.facts * 2)
    ]
    kb = dataclasses.replace(kb, entries=(*kb.entries, *long_facts))
    order = briefing_order(kb)
    crowded = services_without_free_text(kb)
    key = rotation_key(invocation())
    seen: list[str] = []
    while len(seen) < len(order):
        expected = compose_briefing(kb, NOW, cursor=crowded.rotation.cursor(key))
        assert brief(crowded, invocation()) == expected.reply
        assert expected.shown, "every briefing shows at least one item"
        seen += expected.shown
    assert len(order) > 2 * ITEMS, "the long items really crowd each other out"
    assert sorted(seen[: len(order)]) == sorted(entry.id for entry in order)
