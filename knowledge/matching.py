"""The language side of free-text matching: words, stems, synonyms and question cues.

Everything here is about English, not about the dispute: which words carry no meaning
(stopwords), which words ask for a kind of answer (cues), which word families mean the same
thing (synonyms) and common chat shorthand. What the dispute calls things (USSR, the Kremlin,
the Kurils) comes from the knowledge base's aliases, and curated sample questions live on the
entries as `match_phrases`; see `knowledge.answerer`.
"""

from __future__ import annotations

import re
from enum import StrEnum

from knowledge.text import normalise


class Cue(StrEnum):
    """What kind of answer a question asks for, read from its wording."""

    WHEN = "when"
    COUNT = "count"
    SAID = "said"
    WHO = "who"
    WHY = "why"
    WHERE = "where"


STOPWORDS = frozenset(
    [
        "a",
        "an",
        "the",
        "of",
        "in",
        "on",
        "at",
        "to",
        "for",
        "from",
        "by",
        "with",
        "about",
        "into",
        "onto",
        "over",
        "under",
        "and",
        "or",
        "but",
        "if",
        "then",
        "so",
        "than",
        "as",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "being",
        "am",
        "do",
        "does",
        "did",
        "doing",
        "done",
        "have",
        "has",
        "had",
        "having",
        "will",
        "would",
        "shall",
        "should",
        "can",
        "could",
        "may",
        "might",
        "must",
        "i",
        "me",
        "my",
        "mine",
        "we",
        "our",
        "us",
        "you",
        "your",
        "yours",
        "he",
        "him",
        "his",
        "she",
        "her",
        "it",
        "its",
        "they",
        "them",
        "their",
        "this",
        "that",
        "these",
        "those",
        "there",
        "here",
        "what",
        "which",
        "who",
        "whom",
        "whose",
        "when",
        "where",
        "why",
        "how",
        "whats",
        "whos",
        "wheres",
        "hows",
        "whens",
        "whys",
        "any",
        "some",
        "all",
        "each",
        "every",
        "both",
        "either",
        "neither",
        "no",
        "not",
        "nor",
        "yes",
        "still",
        "just",
        "only",
        "also",
        "too",
        "very",
        "really",
        "actually",
        "exactly",
        "currently",
        "ever",
        "again",
        "already",
        "yet",
        "now",
        "today",
        "please",
        "tell",
        "explain",
        "know",
        "knew",
        "known",
        "want",
        "wanted",
        "need",
        "like",
        "give",
        "show",
        "let",
        "lets",
        "get",
        "gets",
        "got",
        "getting",
        "take",
        "takes",
        "took",
        "taken",
        "taking",
        "make",
        "makes",
        "made",
        "go",
        "goes",
        "going",
        "went",
        "gone",
        "happen",
        "happens",
        "happened",
        "happening",
        "thing",
        "things",
        "stuff",
        "anything",
        "something",
        "everything",
        "info",
        "information",
        "detail",
        "details",
        "more",
        "most",
        "kind",
        "sort",
        "according",
        "regarding",
        "concerning",
        "around",
        "between",
        "other",
        "others",
        "another",
        "same",
        "else",
        "okay",
        "ok",
        "well",
        "anyway",
        "hey",
        "hi",
        "hello",
        "bot",
        "s",
        "t",
        "d",
        "ll",
        "re",
        "ve",
        "m",
        "put",
        "puts",
        "putting",
        "impose",
        "imposed",
        "imposes",
        "imposing",
        "place",
        "placed",
        "apply",
        "applied",
        "use",
        "used",
        "exact",
        "exactly",
        "specific",
        "specifically",
        "precisely",
        "basically",
        "up",
        "down",
        "out",
        "off",
        "back",
        "history",
        "background",
        "overview",
        "summary",
        "story",
        "situation",
        "latest",
        "news",
        "update",
    ]
)

