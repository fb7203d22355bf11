"""Question in, cited answer out. Reading `Assistant._answer` top to bottom shows the whole flow,
one step per module:

  `language`      a question in another script or language than the documents' is told so
  `conversation`  a follow-up ("Who did she meet there?") is searched with the turn it leans on
  `retrieval`     passages by dense and BM25 search, fused
  `evidence`      their sentences ranked; none when the question names what the documents never mention
                  (then the assistant abstains without the model)
  `reading`       an instruct model reads the sentences, numbered, and answers in a sentence citing them
  `checking`      each claim cites the sentence that states its names, numbers and words; then a
                  confidence calibrated on dev questions (`calibration`), from the model's second
                  look over just those sentences and other signals, must reach min_confidence;
                  else the assistant abstains
  `quoting`       a base model (the fast mode) instead: the best sentence quoted whole, or an abstention
"""

from __future__ import annotations

import collections.abc
import itertools
import logging
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from . import checking, conversation, evidence, language, quoting, reading, retrieval
from .catalog import MODELS
from .conversation import History
from .corpus import Corpus
from .embedding import Embedder
from .errors import QuestionError, StoreBusy
from .evidence import Evidence
from .generation import Generator, LlamaGenerator, ServerGenerator
from .ingest import Progress, ingest
from .models import Answer, IngestReport, Passage, Stage
from .prompts import render
from .settings import Settings
from .store import Store

log = logging.getLogger(__name__)
Answering = collections.abc.Generator[Stage, None, Answer]  # each step as it begins, then the answer


