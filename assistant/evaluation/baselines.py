"""Reference pipelines the product must beat, run by `assistant eval --baseline` on the same items.

- `NaiveRAG`: fixed 700-character chunks, dense-only top 4, one chat prompt asking for [n]
  citations and "I don't know"; the model's answer is taken as it is.
- `Extractive`: the product's retrieval, answering with the retrieved sentence most similar to
  the question (MiniLM cosine), never abstaining. If the product cannot beat it, the model adds nothing.
"""

from __future__ import annotations

import re
import time

import numpy as np

from .. import evidence, retrieval
from ..chunking import Chunk
from ..conversation import query as follow_up_query
from ..documents import Document
from ..ingest import ingest
from ..models import Answer, Citation, Passage
from ..pipeline import Assistant, History, clean_question
from ..prompts import render
from ..reading import is_abstention
from ..store import Store

NAIVE_CHUNK = 700
NAIVE_K = 4
NAIVE_MAX_TOKENS = 128


def fixed_chunks(doc: Document, size: int = NAIVE_CHUNK) -> list[Chunk]:
    text = doc.text
    return [
        Chunk(f"{doc.id}#{i}", i, s, min(s + size, len(text)), text[s : s + size])
        for i, s in enumerate(range(0, len(text), size))
    ]


class NaiveRAG:
    def __init__(self, product: Assistant):
        self.product = product  # shares its model, embedder and settings
        self.store = Store(product.settings.store, product.settings.collection + "-naive", product.settings.chroma_server)
        ingest(
            product.settings.source, self.store, product.embedder, chunk_chars=NAIVE_CHUNK, chunk_overlap=0, chunker=fixed_chunks
        )

    def ask(self, question: str, history: History = ()) -> Answer:
        t0 = time.perf_counter()
        question = clean_question(question)
        vector = self.product.embedder.embed([question])[0]
        passages = [Passage(**c, score=sim) for c, sim in self.store.query(vector, NAIVE_K)]
        folder = self.product.settings.prompts
        turns = [m for q, a in history for m in ({"role": "user", "content": q}, {"role": "assistant", "content": a})]
        messages = [
            {"role": "system", "content": render(folder, "baseline_system.j2")},
            *turns,
            {"role": "user", "content": render(folder, "baseline_question.j2", passages=passages, question=question)},
        ]
        text = self.product.generator.chat(messages, NAIVE_MAX_TOKENS).strip()
        cited = sorted({int(n) for n in re.findall(r"\[(\d+)\]", text) if 1 <= int(n) <= len(passages)})
        return Answer(
            question=question,
            text=text,
            abstained=is_abstention(text),
            citations=[Citation.of(passages[n - 1], n, 1.0) for n in cited],
            passages=passages,
            timings={"total": round(time.perf_counter() - t0, 4)},
            model=self.product.model_name,
        )


class Extractive:
    def __init__(self, product: Assistant):
        self.product = product

    def ask(self, question: str, history: History = ()) -> Answer:
        t0 = time.perf_counter()
        question = clean_question(question)
        self.product.ensure_ingested()
        query = follow_up_query(question, history)
        passages = retrieval.search(self.product.corpus, query, self.product.settings.top_k)
        found = evidence.sentences(passages)
        text, cites = "", []
        if found:
            vectors = self.product.embedder.embed([s for s, *_ in found] + [query])
            sentence, passage, *_ = found[int(np.argmax(vectors[:-1] @ vectors[-1]))]
            text, cites = sentence, [Citation.of(passage, 1, 1.0)]
        return Answer(
            question=question,
            text=text,
            citations=cites,
            passages=passages,
            timings={"total": round(time.perf_counter() - t0, 4)},
            model="none (extractive)",
        )
