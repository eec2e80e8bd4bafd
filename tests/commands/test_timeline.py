"""`/timeline`: every event once, in order, with its "when" and source; paging by buttons."""

from __future__ import annotations

import dataclasses
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from commands import timeline as tl
from commands.context import Services
from commands.formatting import page_id, parse_page_id
from commands.registry import (
    COMPONENTS,
    complete_topic,
    component_owner,
    run_component,
    stranger_refusal,
)
from knowledge.base import KnowledgeBase
from tests.commands.helpers import invocation, services_without_free_text, text_of
from tests.conftest import examples

USER = 42


def all_pages(services: Services, topic: str | None = None) -> list:
    first = tl.timeline(services, invocation(USER), topic)
    replies = [first]
    while replies[-1].buttons:
        following = replies[-1].buttons[0][-1]
        if following.disabled:
            break
        replies.append(tl.timeline_button(services, invocation(USER), following.custom_id))
    return replies


def event_numbers(reply) -> list[int]:
    return [int(n) for n in re.findall(r"^\*\*(\d+)\. ", reply.embeds[0].description, re.M)]


def test_every_event_appears_once_in_order_with_when_and_verbatim_source(
    kb: KnowledgeBase, services
) -> None:
    replies = all_pages(services)
    assert len(replies) > 1, "today's ten events should need more than one page"
    text = "\n".join(text_of(reply) for reply in replies)
    numbers = [n for reply in replies for n in event_numbers(reply)]
    assert numbers == list(range(1, len(kb.events) + 1))
    positions = [text.index(event.title) for event in kb.events]
    assert positions == sorted(positions)
    for event in kb.events:
        assert text.count(f"**{numbers[kb.events.index(event)]}. {event.title}**") == 1
        assert event.when in text
        assert event.text in text
        assert event.source.quote in text
        assert kb.seed_title(event.source.seed) in text
        if event.curator_note:
            assert f"Curator's note: {event.curator_note}" in text


def test_pages_hold_at_most_four_events_and_say_where_you_are(services) -> None:
    replies = all_pages(services)
    for number, reply in enumerate(replies, 1):
        assert 1 <= len(event_numbers(reply)) <= tl.EVENTS_PER_PAGE
        assert f"Page {number} of {len(replies)}" in reply.embeds[0].footer


def test_buttons_carry_user_page_and_topic_and_disable_at_the_ends(services) -> None:
    first = tl.timeline(services, invocation(USER), "Kurils")
    ((previous, following),) = first.buttons
    assert previous.disabled and not following.disabled
    assert following.custom_id == f"tl:{USER}:1:kuril-islands"
    assert component_owner(following.custom_id) == USER
    last = all_pages(services, "Kurils")[-1]
    assert last.buttons[0][-1].disabled and not last.buttons[0][0].disabled


def test_a_topic_narrows_to_its_events(kb: KnowledgeBase, services) -> None:
    reply = tl.timeline(services, invocation(USER), "kishda")
    expected = [event for event in kb.events if "fumio-kishida" in event.topics]
    assert expected
    assert reply.embeds[0].title == "Timeline: Fumio Kishida"
    for event in expected:
        assert event.text in text_of(reply)
    assert not reply.buttons
    assert len(event_numbers(reply)) == len(expected)


def test_an_unknown_topic_gets_a_polite_ephemeral_reply(services) -> None:
    reply = tl.timeline(services, invocation(USER), "Vladimir Putin")
    assert reply.ephemeral
    assert "Vladimir Putin" in text_of(reply)
    assert "Kuril Islands" in text_of(reply)  # lists topics that do have events
    guess = tl.timeline(services, invocation(USER), "sanctiions and countr")
    assert guess.ephemeral and "Sanctions and countermeasures" in text_of(guess)


def test_a_topic_without_events_says_so(services) -> None:
    reply = tl.timeline(services, invocation(USER), "trade")
    assert reply.ephemeral and "Trade and energy" in text_of(reply)


async def test_paging_survives_a_restart_through_the_registry(kb) -> None:
    first = tl.timeline(Services(kb), invocation(USER))
    custom_id = first.buttons[0][-1].custom_id
    fresh = Services(kb)  # as after a restart: nothing remembered
    page = run_component(custom_id, fresh, invocation(USER))
    assert not page.ephemeral and event_numbers(page)[0] == tl.EVENTS_PER_PAGE + 1
    assert COMPONENTS["tl"] is tl.timeline_button


