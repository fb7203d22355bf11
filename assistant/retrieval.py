"""Hybrid retrieval: dense (MiniLM vectors in Chroma) and lexical (BM25 via bm25s), fused by reciprocal rank.

Dense search finds paraphrases; BM25 finds the exact names, dates and numbers that questions
about documents are usually after. Reciprocal rank fusion needs no score calibration between the two;
as it favours passages both find, each one's first hit is kept even when the other misses it
(the answer to a paraphrased question is often found by dense search alone).
"""

from __future__ import annotations

import functools
import logging
from collections import Counter

import bm25s

from . import language
from .embedding import Embedder
from .models import Passage
from .store import Store
from .text import terms

logging.getLogger("bm25s").setLevel(logging.WARNING)  # it logs each index build at DEBUG

RRF_K = 60  # the usual constant from Cormack et al. (2009)
CANDIDATES = 30  # from each retriever, before fusion
LEXICAL_WEIGHT = 0.5  # BM25's vote relative to the dense one: 0.5 beat 1.0 and 0.25 on the dev split


def rrf(rankings: list[list[str]], weights: list[float] | None = None, k: int = RRF_K) -> dict[str, float]:
    """Weighted reciprocal rank fusion: id -> sum over rankings of weight / (k + rank), rank from 1."""
    fused: dict[str, float] = {}
    for ranking, weight in zip(rankings, weights or [1.0] * len(rankings)):
        for rank, id in enumerate(ranking, start=1):
            fused[id] = fused.get(id, 0.0) + weight / (k + rank)
    return fused


def fuse(dense_ids: list[str], lexical: list[str], k: int) -> tuple[list[str], dict[str, float]]:
    """The k best ids by weighted RRF, best first, with each retriever's first hit kept even when the
    other one missed it; and the fused scores."""
    fused = rrf([dense_ids, lexical], [1.0, LEXICAL_WEIGHT])
    ranked = sorted(fused, key=fused.__getitem__, reverse=True)
    forced = [top for top in dict.fromkeys(r[0] for r in (dense_ids, lexical) if r) if top not in ranked[:k]][:k]
    best = [i for i in ranked if i not in forced][: k - len(forced)] + forced
    return sorted(best, key=fused.__getitem__, reverse=True), fused


class Retriever:
    def __init__(self, store: Store, embedder: Embedder):
        self.store = store
        self.embedder = embedder
        self.refresh()

    def refresh(self) -> None:
        """Rebuild the in-memory BM25 index from the store (after an ingest)."""
        self.chunks = {c["id"]: c for c in self.store.chunks()}
        self.ids = list(self.chunks)
        self.bm25 = None
        corpus = [terms(self.chunks[i]["text"]) for i in self.ids]
        self.df: dict[str, int] = Counter(t for toks in corpus for t in set(toks))  # term -> chunks containing it
        self.scripts = language.scripts(self.df)  # the writing systems of the documents' words
        self.__dict__.pop("languages", None)
        if self.ids:
            self.bm25 = bm25s.BM25()
            self.bm25.index(corpus, show_progress=False)

    @functools.cached_property
    def languages(self) -> Counter:
        """The languages of the passages, identified on the first question rather than at every refresh."""
        return language.languages([self.chunks[i]["text"] for i in self.ids])

    def search(self, query: str, k: int, *, bm25: bool = True) -> list[Passage]:
        """The k best passages for the query, by dense and (unless `bm25` is off) BM25 search, fused."""
        if not self.ids:
            return []
        dense = self.store.query(self.embedder.embed([query])[0], CANDIDATES)
        lexical = self._bm25(query, CANDIDATES) if bm25 else []
        dense_ids = [c["id"] for c, _ in dense]
        best, fused = fuse(dense_ids, lexical, k)
        return [
            Passage(
                **self.chunks[i],
                score=fused[i],
                dense_rank=dense_ids.index(i) + 1 if i in dense_ids else None,
                lexical_rank=lexical.index(i) + 1 if i in lexical else None,
            )
            for i in best
            if i in self.chunks
        ]

    def _bm25(self, query: str, n: int) -> list[str]:
        q = terms(query)
        if not q or self.bm25 is None:
            return []
        docs, scores = self.bm25.retrieve([q], k=min(n, len(self.ids)), show_progress=False)
        return [self.ids[d] for d, s in zip(docs[0], scores[0]) if s > 0]
