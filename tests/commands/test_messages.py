"""The message model enforces Discord's limits at construction; `paginate` never loses text."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from commands.messages import (
    Button,
    Embed,
    EmbedField,
    Reply,
    paginate,
    truncate,
)
from tests.conftest import examples


def field(name: str = "n", value: str = "v") -> EmbedField:
    return EmbedField(name=name, value=value)


def button(n: int) -> Button:
    return Button(label=f"b{n}", custom_id=f"id:{n}")


# (what is being limited, a factory taking a size, the limit)
LIMITS = [
    ("content", lambda n: Reply(content="x" * n), 2000),
    ("embed title", lambda n: Embed(title="x" * n), 256),
    ("embed description", lambda n: Embed(description="x" * n), 4096),
    ("fields per embed", lambda n: Embed(fields=tuple(field() for _ in range(n))), 25),
    ("field name", lambda n: field(name="x" * n), 256),
    ("field value", lambda n: field(value="x" * n), 1024),
    ("footer", lambda n: Embed(footer="x" * n), 2048),
    (
        "embed total",
        lambda n: Embed(description="x" * 4000, footer="y" * (n - 4000)),
        6000,
    ),
    (
        "all embeds total",
        lambda n: Reply(
            embeds=(Embed(description="x" * 3000), Embed(description="y" * (n - 3000)))
        ),
        6000,
    ),
    ("embeds per message", lambda n: Reply(embeds=tuple(Embed(title="t") for _ in range(n))), 10),
    (
        "button rows",
        lambda n: Reply(content="c", buttons=tuple((button(i),) for i in range(n))),
        5,
    ),
    (
        "buttons per row",
        lambda n: Reply(content="c", buttons=(tuple(button(i) for i in range(n)),)),
        5,
    ),
    ("button label", lambda n: Button(label="x" * n, custom_id="id"), 80),
    ("custom id", lambda n: Button(label="l", custom_id="x" * n), 100),
]


@pytest.mark.parametrize(("what", "build", "limit"), LIMITS, ids=[row[0] for row in LIMITS])
def test_limit_accepted_at_and_rejected_one_over(what, build, limit) -> None:
    build(limit)
    with pytest.raises(ValidationError):
        build(limit + 1)


def test_reply_needs_something_to_show() -> None:
    with pytest.raises(ValidationError):
        Reply()


def test_button_custom_ids_are_unique_within_a_message() -> None:
    with pytest.raises(ValidationError):
        Reply(content="c", buttons=((button(1), button(1)),))


def test_notice_is_ephemeral() -> None:
    assert Reply.notice("Sorry.").ephemeral


words = st.text(
    alphabet=st.sampled_from("abcdefghijklmnopqrstuvwxyzÉéü’,;.!?0123456789-"),
    min_size=1,
    max_size=30,
)
sentences = st.lists(words, min_size=1, max_size=40).map(" ".join)
blocks = st.lists(
    st.lists(sentences, min_size=1, max_size=5).map(lambda parts: ". ".join(parts)),
    min_size=0,
    max_size=12,
)


@settings(max_examples=examples(150), deadline=None)
@given(blocks=blocks, limit=st.integers(min_value=10, max_value=400))
def test_paginate_drops_nothing_and_respects_the_limit(blocks, limit) -> None:
    pages = paginate(blocks, limit)
    assert all(1 <= len(page) <= limit for page in pages)
    assert "".join("".join(pages).split()) == "".join("".join(blocks).split())


@settings(max_examples=examples(150), deadline=None)
@given(blocks=blocks, limit=st.integers(min_value=32, max_value=400))
def test_paginate_keeps_every_word_whole_and_in_order(blocks, limit) -> None:
    # Words are at most 31 characters (30 and a joining full stop), so none may be cut.
    pages = paginate(blocks, limit)
    assert [w for page in pages for w in page.split()] == [w for b in blocks for w in b.split()]


def test_paginate_prefers_line_then_sentence_boundaries() -> None:
    text = "First sentence here. Second sentence here. Third one."
    assert paginate([text], 45) == ["First sentence here. Second sentence here.", "Third one."]
    assert paginate(["aaaa", "bbbb", "cccc"], 9) == ["aaaa\nbbbb", "cccc"]


def test_paginate_cuts_only_a_word_longer_than_a_page() -> None:
    assert paginate(["x" * 25], 10) == ["x" * 10, "x" * 10, "x" * 5]


def test_truncate_ends_at_a_word_with_an_ellipsis() -> None:
    assert truncate("short", 10) == "short"
    cut = truncate("the quick brown fox jumps", 12)
    assert cut == "the quick…" and len(cut) <= 12


@pytest.mark.parametrize(
    ("text", "limit", "expected"),
    [
        ("one two three", 8, "one two…"),  # "two" fits: it is kept
        ("aaaa\nbbbbbbbb", 8, "aaaa…"),  # never half a word after a line break
        ("one two", 7, "one two"),
        ("abcdefghij", 5, "abcd…"),  # a single over-long word is the only thing cut
        ("aa\na a", 4, "aa…"),  # a line break just before the cut is a boundary too
    ],
)
def test_truncate_keeps_every_whole_word_that_fits(text: str, limit: int, expected: str) -> None:
    assert truncate(text, limit) == expected


@given(
    words=st.lists(st.text("abcdefghij", min_size=1, max_size=12), min_size=1, max_size=30),
    separators=st.lists(st.sampled_from([" ", "\n", "  "]), min_size=30, max_size=30),
    limit=st.integers(min_value=2, max_value=120),
)
def test_truncate_cuts_only_between_words(
    words: list[str], separators: list[str], limit: int
) -> None:
    text = "".join(
        word + separator for word, separator in zip(words, separators, strict=False)
    ).strip()
    short = truncate(text, limit)
    assert len(short) <= limit
    if short == text:
        return
    kept = short.removesuffix("…")
    assert text.startswith(kept)
    if len(words[0]) < limit:  # not the single over-long word case
        assert text[len(kept)].isspace(), "the cut falls between words"
