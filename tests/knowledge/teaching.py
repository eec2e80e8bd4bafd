"""A phrasing no curated question uses, taught through a question file in a copied data folder:
how curators teach the bot, used by the answerer's and the model cache's tests."""

from __future__ import annotations

import shutil
from pathlib import Path

from knowledge.base import KnowledgeBase
from knowledge.loader import DATA_DIR, load_knowledge_base
from knowledge.questions import QUESTIONS_DIR
from tests.conftest import SEEDS_DIR

UNSEEN_QUESTION = "what is the story with the zorblax flibbertigibbet"
TAUGHT_ENTRY = "ambassador-summoned"


def taught_knowledge_base(folder: Path) -> KnowledgeBase:
    """The real knowledge base plus a question file teaching `UNSEEN_QUESTION`'s words."""
    data = folder / "data"
    shutil.copytree(DATA_DIR, data)
    taught = [f"{start} the zorblax flibbertigibbet" for start in ("what is", "tell me about")]
    taught += [f"zorblax flibbertigibbet {end}" for end in ("explained", "news", "story", "?")]
    lines = "".join(f'    "{line}",\n' for line in taught)
    (data / QUESTIONS_DIR / "taught.toml").write_text(
        f"[{TAUGHT_ENTRY}]\nquestions = [\n{lines}]\n", encoding="utf-8"
    )
    return load_knowledge_base(SEEDS_DIR, data)
