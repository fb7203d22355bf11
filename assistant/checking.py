"""The system checks what the model said, whatever the model: each claim of an answer cites the
sentence that states it (`check`), and the answer is shown only when a confidence calibrated on
dev questions (`calibration`) says it is likely right (`judge`).

Stated means: every name and number a claim adds to the question occurs in the sentence, and at
least `min_support` of its other new content words do (as lemmas or stems: "met" = "meet").
Numbers written as words read as digits ("eight" = "8"); names and numbers are compared after
`text.fold`. When the sentences the model cited do not hold a claim but another evidence sentence
does, its citation moves there; a claim that no sentence states is dropped. When none is stated,
the model's own citations stay and the signals say so: on the dev splits every such rule refused
about as many right answers as wrong ones, so none refuses on its own.

The confidence combines signals (`signals`), because no one of them separates right answers from
near misses: the second look (the same model asked whether the cited sentences state this answer
to this exact question), the reader's own certainty (its tokens' log-probabilities, its P("not
stated")), how much of the question the cited sentences, their titles and the sentences before
them hold (its names and numbers, its content words), the evidence's rank and score, and whether
the answer holds the kind of thing asked for. `check` and `signals` are plain functions of strings
and sentences, testable without a model.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from pydantic import BaseModel
from text_to_num import alpha2digit

from . import calibration
from .evidence import SCAFFOLD_WORDS, Evidence
from .generation import Generator
from .kinds import answer_type, has_type
from .prompts import render
from .reading import Part, Reading
from .settings import Settings
from .text import fold, lemmas, name_tokens, names, names_found, terms

SCAFFOLD = lemmas(SCAFFOLD_WORDS)  # words that say what kind of answer is wanted, not what it is about


class Verdict(BaseModel):
    """The check's decision: the answer's sentences with the evidence (0-based) that supports each, or why none is shown."""

    supported: bool
    parts: list[tuple[str, list[int]]] = []
    reason: str
    moved: bool = False  # a citation moved to another sentence than the model cited
    stated: bool = True  # the word check found its claims stated (False: the model's own citations, unchecked)
    confidence: float | None = None  # calibrated P(right), when the answer got that far
    signals: dict[str, float] = {}

    @property
    def sentences(self) -> list[int]:
        """Every evidence sentence cited, in order of first citation."""
        return list(dict.fromkeys(i for _, cited in self.parts for i in cited))


def facts(text: str) -> set[str]:
    """The names and numbers of a text, folded: capitalised words that are not function words, and numbers."""
    numbers = set(re.findall(r"\d+(?:[.,]\d+)*", fold(text)))
    return {fold(n) for n in names(text)} | numbers


def digits(text: str) -> str:
    """Numbers written as words in digits ("fifteen votes to eight" -> "15 votes to 8")."""
    return alpha2digit(text, "en", threshold=0)


def new_words(answer: str, asked: str) -> set[str]:
    """The answer's content words (lemmas) that the question does not use."""
    return lemmas(digits(answer)) - lemmas(digits(asked)) - set(map(str, range(10)))


def support(answer: str, asked: str, text: str) -> tuple[float, int]:
    """(share of the answer's new content words the text holds, as lemma or stem; how many of the
    answer's new names and numbers it lacks)."""
    answer, asked, text = digits(answer), digits(asked), digits(text)
    folded = fold(text)
    missing = [f for f in facts(answer) - facts(asked) if not re.search(rf"(?<!\w){re.escape(f)}(?!\w)", folded)]
    new = new_words(answer, asked)
    if not new:
        return 1.0, len(missing)
    have, stems = lemmas(text), set(terms(text))
    held = [w for w in new if w in have or any(t in stems for t in terms(w))]
    return len(held) / len(new), len(missing)


def holds(answer: str, asked: str, text: str, min_support: float) -> bool:
    """Does `text` state the answer's new names, numbers and (enough of) its new content words?"""
    share, missing = support(answer, asked, text)
    return not missing and share >= min_support


def repeats(answer: str, asked: str) -> bool:
    """Does the answer add nothing to the question: no new name, number or content word?"""
    return not new_words(answer, asked) and not (facts(digits(answer)) - facts(digits(asked)))


def check(
    reading: Reading, question: str, history: Sequence[tuple[str, str]], evidence: list[Evidence], min_support: float
) -> Verdict:
    """Which evidence sentences support each sentence of the model's answer: the ones it cited if they
    do (keeping those that contribute, not only heading or title lines), else the first single sentence
    that does; a sentence that none supports is dropped. An answer whose names come from the prompt's
    own examples is not moved to a sentence the model did not cite (a leaked example is no answer)."""
    if reading.not_stated:
        return Verdict(supported=False, reason="the model found no answer in the evidence")
    asked = asked_text(question, history)
    kept, moved = [], False
    for part in reading.parts:
        found = _supporting(part, asked, evidence, min_support, reading.examples)
        if found is not None:
            kept.append((part.text, found))
            moved = moved or found != [n - 1 for n in part.cited]
    if not kept:
        return Verdict(supported=False, reason=f"no evidence sentence states {reading.answer!r}")
    how = "supported by another evidence sentence" if moved else "supported by the sentences the model cited"
    return Verdict(supported=True, parts=kept, reason=how, moved=moved)