class Assistant:
    """A local question-answering assistant over a folder of documents.

    >>> a = Assistant()                      # embedded model, the seeds, the store in the data folder
    >>> a.ask("Who led the WPK delegation to Moscow in February 2025?").text
    """

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        generator: Generator | None = None,
        embedder: Embedder | None = None,
        **overrides,
    ):
        self.settings = Settings(**{**(settings.model_dump() if settings else {}), **overrides})
        self.store = Store(self.settings.store, self.settings.collection, server=self.settings.chroma_server)
        self._generator = generator
        self._embedder = embedder
        self._corpus: Corpus | None = None
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
                    s.model_path(),
                    n_ctx=s.n_ctx,
                    threads=s.threads,
                    temperature=s.temperature,
                    seed=s.seed,
                    chat_template=local.chat if local else None,
                    label=s.model_label(),
                    states=s.model_cache / "states",
                )
        return self._generator

    @property
    def corpus(self) -> Corpus:
        """The store's chunks, indexed (read again after an ingest changed them)."""
        if self._corpus is None:
            self._corpus = Corpus.load(self.store, self.embedder)
        return self._corpus

    # -- documents --------------------------------------------------------------------------
    def ingest(self, path: str | Path | None = None, *, rebuild: bool = False, progress: Progress | None = None) -> IngestReport:
        """Add or refresh the documents of a folder (default: the source folder) in the store."""
        s = self.settings
        report = ingest(
            Path(path) if path else s.source,
            self.store,
            self.embedder,
            chunk_chars=s.chunk_chars,
            chunk_overlap=s.chunk_overlap,
            rebuild=rebuild,
            progress=progress,
            allow_outside_links=s.allow_outside_links,
        )
        if report.changed or rebuild:
            self._corpus = None
        self._synced = self._synced or path is None
        return report

    def ensure_ingested(self, progress: Progress | None = None) -> IngestReport | None:
        """Ingest the source folder when the store is empty or out of date with it (once per instance);
        the report when anything changed. While another process writes the store, answer from it as it is."""
        if self._synced:
            return None
        if self.settings.source.is_dir() or not self.store.count():
            try:
                report = self.ingest(progress=progress)
                return report if report.changed else None
            except StoreBusy:
                if not self.store.count():
                    raise
                log.warning("another process is writing the store at %s: answering from it as it is", self.store.where)
        else:
            log.warning("source folder %s not found: answering from the store as it is", self.settings.source)
        self._synced = True
        return None

    # -- questions --------------------------------------------------------------------------
    def ask(self, question: str, history: History = ()) -> Answer:
        """Answer one question; `history` holds earlier (question, answer) turns for follow-ups."""
        *_, answer = self.stream(question, history)
        return answer  # type: ignore[return-value]  # stream ends with the Answer

    def stream(self, question: str, history: History = ()) -> Iterator[Stage | Answer]:
        """Yield each step as it begins (`Stage`: searching, reading, checking), then the final `Answer`:
        the reader's checked answer, a quote of the best sentence (base models), or an abstention.
        Nothing unchecked is yielded."""
        t0 = time.perf_counter()
        timings: dict[str, float] = {}
        answer = yield from self._answer(self.check_question(question), history, timings, t0)
        timings["total"] = time.perf_counter() - t0
        answer.timings = {k: round(v, 4) for k, v in timings.items()}
        yield answer

    def _answer(self, question: str, history: History, timings: dict[str, float], t0: float) -> Answering:
        """The flow, one step per module (see the module's docstring): yields each step as it begins."""

        def stage(step) -> Stage:
            return Stage(step=step, elapsed=round(time.perf_counter() - t0, 3))

        def lap(step: str) -> None:  # how long `step` took: the time since t0 less the steps before it
            timings[step] = time.perf_counter() - t0 - sum(timings.values())

        yield stage("searching")
        s = self.settings
        self.ensure_ingested()
        if foreign := language.unfamiliar(question, self.corpus):
            text = render(s.prompts, "other_language.j2", asked=foreign[0], theirs=foreign[1])
            return self._abstain(question, [], text, "the question's language is not the documents'")
        history, passages, found = self._evidence(question, history)
        lap("retrieve")
        if not found:
            return self._abstain(question, passages)

        yield stage("reading")
        if not self.generator.chat_template:  # a base model: the fast mode quotes the best sentence whole
            best = quoting.quote(
                self.generator, s.prompts, question, history, found, s.n_ctx, s.max_tokens, type_check=s.type_check
            )
            lap("generate")
            if best is None:
                return self._abstain(question, passages)
            quoted = f"“{best.text}” [1]"
            return self._reply(
                question, passages, text=quoted, citations=[best.cite(1)], verdict="a quote of the best evidence sentence"
            )

        said = reading.read(self.generator, s.prompts, question, history, found, s.n_ctx, s.max_tokens)
        lap("generate")
        yield stage("checking")
        verdict = checking.judge(self.generator, said, question, history, found, s)
        if "p_yes" in verdict.signals:
            lap("verify")
        checked: dict[str, Any] = {"verdict": verdict.reason, "confidence": verdict.confidence, "signals": verdict.signals}
        if not verdict.supported:
            return self._abstain(question, passages, candidate="" if said.not_stated else said.answer, **checked)
        numbered = {i: n for n, i in enumerate(verdict.sentences, start=1)}
        text = cite([(part, [numbered[i] for i in cited]) for part, cited in verdict.parts])
        return self._reply(question, passages, text=text, citations=[found[i].cite(n) for i, n in numbered.items()], **checked)

    def _evidence(self, question: str, history: History) -> tuple[History, list[Passage], list[Evidence]]:
        """The turns the question leans on, the passages retrieved and their best sentences as evidence."""
        s = self.settings
        history, query = conversation.frame(question, history)
        passages = retrieval.search(self.corpus, query, s.top_k, bm25=s.bm25)
        found = evidence.select(
            question,
            query,
            passages,
            self.corpus,
            s.read_sentences,
            said=history[-1][1] if history else "",
            type_bonus=s.type_bonus,
            name_gate=s.name_gate,
        )
        return history, passages, found

    def could_answer(self, question: str) -> bool:
        """Whether the documents hold evidence for the question (retrieval only, no model): what the
        page checks before it offers a question as an example."""
        self.ensure_ingested()
        return bool(self._evidence(self.check_question(question), ())[2])

    def check_question(self, question: str) -> str:
        """The question cleaned of control characters; QuestionError if empty or too long for the model."""
        question = clean_question(question)
        limit = 2 * self.settings.n_ctx  # about half the context, at 4 characters a token
        if len(question) > limit:
            raise QuestionError(f"The question is too long: {len(question):,} characters, at most {limit:,}. Shorten it.")
        return question

    def _abstain(
        self,
        question: str,
        passages: list[Passage],
        text: str = "",
        verdict: str = "the evidence does not answer",
        **checked,  # confidence, signals and candidate, when the model answered and the check refused it
    ) -> Answer:
        text = text or (self.settings.prompts / "abstain.txt").read_text(encoding="utf-8").strip()
        return self._reply(question, passages, text=text, abstained=True, verdict=verdict, **checked)

    def _reply(self, question: str, passages: list[Passage], **fields) -> Answer:
        return Answer(question=question, passages=passages, model=self.model_name, **fields)

    @property
    def model_name(self) -> str:
        return self._generator.name if self._generator is not None else self.settings.model_label()


def cite(claims: list[tuple[str, list[int]]]) -> str:
    """The claims with their citation markers, before a claim's closing punctuation: "Ri Hi-Yong led it
    [1][2]."; claims in a row that cite the same sentences share one set of markers ("relations,
    politics and economics [1].", not "relations, [1] politics [1] ...")."""
    out = []
    for numbers, group in itertools.groupby(claims, key=lambda claim: claim[1]):
        text = " ".join(part for part, _ in group)
        marks = "".join(f"[{n}]" for n in numbers)
        end = len(text.rstrip(".,;:!?"))
        out.append(f"{text[:end]} {marks}{text[end:]}")
    return " ".join(out)


def clean_question(question: str) -> str:
    if not isinstance(question, str):
        raise QuestionError("The question must be text.")
    question = re.sub(r"[\x00-\x08\x0b-\x1f\x7f]", " ", question).strip()
    if not question:
        raise QuestionError("The question is empty. Type a question about the documents.")
    return question
