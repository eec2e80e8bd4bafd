"""`kuril-brief ask`: plain, `--json` and `--jsonl` output in PRODUCT.md's shape."""

from __future__ import annotations

import io
import json

import pytest

from bot.cli import main

KEYS = {
    "question": str,
    "answered": bool,
    "answer": str,
    "sources": list,
    "suggestions": list,
    "lang": str,
}


# Each run loads the knowledge base and trains the free-text model afresh: seconds each.
pytestmark = [pytest.mark.usefixtures("clean_environment"), pytest.mark.e2e]


def check_shape(payload: dict) -> None:
    assert set(payload) == {*KEYS, "score"}
    for key, kind in KEYS.items():
        assert isinstance(payload[key], kind), key
    assert isinstance(payload["score"], int | float)
    assert all(isinstance(item, str) for item in payload["sources"] + payload["suggestions"])


def test_ask_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ask", "--json", "Why", "were", "the", "Kuril", "talks", "suspended?"]) == 0
    payload = json.loads(capsys.readouterr().out)
    check_shape(payload)
    assert payload["question"] == "Why were the Kuril talks suspended?"
    assert payload["answered"] is True
    assert "sanction" in payload["answer"]


def test_ask_plain_prints_the_answer_with_its_source(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ask", "how many banks did Japan sanction"]) == 0
    out = capsys.readouterr().out
    assert "seven banks" in out
    assert "Source (Russia suspends talks with Japan over the Kuril Islands)" in out


def test_ask_jsonl(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    lines = "What did Kishida say?\n\nWhat's the best pizza topping?\n@everyone 🙂\n"
    monkeypatch.setattr("sys.stdin", io.StringIO(lines))
    assert main(["ask", "--jsonl"]) == 0
    payloads = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert len(payloads) == 4, "one object per input line, the blank one included"
    for payload in payloads:
        check_shape(payload)
    assert [p["answered"] for p in payloads] == [True, False, False, False]
    assert "unacceptable" in payloads[0]["answer"]
    assert payloads[1]["question"] == ""
    assert payloads[1]["answer"] and payloads[1]["sources"] == []
    assert payloads[2]["suggestions"] == []  # nothing in the knowledge base is related
    assert "@everyone" not in payloads[3]["answer"]


def test_ask_jsonl_outputs_line_up_with_inputs(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    questions = ["", "how many banks did Japan sanction", "   ", "", "Who painted the Mona Lisa?"]
    monkeypatch.setattr("sys.stdin", io.StringIO("\n".join(questions)))  # no final newline
    assert main(["ask", "--jsonl"]) == 0
    payloads = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [p["question"] for p in payloads] == [q.strip() for q in questions]
    assert [p["answered"] for p in payloads] == [False, True, False, False, False]


def test_ask_answers_in_the_questions_language(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ask", "--json", "日本は銀行何行に制裁を科したの？"]) == 0
    japanese = json.loads(capsys.readouterr().out)
    check_shape(japanese)
    assert japanese["lang"] == "ja"
    assert "日本は銀行7行に制裁を科した。" in japanese["answer"]
    assert "出典（英語原文" in japanese["answer"]
    # the source stays the article's verbatim English sentence
    assert japanese["sources"] == [
        "Japan has sanctioned 76 individuals and seven banks, frozen Russian foreign currency "
        "reserves, and limited exports of high-tech components to Russia."
    ]
    assert main(["ask", "--json", "Почему Россия приостановила переговоры?"]) == 0
    russian = json.loads(capsys.readouterr().out)
    assert russian["lang"] == "ru"
    assert "приостановила переговоры по Курилам" in russian["answer"]
    assert "Источник (оригинал на английском" in russian["answer"]
    assert russian["sources"][0] in russian["answer"]


def test_ask_lang_picks_the_language_by_hand(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ask", "--json", "--lang", "ru", "How many banks did Japan sanction?"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["lang"] == "ru"
    assert "Япония ввела санкции против семи банков." in payload["answer"]
    assert "seven banks" in payload["sources"][0]


def test_ask_declines_a_language_it_cannot_read_politely(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["ask", "--json", "쿠릴 열도는 어디에 있나요?"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["answered"] is False
    assert payload["lang"] == "en"
    assert "Japanese (日本語) or Russian (русский)" in payload["answer"]
