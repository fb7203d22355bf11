"""Question in, cited answer out. Reading `Assistant.stream` top to bottom shows the whole flow:

  validate -> (ingest if the store is stale) -> retrieve passages -> rank their sentences as evidence
  -> enough evidence? (else abstain, without the model)
  -> an instruct model reads the sentences, numbered, and answers in a few words citing their numbers
  -> the check: the cited sentences must state the answer's names, numbers and words (`checking.check`),
     and the model, asked again over just those sentences, must agree that they answer this exact
     question (`checking.confirm`, P(yes) >= min_confidence); else the assistant abstains
  -> a base model (the fast mode) instead quotes the best sentence verbatim, whole (or abstains if
     neither it nor the model's answer holds the kind of answer asked for)
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Iterator
from pathlib import Path

from . import checking, conversation, grounding, language, reading
from .catalog import MODELS
from .conversation import History
from .embedding import Embedder
from .errors import QuestionError
from .generation import Generator, LlamaGenerator, ServerGenerator
from .ingest import Progress, ingest, plan
from .models import Answer, IngestReport, Passage
from .prompts import render
from .retrieval import Retriever
from .settings import Settings
from .store import Store

log = logging.getLogger(__name__)



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
                        chunk_overlap=s.chunk_overlap, rebuild=rebuild, progress=progress,
                        allow_outside_links=s.allow_outside_links)
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
        report = plan(self.settings.source, self.store, self.settings.allow_outside_links)[-1]
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
        """Yield the answer's text once it is checked (nothing unchecked is shown), then the final
        `Answer`: the reader's short cited answer, a quote (base models), or an abstention."""
        t0 = time.perf_counter()
        s = self.settings
        question = self.check_question(question)
        self.ensure_ingested()
        if foreign := (language.unfamiliar_script(question, self.retriever.scripts)
                       or language.unfamiliar_language(question, self.retriever.languages, self.retriever.df)):
            text = render(s.prompts, "other_language.j2", asked=foreign[0], theirs=foreign[1])
            yield from self._finish(self._abstain(question, [], text, "the question's language is not the documents'"),
                                    {"retrieve": time.perf_counter() - t0}, t0)
            return
        history = conversation.relevant(question, history)  # none unless the question leans on the last turn
        passages, evidence = self._evidence(question, history)
        timings = {"retrieve": time.perf_counter() - t0}

        if not evidence:
            yield from self._finish(self._abstain(question, passages), timings, t0)
            return

        if self.generator.chat_template:  # an instruct model reads the numbered evidence
            yield from self._read(question, history, evidence, passages, timings, t0)
            return
        raw = "".join(self.generator.stream(self._prompt(question, history, evidence), s.max_tokens))
        timings["generate"] = time.perf_counter() - t0 - timings["retrieve"]
        yield from self._finish(self._ground(question, raw, evidence, passages), timings, t0)

    def could_answer(self, question: str) -> bool:
        """Whether the documents hold evidence for the question (retrieval only, no model): what the
        page checks before it offers a question as an example."""
        self.ensure_ingested()
        return bool(self._evidence(self.check_question(question), [])[1])

    def check_question(self, question: str) -> str:
        """The question cleaned of control characters; QuestionError if empty or too long for the model."""
        question = clean_question(question)
        limit = 2 * self.settings.n_ctx  # about half the context, at 4 characters a token
        if len(question) > limit:
            raise QuestionError(f"The question is too long: {len(question):,} characters, at most {limit:,}. Shorten it.")
        return question

    # -- steps ------------------------------------------------------------------------------
    def _evidence(self, question: str, history: History) -> tuple[list[Passage], list[grounding.Evidence]]:
        """The passages retrieved and their sentences ranked as evidence; no evidence when the question
        names what the documents never mention."""
        s = self.settings
        query = conversation.query(question, history)
        passages = self.retriever.search(query, s.top_k)
        df, n = self.retriever.df, len(self.retriever.ids)
        if grounding.unknown_names(question, df):
            return passages, []
        evidence = grounding.select_evidence(query, question, passages, self.embedder.embed, df, n)
        evidence.sort(key=lambda e: conversation.already_said(e.text, history))  # a follow-up asks for something new
        return passages, evidence[: max(s.evidence_sentences, s.read_sentences if self.generator.chat_template else 0)]

    def _prompt(self, question: str, history: History, evidence: list[grounding.Evidence]) -> str:
        """The model's prompt, dropping the weakest evidence until it fits the context."""
        s = self.settings
        budget = s.n_ctx - s.max_tokens
        for keep in range(len(evidence), -1, -1):
            prompt = render(s.prompts, "answer.j2", question=question, history=list(history[-1:]),
                            evidence=" ".join(e.text for e in evidence[:keep]))
            used = self.generator.count_tokens(prompt)
            if used <= budget:
                return prompt
        raise QuestionError(f"The question is too long for the model: {len(question):,} characters. Shorten it.")

    def _read(self, question: str, history: History, evidence: list[grounding.Evidence], passages: list[Passage],
              timings: dict, t0: float) -> Iterator[str | Answer]:
        """The model reads the numbered sentences and answers citing their numbers. The answer is shown
        only when the cited sentences state it (`checking.check`) and the model, asked again over just
        those sentences, agrees they answer this exact question (`checking.confirm`); else it abstains."""
        s = self.settings
        numbered = evidence[: s.read_sentences]
        reader = reading.Reader(self.generator, s.prompts, s.n_ctx, s.max_tokens)
        raw = "".join(reader.stream(question, history, numbered))
        timings["generate"] = time.perf_counter() - t0 - timings["retrieve"]
        said = reading.parse(raw, len(numbered))
        verdict = checking.check(said, question, history, numbered, s.min_support, reader.system)
        if not verdict.supported:
            yield from self._finish(self._abstain(question, passages, verdict=verdict.reason), timings, t0)
            return
        cited = [numbered[i] for i in verdict.sentences]
        confidence = None
        if s.verify:
            confidence = checking.confirm(self.generator, s.prompts, question, history, said.answer, cited)
            timings["verify"] = time.perf_counter() - t0 - timings["retrieve"] - timings["generate"]
            if confidence < s.min_confidence:
                answer = self._abstain(question, passages, verdict=f"{said.answer!r}: {verdict.reason}, but the second "
                                       f"look doubts they answer this question (P(yes) {confidence:.2f} < {s.min_confidence})")
                answer.confidence = round(confidence, 4)
                yield from self._finish(answer, timings, t0)
                return
        citations = [e.cite(n) for n, e in enumerate(cited, start=1)]
        answer = Answer(question=question, text=said.answer + " " + "".join(f"[{c.n}]" for c in citations),
                        citations=citations, passages=passages, model=self.model_name, verdict=verdict.reason,
                        confidence=None if confidence is None else round(confidence, 4))
        yield from self._finish(answer, timings, t0)

    def _ground(self, question: str, raw: str, evidence: list[grounding.Evidence], passages: list[Passage]) -> Answer:
        """Answer with a verbatim quote of the best evidence sentence, whole (a cut sentence can drop
        what qualifies the answer); abstain when neither the model's answer found there nor the
        sentence holds the kind of answer asked for (a date for "when", a count for "how many", a new
        name for "who" and "which")."""
        best, kind = evidence[0], grounding.answer_type(question)
        model_answer = reading.strip_markers(raw).strip(" .")
        found = grounding.supported(model_answer, [best], question) and grounding.has_type(model_answer, kind, question)
        if not found and not grounding.has_type(best.text, kind, question):
            return self._abstain(question, passages)
        quote = best.text
        return Answer(question=question, text=f"“{quote}” [1]", citations=[best.cite(1)], passages=passages,
                      model=self.model_name, verdict="a quote of the best evidence sentence")

    def _abstain(self, question: str, passages: list[Passage], text: str = "",
                 verdict: str = "the evidence does not answer") -> Answer:
        return Answer(question=question, text=text or self.abstain_text, abstained=True, passages=passages,
                      model=self.model_name, verdict=verdict)

    def _finish(self, answer: Answer, timings: dict, t0: float) -> Iterator[str | Answer]:
        """Stamp the timings; yield the text as it will be shown, then the `Answer`."""
        timings["total"] = time.perf_counter() - t0
        answer.timings = {k: round(v, 4) for k, v in timings.items()}
        yield answer.text
        yield answer

    @property
    def abstain_text(self) -> str:
        return (self.settings.prompts / "abstain.txt").read_text(encoding="utf-8").strip()

    @property
    def model_name(self) -> str:
        return self._generator.name if self._generator is not None else self.settings.model_label()


def clean_question(question: str) -> str:
    """Control characters become spaces; an empty question is refused."""
    if not isinstance(question, str):
        raise QuestionError("The question must be text.")
    question = re.sub(r"[\x00-\x08\x0b-\x1f\x7f]", " ", question).strip()
    if not question:
        raise QuestionError("The question is empty. Type a question about the documents.")
    return question
