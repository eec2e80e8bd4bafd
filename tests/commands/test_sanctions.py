"""`/sanctions`: each side's measures with their figures and verbatim sources."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from commands import sanctions as sx
from commands.messages import COLOUR_JAPAN, COLOUR_RUSSIA
from commands.registry import run_command, run_component, stranger_refusal
from tests.commands.helpers import check_limits, invocation, real_kb, text_of

KB = real_kb()


def test_japan_side_has_the_figures_and_the_verbatim_source(services) -> None:
    reply = sx.sanctions(services, invocation(), "japan")
    text = text_of(reply)
    assert [embed.colour for embed in reply.embeds] == [COLOUR_JAPAN]
    assert "76 individuals" in text and "seven banks" in text
    assert "foreign currency reserves" in text and "high-tech components" in text
    for sanction in KB.sanctions_by("japan"):
        assert sanction.text in text
        assert sanction.source.quote in text
    assert not any(s.text in text for s in KB.sanctions_by("russia"))


def test_russia_side_has_its_countermeasures_with_sources(services) -> None:
    reply = sx.sanctions(services, invocation(), "russia")
    text = text_of(reply)
    assert [embed.colour for embed in reply.embeds] == [COLOUR_RUSSIA]
    assert "visa-free travel" in text and "joint business projects" in text
    assert "breaking off talks" in text
    for sanction in KB.sanctions_by("russia"):
        assert sanction.text in text and sanction.source.quote in text


def test_both_sides_by_default_japan_first(services) -> None:
    reply = sx.sanctions(services, invocation())
    assert [embed.colour for embed in reply.embeds] == [COLOUR_JAPAN, COLOUR_RUSSIA]
    assert reply.embeds[0].title == sx.HEADINGS["japan"]
    text = text_of(reply)
    for sanction in KB.sanctions:
        assert text.count(f"**{sanction.measure}**") == 1
        assert sanction.source.quote in text
    assert not reply.buttons
    check_limits(reply)


def test_a_shared_source_sentence_is_shown_once_per_group(services) -> None:
    reply = sx.sanctions(services, invocation(), "japan")
    quote = KB.sanctions_by("japan")[0].source.quote
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
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(side=st.sampled_from([None, "japan", "russia"]), page=st.integers(-1, 5))
def test_every_side_and_page_respects_the_limits(services, side, page) -> None:
    check_limits(sx.render_page(KB, 42, side, page))


@pytest.mark.parametrize("side", [None, "japan", "russia"])
async def test_a_grown_knowledge_base_pages_every_measure_once(big_services, side) -> None:
    big = big_services.kb
    reply = sx.sanctions(big_services, invocation(), side)
    replies = [reply]
    while replies[-1].buttons and not replies[-1].buttons[0][-1].disabled:
        custom_id = replies[-1].buttons[0][-1].custom_id
        replies.append(run_component(custom_id, big_services, invocation()))
    assert len(replies) > 1
    shown = [
        line.split("**")[1]
        for reply in replies
        for embed in reply.embeds
        for line in embed.description.splitlines()
        if line.startswith("• **")
    ]
    assert shown == [sanction.measure for sanction in sx.measures(big, side)]
    for reply in replies:
        check_limits(reply)
    assert "(continued)" in replies[1].embeds[0].title


def test_buttons_belong_to_the_invoker(big_services) -> None:
    reply = sx.sanctions(big_services, invocation(user_id=5), "japan")
    custom_id = reply.buttons[0][-1].custom_id
    assert custom_id == "sx:5:1:japan"
    assert stranger_refusal(custom_id, invocation(user_id=5)) is None
    refused = stranger_refusal(custom_id, invocation(user_id=6))
    assert refused is not None and refused.ephemeral
    assert sx.sanctions_button(big_services, invocation(user_id=5), "sx:5:1:china").ephemeral
