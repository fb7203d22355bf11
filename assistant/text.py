"""The text normalisation that retrieval, evidence ranking, the answer check and the UI's
highlighting share, so that all of them see the same words: lowercased, spelling-normalised,
stemmed word tokens without stop words. It imports nothing of ours.
"""

from __future__ import annotations

import functools
import re
import unicodedata

import bm25s
import Stemmer
from bm25s.stopwords import STOPWORDS_EN_PLUS

_stemmer = Stemmer.Stemmer("english")
STOPWORDS = frozenset(STOPWORDS_EN_PLUS)  # the NLTK-sized list: question words carry no evidence
_stopwords = list(STOPWORDS_EN_PLUS)  # as bm25s takes them


# British spellings in American form (the seeds mix "recognised" and "recognized"). Applied to questions
# and documents alike, so a rule that also rewrites some other word ("expertise") does no harm.
_SPELLINGS = [
    (re.compile(r"(?<=\w{3})is(?=(e|es|ed|ing|ation|ations)\b)"), "iz"),  # organise, organisation
    (re.compile(r"(?<=\w{3})ys(?=(e|es|ed|ing)\b)"), "yz"),  # analyse
    (re.compile(r"(?<=\w\w)our(?=(s|ed|ing|able|ite|ites|er|ers)?\b)"), "or"),  # labour, neighbouring
    (re.compile(r"\b(def|off|lic|pret)ence"), r"\1ense"),
    (re.compile(r"\b(cent|theat|met|lit|fib)re(s?)\b"), r"\1er\2"),
    (re.compile(r"\b(dialog|catalog|analog)ue"), r"\1"),
    (re.compile(r"\bprogramme"), "program"),
]


@functools.lru_cache(maxsize=100_000)
def american(word: str) -> str:
    """One lowercase word in American spelling: cached, as a corpus repeats its words."""
    for pattern, replacement in _SPELLINGS:
        word = pattern.sub(replacement, word)
    return word


def _stem(words: list[str]) -> list[str]:
    return _stemmer.stemWords([american(w) for w in words])


def terms(text: str) -> list[str]:
    """Lowercased, spelling-normalised, stemmed, stop-word-free word tokens: what BM25 and the evidence
    checks compare."""
    return bm25s.tokenize([text], stopwords=_stopwords, stemmer=_stem, return_ids=False, show_progress=False)[0]


def fold(text: str) -> str:
    """As names and numbers are matched: accents, apostrophes and case dropped, and thousands
    separators too ("Wŏnsan" -> "wonsan", "Namp’o" -> "nampo", "3,700" -> "3700")."""
    plain = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return re.sub(r"(?<=\d)[,\u202f\u00a0](?=\d{3})", "", re.sub(r"[’'ʼ]", "", plain).casefold())
