"""The model reads: numbered evidence sentences in, an answer in one to three sentences, each with
the numbers of the evidence it used, out.

An instruct model gets the evidence through its own chat template (`read_system.j2` and
`read_user.j2`); its reply is one line, "The answer as a sentence [n]." or "not stated", parsed into
a `Reading` with how sure the model was of it. (Base models, which have no chat template, are read
by the fast mode, `quoting`.)
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


class Part(BaseModel):
    """One sentence of the answer, without markers, and the evidence numbers it cited (1-based)."""

    text: str
    cited: list[int] = []


class Reading(BaseModel):
    """What the model said: its answer without markers, the sentence numbers it cited (1-based), the
    answer's sentences with their own numbers, and how sure the model was (`Completion`)."""

    answer: str
    cited: list[int]
    not_stated: bool
    parts: list[Part] = []
    examples: str = ""  # the prompt's own examples, which the check must not take for evidence
    logprob: float | None = None  # mean log-probability of the reply's tokens
    p_not: float | None = None  # probability that the reply started "not" (stated)


def is_abstention(text: str) -> bool:
    return not text.strip() or bool(ABSTAIN_PATTERNS.search(text))


def strip_markers(text: str) -> str:
    """Remove citation markers ([2], [1, 3]): the system numbers citations itself."""
    return re.sub(r"\s*" + MARKERS.pattern, "", text).strip()


def numbers(text: str, n_evidence: int) -> list[int]:
    """The evidence numbers cited in the text, in order, without repeats or numbers beyond the evidence."""
    cited = [int(n) for group in MARKERS.findall(text) for n in re.split(r"\s*[,;]\s*", group)]
    return list(dict.fromkeys(n for n in cited if 1 <= n <= n_evidence))


def split(line: str, n_evidence: int) -> list[Part]:
    """The answer's claims, each with the numbers that close it: "A [1]. B [2][3]" -> A. [1], B [2, 3]. A
    full stop after the numbers belongs to the claim before them; words after the last numbers are a
    claim with none (the check looks for a sentence that states it)."""
    pieces, pos = [], 0
    for run in re.finditer(rf"(\s*{MARKERS.pattern})+", line):
        pieces.append((line[pos : run.start()], numbers(run.group(), n_evidence)))
        pos = run.end()
    pieces.append((line[pos:], []))
    parts: list[Part] = []
    for text, cited in pieces:
        if (stop := re.match(r"\s*[.!?;:,]+", text)) and parts:
            parts[-1].text += stop.group().strip()
            text = text[stop.end() :]
        if re.search(r"\w", text):
            parts.append(Part(text=text.strip(), cited=cited))
    return parts


def parse(raw: str, n_evidence: int) -> Reading:
    line = raw.strip().splitlines()[0] if raw.strip() else ""
    line = re.sub(r"^(answer|reply|a)\s*:\s*", "", line.strip(), flags=re.I)
    answer = strip_markers(line).strip(" ;:")
    return Reading(
        answer=answer, cited=numbers(line, n_evidence), not_stated=is_abstention(answer), parts=split(line, n_evidence)
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
    reply = generator.read(chat, max_tokens)
    return parse(reply.text, len(evidence)).model_copy(
        update={"examples": system, "logprob": reply.logprob, "p_not": reply.p_not}
    )
