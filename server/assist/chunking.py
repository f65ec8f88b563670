"""Split a document's paragraphs into chunks that fit a token budget, following its structure.

Paragraphs are {id, text, style, level}. Tokens are counted once per paragraph (and once per sentence only for
a paragraph too big for one chunk), and each paragraph is visited once, so chunking is linear in the text.
A new chunk starts at a heading once the current chunk is half full, and a chunk never ends on a heading:
headings travel with the text they introduce. A paragraph over the budget is split by sentences (then, for a
runaway sentence, by length); every piece keeps the paragraph's id, so citations still point at it.
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

# "[p123] " before each paragraph in the prompt, plus the newline: a safe flat allowance
PARAGRAPH_OVERHEAD_TOKENS = 6
_SENTENCE_GAP = re.compile(r"(?<=[.!?…\"”»)])\s+")


@dataclass
class Chunk:
    paragraphs: list[dict] = field(default_factory=list)
    tokens: int = 0

    @property
    def ids(self) -> list[str]:
        return list(dict.fromkeys(p["id"] for p in self.paragraphs))


def is_heading(paragraph: dict) -> bool:
    style = (paragraph.get("style") or "").lower()
    return style.startswith(("heading", "titre", "title")) or bool(paragraph.get("level"))


def _sentences(text: str) -> list[str]:
    # each sentence keeps one trailing space, so joining pieces back gives the paragraph's text
    return [s + " " for s in _SENTENCE_GAP.split(text) if s.strip()]


def _hard_split(text: str, tokens: int, budget: int) -> list[str]:
    """A sentence longer than the budget: cut it into pieces of about `budget` tokens at spaces."""
    chars = max(1, int(len(text) * budget / tokens * 0.9))
    pieces, start = [], 0
    while start < len(text):
        end = min(len(text), start + chars)
        if end < len(text):
            space = text.rfind(" ", start + chars // 2, end)
            end = space if space > start else end
        pieces.append(text[start:end])
        start = end
    return [p for p in pieces if p.strip()]


def split_paragraph(paragraph: dict, count, budget: int) -> list[tuple[dict, int]]:
    """Pieces of one oversized paragraph, each within `budget` tokens, each keeping the paragraph's id."""
    room = budget - PARAGRAPH_OVERHEAD_TOKENS
    units: list[tuple[str, int]] = []
    for sentence in _sentences(paragraph["text"]):
        n = count(sentence)
        if n <= room:
            units.append((sentence, n))
        else:
            units += [(piece, count(piece)) for piece in _hard_split(sentence, n, room)]
    pieces, text, tokens = [], [], 0
    for sentence, n in units:
        if text and tokens + n > room:
            pieces.append("".join(text))
            text, tokens = [], 0
        text.append(sentence)
        tokens += n
    if text:
        pieces.append("".join(text))
    return [({**paragraph, "text": piece.strip()}, count(piece) + PARAGRAPH_OVERHEAD_TOKENS) for piece in pieces]


def chunk_paragraphs(paragraphs: list[dict], count, budget: int) -> list[Chunk]:
    """`count(text) -> int` is TokenCounter.count; `budget` is the paragraph tokens one chunk may hold."""
    return list(iter_chunks(paragraphs, count, budget))


def iter_chunks(paragraphs: list[dict], count, budget: int) -> Iterator[Chunk]:
    """chunk_paragraphs, one chunk at a time as soon as it is complete: the summary's map calls start on the
    first chunks while the rest of a long document is still being counted. The budget is checked at once."""
    if budget < 4 * PARAGRAPH_OVERHEAD_TOKENS:
        raise ValueError(f"chunk budget of {budget} tokens is too small")
    return _chunks(paragraphs, count, budget)


def _finished(chunk: Chunk) -> Chunk:
    chunk.paragraphs = [{k: v for k, v in p.items() if k != "_tokens"} for p in chunk.paragraphs]
    return chunk


def _chunks(paragraphs: list[dict], count, budget: int) -> Iterator[Chunk]:
    current = Chunk()
    for paragraph in paragraphs:
        text = paragraph.get("text") or ""
        if not text.strip():
            continue
        tokens = count(text) + PARAGRAPH_OVERHEAD_TOKENS
        pieces = [(paragraph, tokens)] if tokens <= budget else split_paragraph(paragraph, count, budget)
        for piece, n in pieces:
            starts_section = is_heading(piece) and current.tokens >= budget // 2
            if current.paragraphs and (current.tokens + n > budget or starts_section):
                # headings at the end travel on with the text they introduce
                carried = []
                while len(current.paragraphs) > 1 and is_heading(current.paragraphs[-1]):
                    carried.insert(0, current.paragraphs.pop())
                carried_tokens = sum(p["_tokens"] for p in carried)
                current.tokens -= carried_tokens
                yield _finished(current)
                current = Chunk(carried, carried_tokens)
                if current.paragraphs and current.tokens + n > budget:  # carried headings + a big piece
                    yield _finished(current)
                    current = Chunk()
            current.paragraphs.append({**piece, "_tokens": n})
            current.tokens += n
    if current.paragraphs:
        yield _finished(current)
