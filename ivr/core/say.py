"""How much one <Say> can speak: one limit for every check and every renderer."""

from __future__ import annotations

import re
from collections.abc import Iterable

# Twilio refuses a <Say> longer than this many UTF-8 bytes with Amazon Polly voices (error
# 13521), the strictest of its engines, so operator texts are held to it whatever the voice.
SAY_LIMIT = 3000


# A calm telephone voice speaks about 150 words a minute: what an edit costs callers in time.
WORDS_PER_MINUTE = 150


def word_count(texts: Iterable[str]) -> int:
    """Return how many words the voice speaks for these texts."""
    return sum(len(text.split()) for text in texts)


# The most words a caller hears before the first option of any answer: about 12 seconds.
LEAD_IN_WORDS = 30
# An option as every prompt words it: "..., marque 1." (or a key named: asterisco, numeral).
_OPTION = re.compile(r"\bmarque (?:[0-9]|asterisco|numeral)\b")
_SENTENCE_END = re.compile(r"[.?!;:]\s")


def words_before_option(texts: Iterable[str]) -> int | None:
    """Return how many words are spoken before the sentence of the first option; None: no option."""
    spoken = " ".join(texts)
    found = _OPTION.search(spoken)
    if found is None:
        return None
    ends = [end.end() for end in _SENTENCE_END.finditer(spoken, 0, found.start())]
    return len(spoken[: ends[-1] if ends else 0].split())


def speaking_seconds(words: int) -> float:
    """Return how long ``words`` take to say at WORDS_PER_MINUTE."""
    return words * 60 / WORDS_PER_MINUTE


def speakable(text: str) -> bool:
    """Return whether one <Say> can speak ``text`` (see SAY_LIMIT)."""
    return len(text.encode("utf-8")) <= SAY_LIMIT


def split_for_say(sentences: Iterable[str]) -> tuple[str, ...]:
    """Join sentences into as few texts as one <Say> each can speak, cutting only between them.

    One synthesis per block: the caller hears one flowing answer. A sentence longer than the
    limit on its own is split at its last comma or space before the limit, never mid-word.
    """
    blocks: list[str] = []
    for sentence in sentences:
        for piece in _pieces(sentence):
            if blocks and len(blocks[-1].encode()) + 1 + len(piece.encode()) <= SAY_LIMIT:
                blocks[-1] = f"{blocks[-1]} {piece}"
            else:
                blocks.append(piece)
    return tuple(blocks)


def _pieces(sentence: str) -> list[str]:
    out: list[str] = []
    rest = sentence
    while not speakable(rest):
        head = rest.encode()[:SAY_LIMIT].decode("utf-8", "ignore")
        cut = max(head.rfind(", "), head.rfind(" "))
        cut = cut if cut > 0 else len(head)
        out.append(head[: cut + 1].strip())
        rest = rest[cut + 1 :].strip()
    return [*out, rest] if rest else out
