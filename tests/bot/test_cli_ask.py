"""`kuril-brief ask`: plain, `--json` and `--jsonl` output in PRODUCT.md's shape."""

from __future__ import annotations

import io
import json

import pytest

from bot.cli import main

KEYS = {"question": str, "answered": bool, "answer": str, "sources": list, "suggestions": list}


pytestmark = pytest.mark.usefixtures("clean_environment")


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
