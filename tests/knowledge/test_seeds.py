from knowledge.seeds import split_sentences
from tests.conftest import SEEDS_DIR


def test_splits_at_sentence_ends_but_not_inside_quotes_or_dashes() -> None:
    text = (
        "Now, the talks – which have been going on since 1951 – will stop. Next one.\n"
        '“It is unfair,” said Mr Kishida. Russia said "no". “Quoted start.”'
    )
    assert split_sentences(text) == (
        "Now, the talks – which have been going on since 1951 – will stop.",
        "Next one.",
        "“It is unfair,” said Mr Kishida.",
        'Russia said "no".',
        "“Quoted start.”",
    )


def test_every_sentence_of_the_seed_is_verbatim_and_nothing_is_lost() -> None:
    text = (SEEDS_DIR / "russia-suspends-kuril-talks.txt").read_text(encoding="utf-8")
    sentences = split_sentences(text)
    assert len(sentences) == 17
    assert all(sentence in text for sentence in sentences)
    assert "".join(sentences).replace(" ", "") == "".join(text.split())
