"""The model reads: numbered evidence sentences in, a short answer with the numbers it used out.

An instruct model gets the evidence through its own chat template (`read_system.j2` and
`read_user.j2`); its reply is one line, "answer [n]" or "not stated", parsed into a `Reading`.
(Base models, which have no chat template, are read by the fast mode, `quoting`.)
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from pydantic import BaseModel

from .generation import Generator
from .prompts import fit, render

ABSTAIN_PATTERNS = re.compile(
    r"do(es)? not (say|mention|contain|provide|specify|state)|don'?t know|not (mentioned|specified|stated|provided)"
    r"|no (information|mention)|cannot (answer|be determined)|not enough information|\bunknown\b",
    re.IGNORECASE,
)
MARKERS = re.compile(r"\[(\d+(?:\s*[,;]\s*\d+)*)\]")  # [2], [1, 3]


class Reading(BaseModel):
    """What the model said: its answer without markers, the sentence numbers it cited (1-based)."""

    raw: str
    answer: str
    cited: list[int]
    not_stated: bool
    examples: str = ""  # the prompt's own examples, which the check must not take for evidence


def is_abstention(text: str) -> bool:
    return not text.strip() or bool(ABSTAIN_PATTERNS.search(text))


def strip_markers(text: str) -> str:
    """Remove citation markers ([2], [1, 3]): the system numbers citations itself."""
    return re.sub(r"\s*" + MARKERS.pattern, "", text).strip()


def parse(raw: str, n_evidence: int) -> Reading:
    line = raw.strip().splitlines()[0] if raw.strip() else ""
    cited = [int(n) for group in MARKERS.findall(line) for n in re.split(r"\s*[,;]\s*", group)]
    answer = strip_markers(line).strip(" .;:")
    answer = re.sub(r"^(answer|a)\s*:\s*", "", answer, flags=re.I)
    return Reading(
        raw=raw,
        answer=answer,
        cited=list(dict.fromkeys(n for n in cited if 1 <= n <= n_evidence)),
        not_stated=is_abstention(answer),
    )


def read(
    generator: Generator,
    prompts: Path,
    question: str,
    history: Sequence[tuple[str, str]],
    evidence: list,
    n_ctx: int,
    max_tokens: int,
) -> Reading:
    """The model's reading of the numbered sentences, in a chat prompt that fits its context (the
    weakest sentences dropped first)."""
    system = render(prompts, "read_system.j2")

    def messages(keep: int) -> list[dict]:
        user = render(prompts, "read_user.j2", question=question, history=list(history[-1:]), evidence=evidence[:keep])
        return [{"role": "system", "content": system}, {"role": "user", "content": user}]

    def count(m: list[dict]) -> int:
        return generator.count_tokens("\n".join(x["content"] for x in m)) + 16  # template tokens

    chat = fit(messages, count, n_ctx - max_tokens, len(evidence), question)
    raw = "".join(generator.stream_chat(chat, max_tokens))
    return parse(raw, len(evidence)).model_copy(update={"examples": system})
