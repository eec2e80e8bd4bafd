"""`/sanctions`: each side's measures with their figures and verbatim sources."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from commands import sanctions as sx
from commands.formatting import parse_page_id
from commands.messages import COLOUR_JAPAN, COLOUR_RUSSIA, Reply
from commands.registry import run_command, run_component, stranger_refusal
from knowledge.base import KnowledgeBase
from knowledge.models import Side
from tests.commands.helpers import invocation, text_of
from tests.conftest import examples


def measures_shown(replies: list[Reply]) -> list[str]:
    """The measures the replies list, in order (each is a bold bullet)."""
    return [
        line.split("**")[1]
        for reply in replies
        for embed in reply.embeds
        for line in (embed.description or "").splitlines()
        if line.startswith("• **")
    ]


def test_japan_side_has_the_figures_and_the_verbatim_source(kb: KnowledgeBase, services) -> None:
    reply = sx.sanctions(services, invocation(), "japan")
    text = text_of(reply)
    assert [embed.colour for embed in reply.embeds] == [COLOUR_JAPAN]
    assert "76 individuals" in text and "seven banks" in text
    assert "foreign currency reserves" in text and "high-tech components" in text
    for sanction in kb.sanctions_by("japan"):
        assert sanction.text in text
        assert sanction.source.quote in text
    assert not any(s.text in text for s in kb.sanctions_by("russia"))


def test_russia_side_has_its_countermeasures_with_sources(kb: KnowledgeBase, services) -> None:
    reply = sx.sanctions(services, invocation(), "russia")
    text = text_of(reply)
    assert [embed.colour for embed in reply.embeds] == [COLOUR_RUSSIA]
    assert "visa-free travel" in text and "joint business projects" in text
    assert "breaking off talks" in text
    for sanction in kb.sanctions_by("russia"):
        assert sanction.text in text and sanction.source.quote in text


def test_both_sides_by_default_japan_first(kb: KnowledgeBase, services) -> None:
    reply = sx.sanctions(services, invocation())
    assert [embed.colour for embed in reply.embeds] == [COLOUR_JAPAN, COLOUR_RUSSIA]
    assert reply.embeds[0].title == sx.HEADINGS["japan"]
    text = text_of(reply)
    for sanction in kb.sanctions:
        assert text.count(f"**{sanction.measure}**") == 1
        assert sanction.source.quote in text
    assert not reply.buttons


def test_a_shared_source_sentence_is_shown_once_per_group(kb: KnowledgeBase, services) -> None:
    reply = sx.sanctions(services, invocation(), "japan")
    quote = kb.sanctions_by("japan")[0].source.quote
    assert text_of(reply).count(quote) == 1


@pytest.mark.parametrize("value", ["Japan", " JAPAN ", "Japanese", "Tokyo"])
def test_side_accepts_other_names_for_a_country(services, value) -> None:
    assert sx.sanctions(services, invocation(), value).embeds[0].colour == COLOUR_JAPAN


@pytest.mark.parametrize("value", ["china", "both", "ukraine", "x"])
async def test_an_invalid_side_gets_a_notice_naming_the_valid_values(services, value) -> None:
    reply = run_command("sanctions", services, invocation(), {"side": value})
    assert reply.ephemeral
    assert "`japan`" in text_of(reply) and "`russia`" in text_of(reply)


@settings(
    max_examples=examples(40),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(side=st.sampled_from([None, "japan", "russia"]), page=st.integers(-1, 5))
def test_every_side_and_page_shows_a_run_of_that_sides_measures(
    kb: KnowledgeBase, side: Side | None, page: int
) -> None:
    reply = sx.render_page(kb, 42, side, page)
    pages = len(sx.pages_for(kb, side))
    if not 0 <= page < pages:
        assert reply.ephemeral and f"there is no page {page + 1}" in text_of(reply)
        return
    assert not reply.ephemeral
    shown = measures_shown([reply])
    expected = [sanction.measure for sanction in sx.measures(kb, side)]
    assert shown, "a page shows at least one measure"
    starts = [n for n, measure in enumerate(expected) if measure == shown[0]]
    assert any(expected[n : n + len(shown)] == shown for n in starts), "in knowledge-base order"
    if pages == 1:
        assert not reply.buttons
        return
    ((previous, following),) = reply.buttons
    assert parse_page_id(previous.custom_id, "sx") == (42, max(page - 1, 0), side)
    assert parse_page_id(following.custom_id, "sx") == (42, min(page + 1, pages - 1), side)


@pytest.mark.parametrize("side", [None, "japan", "russia"])
async def test_a_grown_knowledge_base_pages_every_measure_once(big_services, side) -> None:
    big = big_services.kb
    reply = sx.sanctions(big_services, invocation(), side)
    replies = [reply]
    while replies[-1].buttons and not replies[-1].buttons[0][-1].disabled:
        custom_id = replies[-1].buttons[0][-1].custom_id
        replies.append(run_component(custom_id, big_services, invocation()))
    assert len(replies) > 1
    shown = measures_shown(replies)
    assert shown == [sanction.measure for sanction in sx.measures(big, side)]
    assert "(continued)" in replies[1].embeds[0].title


def test_buttons_belong_to_the_invoker(big_services) -> None:
    reply = sx.sanctions(big_services, invocation(user_id=5), "japan")
    custom_id = reply.buttons[0][-1].custom_id
    assert custom_id == "sx:5:1:japan"
    assert stranger_refusal(custom_id, invocation(user_id=5)) is None
    refused = stranger_refusal(custom_id, invocation(user_id=6))
    assert refused is not None and refused.ephemeral
    assert sx.sanctions_button(big_services, invocation(user_id=5), "sx:5:1:china").ephemeral