def _supporting(part: Part, asked: str, evidence: list[Evidence], min_support: float, examples: str) -> list[int] | None:
    cited = [n - 1 for n in part.cited]
    if cited and holds(part.text, asked, " ".join(evidence[i].text for i in cited), min_support):
        useful = [i for i in cited if _contributes(part.text, asked, evidence[i].text)] or cited[:1]
        if not all(evidence[i].context for i in useful):  # a heading or title line is never the answer alone
            return useful
    leaked = bool(new := facts(digits(part.text)) - facts(digits(asked))) and new <= facts(examples)
    for i, sentence in enumerate(evidence):
        if not sentence.context and not leaked and holds(part.text, asked, sentence.text, min_support):
            return [i]
    return None


def _contributes(answer: str, asked: str, text: str) -> bool:
    """Does the sentence hold any of the answer's new names, numbers or content words?"""
    share, missing = support(answer, asked, text)
    return share > 0 or len(facts(digits(answer)) - facts(digits(asked))) > missing


def asked_text(question: str, history: Sequence[tuple[str, str]]) -> str:
    """The question with the one it follows: what the answer may repeat, and what the evidence must be about."""
    return " ".join([question, *(q for q, _ in history[-1:])])


def signals(
    reading: Reading, question: str, history: Sequence[tuple[str, str]], evidence: list[Evidence], verdict: Verdict
) -> dict[str, float]:
    """What the confidence is computed from (see the module's docstring), all in [0, 1] or small counts.
    `q_names` matters because a sentence that does not name whom or what the question names cannot answer it."""
    asked = asked_text(question, history)
    cited = [evidence[i] for i in verdict.sentences] or evidence[:1]
    around = " ".join(f"{e.passage.title}. {e.before()} {e.text}" for e in cited)
    names, own = name_tokens(asked), name_tokens(question)
    words = lemmas(asked) - SCAFFOLD
    shares = [support(text, asked, " ".join(evidence[i].text for i in found)) for text, found in verdict.parts]
    kind = answer_type(question)
    out = {
        "q_names": len(names_found(names, around)) / len(names) if names else 1.0,
        "q_own_names": len(names_found(own, around)) / len(own) if own else 1.0,
        "q_words": len(words & lemmas(around)) / len(words) if words else 1.0,
        "support": min((s for s, _ in shares), default=0.0),
        "facts_missing": float(sum(m for _, m in shares)),
        "rank": float(min(verdict.sentences, default=len(evidence))),
        "score": max((e.score for e in cited), default=0.0),
        "kind_missing": float(bool(kind) and not has_type(reading.answer, kind, question)),
        "moved": float(verdict.moved),
        "unsupported": float(not verdict.stated),
        "repeats": float(repeats(reading.answer, asked)),
        "follow_up": float(bool(history)),
        "words": float(len(reading.answer.split())),
    }
    out |= {k: v for k, v in (("logprob", reading.logprob), ("p_not", reading.p_not)) if v is not None}
    return {k: round(v, 4) for k, v in out.items()}


def judge(
    generator: Generator,
    reading: Reading,
    question: str,
    history: Sequence[tuple[str, str]],
    evidence: list[Evidence],
    settings: Settings,
) -> Verdict:
    """The word check, the signals with the second look (unless `settings.verify` is off), then the
    calibrated confidence against `settings.min_confidence` (None: the threshold chosen on the dev
    splits). An answer none of whose claims the word check finds stated (see the module's docstring
    for why it is not refused), or any with `settings.word_check` off (only to measure), keeps the
    model's own citations."""
    if reading.not_stated:
        return Verdict(supported=False, reason="the model found no answer in the evidence")
    verdict = check(reading, question, history, evidence, settings.min_support) if settings.word_check else None
    if verdict is None or not verdict.supported:
        parts = [(p.text, [n - 1 for n in p.cited] or [0]) for p in reading.parts]
        verdict = Verdict(supported=True, parts=parts, reason=verdict.reason if verdict else "unchecked", stated=False)
    found = signals(reading, question, history, evidence, verdict)
    if settings.verify:
        cited = [evidence[i] for i in verdict.sentences]
        found["p_yes"] = round(confirm(generator, settings.prompts, question, history, cited), 4)
    p = round(calibration.confidence(found), 4)  # as reported, so that the report's threshold is the one applied
    verdict = verdict.model_copy(update={"signals": found, "confidence": p})
    min_confidence = calibration.threshold() if settings.min_confidence is None else settings.min_confidence
    if p < min_confidence:
        why = f"{reading.answer!r}: {verdict.reason}, but its confidence {p:.2f} is under {min_confidence:.2f}"
        return verdict.model_copy(update={"supported": False, "reason": why})
    return verdict


def confirm(
    generator: Generator, prompts: Path, question: str, history: Sequence[tuple[str, str]], sentences: list[Evidence]
) -> float:
    """The model's probability that `sentences` answer `question` itself, about what it names (its first
    reply token's P(yes) to `verify_user.j2`). It is not shown the answer: asked whether the sentences
    state a given answer, it said yes as readily to a true fact about a neighbouring event (the
    near-miss), and this question ranked answers better on both dev splits (docs/experiments.md)."""
    user = render(
        prompts, "verify_user.j2", question=question, history=[q for q, _ in history[-1:]], texts=[e.text for e in sentences]
    )
    return generator.yes_probability([{"role": "user", "content": user}])
