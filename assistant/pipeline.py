"""Question in, cited answer out. Reading `Assistant.stream` top to bottom shows the whole flow:

  validate -> (ingest if the store is stale) -> retrieve -> enough evidence? -> generate
  -> attach citations to the passages that support the answer (or quote the best sentence)
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

from . import grounding
from .embedding import Embedder
from .errors import QuestionError
from .generation import Generator, LlamaGenerator
from .ingest import Progress, ingest, plan
from .models import Answer, IngestReport, Passage
from .prompts import render
from .retrieval import Retriever
from .settings import Settings
from .store import Store

log = logging.getLogger(__name__)

History = Sequence[tuple[str, str]]  # earlier (question, answer) turns, oldest first


class Assistant:
    """A local question-answering assistant over a folder of documents.

    >>> a = Assistant()                      # embedded model, seeds/, .assistant/store
    >>> a.ask("Who led the WPK delegation to Moscow in February 2025?").text
    """

    def __init__(self, settings: Settings | None = None, *, generator: Generator | None = None,
                 embedder: Embedder | None = None, **overrides):
        self.settings = settings.model_copy(update=overrides) if settings else Settings(**overrides)
        self.store = Store(self.settings.store, self.settings.collection)
        self._generator = generator
        self._embedder = embedder
        self._retriever: Retriever | None = None
        self._synced = False

    # -- components, loaded on first use ---------------------------------------------------
    @property
    def embedder(self) -> Embedder:
        if self._embedder is None:
            self._embedder = Embedder(threads=self.settings.threads)
        return self._embedder

    @property
    def generator(self) -> Generator:
        if self._generator is None:
            s = self.settings
            self._generator = LlamaGenerator(
                s.model_path(), n_ctx=s.n_ctx, threads=s.threads, temperature=s.temperature, seed=s.seed
            )
        return self._generator

    @property
    def retriever(self) -> Retriever:
        if self._retriever is None:
            self._retriever = Retriever(self.store, self.embedder)
        return self._retriever

    # -- documents --------------------------------------------------------------------------
    def ingest(self, path: str | Path | None = None, *, rebuild: bool = False,
               progress: Progress | None = None) -> IngestReport:
        """Add or refresh the documents of a folder (default: the source folder) in the store."""
        s = self.settings
        report = ingest(Path(path) if path else s.source, self.store, self.embedder, chunk_chars=s.chunk_chars,
                        chunk_overlap=s.chunk_overlap, rebuild=rebuild, progress=progress)
        if report.changed or rebuild:
            self._retriever = None
        self._synced = self._synced or path is None
        return report

    def ensure_ingested(self, progress: Progress | None = None) -> IngestReport | None:
        """Ingest the source folder when the store is empty or out of date with it (once per instance)."""
        if self._synced:
            return None
        if not self.settings.source.is_dir() and self.store.count() > 0:
            log.warning("source folder %s not found: answering from the store as it is", self.settings.source)
            self._synced = True
            return None
        report = plan(self.settings.source, self.store)[-1]
        if report.changed:
            return self.ingest(progress=progress)
        self._synced = True
        return None

    # -- questions --------------------------------------------------------------------------
    def ask(self, question: str, history: History = ()) -> Answer:
        """Answer one question; `history` holds earlier (question, answer) turns for follow-ups."""
        *_, answer = self.stream(question, history)
        return answer

    def stream(self, question: str, history: History = ()) -> Iterator[str | Answer]:
        """Yield the answer text as the model writes it, then the final `Answer`.

        The final text can differ from the streamed one: when the model's answer is not supported
        by any passage, the system replaces it with a quoted supporting sentence.
        """
        t0 = time.perf_counter()
        question = clean_question(question)
        self.ensure_ingested()
        query = " ".join([q for q, _ in history[-1:]] + [question])  # follow-ups lean on the last turn
        passages = self.retriever.search(query, self.settings.top_k)
        t1 = time.perf_counter()
        timings = {"retrieve": t1 - t0}

        if grounding.coverage(query, passages, self.retriever.df, len(self.retriever.ids)) < self.settings.min_coverage:
            answer = self._abstain(question, passages, timings, t0)
            yield answer.text
            yield answer
            return

        messages = self._messages(question, history, passages)
        pieces = []
        for piece in self.generator.stream(messages, self.settings.max_tokens):
            pieces.append(piece)
            yield piece
        timings["generate"] = time.perf_counter() - t1
        yield self._ground(question, query, "".join(pieces), passages, timings, t0)

    # -- steps ------------------------------------------------------------------------------
    def _messages(self, question: str, history: History, passages: list[Passage]) -> list[dict]:
        """The chat for the model, dropping the weakest passages until it fits the context."""
        s = self.settings
        system = {"role": "system", "content": render(s.prompts, "system.j2", abstain=self.abstain_text)}
        turns = [m for q, a in history[-2:] for m in ({"role": "user", "content": q}, {"role": "assistant", "content": a})]
        budget = s.n_ctx - s.max_tokens - 16 * (len(turns) + 2)  # 16: chat-template overhead per message
        for keep in range(len(passages), -1, -1):
            user = {"role": "user", "content": render(s.prompts, "question.j2", passages=passages[:keep], question=question)}
            messages = [system, *turns, user]
            used = sum(self.generator.count_tokens(m["content"]) for m in messages)
            if used <= budget:
                return messages
        raise QuestionError(
            f"The question is too long for the model's context ({used} of {budget} tokens). "
            f"Shorten it, or raise ASSISTANT_N_CTX / --n-ctx (now {s.n_ctx})."
        )

    def _ground(self, question: str, query: str, raw: str, passages: list[Passage],
                timings: dict, t0: float) -> Answer:
        text = grounding.strip_markers(raw)
        if grounding.is_abstention(text):
            return self._abstain(question, passages, timings, t0)
        citations = grounding.cite(text, passages)
        if not citations:  # unsupported: fall back to the sentence that best covers the question
            found = grounding.best_sentence(query, passages, self.retriever.df, len(self.retriever.ids))
            if found is None:
                return self._abstain(question, passages, timings, t0)
            sentence, passage = found
            text, citations = f"“{sentence}”", grounding.cite(sentence, [passage], min_support=0.0)
        text += " " + "".join(f"[{c.n}]" for c in citations)
        timings["total"] = time.perf_counter() - t0
        return Answer(question=question, text=text, citations=citations, passages=passages,
                      timings=_rounded(timings), model=self.model_name)

    def _abstain(self, question: str, passages: list[Passage], timings: dict, t0: float) -> Answer:
        timings["total"] = time.perf_counter() - t0
        return Answer(question=question, text=self.abstain_text, abstained=True, passages=passages,
                      timings=_rounded(timings), model=self.model_name)

    @property
    def abstain_text(self) -> str:
        return (self.settings.prompts / "abstain.txt").read_text(encoding="utf-8").strip()

    @property
    def model_name(self) -> str:
        return getattr(self._generator, "name", "") or (p.name if (p := self.settings.model_path()) else "")


def clean_question(question: str) -> str:
    """Control characters become spaces; an empty question is refused."""
    if not isinstance(question, str):
        raise QuestionError("The question must be text.")
    question = re.sub(r"[\x00-\x08\x0b-\x1f\x7f]", " ", question).strip()
    if not question:
        raise QuestionError("The question is empty. Type a question about the documents.")
    return question


def _rounded(timings: dict) -> dict[str, float]:
    return {k: round(v, 4) for k, v in timings.items()}
