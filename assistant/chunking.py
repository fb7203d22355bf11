"""Sentence-aware chunks that remember exactly where they come from.

Lines are split into sentences (`text.sentence_spans`, the evidence's too); consecutive sentences are packed
into chunks of about `chunk_chars`, neighbours sharing `overlap` sentences. Every chunk keeps
`start`/`end` character offsets so that `text == document[start:end]`, and its page in a paged one.
"""

from __future__ import annotations

from dataclasses import dataclass

from .extraction import page_at
from .text import sentence_spans


@dataclass(frozen=True)
class Chunk:
    id: str  # "<document id>#<index>": the same for the same content
    index: int
    start: int
    end: int
    text: str
    page: int | None = None  # 1-based page of a paged document (a chunk never crosses a page break)


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