@pytest.mark.parametrize(
    "custom_id",
    [
        "tl:",
        "tl:42",
        "tl:42:x:-",
        "tl:42:1:Not A Topic",
        "tl:42:1:no-such-topic",
        "tl:42:99:-",
        "tl:42:-1:-",
        "tl:abc:1:-",
        "tl:42:1:-:extra",
        "zz:42:1:-",
        "",
    ],
)
async def test_forged_or_stale_ids_get_a_polite_notice(services, custom_id) -> None:
    reply = run_component(custom_id, services, invocation(USER))
    assert reply.ephemeral


def test_only_the_invoker_can_turn_pages(services) -> None:
    custom_id = page_id("tl", USER, 1, None)
    assert stranger_refusal(custom_id, invocation(USER)) is None
    reply = stranger_refusal(custom_id, invocation(USER + 1))
    assert reply is not None and reply.ephemeral
    assert "belong to whoever ran the command" in text_of(reply)


def test_custom_ids_stay_within_100_characters_for_the_longest_ids() -> None:
    longest = page_id("tl", 2**64 - 1, 999_999, "a" * 60)
    assert len(longest) <= 100


# -- properties, over today's knowledge base and one grown well beyond it ---------------


@settings(
    max_examples=examples(60),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(data=st.data(), page=st.integers(min_value=-2, max_value=8))
def test_every_topic_and_page_shows_that_page_or_says_there_is_none(
    kb: KnowledgeBase, data: st.DataObject, page: int
) -> None:
    topic = data.draw(st.sampled_from([None, *sorted(kb.topics)]), label="topic")
    reply = tl.render_page(kb, USER, topic, page)
    events = tl.events_for(kb, topic)
    pages = len(tl.pages_for(kb, topic))
    if not events:
        assert reply.ephemeral and not reply.buttons
        return
    if not 0 <= page < pages:
        assert reply.ephemeral and f"there is no page {page + 1}" in text_of(reply)
        return
    assert not reply.ephemeral
    numbers = event_numbers(reply)
    assert numbers == list(range(numbers[0], numbers[0] + len(numbers)))
    assert numbers[0] >= 1 and numbers[-1] <= len(events)
    for number in numbers:
        assert f"**{number}. {events[number - 1].title}**" in reply.embeds[0].description
    if pages == 1:
        assert not reply.buttons
        return
    assert f"Page {page + 1} of {pages}" in (reply.embeds[0].footer or "")
    ((previous, following),) = reply.buttons
    assert parse_page_id(previous.custom_id, "tl") == (USER, max(page - 1, 0), topic)
    assert parse_page_id(following.custom_id, "tl") == (USER, min(page + 1, pages - 1), topic)
    assert previous.disabled == (page == 0) and following.disabled == (page == pages - 1)


@pytest.mark.parametrize("topic", [None, "peace-talks", "kuril-islands", "trade"])
def test_a_grown_knowledge_base_pages_every_event_exactly_once(big_services, topic) -> None:
    big = big_services.kb
    expected = tl.events_for(big, topic)
    replies = all_pages(big_services, topic)
    if not expected:
        assert replies[0].ephemeral
        return
    assert len(expected) > 200 or topic is not None
    numbers = [n for reply in replies for n in event_numbers(reply)]
    assert numbers == list(range(1, len(expected) + 1))


def test_an_event_longer_than_a_page_is_split_not_cut(kb: KnowledgeBase) -> None:
    event = kb.events[0]
    words = [f"word{n}" for n in range(2500)]
    huge = event.model_copy(update={"id": "huge", "order": 5, "text": " ".join(words)})
    huge_kb = KnowledgeBase(kb.seeds, (*kb.entries, huge), kb.themes, "huge")
    services = services_without_free_text(huge_kb)
    replies = all_pages(services)
    shown = " ".join(reply.embeds[0].description for reply in replies).split()
    assert [w for w in shown if w.startswith("word")] == words


def test_topic_autocomplete_is_not_crowded_out_by_topics_without_events(kb: KnowledgeBase) -> None:
    """Topics are filtered to those with events before the 25-choice limit, not after."""
    base = kb
    actor = base.actors[0]
    idle = [
        actor.model_copy(update={"id": f"sanct-{n:02}", "name": f"Sanct {n:02}", "aliases": ()})
        for n in range(40)
    ]
    idle_kb = dataclasses.replace(base, entries=(*base.entries, *idle))
    values = [
        choice.value for choice in complete_topic(services_without_free_text(idle_kb), "sanct")
    ]
    assert "sanctions" in values
    assert not [value for value in values if value.startswith("sanct-")]


def test_component_owner_is_none_for_ids_without_an_owner() -> None:
    assert component_owner("tl:garbage") is None
    assert component_owner("gone") is None
    assert component_owner("sx:5:0:-") == 5  # every paging button names its owner
