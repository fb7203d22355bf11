"""Words, names, numbers and sentences, defined once for everything that compares or highlights the
question and the documents (retrieval, chunking, evidence, the answer check, answer kinds, the
language gate, the UI): `words` and `names` as written, `terms` as BM25 and the evidence checks
compare them (lowercased, spelling-normalised, stemmed, without stop words), `fold` as names and
numbers are matched, `sentence_spans` as documents are cut and cited. It imports nothing of ours.
"""

from __future__ import annotations

import functools
import re
import unicodedata

import blingfire
import bm25s
import Stemmer
from bm25s.stopwords import STOPWORDS_EN_PLUS

_stemmer = Stemmer.Stemmer("english")
STOPWORDS = frozenset(STOPWORDS_EN_PLUS)  # the NLTK-sized list ("en_plus" to bm25s): question words carry no evidence


WORD = re.compile(r"[^\W_]+(?:[-'’.][^\W_]+)*")  # "Son-hui", "Choe's", "U.S", "19.5" are one word each


def words(text: str) -> list[str]:
    """The text's words as written: letters and digits, joined by inner hyphens, apostrophes and points."""
    return WORD.findall(text)


def names(text: str, *, first: bool = True) -> list[str]:
    """The text's capitalised words that are not function words ("The" is none); without `first`, not
    its first word, which a sentence capitalises anyway."""
    return [w for i, w in enumerate(words(text)) if (first or i) and w[0].isupper() and w.casefold() not in STOPWORDS]


def sentence_spans(text: str, max_chars: int | None = None) -> list[tuple[int, int]]:
    """(start, end) of each sentence (blingfire), whitespace trimmed; a line break always ends one, and
    with `max_chars` an over-long one is cut at spaces. Chunks are made of these spans and evidence
    sentences are read from them, so that a citation's `text == file[start:end]`."""
    spans: list[tuple[int, int]] = []
    for line in re.finditer(r"[^\n]+", text):
        for s, e in blingfire.text_to_sentences_and_offsets(line.group())[1]:
            piece = text[line.start() + s : line.start() + e]
            start = line.start() + e - len(piece.lstrip())
            end = start + len(piece.strip())
            while max_chars and end - start > max_chars:  # cut at a space in the second half, else anywhere
                cut = text.rfind(" ", start + max_chars // 2, start + max_chars)
                cut = cut if cut > start else start + max_chars
                spans.append((start, cut))
                start = end - len(text[cut:end].lstrip())
            if end > start:
                spans.append((start, end))
    return spans


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


def _stem(tokens: list[str]) -> list[str]:
    return _stemmer.stemWords([american(w) for w in tokens])


def terms(text: str) -> list[str]:
    """Lowercased, spelling-normalised, stemmed, stop-word-free word tokens: what BM25 and the evidence
    checks compare."""
    return bm25s.tokenize([text], stopwords="en_plus", stemmer=_stem, return_ids=False, show_progress=False)[0]


def fold(text: str) -> str:
    """As names and numbers are matched: accents, apostrophes and case dropped, and thousands
    separators too ("Wŏnsan" -> "wonsan", "Namp’o" -> "nampo", "3,700" -> "3700")."""
    plain = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return re.sub(r"(?<=\d)[,\u202f\u00a0](?=\d{3})", "", re.sub(r"[’'ʼ]", "", plain).casefold())


def lemmas(text: str) -> set[str]:
    """The text's content words as dictionary forms ("met" -> "meet", "visited" -> "visit", but "left"
    stays "left"): how the check compares an answer and a question with the sentences cited for them.
    Stems alone cannot match irregular forms."""
    import simplemma  # its dictionary loads on first use (about 0.5 s)

    found = re.findall(r"[^\W\d_]+", fold(text))
    return {american(simplemma.lemmatize(w, lang="en").lower()) for w in found if w not in STOPWORDS and len(w) > 1}


def name_tokens(text: str) -> set[str]:
    """The words of the text's names and its numbers, folded: capitalised words that are not function
    words ("Choe Son-hui's" -> choe, son, hui; "North Korea" -> north, korea) and numbers ("3,700" -> 3700)."""
    tokens = re.findall(r"[^\W_]+", fold(re.sub(r"[’'`]s\b", "", text)))
    wanted = {t for w in names(text) for t in re.findall(r"[^\W_]+", fold(re.sub(r"[’'`]s$", "", w.casefold())))}
    return {t for t in tokens if t in wanted and t not in STOPWORDS} | {t for t in tokens if t.isdigit()}


def names_found(names: set[str], text: str) -> set[str]:
    """The name words of `names` that `text` holds: exactly, or for a word of five letters or more by its
    first five ("Korean" is found in "Korea")."""
    tokens = set(re.findall(r"[^\W_]+", fold(text)))
    prefixes = {t[:5] for t in tokens if len(t) >= 5}
    return {n for n in names if n in tokens or (len(n) >= 5 and not n.isdigit() and n[:5] in prefixes)}
