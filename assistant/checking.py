"""The system checks what the model said, whatever the model: an answer is shown only when the
sentences it cites support it, word for word (`check`) and in meaning (`confirm`).

Supported means: every name and number the answer adds to the question occurs in the cited
sentences, and at least `min_support` of its other new content words do. Both sides first have
numbers written as words read as digits (`digits`: "eight" = "8"); names and numbers are then
compared after `text.fold` (accents, apostrophes, case and thousands separators dropped), content
words after `text.terms`, the normalisation retrieval uses. When the sentences the model cited do
not hold the answer but another evidence sentence does, the citation moves there; when none does,
the answer is refused. `judge` runs both. `check` is a plain function of strings and sentences,
testable without a model. `confirm` is the second look: the same model, asked over only the cited
sentences whether they state that this is the answer to this exact question, catches a true fact
that answers a neighbouring question (a turnout share for a vote share, another person's sentence)
that the word check passes.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from pydantic import BaseModel
from text_to_num import alpha2digit

from .evidence import Evidence
from .generation import Generator
from .prompts import render
from .reading import Reading
from .text import STOPWORDS, fold, terms


class Verdict(BaseModel):
    """The check's decision: the evidence sentences (0-based) that support the answer, or why none does."""

    supported: bool
    sentences: list[int] = []
    reason: str
    confidence: float | None = None  # the second look's P(yes), when it was asked


def facts(text: str) -> set[str]:
    """The names and numbers of a text, folded: capitalised words that are not function words, and numbers."""
    words = re.findall(r"[\w’'.-]+", text)
    names = {w.strip(".’'-") for w in words if w[0].isupper() and w.lower().strip(".’'") not in STOPWORDS}
    numbers = set(re.findall(r"\d+(?:[.,]\d+)*", fold(text)))
    return {fold(n) for n in names if n} | numbers


def words(text: str) -> set[str]:
    """The text's content terms, as retrieval normalises them, after folding ("3,700" is one number)."""
    return set(terms(fold(text)))


def digits(text: str) -> str:
    """Numbers written as words in digits ("fifteen votes to eight" -> "15 votes to 8")."""
    return alpha2digit(text, "en", threshold=0)


def holds(answer: str, asked: str, text: str, min_support: float) -> bool:
    """Does `text` state the answer's new names, numbers and (enough of) its new content words?"""
    answer, asked, text = digits(answer), digits(asked), digits(text)
    folded = fold(text)
    new_facts = facts(answer) - facts(asked)
    if any(not re.search(rf"(?<!\w){re.escape(f)}(?!\w)", folded) for f in new_facts):
        return False
    new_terms = words(answer) - words(asked)
    if not new_terms:
        return bool(new_facts)
    return len(new_terms & words(text)) / len(new_terms) >= min_support


def judge(
    generator: Generator,
    prompts: Path,
    reading: Reading,
    question: str,
    history: Sequence[tuple[str, str]],
    evidence: list[Evidence],
    min_support: float,
    min_confidence: float | None,
    *,
    word_check: bool = True,
) -> Verdict:
    """The word check, then the second look (unless `min_confidence` is None). Without the word check
    (`word_check=False`, only to measure what it catches) the model's citations are taken as they are."""
    if word_check:
        verdict = check(reading, question, history, evidence, min_support)
    else:
        verdict = Verdict(
            supported=not reading.not_stated,
            sentences=[n - 1 for n in reading.cited] or [0],
            reason="unchecked" if not reading.not_stated else "the model found no answer in the evidence",
        )
    if not verdict.supported or min_confidence is None:
        return verdict
    p = confirm(generator, prompts, question, history, reading.answer, [evidence[i] for i in verdict.sentences])
    if p < min_confidence:
        return Verdict(
            supported=False,
            confidence=p,
            reason=f"{reading.answer!r}: {verdict.reason}, but the second "
            f"look doubts they answer this question (P(yes) {p:.2f} < {min_confidence})",
        )
    return verdict.model_copy(update={"confidence": p})


def check(
    reading: Reading, question: str, history: Sequence[tuple[str, str]], evidence: list[Evidence], min_support: float
) -> Verdict:
    """Which evidence sentences support the model's answer: the ones it cited if they do (keeping
    those that contribute, not only heading or title lines), else the first single sentence that
    does; else none. An answer whose names come from the prompt's own examples is not moved to a
    sentence the model did not cite (that would turn a leaked example into an answer)."""
    if reading.not_stated:
        return Verdict(supported=False, reason="the model found no answer in the evidence")
    answer = reading.answer
    asked = " ".join([question, *(q for q, _ in history[-1:])])
    if not (words(answer) - words(asked)) and not (facts(answer) - facts(asked)):
        return Verdict(supported=False, reason="the answer only repeats the question")
    cited = [n - 1 for n in reading.cited]
    if cited and holds(answer, asked, " ".join(evidence[i].text for i in cited), min_support):
        useful = [i for i in cited if _contributes(answer, asked, evidence[i].text)] or cited[:1]
        if not all(evidence[i].context for i in useful):  # a heading or title line is never the answer alone
            return Verdict(supported=True, sentences=useful, reason="supported by the sentences the model cited")
    leaked = bool(new := facts(digits(answer)) - facts(digits(asked))) and new <= facts(reading.examples)
    for i, sentence in enumerate(evidence):
        if not sentence.context and not leaked and holds(answer, asked, sentence.text, min_support):
            return Verdict(supported=True, sentences=[i], reason="supported by another evidence sentence")
    return Verdict(supported=False, reason=f"no evidence sentence states {answer!r}")


def _contributes(answer: str, asked: str, text: str) -> bool:
    """Does the sentence hold any of the answer's new names, numbers or content words?"""
    answer, asked, text = digits(answer), digits(asked), digits(text)
    folded = fold(text)
    return any(re.search(rf"(?<!\w){re.escape(f)}(?!\w)", folded) for f in facts(answer) - facts(asked)) or bool(
        (words(answer) - words(asked)) & words(text)
    )


def confirm(
    generator: Generator, prompts: Path, question: str, history: Sequence[tuple[str, str]], answer: str, sentences: list[Evidence]
) -> float:
    """The model's probability that `sentences` state `answer` as the answer to `question` (its
    first reply token's P(yes) to `verify_user.j2`)."""
    user = render(
        prompts, "verify_user.j2", question=question, history=list(history[-1:]), answer=answer, texts=[e.text for e in sentences]
    )
    return generator.yes_probability([{"role": "user", "content": user}])
