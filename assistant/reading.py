"""The model reads: numbered evidence sentences in, a short answer with the numbers it used out.

An instruct model gets the evidence through its own chat template (`read_system.j2` and
`read_user.j2`); its reply is one line, "answer [n]" or "not stated", parsed into a `Reading`.
(Base models keep the quoting pipeline's completion prompt, `answer.j2`.)
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from pathlib import Path

from pydantic import BaseModel

from .errors import QuestionError
from .generation import Generator
from .prompts import render

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
    return Reading(raw=raw, answer=answer, cited=list(dict.fromkeys(n for n in cited if 1 <= n <= n_evidence)),
                   not_stated=is_abstention(answer))


class Reader:
    """Builds the chat prompt that fits the model's context and streams an instruct model's reply."""

    def __init__(self, generator: Generator, prompts: Path, n_ctx: int, max_tokens: int):
        self.generator, self.prompts, self.n_ctx, self.max_tokens = generator, prompts, n_ctx, max_tokens

    def stream(self, question: str, history: Sequence[tuple[str, str]], evidence: list) -> Iterator[str]:
        yield from self.generator.stream_chat(self._fit(question, list(history[-1:]), evidence), self.max_tokens)

    @property
    def system(self) -> str:
        """The reader's instructions and examples (the check also reads them, to spot a leaked example)."""
        return render(self.prompts, "read_system.j2")

    def _render(self, question: str, history: list, evidence: list) -> list[dict]:
        user = render(self.prompts, "read_user.j2", question=question, history=history, evidence=evidence)
        return [{"role": "system", "content": self.system}, {"role": "user", "content": user}]

    def _fit(self, question: str, history: list, evidence: list) -> list[dict]:
        """The messages, dropping the weakest evidence until they fit the context."""
        budget = self.n_ctx - self.max_tokens
        for keep in range(len(evidence), -1, -1):
            messages = self._render(question, history, evidence[:keep])
            used = self.generator.count_tokens("\n".join(m["content"] for m in messages)) + 16  # template tokens
            if used <= budget:
                return messages
        raise QuestionError(f"The question is too long for the model: {len(question):,} characters. Shorten it.")