# Words that ask for a kind of answer rather than name a subject: used as cues, not content.
CUE_WORDS: dict[str, Cue] = {
    **dict.fromkeys(
        [
            "say",
            "says",
            "said",
            "saying",
            "quote",
            "quoted",
            "quotes",
            "statement",
            "statements",
            "comment",
            "comments",
            "remark",
            "remarks",
            "describe",
            "described",
            "describes",
            "call",
            "called",
            "react",
            "reacted",
            "reaction",
            "reactions",
            "think",
            "thinks",
            "thought",
            "feel",
            "feels",
            "opinion",
            "view",
            "views",
            "position",
            "positions",
        ],
        Cue.SAID,
    ),
    **dict.fromkeys(["year", "years", "date", "dates", "since", "long"], Cue.WHEN),
    **dict.fromkeys(["many", "much", "number"], Cue.COUNT),
    **dict.fromkeys(
        ["because", "cause", "caused", "causes", "reason", "reasons", "motive"], Cue.WHY
    ),
}

# Chat shorthand and abbreviations, expanded before anything else.
SHORTHAND: dict[str, str] = {
    "abt": "about",
    "u": "you",
    "ur": "your",
    "r": "are",
    "wat": "what",
    "wut": "what",
    "wht": "what",
    "y": "why",
    "pls": "please",
    "plz": "please",
    "pm": "prime minister",
    "thx": "thanks",
    "govt": "government",
    "gov": "government",
}

# Word families that mean the same thing in questions about a dispute. The first word names
# the family; every word (and its stem) maps to it.
SYNONYM_FAMILIES: tuple[tuple[str, ...], ...] = (
    (
        "stop",
        "halt",
        "suspend",
        "suspension",
        "pause",
        "end",
        "cease",
        "break",
        "broke",
        "broken",
        "cancel",
        "cancellation",
        "quit",
        "abandon",
        "withdraw",
        "withdrawn",
        "withdrew",
        "withdrawal",
        "pull",
        "close",
        "terminate",
        "scrap",
        "cut",
        "scrapped",
    ),
    ("begin", "began", "begun", "start", "commence", "launch", "initiate"),
    ("sanction", "penalty", "penalties", "penalise", "penalize", "punish", "punishment", "measure"),
    ("countermeasure", "retaliate", "retaliation", "retaliatory", "reprisal", "reprisals"),
    ("limit", "restrict", "restriction", "ban", "banned", "curb", "block", "limitation"),
    ("tech", "technology", "technologies", "technological", "hightech"),
    ("reserve", "asset", "assets"),
    ("freeze", "froze", "frozen"),
    ("individual", "people", "person", "persons"),
    ("bank", "lender", "lenders"),
    ("ambassador", "envoy", "envoys"),
    ("protest", "complain", "complaint"),
    (
        "stance",
        "oppose",
        "opposed",
        "opposition",
        "support",
        "approve",
        "agree",
        "disagree",
        "reject",
        "accept",
        "object",
        "objection",
    ),
    ("decision", "decide", "decided"),
    (
        "blame",
        "fault",
        "responsible",
        "responsibility",
        "accountable",
        "culprit",
    ),
    ("annex", "annexation", "seize", "seizure", "capture", "occupy", "occupation", "conquer"),
    ("reward", "prize", "compensation"),
    ("dispute", "contest", "contested", "conflict", "disagreement", "quarrel", "feud"),
    ("argument", "argue", "tension", "tensions", "spat", "clash", "friction", "row"),
    (
        "own",
        "owner",
        "ownership",
        "belong",
        "hold",
        "holds",
        "control",
        "controls",
        "sovereignty",
        "possess",
        "possession",
    ),
    ("resolve", "settle", "solve", "solution", "resolution"),
    ("formal", "formally", "officially", "technically"),
    ("relation", "relationship", "ties"),
    ("trade", "commerce", "commercial"),
    ("deal", "agreement", "contract"),
    ("travel", "trip", "journey", "visit"),
    ("project", "venture", "scheme"),
    ("mission", "delegation"),
    ("integrate", "integration", "absorb", "incorporate"),
    ("flare", "erupt", "escalate", "intensify"),
    ("invasion", "invade", "invaded", "attack"),
    ("country", "countries", "nation", "nations"),
    ("island", "isle", "isles", "archipelago"),
    ("lie", "lies", "located", "location", "situated", "near", "sit", "lay"),
    ("north", "northern", "northernmost"),
    ("unfriendly", "hostile"),
    ("damage", "harm", "hurt"),
    ("ally", "allies", "allied", "alliance"),
    ("join", "enter"),
    ("talk", "negotiate", "negotiation", "negotiating", "discussion", "dialogue"),
    ("citizen", "citizens", "nationals"),
    ("link", "connect", "connected", "connection", "related", "relate", "tied", "linked"),
)

