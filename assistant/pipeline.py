"""Question in, cited answer out. Reading `Assistant.stream` top to bottom shows the whole flow:

  validate -> (ingest if the store is stale) -> retrieve passages -> their best sentences, numbered
  -> does the question name what the documents never mention? (then abstain, without the model)
  -> the model reads the sentences and answers in a few words, citing sentence numbers, or "not stated"
  -> the system checks that the cited sentences state the answer (re-citing or refusing it)
  -> Answer: the short answer with [n] markers, each citation the exact span of its sentence
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

from . import checking, evidence, reading
from .embedding import Embedder
from .errors import QuestionError
from .generation import Generator, LlamaGenerator, ServerGenerator
from .ingest import Progress, ingest, plan
from .models import Answer, IngestReport, Passage
from .retrieval import Retriever
from .catalog import MODELS
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
        self.settings = Settings(**{**(settings.model_dump() if settings else {}), **overrides})
        self.store = Store(self.settings.store, self.settings.collection, server=self.settings.chroma_server)
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
            if s.llm_server:
                self._generator = ServerGenerator(s.llm_server, temperature=s.temperature, seed=s.seed)
            else:
                local = MODELS.get(s.model)
                self._generator = LlamaGenerator(
                    s.model_path(), n_ctx=s.n_ctx, threads=s.threads, temperature=s.temperature, seed=s.seed,
                    chat_template=local.chat if local else None, label=s.model_label(),
                )
        return self._generator

    @property
    def reader(self) -> reading.Reader:
        return reading.Reader(self.generator, self.settings.prompts, self.settings.n_ctx, self.settings.max_tokens)

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
        """Yield the model's reply as it is written, then the final, checked `Answer`."""
        t0 = time.perf_counter()
        s = self.settings
        question = self.check_question(question)
        self.ensure_ingested()
        query = follow_up_query(question, history)
        passages = self.retriever.search(query, s.top_k)
        df, n = self.retriever.df, len(self.retriever.ids)
        sentences = evidence.select(query, passages, self.embedder.embed, df, n, s.evidence_sentences)
        timings = {"retrieve": time.perf_counter() - t0}
        texts = [x.text for x in sentences]
        if not sentences or checking.unknown_names(question, df):
            why = "the question names what the documents never mention"
        elif max(evidence.coverage(question, texts, df, n), evidence.coverage(query, texts, df, n)) < s.min_coverage:
            why = "the evidence holds too little of what the question asks about"
        else:
            why = ""
        if why:
            yield from self._finish(self._abstain(question, passages, why), timings, t0)
            return

        pieces = []
        for piece in self.reader.stream(question, history, sentences):
            pieces.append(piece)
            yield piece
        timings["generate"] = time.perf_counter() - t0 - timings["retrieve"]
        said = reading.parse("".join(pieces), len(sentences))
        verdict = checking.check(said, question, history, sentences, s.min_support)
        if not verdict.supported and (said.not_stated or s.fallback == "abstain"):
            answer = self._abstain(question, passages, verdict.reason)
        elif not verdict.supported:  # an honest quote of the best sentence instead of an unsupported answer
            citation = sentences[0].cite(1)
            answer = Answer(question=question, text=f"“{citation.text}” [1]", citations=[citation], passages=passages,
                            model=self.model_name, verdict=f"{verdict.reason}: quoting the best sentence")
        else:
            citations = [sentences[i].cite(n) for n, i in enumerate(verdict.sentences, start=1)]
            text = said.answer + " " + "".join(f"[{c.n}]" for c in citations)
            answer = Answer(question=question, text=text, citations=citations, passages=passages,
                            model=self.model_name, verdict=verdict.reason)
        yield from self._finish(answer, timings, t0)

    def check_question(self, question: str) -> str:
        """The question cleaned of control characters; QuestionError if empty or too long for the model."""
        question = clean_question(question)
        limit = 2 * self.settings.n_ctx  # about half the context, at 4 characters a token
        if len(question) > limit:
            raise QuestionError(f"The question is too long for the model's context ({len(question)} characters, at most "
                                f"{limit}). Shorten it, or raise ASSISTANT_N_CTX / --n-ctx (now {self.settings.n_ctx}).")
        return question

    # -- steps ------------------------------------------------------------------------------
    def _abstain(self, question: str, passages: list[Passage], why: str) -> Answer:
        return Answer(question=question, text=self.abstain_text, abstained=True, passages=passages,
                      model=self.model_name, verdict=why)

    def _finish(self, answer: Answer, timings: dict, t0: float) -> Iterator[str | Answer]:
        """Stamp the timings; an abstention decided before generation is also streamed as text."""
        timings["total"] = time.perf_counter() - t0
        answer.timings = {k: round(v, 4) for k, v in timings.items()}
        if "generate" not in timings:
            yield answer.text
        yield answer

    @property
    def abstain_text(self) -> str:
        return (self.settings.prompts / "abstain.txt").read_text(encoding="utf-8").strip()

    @property
    def model_name(self) -> str:
        return self._generator.name if self._generator is not None else self.settings.model_label()


def follow_up_query(question: str, history: History) -> str:
    """What to search for: a follow-up ("when did it return?") leans on the last question asked."""
    return " ".join([q for q, _ in history[-1:]] + [question])


def clean_question(question: str) -> str:
    """Control characters become spaces; an empty question is refused."""
    if not isinstance(question, str):
        raise QuestionError("The question must be text.")
    question = re.sub(r"[\x00-\x08\x0b-\x1f\x7f]", " ", question).strip()
    if not question:
        raise QuestionError("The question is empty. Type a question about the documents.")
    return question
