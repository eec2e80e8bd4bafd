"""`/quote`: verbatim words with speaker, role, context and source; rotation; aliases."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from commands import quote as qt
from commands.context import Services
from commands.messages import truncate
from commands.registry import run_command
from knowledge.base import KnowledgeBase
from knowledge.models import Actor, Quote
from tests.commands.helpers import invocation, text_of
from tests.conftest import examples


def shown_quote(kb: KnowledgeBase, reply) -> str:
    """Which knowledge-base quote a reply shows (by its verbatim words)."""
    matches = [q.id for q in kb.quotes if f"“{q.text}”" in reply.embeds[0].description]
    assert len(matches) == 1
    return matches[0]


def test_a_quote_shows_words_speaker_role_context_and_source(kb: KnowledgeBase) -> None:
    for item in kb.quotes:
        reply = qt.render_quote(kb, item)
        text = text_of(reply)
        speaker = kb.get(item.speaker)
        assert isinstance(speaker, Actor), item.id
        assert f"“{item.text}”" in reply.embeds[0].description, item.id  # verbatim, uncut
        assert reply.embeds[0].title == speaker.name, item.id
        assert item.role in text and item.context in text, item.id
        assert item.source.quote in text and kb.seed_title(item.source.seed) in text, item.id
        assert not reply.ephemeral, item.id


def test_without_a_speaker_it_rotates_through_every_quote_before_repeating(
    kb: KnowledgeBase, services
) -> None:
    n = len(kb.quotes)
    shown = [shown_quote(kb, qt.quote(services, invocation())) for _ in range(2 * n)]
    assert sorted(shown[:n]) == sorted(q.id for q in kb.quotes)
    assert shown[n:] == shown[:n]
    assert all(a != b for a, b in itertools.pairwise(shown))


def test_rotation_is_per_channel(kb: KnowledgeBase, services) -> None:
    first = shown_quote(kb, qt.quote(services, invocation(channel_id=1)))
    assert shown_quote(kb, qt.quote(services, invocation(channel_id=2))) == first


@pytest.mark.parametrize(
    ("typed", "speaker"),
    [
        ("Kishida", "fumio-kishida"),
        ("kishda", "fumio-kishida"),
        ("Japan's PM", "fumio-kishida"),
        ("Russian foreign ministry", "russia-foreign-ministry"),
        ("russia-foreign-ministry", "russia-foreign-ministry"),
    ],
)
def test_aliases_and_typos_pick_the_right_speaker(
    kb: KnowledgeBase, services, typed, speaker
) -> None:
    reply = qt.quote(services, invocation(), typed)
    assert kb.get(shown_quote(kb, reply)).speaker == speaker


def test_a_speaker_rotates_among_their_own_quotes(kb: KnowledgeBase, services) -> None:
    own = [q.id for q in kb.quotes if q.speaker == "russia-foreign-ministry"]
    assert len(own) > 1
    shown = [
        shown_quote(kb, qt.quote(services, invocation(), "Foreign Ministry"))
        for _ in range(len(own))
    ]
    assert sorted(shown) == sorted(own)


@pytest.mark.parametrize("typed", ["Putin", "nobody at all", "Japan", "Kurils"])
async def test_an_unknown_speaker_gets_the_list_of_who_can_be_quoted(
    kb: KnowledgeBase, services, typed
) -> None:
    reply = run_command("quote", services, invocation(), {"speaker": typed})
    assert reply.ephemeral
    for speaker_id in {q.speaker for q in kb.quotes}:
        assert kb.get(speaker_id).name in text_of(reply)


def test_a_known_actor_without_quotes_is_named(services) -> None:
    reply = qt.quote(services, invocation(), "Japan")
    assert "no quotes from Japan" in text_of(reply)


@settings(
    max_examples=examples(60),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(data=st.data())
def test_every_speaker_and_input_gets_a_quote_of_theirs_or_a_notice(
    kb: KnowledgeBase, services: Services, data: st.DataObject
) -> None:
    names = {actor.name: actor.id for actor in kb.actors}
    quoted = {item.speaker for item in kb.quotes}
    typed = data.draw(st.one_of(st.none(), st.sampled_from(sorted(names)), st.text()), "typed")
    reply = qt.quote(services, invocation(), typed)
    if typed is None or names.get(typed) in quoted:
        assert not reply.ephemeral
    if reply.ephemeral:
        assert not any(f"“{item.text}”" in text_of(reply) for item in kb.quotes)
        return
    item = kb.get(shown_quote(kb, reply))
    assert isinstance(item, Quote)
    speaker = kb.get(item.speaker)
    assert isinstance(speaker, Actor) and reply.embeds[0].title == speaker.name
    if typed in names:
        assert item.speaker == names[typed]


def test_a_grown_knowledge_base_stays_within_limits(big_services) -> None:
    big = big_services.kb
    for item in big.quotes[:60]:
        reply = qt.render_quote(big, item, 0, len(big.quotes))
        assert reply.embeds[0].title == truncate(big.get(item.speaker).name, 256)
    assert qt.quote(big_services, invocation(), "no such person").ephemeral
    for n in range(30):
        reply = qt.quote(big_services, invocation(), f"grown alias {n}")
        speaker = big.get(f"grown-speaker-{n}")
        assert reply.embeds[0].title == truncate(speaker.name, 256)


def test_a_quote_too_long_for_a_message_is_shortened_visibly(kb: KnowledgeBase) -> None:
    item = kb.quotes[0].model_copy(update={"id": "huge", "text": "word " * 2000})
    huge_kb = KnowledgeBase(kb.seeds, (*kb.entries, item), kb.themes, "huge")
    reply = qt.render_quote(huge_kb, item)
    assert "Shortened to fit Discord" in reply.embeds[0].description


@pytest.mark.parametrize("typed", ["@everyone", "<@123>", "<@&99> and @here", "`code` here"])
def test_unknown_names_are_echoed_without_working_mentions(kb: KnowledgeBase, typed: str) -> None:
    from commands.timeline import timeline

    services = Services(kb=kb)
    for reply in (
        qt.quote(services, invocation(), typed),
        timeline(services, invocation(), typed),
    ):
        shown = reply.embeds[0].description or ""
        assert reply.ephemeral
        for mention in ("@everyone", "@here", "<@123>", "<@&99>", "`code`"):
            assert mention not in shown
