"""Deciding what the evidence supports, by the system rather than by trusting a tiny model.

A small model cannot be trusted to say "I don't know" or to stick to the text, so the system:
- picks evidence sentences from the retrieved passages (`select_evidence`);
- abstains when the question names something the documents never mention (`unknown_names`);
- uses the model as a reader: its short answer counts only when its words come from one evidence
  sentence and it adds the kind of information asked for (`supported`, `answer_type`, `has_type`);
  the answer shown is then a verbatim quote of that sentence (whole), so every word is checkable.
  Otherwise the best evidence sentence is quoted, or the assistant abstains when even that lacks
  the kind of answer asked for.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import blingfire

from .models import Citation, Passage
from .reading import is_abstention
from .text import fold, terms

# Words that say what kind of answer is wanted, not what it is about: they need not occur in the evidence.
SCAFFOLD = set(terms(
    "date dates day year years time times many much number say said says according article quoted quote "
    "mention mentioned name named called kind type role purpose reason way happen happened take took place"
))
MONTHS = "january february march april may june july august september october november december"
CALENDAR = set(MONTHS.split()) | set("monday tuesday wednesday thursday friday saturday sunday".split())
_MONTH = MONTHS.replace(" ", "|")
DAY_OF_MONTH = re.compile(rf"\b(\d{{1,2}})(?:st|nd|rd|th)? (?:{_MONTH})|(?:{_MONTH}) (\d{{1,2}})\b")  # "19 June", "June 19"
AUXILIARIES = r"(did|does|do|is|was|were|are|has|have|had|will|would|can|could|should)\b"
NUMBER_WORDS = set("one two three four five six seven eight nine ten eleven twelve twenty thirty forty fifty "
                   "hundred hundreds thousand thousands million millions billion twice dozen".split())


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

    def cite(self, n: int) -> Citation:
        """Cite the sentence itself (not its whole chunk)."""
        p = self.passage
        return Citation(n=n, score=round(self.score, 3), source=p.source, file_path=p.file_path, title=p.title,
                        start=self.start, end=self.end, text=self.text, page=p.page, page_label=p.page_label)


REFERENCE = re.compile(r"^\s*(\^|↑|\[\d+\])|\bISBN\b|\bdoi:\s*10\.|\bRetrieved( on)? \d|\barXiv:|\bArchived from the original")


def is_context(sentence: str, line: str, title: str) -> bool:
    """A line that frames the text rather than stating a fact: the document's title, a reference or
    footnote line, or a heading (a whole short line without a sentence's end, digits, a colon or cells)."""
    if fold(sentence) == fold(title) or REFERENCE.search(sentence):
        return True
    return (sentence == line.strip() and len(sentence.split()) <= 12 and not re.search(r"[.!?…;\"”')\]]$", sentence)
            and not re.search(r"[\d:|\t]", sentence))


def sentences(passages: list[Passage]) -> list[tuple[str, Passage, int, int, bool]]:
    """(sentence, passage, passage rank, start in the file, is it context) for every distinct sentence
    of the passages. A line break ends a sentence too: a headline or a caption is not part of the
    sentence below it."""
    seen, out = set(), []
    for rank, p in enumerate(passages):
        for line in re.finditer(r"[^\n]+", p.text):
            for s, e in blingfire.text_to_sentences_and_offsets(line.group())[1]:
                raw = line.group()[s:e]
                start = p.start + line.start() + s + len(raw) - len(raw.lstrip())
                if (p.file_path, start) not in seen and raw.strip():
                    seen.add((p.file_path, start))
                    out.append((raw.strip(), p, rank, start, is_context(raw.strip(), line.group(), p.title)))
    return out


def key_terms(question: str) -> set[str]:
    return set(terms(question)) - SCAFFOLD


def coverage(question: str, texts: list[str], df: dict[str, int], n_docs: int) -> float:
    """IDF-weighted share of the question's key terms found in the texts (1.0 when it has none)."""
    q = key_terms(question)
    if not q:
        return 1.0
    found = set().union(*(terms(t) for t in texts)) if texts else set()
    return sum(idf(t, df, n_docs) for t in q & found) / sum(idf(t, df, n_docs) for t in q)


TYPE_BONUS = 0.3  # a sentence holding the kind of answer asked for (a date for "when") is likelier to answer


def select_evidence(query: str, question: str, passages: list[Passage], embed, df: dict[str, int],
                    n_docs: int) -> list[Evidence]:
    """Sentences of the passages, best first: lexical coverage of the query, dense similarity, answer type."""
    found = sentences(passages)
    if not found:
        return []
    vectors = embed([s for s, *_ in found] + [query])
    dense = vectors[:-1] @ vectors[-1]
    kind = answer_type(question)
    scored = [Evidence(s, p, coverage(query, [s], df, n_docs) + float(d) - 0.05 * rank
                       + (TYPE_BONUS if kind and has_type(s, kind, question) else 0.0), start, start + len(s), context)
              for (s, p, rank, start, context), d in zip(found, dense)]
    return sorted(scored, key=lambda e: -e.score)


def unknown_names(question: str, df: dict[str, int]) -> list[str]:
    """Names and numbers in the question that the documents never mention: they cannot be about it."""
    words = re.findall(r"[\w’'-]+", question)
    named = [w for i, w in enumerate(words) if w[0].isdigit() or (i > 0 and w[0].isupper())]
    return [w for w in named if any(t not in df for t in set(terms(w)) - SCAFFOLD)]


def answer_type(question: str) -> str | None:
    """The kind of answer a question asks for, when it is clear: 'name' (who, which...), 'year', 'date',
    'number' or None."""
    q = question.lower()
    if re.match(r"(and |so |then )?(who|whom)\b", q):
        return "name"
    if re.search(r"\bhow (many|much|big|large|long|old)\b|\bwhat (was|is) the (total |)(value|number|amount|size|cost)", q):
        return "number"
    if re.search(r"\b(what|which) year\b", q):
        return "year"
    if re.search(r"\bwhen\b|\b(what|which) (date|day|month)s?\b", q):
        return "date"
    if re.match(rf"((and|so|then|in|at|on|from|to|of|for|by|with) )?which (?!{AUXILIARIES})", q):
        return "name"  # "which agency", "in which forum": the answer names something
    return None


def has_type(text: str, kind: str | None, question: str) -> bool:
    """Does the text contain an answer of that kind that the question itself does not contain?"""
    return kind is None or bool(typed_words(text, kind, question))


def typed_words(text: str, kind: str, question: str) -> list[str]:
    """The words of the text that could answer a question of that kind: new capitalised words for a
    name (not months, not the sentence's first word); years, dates, counts and amounts (not years,
    days of a month or labels such as "Article 4")."""
    prefixes = {w[:5] for w in re.findall(r"[\w-]+", question.lower())}  # "Korea" is asked by "Korean"
    if kind == "name":
        return [w for w in re.findall(r"\b[A-Z][\w-]+", text)[1:]
                if w.lower()[:5] not in prefixes and w.lower() not in CALENDAR]  # "December" names no one
    asked = set(re.findall(r"[\w-]+", question.lower()))
    new_words = [w for w in re.findall(r"[\w-]+", text.lower()) if w not in asked]
    if kind == "year":
        return [w for w in new_words if re.fullmatch(r"(1[89]|20)\d\d", w)]
    if kind == "number":
        days = {d for pair in DAY_OF_MONTH.findall(text.lower()) for d in pair if d}
        labels = set(re.findall(r"\b[A-Z][\w-]* (\d+(?:[,.]\d+)*)", text))  # "Article 4", "Resolution 2231"
        return [w for w in new_words if w in NUMBER_WORDS or (re.fullmatch(r"\d[\d,.]*", w) and w not in days
                                                              and w not in labels and not re.fullmatch(r"(1[89]|20)\d\d", w))]
    return [w for w in new_words if w in CALENDAR or re.fullmatch(r"(1[89]|20)\d\d|\d+[./-]\d+.*", w)]


def supported(answer: str, evidence: list[Evidence], question: str) -> Evidence | None:
    """The evidence sentence that supports the answer: all its key terms occur there, and it adds something."""
    a = set(terms(answer))
    if not a or is_abstention(answer) or not a - set(terms(question)):
        return None
    for e in evidence:
        if a <= set(terms(e.text)):
            return e
    return None
