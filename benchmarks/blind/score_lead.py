"""The lead's independent blind-set scorer, kept beside the sets it scored.

Runs `kuril-brief ask --jsonl` from a checkout's `.venv` on one set and prints aggregates only
(the misses too with --misses, once a set has been scored). It shares no code with
`benchmarks/answerer.py`, so the two logs check each other. Keyword rule: see README.md.

    python3 benchmarks/blind/score_lead.py CHECKOUT SET.jsonl [--substring] [--misses]
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections import defaultdict
from pathlib import Path


def has_keyword(text: str, keywords: list[str], substring: bool) -> bool:
    """Stems of 4+ characters ("oppos") match inside words; "no" or "7" must stand alone."""
    for keyword in keywords:
        keyword = keyword.lower()
        if substring or len(keyword) >= 4:
            if keyword in text:
                return True
        elif re.search(r"(?<!\w)" + re.escape(keyword) + r"(?!\w)", text):
            return True
    return False


def answered_text(result: dict) -> str:
    """The answer without its source lines: a source sentence must not count as the answer."""
    sources = [source for source in result.get("sources", []) if source]
    lines = result["answer"].splitlines()
    kept = [
        line
        for line in lines
        if not line.startswith("Source") and not any(source in line for source in sources)
    ]
    return "\n".join(kept).lower()


def main() -> None:
    checkout, set_path = Path(sys.argv[1]), Path(sys.argv[2])
    substring = "--substring" in sys.argv  # ja/ru: no word boundaries in CJK, stems in Russian
    items = [json.loads(line) for line in set_path.read_text().splitlines() if line.strip()]
    questions = "".join(item["q"].replace("\n", " ") + "\n" for item in items)
    output = subprocess.run(
        [str(checkout / ".venv/bin/kuril-brief"), "ask", "--jsonl"],
        cwd=checkout,
        input=questions,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    tally: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    misses = []
    for item, line in zip(items, output, strict=True):
        result = json.loads(line)
        text = answered_text(result)
        if item.get("decline"):
            right = not result["answered"]
        elif "parts" in item:
            parts = item["parts"]
            right = result["answered"] and all(
                has_keyword(text, part["any"], substring) for part in parts
            )
        else:
            right = result["answered"] and has_keyword(text, item["any"], substring)
        tally[item["category"]][0] += right
        tally[item["category"]][1] += 1
        if not right:
            misses.append((item["category"], item["q"], result["answered"], text[:160]))
    for category in sorted(tally):
        print(f"{category:20} {tally[category][0]:3}/{tally[category][1]}")
    single = [c for c in tally if not c.startswith("oos") and c != "two_part"]
    declined = [c for c in tally if c.startswith("oos")]
    right, total = sum(tally[c][0] for c in single), sum(tally[c][1] for c in single)
    kept, asked = sum(tally[c][0] for c in declined), sum(tally[c][1] for c in declined)
    both, pairs = tally["two_part"]
    print(
        f"answerable (single) {right}/{total} = {right / total:.1%}; two_part {both}/{pairs}; "
        f"oos declined {kept}/{asked} = {kept / asked:.1%}"
    )
    if "--misses" in sys.argv:
        for miss in misses:
            print(miss)


if __name__ == "__main__":
    main()
