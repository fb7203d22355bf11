"""Evidence: the best sentences of the retrieved passages, each an exact span of its file.

The model reads these, numbered [1]..[k], and cites them by number; a citation is then the
sentence itself (`text == file[start:end]`), not the whole chunk around it.
"""

from __future__ import annotations

import math

from pydantic import BaseModel

from .chunking import sentence_spans
from .models import Citation, Passage
from .text import terms

RANK_PENALTY = 0.05  # a sentence from a lower-ranked passage needs that much more to beat one above it
# Words that say what kind of answer is wanted, not what it is about: they need not occur in the evidence.
SCAFFOLD = frozenset(terms(
    "date dates day year years time times many much number say said says according article quoted quote "
    "mention mentioned name named called kind type role purpose reason way happen happened take took place"
))


class Sentence(BaseModel):
    """One sentence of a retrieved passage, with the score that ranked it."""

    text: str
    start: int  # characters in the file
    end: int
    passage: Passage
    score: float = 0.0

    def cite(self, n: int) -> Citation:
        p = self.passage
        return Citation(n=n, score=round(self.score, 3), source=p.source, file_path=p.file_path, title=p.title,
                        start=self.start, end=self.end, text=self.text)


def sentences(passages: list[Passage]) -> list[tuple[Sentence, int]]:
    """Every distinct sentence of the passages, with the rank of the passage it came from."""
    seen, out = set(), []
    for rank, p in enumerate(passages):
        for s, e in sentence_spans(p.text, max_chars=len(p.text) + 1):
            key = (p.file_path, p.start + s)
            if key not in seen:
                seen.add(key)
                out.append((Sentence(text=p.text[s:e], start=p.start + s, end=p.start + e, passage=p), rank))
    return out


def idf(term: str, df: dict[str, int], n_docs: int) -> float:
    """Rare terms weigh more; a term the corpus never uses weighs most."""
    return math.log(1 + n_docs / (1 + df.get(term, 0)))


def key_terms(question: str) -> set[str]:
    return set(terms(question)) - SCAFFOLD


def coverage(query: str, texts: list[str], df: dict[str, int], n_docs: int) -> float:
    """IDF-weighted share of the query's key terms found in the texts (1.0 when it has none)."""
    q = key_terms(query)
    if not q:
        return 1.0
    found = set().union(*(terms(t) for t in texts)) if texts else set()
    return sum(idf(t, df, n_docs) for t in q & found) / sum(idf(t, df, n_docs) for t in q)


def select(query: str, passages: list[Passage], embed, df: dict[str, int], n_docs: int, k: int) -> list[Sentence]:
    """The k best sentences, best first: lexical coverage of the query plus dense similarity to it."""
    found = sentences(passages)
    if not found:
        return []
    vectors = embed([s.text for s, _ in found] + [query])
    dense = vectors[:-1] @ vectors[-1]
    for (s, rank), d in zip(found, dense):
        s.score = coverage(query, [s.text], df, n_docs) + float(d) - RANK_PENALTY * rank
    return sorted((s for s, _ in found), key=lambda s: -s.score)[:k]
