"""Deciding what the evidence supports, by the system rather than by trusting a tiny model.

- `coverage`: how much of the question's meaning (IDF-weighted key terms) the retrieved text
  contains. Below a threshold the assistant abstains without asking the model.
- `support`: which passages contain the answer's key terms. Citations are attached by the system
  to the passages that support the answer; an answer no passage supports is replaced by the best
  supporting sentence, quoted, so every answer is checkable.
"""

from __future__ import annotations

import math
import re

import blingfire

from .models import Citation, Passage
from .retrieval import terms

ABSTAIN_PATTERNS = re.compile(
    r"do(es)? not (say|mention|contain|provide|specify|state)|don'?t know|not (mentioned|specified|stated|provided)"
    r"|no (information|mention)|cannot (answer|be determined)|not enough information|unknown",
    re.IGNORECASE,
)


def is_abstention(text: str) -> bool:
    return not text.strip() or bool(ABSTAIN_PATTERNS.search(text))


def idf(term: str, df: dict[str, int], n_docs: int) -> float:
    """Rare terms weigh more; a term the corpus never uses weighs most."""
    return math.log(1 + n_docs / (1 + df.get(term, 0)))


def coverage(question: str, passages: list[Passage], df: dict[str, int], n_docs: int) -> float:
    """IDF-weighted share of the question's key terms found in the passages (1.0 when it has none)."""
    q = set(terms(question))
    if not q:
        return 1.0
    found = set().union(*(terms(p.text) for p in passages)) if passages else set()
    total = sum(idf(t, df, n_docs) for t in q)
    return sum(idf(t, df, n_docs) for t in q & found) / total


def support(answer: str, passage: Passage) -> float:
    """Share of the answer's key terms that occur in the passage."""
    a = set(terms(answer))
    return len(a & set(terms(passage.text))) / len(a) if a else 0.0


def cite(answer: str, passages: list[Passage], min_support: float = 0.6, max_citations: int = 3) -> list[Citation]:
    """The passages that support the answer, best first, numbered from 1."""
    scored = sorted(((support(answer, p), p) for p in passages), key=lambda x: -x[0])
    chosen = [(s, p) for s, p in scored if s >= min_support][:max_citations]
    return [
        Citation(n=n, **p.model_dump(include={"source", "path", "title", "start", "end", "text"}), score=round(s, 3))
        for n, (s, p) in enumerate(chosen, start=1)
    ]


def best_sentence(question: str, passages: list[Passage], df: dict[str, int], n_docs: int) -> tuple[str, Passage] | None:
    """The sentence that covers most of the question (IDF-weighted), with its passage."""
    q = set(terms(question))
    best, best_score = None, 0.0
    for rank, p in enumerate(passages):
        _, spans = blingfire.text_to_sentences_and_offsets(p.text)
        for s, e in spans:
            sentence = p.text[s:e]
            score = sum(idf(t, df, n_docs) for t in q & set(terms(sentence))) - 0.01 * rank
            if score > best_score:
                best, best_score = (sentence.strip(), p), score
    return best


def strip_markers(text: str) -> str:
    """Remove the model's own [n] markers: the system numbers citations itself."""
    return re.sub(r"\s*\[\d+\]", "", text).strip()
