"""Chunking follows structure, respects the budget, keeps every paragraph id, and is linear."""
from __future__ import annotations

import pytest

from server.assist.chunking import PARAGRAPH_OVERHEAD_TOKENS, chunk_paragraphs, split_paragraph
from server.llm.tokens import TokenCounter


@pytest.fixture(scope="module")
def count(tmp_path_factory):
    return TokenCounter(tmp_path_factory.mktemp("tiktoken")).count


def para(i, text, style="Normal", level=None):
    return {"id": f"p{i}", "text": text, "style": style, "level": level}


def test_everything_kept_in_order_within_budget(count):
    paragraphs = [para(i, f"Sentence number {i} about the budget. " * (i % 7 + 1)) for i in range(1, 200)]
    chunks = chunk_paragraphs(paragraphs, count, 300)
    assert len(chunks) > 5
    assert [p["id"] for c in chunks for p in c.paragraphs] == [p["id"] for p in paragraphs]
    for chunk in chunks:
        assert chunk.tokens <= 300
        assert chunk.tokens == sum(count(p["text"]) + PARAGRAPH_OVERHEAD_TOKENS for p in chunk.paragraphs)
        assert "_tokens" not in chunk.paragraphs[0]


def test_small_document_is_one_chunk(count):
    chunks = chunk_paragraphs([para(1, "One."), para(2, ""), para(3, "Two.")], count, 1000)
    assert len(chunks) == 1 and chunks[0].ids == ["p1", "p3"]


def test_headings_start_chunks_and_never_end_them(count):
    body = "Text of the section goes on for a while with facts and figures. " * 4
    paragraphs = []
    for s in range(6):
        paragraphs.append(para(len(paragraphs) + 1, f"Section {s}", "Heading 1", 1))
        paragraphs += [para(len(paragraphs) + 1, body) for _ in range(3)]
    chunks = chunk_paragraphs(paragraphs, count, 260)
    for chunk in chunks:
        assert chunk.paragraphs[-1]["style"] != "Heading 1"
    starts = [c.paragraphs[0]["style"] for c in chunks]
    assert starts.count("Heading 1") >= len(chunks) - 1


def test_oversized_paragraph_split_by_sentences_keeping_its_id(count):
    big = para(7, " ".join(f"Sentence {i} explains one more detail of the plan." for i in range(200)))
    chunks = chunk_paragraphs([para(6, "Intro."), big, para(8, "End.")], count, 200)
    pieces = [p for c in chunks for p in c.paragraphs if p["id"] == "p7"]
    assert len(pieces) > 5
    assert " ".join(p["text"] for p in pieces) == big["text"]
    assert all(c.tokens <= 200 for c in chunks)


def test_runaway_sentence_is_cut_by_length(count):
    pieces = split_paragraph(para(1, "word " * 2000), count, 100)
    assert len(pieces) > 10 and all(n <= 100 for _, n in pieces)
    assert sum(len(p["text"].split()) for p, _ in pieces) == 2000


def test_budget_too_small_is_refused(count):
    with pytest.raises(ValueError, match="too small"):
        chunk_paragraphs([para(1, "a")], count, 10)


def test_counts_each_paragraph_once():
    calls = []

    def counting(text):
        calls.append(text)
        return len(text.split())
    paragraphs = [para(i, "a few words here") for i in range(1000)]
    chunk_paragraphs(paragraphs, counting, 500)
    assert len(calls) == 1000
