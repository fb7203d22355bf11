"""Questions in a writing system or a language the documents do not use.

Retrieval and the answer check compare words, so a question in Korean about English documents finds
nothing it could cite, and the honest reply is to say why ("ask in the documents' language") rather
than "I could not find this in the documents". Scripts come from Unicode character names and are checked before
anything is searched; then the language, with py3langid (a small character n-gram classifier), since
the search's English sentence model and the check cannot read a French question about English
documents either: what it found would be chance, and a quote of it no honest answer.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections import Counter
from collections.abc import Container, Iterable, Sequence
from typing import TYPE_CHECKING

import pycountry
from py3langid.langid import MODEL_FILE, LanguageIdentifier

from .text import terms, words

if TYPE_CHECKING:
    from .corpus import Corpus  # which reads the documents' scripts and languages with this module

NAMES = {"CJK": "Han (Chinese)"}  # Unicode's first word where it is not the script's usual name
MIN_SHARE = 0.01  # a script (language) used in less than this share of their words (passages) is not theirs
MIN_CONFIDENCE = 0.6  # on 257 English eval questions none is this sure of another language; 26 of 28 translations are
MAX_THEIRS = 0.05  # below this P(documents' language), 0 of 257 English eval questions; 16 of 16 translations
SAMPLE = 200  # passages whose language is identified to know the documents' languages


@functools.lru_cache(maxsize=4096)
def script(char: str) -> str:
    """The writing system of a letter: LATIN, CYRILLIC, HANGUL, CJK, ARABIC..."""
    return unicodedata.name(char, "UNKNOWN").split()[0]


def scripts(words: Iterable[str]) -> Counter:
    """How many of the words are written in each script (by each word's first letter)."""
    return Counter(script(c) for w in words for c in w[:1] if c.isalpha())


def unfamiliar(question: str, corpus: Corpus) -> tuple[str, str] | None:
    """(the question's script or language, the documents') when they differ, else None."""
    return unfamiliar_script(question, corpus.scripts) or unfamiliar_language(question, corpus.languages, corpus.df)


def unfamiliar_script(question: str, theirs: Counter) -> tuple[str, str] | None:
    """(the question's script, the documents' main script) when the documents (`theirs`: `scripts`
    of their vocabulary) hardly use the question's script, else None."""
    asked = scripts(re.findall(r"[^\W\d_]+", question))
    if not asked:
        return None
    mine = asked.most_common(1)[0][0]
    if not theirs or theirs[mine] >= MIN_SHARE * sum(theirs.values()):
        return None
    return _name(mine), _name(theirs.most_common(1)[0][0])


def _name(script: str) -> str:
    return NAMES.get(script, script.title()) + " script"


@functools.cache
def _identifier() -> LanguageIdentifier:
    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)  # under a second, on first use


def languages(texts: Sequence[str]) -> Counter:
    """How many of (about SAMPLE, evenly spread) texts the classifier is sure are in each language;
    empty when it is sure of fewer than half of them (tables, code, lists of names: a language it
    cannot tell must never make a question foreign)."""
    found = [_identifier().classify(t) for t in texts[:: max(1, len(texts) // SAMPLE)]]
    sure = Counter(code for code, p in found if p >= MIN_CONFIDENCE and code != "zxx")
    return sure if 2 * sum(sure.values()) >= len(found) else Counter()


def unfamiliar_language(question: str, theirs: Counter, vocabulary: Container[str] = ()) -> tuple[str, str] | None:
    """(the question's language, the documents' main language) when the documents (`theirs`: `languages`
    of their passages) hardly use the question's language: either the classifier is sure of it, or it
    gives the documents' languages under MAX_THEIRS and most of the question's words (names aside)
    are unknown to the documents' `vocabulary` (their `text.terms`). Names pull the classifier
    towards chance ("Wann besuchte Choe Son-hui Moskau?"); unknown words are what make it foreign."""
    if not theirs:
        return None
    ranked = dict(_identifier().rank(question))
    code = max(ranked, key=ranked.__getitem__)
    share = MIN_SHARE * sum(theirs.values())
    if theirs[code] >= share:
        return None
    if ranked[code] < MIN_CONFIDENCE:
        # the question's words but names: no word with a digit, no capitalised word but the first
        common = [w for i, w in enumerate(words(question)) if not re.search(r"\d", w) and (i == 0 or not w[:1].isupper())]
        tokens = [t for w in common for t in terms(w)]
        unknown = [t for t in tokens if t not in vocabulary]
        ours = sum(ranked.get(c, 0.0) for c, n in theirs.items() if n >= share)
        if not (ours < MAX_THEIRS and len(unknown) >= 2 and 2 * len(unknown) > len(tokens)):
            return None
    return _language(code), _language(theirs.most_common(1)[0][0])


def _language(code: str) -> str:
    found = pycountry.languages.get(alpha_2=code) if len(code) == 2 else pycountry.languages.get(alpha_3=code)
    return found.name.split(" (")[0] if found else code