_WORD = re.compile(r"[a-z0-9]+|[^\W\d_]+")
_SUFFIXES = (
    ("ibility", ""),
    ("ability", ""),
    ("ations", ""),
    ("ation", ""),
    ("ically", "ic"),
    ("ingly", ""),
    ("ities", ""),
    ("ity", ""),
    ("ible", ""),
    ("able", ""),
    ("ness", ""),
    ("ment", ""),
    ("ful", ""),
    ("ies", "y"),
    ("ied", "y"),
    ("sses", "ss"),
    ("ing", ""),
    ("ed", ""),
    ("ly", ""),
    ("es", ""),
    ("s", ""),
)


def stem(word: str) -> str:
    """A light, predictable suffix stripper (applied identically to questions and entries)."""
    if len(word) <= 3 or not word.isalpha():
        return word
    for suffix, replacement in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            if suffix == "s" and word.endswith(("ss", "us", "is")):
                return word
            if suffix == "es" and not word.endswith(("ches", "shes", "xes", "sses", "zes")):
                return word[:-1]
            word = word[: -len(suffix)] + replacement
            break
    if len(word) > 4 and word[-1] == word[-2] and word[-1] not in "aeiouls":
        word = word[:-1]  # stopp -> stop, summonn
    return word


SYNONYMS: dict[str, str] = {
    stem(word): family[0] for family in SYNONYM_FAMILIES for word in family
} | {word: family[0] for family in SYNONYM_FAMILIES for word in family}


def words(text: str) -> list[str]:
    """Normalised words of `text`, with chat shorthand expanded."""
    out: list[str] = []
    for word in _WORD.findall(normalise(text)):
        expansion = SHORTHAND.get(word)
        out.extend(expansion.split() if expansion else (word,))
    return out


def term(word: str) -> str:
    """The matching term of a word: its stem, folded into its synonym family."""
    if word in SYNONYMS:
        return SYNONYMS[word]
    stemmed = stem(word)
    return SYNONYMS.get(stemmed, stemmed)


def is_content(word: str) -> bool:
    return word not in STOPWORDS and word not in CUE_WORDS


def read_cues(tokens: list[str]) -> frozenset[Cue]:
    """The cues of a question, from its (typo-corrected) words."""
    cues: set[Cue] = set()
    first = tokens[0] if tokens else ""
    joined = " ".join(tokens)
    if first in ("when", "whens") or "what year" in joined or "which year" in joined:
        cues.add(Cue.WHEN)
    if "how long" in joined or "since when" in joined or "what date" in joined:
        cues.add(Cue.WHEN)
    if "how many" in joined or "how much" in joined or "number" in tokens:
        cues.add(Cue.COUNT)
    if first in ("why", "whys") or "what reason" in joined or "how come" in joined:
        cues.add(Cue.WHY)
    if first in ("where", "wheres"):
        cues.add(Cue.WHERE)
    for token in tokens:
        cue = CUE_WORDS.get(token)
        if cue is Cue.SAID or cue is Cue.WHY:
            cues.add(cue)
    if first in ("who", "whos", "whose", "whom") and Cue.SAID not in cues:
        cues.add(Cue.WHO)
    return frozenset(cues)
