"""Questions in a writing system the documents do not use.

Retrieval and the answer check compare words, so a question in Korean about English documents finds
nothing it could cite, and the honest reply is to say why ("ask in the documents' language") rather
than "the documents do not say". Scripts come from Unicode character names: no language model.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable

NAMES = {"CJK": "Han (Chinese)"}  # Unicode's first word where it is not the script's usual name
MIN_SHARE = 0.01  # a script the documents use for less than this share of their words is not theirs


@functools.lru_cache(maxsize=4096)
def script(char: str) -> str:
    """The writing system of a letter: LATIN, CYRILLIC, HANGUL, CJK, ARABIC..."""
    return unicodedata.name(char, "UNKNOWN").split()[0]


def scripts(words: Iterable[str]) -> Counter:
    """How many of the words are written in each script (by each word's first letter)."""
    return Counter(script(c) for w in words for c in w[:1] if c.isalpha())


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
    return NAMES.get(script, script.title())
