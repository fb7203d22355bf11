"""Follow-ups: the earlier turns shape a question only when it leans on them.

A question that names what it asks about is answered exactly as if it were asked alone; one that
points back ("Who did she meet there?", "When did that tour take place?", "And in 2024?") is
searched and read together with the turn before. The test is English grammar (pronouns,
demonstratives, a leading "and"/"what about"), not anything of a corpus.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

History = Sequence[tuple[str, str]]  # earlier (question, answer) turns, oldest first

PRONOUNS = frozenset("he she him her his hers it its they them their theirs himself herself itself themselves".split())
DEMONSTRATIVES = frozenset("this that these those".split())
# Words after which "this/that/these/those" points back ("does that clause", "before that") rather than
# introducing a clause ("the treaty that was signed").
POINTING = frozenset(
    "do does did is are was were be been has have had will would can could should may might "
    "of in at on for with from by to before after about during since until under over into through "
    "against than like and or but what which when where how why who whom whose".split()
)
PREPOSITIONS = frozenset("of in at on for with from by to about into against".split())
ARTICLES = frozenset("a an the".split())  # "an application ... its file": the noun after one is named
DEMONYM = re.compile(r"(an|ese|ish|i)$")  # "Russian", "Chinese", "British": adjectives, not names
BE = frozenset("is are was were be been being 's".split())
LEADS = re.compile(r"^(and|also|then|so|what about|how about|and what about)\b", re.IGNORECASE)


def is_follow_up(question: str) -> bool:
    """Does the question lean on an earlier turn for what it is about? It does when it opens with
    "and"/"what about", points with "that"/"those" ("does that clause", "before that"), or uses a
    pronoun or "there" before naming anyone or anything itself, by a capital or after an article
    ("Who did she meet there?", but not "What did Lincoln say in his speech?" or "What must an
    application run after changing its file?")."""
    if LEADS.match(question.strip()):
        return True
    tokens = re.findall(r"[A-Za-z]+|'s|[^\sA-Za-z]", question.replace("’", "'"))
    named = False  # has the question named someone or something before this word?
    for i, token in enumerate(tokens):
        word, before = token.lower(), tokens[i - 1].lower() if i else ""
        after = tokens[i + 1].lower() if i + 1 < len(tokens) else ""
        if word in DEMONSTRATIVES and (not before or before in POINTING or not after.isalpha()):
            return True
        if word in PRONOUNS and (not named or (before in PREPOSITIONS and not after.isalpha())):
            return True  # "Who did she meet?", "Who invited the delegation to it?"
        if word == "there" and not named and before not in BE and after not in BE:  # "meet there", not "is there"
            return True
        capital = i > 0 and token[0].isupper() and word not in PRONOUNS and not DEMONYM.search(token)
        named = named or capital or (before in ARTICLES and token.isalpha())
    return False


def relevant(question: str, history: History) -> History:
    """The turns that shape this question: the last one for a follow-up, none otherwise."""
    return tuple(history[-1:]) if history and is_follow_up(question) else ()


def query(question: str, history: History) -> str:
    """What to search for: a follow-up is searched together with the question it follows."""
    return " ".join([q for q, _ in history[-1:]] + [question])


def frame(question: str, history: History) -> tuple[History, str]:
    """The turns that shape this question (`relevant`) and what to search for (`query`)."""
    turns = relevant(question, history)
    return turns, query(question, turns)
