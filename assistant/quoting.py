"""The fast mode, for base (completion) models, which cannot follow the reader's chat prompt: the
model answers in a few words from the best evidence sentences (`answer.j2`), and the assistant
quotes the best sentence whole (a cut sentence can drop what qualifies the answer) when the model's
answer is found there, or when the sentence itself holds the kind of answer asked for (`kinds`);
else it abstains. Every word shown is the document's.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from .evidence import Evidence
from .generation import Generator
from .kinds import answer_type, has_type
from .prompts import fit, render
from .reading import is_abstention, strip_markers
from .text import terms


def quote(
    generator: Generator,
    prompts: Path,
    question: str,
    history: Sequence[tuple[str, str]],
    evidence: list[Evidence],
    n_ctx: int,
    max_tokens: int,
    *,
    type_check: bool = True,
) -> Evidence | None:
    """The evidence sentence to quote as the answer, or None to abstain."""

    def prompt(keep: int) -> str:
        texts = " ".join(e.text for e in evidence[:keep])
        return render(prompts, "answer.j2", question=question, history=list(history[-1:]), evidence=texts)

    raw = "".join(generator.stream(fit(prompt, generator.count_tokens, n_ctx - max_tokens, len(evidence), question), max_tokens))
    best, kind = evidence[0], answer_type(question) if type_check else None
    model_answer = strip_markers(raw).strip(" .")
    found = found_in(model_answer, best.text, question) and has_type(model_answer, kind, question)
    return best if found or has_type(best.text, kind, question) else None


def found_in(answer: str, sentence: str, question: str) -> bool:
    """Do all the answer's key terms occur in the sentence, and does it add something to the question?"""
    a = set(terms(answer))
    return bool(a) and not is_abstention(answer) and bool(a - set(terms(question))) and a <= set(terms(sentence))
