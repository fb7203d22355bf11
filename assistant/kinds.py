"""The kind of answer a question asks for (a name for "who", a date for "when", a count for "how
many") and whether a text holds one the question does not already: evidence ranking favours such
sentences, and the fast mode quotes a sentence only when it holds one. English question words only,
nothing of any corpus.
"""

from __future__ import annotations

import re

from .text import names, words

MONTHS = "january february march april may june july august september october november december"
CALENDAR = set(MONTHS.split()) | set("monday tuesday wednesday thursday friday saturday sunday".split())
_MONTH = MONTHS.replace(" ", "|")
DAY_OF_MONTH = re.compile(rf"\b(\d{{1,2}})(?:st|nd|rd|th)? (?:{_MONTH})|(?:{_MONTH}) (\d{{1,2}})\b")  # "19 June", "June 19"
AUXILIARIES = r"(did|does|do|is|was|were|are|has|have|had|will|would|can|could|should)\b"
NUMBER_WORDS = set(
    "one two three four five six seven eight nine ten eleven twelve twenty thirty forty fifty "
    "hundred hundreds thousand thousands million millions billion twice dozen".split()
)


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
    asked = set(words(question.lower()))
    if kind == "name":
        prefixes = {w[:5] for w in asked}  # "Korea" is asked by "Korean"
        return [w for w in names(text, first=False) if w.lower()[:5] not in prefixes and w.lower() not in CALENDAR]
    new_words = [w for w in words(text.lower()) if w not in asked]
    if kind == "year":
        return [w for w in new_words if re.fullmatch(r"(1[89]|20)\d\d", w)]
    if kind == "number":
        days = {d for pair in DAY_OF_MONTH.findall(text.lower()) for d in pair if d}
        labels = set(re.findall(r"\b[A-Z][\w-]* (\d+(?:[,.]\d+)*)", text))  # "Article 4", "Resolution 2231"
        return [
            w
            for w in new_words
            if w in NUMBER_WORDS
            or (re.fullmatch(r"\d[\d,.]*", w) and w not in days and w not in labels and not re.fullmatch(r"(1[89]|20)\d\d", w))
        ]
    return [w for w in new_words if w in CALENDAR or re.fullmatch(r"(1[89]|20)\d\d|\d+[./-]\d+.*", w)]
