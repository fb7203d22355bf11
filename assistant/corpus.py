"""The corpus as the question path reads it: the store's chunks in memory, with what every question
needs of them computed once per ingest: the BM25 index, each term's document frequency (for IDF
weights and the unknown-name gate) and the documents' scripts and languages (for the language gate).
Retrieval, evidence and the language gate take a `Corpus`, not its parts.
"""

from __future__ import annotations

import functools
import logging
from collections import Counter
from collections.abc import Iterable

import bm25s
import numpy as np

from . import language
from .embedding import Embedder
from .store import Store
from .text import terms

logging.getLogger("bm25s").setLevel(logging.WARNING)  # it logs each index build at DEBUG


class Corpus:
    """Chunks as the store gives them (dicts of `Passage` fields), indexed; dense search needs the store."""

    def __init__(self, chunks: Iterable[dict], embedder: Embedder, store: Store | None = None):
        self.store = store
        self.embedder = embedder
        self.chunks = {c["id"]: c for c in chunks}
        self.ids = list(self.chunks)
        tokens = [terms(self.chunks[i]["text"]) for i in self.ids]
        self.df: dict[str, int] = Counter(t for toks in tokens for t in set(toks))  # term -> chunks containing it
        self.scripts = language.scripts(self.df)  # the writing systems of the documents' words
        self.bm25 = None
        if self.ids:
            self.bm25 = bm25s.BM25()
            self.bm25.index(tokens, show_progress=False)

    @classmethod
    def load(cls, store: Store, embedder: Embedder) -> Corpus:
        return cls(store.chunks(), embedder, store)

    @functools.cached_property
    def languages(self) -> Counter:
        """The languages of the passages, identified on the first question rather than at every ingest."""
        return language.languages([self.chunks[i]["text"] for i in self.ids])

    def embed(self, texts: list[str]) -> np.ndarray:
        return self.embedder.embed(texts)

    def dense(self, query: str, n: int) -> list[str]:
        """The ids of the n chunks nearest the query's vector, nearest first."""
        if not self.ids or self.store is None:
            return []
        return [c["id"] for c, _ in self.store.query(self.embed([query])[0], n)]

    def lexical(self, query: str, n: int) -> list[str]:
        """The ids of the n best chunks by BM25 (only those holding a query term), best first."""
        q = terms(query)
        if not q or self.bm25 is None:
            return []
        docs, scores = self.bm25.retrieve([q], k=min(n, len(self.ids)), show_progress=False)
        return [self.ids[d] for d, s in zip(docs[0], scores[0]) if s > 0]
