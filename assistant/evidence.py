"""Evidence: the sentences of the retrieved passages that may answer the question, best first.

A passage is a few sentences; the model reads, and the check compares, single sentences, each an
exact span of its file so that a citation points at it. They are ranked by the question's key terms
they hold (IDF-weighted), their dense similarity to the query, their passage's rank, and whether
they hold the kind of answer asked for (`kinds`). A question that names something the documents
never mention has no evidence at all (`unknown_names`): no passage can be about it.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from .corpus import Corpus
from .kinds import answer_type, has_type
from .models import Citation, Passage
from .text import fold, names, terms, words

# Words that say what kind of answer is wanted, not what it is about: they need not occur in the evidence.
SCAFFOLD_WORDS = (
    "date dates day year years time times many much number say said says according article quoted quote "
    "mention mentioned name named called kind type role purpose reason way happen happened take took place"
)
SCAFFOLD = set(terms(SCAFFOLD_WORDS))


def idf(term: str, df: dict[str, int], n_docs: int) -> float:
    """Rare terms weigh more; a term the corpus never uses weighs most."""
    return math.log(1 + n_docs / (1 + df.get(term, 0)))


@dataclass(frozen=True)
class Evidence:
    text: str
    passage: Passage
    score: float
    start: int = 0  # the sentence's characters in the file: text == file[start:end]
    end: int = 0
    context: bool = False  # a heading, title, reference or footnote line: read, never an answer alone

    def before(self) -> str:
        """The sentence before this one in its passage ("" for the passage's first): it may name what
        this one calls "she" or "the visit"."""
        at = self.start - self.passage.start
        earlier = [span for span in self.passage.spans() if span[1] <= at]
        return self.passage.text[slice(*earlier[-1])] if earlier else ""

    def cite(self, n: int) -> Citation:
        """Cite the sentence itself (not its whole chunk)."""
        span = {"start": self.start, "end": self.end, "text": self.text}
        return Citation.of(self.passage, n, round(self.score, 3)).model_copy(update=span)


REFERENCE = re.compile(r"^\s*(\^|↑|\[\d+\])|\bISBN\b|\bdoi:\s*10\.|\bRetrieved( on)? \d|\barXiv:|\bArchived from the original")


def is_context(sentence: str, line: str, title: str) -> bool:
    """A line that frames the text rather than stating a fact: the document's title, a reference or
    footnote line, or a heading (a whole short line without a sentence's end, digits, a colon or cells)."""
    if fold(sentence) == fold(title) or REFERENCE.search(sentence):
        return True
    return (
        sentence == line.strip()
        and len(sentence.split()) <= 12
        and not re.search(r"[.!?…;\"”')\]]$", sentence)
        and not re.search(r"[\d:|\t]", sentence)
    )


def sentences(passages: list[Passage]) -> list[tuple[str, Passage, int, int, bool]]:
    """(sentence, passage, passage rank, start in the file, is it context) for every distinct sentence
    of the passages. A line break ends a sentence too: a headline or a caption is not part of the
    sentence below it."""
    out: dict[tuple[str, int], tuple[str, Passage, int, int, bool]] = {}
    for rank, p in enumerate(passages):
        for s, e in p.spans():
            if (p.file_path, p.start + s) not in out:
                line_end = p.text.find("\n", e)
                line = p.text[p.text.rfind("\n", 0, s) + 1 : line_end if line_end >= 0 else None]
                out[p.file_path, p.start + s] = (p.text[s:e], p, rank, p.start + s, is_context(p.text[s:e], line, p.title))
    return list(out.values())


def coverage(question: str, texts: list[str], df: dict[str, int], n_docs: int) -> float:
    """IDF-weighted share of the question's key terms found in the texts (1.0 when it has none)."""
    q = set(terms(question)) - SCAFFOLD
    if not q:
        return 1.0
    found = set().union(*(terms(t) for t in texts)) if texts else set()
    return sum(idf(t, df, n_docs) for t in q & found) / sum(idf(t, df, n_docs) for t in q)


def select(
    question: str,
    query: str,
    passages: list[Passage],
    corpus: Corpus,
    limit: int,
    *,
    said: str = "",
    type_bonus: float = 0.3,
    name_gate: bool = True,
) -> list[Evidence]:
    """The `limit` best sentences of the passages: coverage of the query's key terms, dense similarity,
    passage rank and answer kind; a sentence the last answer already `said` last (a follow-up asks for
    something new). None when the question names what the documents never mention (`name_gate`)."""
    found = sentences(passages)
    if not found or (name_gate and unknown_names(question, corpus.df)):
        return []
    vectors = corpus.embed([s for s, *_ in found] + [query])
    dense = vectors[:-1] @ vectors[-1]
    kind = answer_type(question)
    scored = []
    for (s, p, rank, start, context), d in zip(found, dense):
        bonus = type_bonus if kind and has_type(s, kind, question) else 0.0
        score = coverage(query, [s], corpus.df, len(corpus.ids)) + float(d) - 0.05 * rank + bonus
        scored.append(Evidence(s, p, score, start, start + len(s), context))
    said = " ".join(said.split())
    scored.sort(key=lambda e: (bool(said) and " ".join(e.text.split()) in said, -e.score))
    return scored[:limit]


def unknown_names(question: str, df: dict[str, int]) -> list[str]:
    """Names and numbers in the question that the documents never mention: they cannot be about it."""
    named = names(question, first=False) + [w for w in words(question) if w[0].isdigit()]
    return [w for w in named if any(t not in df for t in set(terms(w)) - SCAFFOLD)]
