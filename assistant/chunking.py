"""Sentence-aware chunks that remember exactly where they come from.

Lines are split into sentences (`text.sentence_spans`) once, here; consecutive sentences are packed
into chunks of about `chunk_chars`, neighbours sharing `overlap` sentences. Every chunk keeps
`start`/`end` character offsets so that `text == document[start:end]`, its page in a paged one, and
its sentences, which the store keeps: evidence reads and citations quote exactly these.
"""

from __future__ import annotations

from dataclasses import dataclass

from .extraction import page_at
from .text import sentence_spans

CHUNK_VERSION = 2  # 2: chunks keep their sentence spans (a store made before makes its chunks again)


@dataclass(frozen=True)
class Chunk:
    id: str  # "<document id>#<index>": the same for the same content
    index: int
    start: int
    end: int
    text: str
    page: int | None = None  # 1-based page of a paged document (a chunk never crosses a page break)
    sentences: tuple[tuple[int, int], ...] = ()  # (start, end) of each of its sentences, within `text`


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
        own = tuple((s - start, e - start) for s, e in spans[i:j])
        chunks.append(Chunk(f"{doc_id}#{len(chunks)}", len(chunks), start, end, text[start:end], page_of[i], own))
        if j >= len(spans):
            break
        i = j if page_of[j] != page_of[i] else max(i + 1, j - overlap)
    return chunks
