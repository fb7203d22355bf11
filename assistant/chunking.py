"""Sentence-aware chunks that remember exactly where they come from.

Lines are split into sentences with blingfire (fast, offline); consecutive sentences are packed
into chunks of about `chunk_chars`, neighbours sharing `overlap` sentences. Every chunk keeps
`start`/`end` character offsets so that `text == document[start:end]`, and its page in a paged one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import blingfire

from .extraction import page_at


@dataclass(frozen=True)
class Chunk:
    id: str  # "<document id>#<index>": the same for the same content
    index: int
    start: int
    end: int
    text: str
    page: int | None = None  # 1-based page of a paged document (a chunk never crosses a page break)


def sentence_spans(text: str, max_chars: int) -> list[tuple[int, int]]:
    """(start, end) of each sentence; a line break always ends a sentence, over-long ones are cut at spaces."""
    spans = []
    for line in re.finditer(r"[^\n]+", text):
        if not line.group().strip():
            continue
        _, offsets = blingfire.text_to_sentences_and_offsets(line.group())
        for s, e in offsets:
            s, e = line.start() + s, line.start() + e
            while s < e and text[s].isspace():
                s += 1
            while e > s and text[e - 1].isspace():
                e -= 1
            spans.extend(_cut(text, s, e, max_chars))
    return spans


def _cut(text: str, start: int, end: int, max_chars: int) -> list[tuple[int, int]]:
    """Split [start, end) into pieces of at most max_chars, preferring to cut at whitespace."""
    pieces = []
    while end - start > max_chars:
        cut = text.rfind(" ", start + max_chars // 2, start + max_chars)
        cut = cut if cut > start else start + max_chars
        pieces.append((start, cut))
        start = cut
        while start < end and text[start].isspace():
            start += 1
    if end > start:
        pieces.append((start, end))
    return pieces


def chunk_text(text: str, doc_id: str, chunk_chars: int = 400, overlap: int = 1, pages: tuple[int, ...] = ()) -> list[Chunk]:
    """Chunks of a document's text; with `pages` (where each page starts), chunks stay within a page."""
    spans = sentence_spans(text, chunk_chars)
    page_of = [page_at(pages, s) for s, _ in spans]
    chunks: list[Chunk] = []
    i = 0
    while i < len(spans):
        j = i + 1  # chunk = spans[i:j]
        while j < len(spans) and spans[j][1] - spans[i][0] <= chunk_chars and page_of[j] == page_of[i]:
            j += 1
        start, end = spans[i][0], spans[j - 1][1]
        chunks.append(Chunk(f"{doc_id}#{len(chunks)}", len(chunks), start, end, text[start:end], page_of[i]))
        if j >= len(spans):
            break
        i = j if page_of[j] != page_of[i] else max(i + 1, j - overlap)
    return chunks
