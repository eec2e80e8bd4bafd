"""`/ask` and `kuril-brief ask --json`: reply shapes, the JSON contract, limits and no pings."""

from __future__ import annotations

import json
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from commands.ask import ask_payload, ask_reply, no_pings
from commands.context import Services
from commands.messages import COLOUR_NOTICE, EMBED_TOTAL_LIMIT, Reply
from tests.commands.helpers import invocation

PING = re.compile(r"@(everyone|here)|<@[!&]?\d+>|<#\d+>")
HOSTILE = [
    "",
    "   ",
    "@everyone why were the talks suspended?",
    "@here <@123> <@&456> <#789> what did kishida say",
    "x" * 3000,
    "🙂🙂🙂",
    "Z̷̢a̴l̶g̸o̵ t̷e̸x̴t",
    "```py\nprint(1)\n```",
    "千島列島",
    "¿Qué pasó con las islas Kuriles?",
]


def all_text(reply: Reply) -> str:
    parts = [reply.content or ""]
    for embed in reply.embeds:
        parts += [embed.title or "", embed.description or "", embed.footer or ""]
        parts += [f"{field.name}\n{field.value}" for field in embed.fields]
    return "\n".join(parts)


def test_an_answer_is_public_with_text_and_verbatim_source(services: Services) -> None:
    reply = ask_reply(services, invocation(), "Why were the Kuril talks suspended?")
    assert not reply.ephemeral
    (embed,) = reply.embeds
    assert "sanctions" in (embed.description or "")
    source = next(field for field in embed.fields if field.name == "Source")
    assert source.value.startswith("> ")
    assert "Russia suspends talks with Japan over the Kuril Islands" in source.value
    assert "Match confidence" in (embed.footer or "")


def test_an_event_answer_says_when(services: Services) -> None:
    reply = ask_reply(services, invocation(), "When did the Soviet Union annex the Kurils?")
    fields = {field.name: field.value for field in reply.embeds[0].fields}
    assert "dying days" in fields["When"]
    assert "Curator's note" in fields


def test_a_quote_answer_names_its_speaker(services: Services) -> None:
    reply = ask_reply(services, invocation(), "What did Kishida say?")
    assert "Fumio Kishida" in (reply.embeds[0].title or "")
    assert "unacceptable" in (reply.embeds[0].description or "")


def test_a_decline_is_polite_with_did_you_mean(services: Services) -> None:
    reply = ask_reply(services, invocation(), "What is the population of Hokkaido?")
    (embed,) = reply.embeds
    assert embed.colour == COLOUR_NOTICE
    assert "don't know" in (embed.description or "")
    assert "Did you mean" in (embed.description or "")
    assert "**Hokkaido**" in (embed.description or "")


@pytest.mark.parametrize("question", ["", "   ", "🙂", "x" * 3000, "千島列島", "what?"])
def test_garbage_gets_ephemeral_guidance(services: Services, question: str) -> None:
    reply = ask_reply(services, invocation(), question)
    assert reply.ephemeral
    assert "Kuril" in all_text(reply)


def test_payload_matches_the_product_contract(services: Services) -> None:
    payload = ask_payload(services, "How many individuals were sanctioned?")
    assert set(payload) == {"question", "answered", "answer", "sources", "suggestions", "score"}
    assert payload["question"] == "How many individuals were sanctioned?"
    assert payload["answered"] is True
    assert "76" in payload["answer"]
    assert payload["sources"] and all(isinstance(s, str) for s in payload["sources"])
    assert payload["sources"][0] in payload["answer"]  # the answer shows its source
    assert "Russia suspends talks with Japan over the Kuril Islands" in payload["answer"]
    assert payload["suggestions"] == []
    assert isinstance(payload["score"], float)
    json.dumps(payload)


def test_payload_of_a_decline(services: Services) -> None:
    payload = ask_payload(services, "Who painted the Mona Lisa?")
    assert payload["answered"] is False
    assert payload["sources"] == []
    assert 0 < len(payload["suggestions"]) <= 3
    assert "don't know" in payload["answer"]


@pytest.mark.parametrize("question", HOSTILE)
def test_hostile_input_never_pings_and_fits(services: Services, question: str) -> None:
    reply = ask_reply(services, invocation(), question)
    assert reply.mention_role_id is None
    assert not PING.search(all_text(reply))
    assert sum(embed.size for embed in reply.embeds) <= EMBED_TOTAL_LIMIT
    payload = ask_payload(services, question)
    assert not PING.search(payload["answer"])


def test_no_pings_defuses_every_mention_form() -> None:
    text = no_pings("@everyone @here <@1> <@!2> <@&3> <#4> @EVERYONE")
    assert not PING.search(text)
    assert not re.search(r"@everyone|@here", text, re.IGNORECASE)


def test_answers_on_a_grown_knowledge_base_fit(big_services: Services) -> None:
    for question in ("why were the talks suspended", "what did kishida say", "sanctions"):
        reply = ask_reply(big_services, invocation(), question)
        assert reply.embeds


@settings(
    max_examples=200,
    deadline=None,
    # `services` holds no per-call state the answerer touches; sharing it is the point.
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(question=st.text(max_size=700))
def test_any_text_gives_a_valid_reply_and_payload(services: Services, question: str) -> None:
    reply = ask_reply(services, invocation(), question)
    assert isinstance(reply, Reply) and reply.embeds
    assert not PING.search(all_text(reply))
    payload = ask_payload(services, question)
    assert isinstance(payload["answered"], bool)
    assert isinstance(payload["answer"], str) and payload["answer"]
    assert isinstance(payload["score"], float)
    assert len(payload["suggestions"]) <= 3
    json.dumps(payload, ensure_ascii=False)
