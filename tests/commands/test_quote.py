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
from knowledge.models import Actor
from tests.commands.helpers import check_limits, invocation, real_kb, text_of

KB = real_kb()


def shown_quote(reply) -> str:
    """Which knowledge-base quote a reply shows (by its verbatim words)."""
    matches = [q.id for q in KB.quotes if f"“{q.text}”" in reply.embeds[0].description]
    assert len(matches) == 1
    return matches[0]


@pytest.mark.parametrize("item", KB.quotes, ids=lambda q: q.id)
def test_a_quote_shows_words_speaker_role_context_and_source(item) -> None:
    reply = qt.render_quote(KB, item)
    text = text_of(reply)
    speaker = KB.get(item.speaker)
    assert isinstance(speaker, Actor)
    assert f"“{item.text}”" in reply.embeds[0].description  # verbatim, uncut
    assert reply.embeds[0].title == speaker.name
    assert item.role in text and item.context in text
    assert item.source.quote in text and KB.seed_title(item.source.seed) in text
    assert not reply.ephemeral
    check_limits(reply)


def test_without_a_speaker_it_rotates_through_every_quote_before_repeating(services) -> None:
    n = len(KB.quotes)
    shown = [shown_quote(qt.quote(services, invocation())) for _ in range(2 * n)]
    assert sorted(shown[:n]) == sorted(q.id for q in KB.quotes)
    assert shown[n:] == shown[:n]
    assert all(a != b for a, b in itertools.pairwise(shown))


def test_rotation_is_per_channel(services) -> None:
    first = shown_quote(qt.quote(services, invocation(channel_id=1)))
    assert shown_quote(qt.quote(services, invocation(channel_id=2))) == first


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
def test_aliases_and_typos_pick_the_right_speaker(services, typed, speaker) -> None:
    reply = qt.quote(services, invocation(), typed)
    assert KB.get(shown_quote(reply)).speaker == speaker


def test_a_speaker_rotates_among_their_own_quotes(services) -> None:
    own = [q.id for q in KB.quotes if q.speaker == "russia-foreign-ministry"]
    assert len(own) > 1
    shown = [
        shown_quote(qt.quote(services, invocation(), "Foreign Ministry")) for _ in range(len(own))
    ]
    assert sorted(shown) == sorted(own)


@pytest.mark.parametrize("typed", ["Putin", "nobody at all", "Japan", "Kurils"])
async def test_an_unknown_speaker_gets_the_list_of_who_can_be_quoted(services, typed) -> None:
    reply = run_command("quote", services, invocation(), {"speaker": typed})
    assert reply.ephemeral
    for speaker_id in {q.speaker for q in KB.quotes}:
        assert KB.get(speaker_id).name in text_of(reply)


def test_a_known_actor_without_quotes_is_named(services) -> None:
    reply = qt.quote(services, invocation(), "Japan")
    assert "no quotes from Japan" in text_of(reply)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(typed=st.one_of(st.none(), st.sampled_from([a.name for a in KB.actors]), st.text()))
def test_every_speaker_and_input_respects_the_limits(services, typed) -> None:
    check_limits(qt.quote(services, invocation(), typed))


def test_a_grown_knowledge_base_stays_within_limits(big_services) -> None:
    big = big_services.kb
    for item in big.quotes[:60]:
        check_limits(qt.render_quote(big, item, 0, len(big.quotes)))
    check_limits(qt.quote(big_services, invocation(), "no such person"))
    for n in range(30):
        reply = qt.quote(big_services, invocation(), f"grown alias {n}")
        speaker = big.get(f"grown-speaker-{n}")
        assert reply.embeds[0].title == truncate(speaker.name, 256)
        check_limits(reply)


def test_a_quote_too_long_for_a_message_is_shortened_visibly() -> None:
    from knowledge.base import KnowledgeBase

    item = KB.quotes[0].model_copy(update={"id": "huge", "text": "word " * 2000})
    kb = KnowledgeBase(KB.seeds, (*KB.entries, item), KB.themes, "huge")
    reply = qt.render_quote(kb, item)
    check_limits(reply)
    assert "Shortened to fit Discord" in reply.embeds[0].description


@pytest.mark.parametrize("typed", ["@everyone", "<@123>", "<@&99> and @here", "`code` here"])
def test_unknown_names_are_echoed_without_working_mentions(typed: str) -> None:
    from commands.timeline import timeline

    services = Services(kb=real_kb())
    for reply in (
        qt.quote(services, invocation(), typed),
        timeline(services, invocation(), typed),
    ):
        shown = reply.embeds[0].description or ""
        assert reply.ephemeral
        for mention in ("@everyone", "@here", "<@123>", "<@&99>", "`code`"):
            assert mention not in shown
