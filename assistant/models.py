"""Data that crosses a boundary: what ingest reports, what retrieval returns, what ask answers."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from .text import sentence_spans


class Span(BaseModel):
    """A slice of a source file: `text == extract_text(file_path)[start:end]` (for text files, the UTF-8 decoded file)."""

    source: str = Field(description="file name, relative to the source folder")
    file_path: str = Field(description="absolute path of the file, to check the citation against")
    title: str
    start: int = Field(ge=0)
    end: int = Field(ge=0)
    text: str
    page: int | None = Field(None, description="1-based page where the text starts (paged formats: PDF), else null")
    page_label: str | None = Field(
        None,
        description="that page's printed number, where the PDF labels its pages "
        'otherwise than 1, 2, 3... ("x", "10"), else null',
    )

    def where(self) -> str:
        """The file and, in a PDF, the page: "manual.pdf, p. 13, printed 10" where the printed number differs."""
        printed = f", printed {self.page_label}" if self.page_label and self.page_label != str(self.page) else ""
        return f"{self.source}, p. {self.page}{printed}" if self.page else self.source


class Passage(Span):
    """A retrieved chunk with its scores."""

    id: str
    score: float = Field(description="fused retrieval score (higher is better)")
    dense_rank: int | None = None
    lexical_rank: int | None = None
    sentences: list[tuple[int, int]] = Field([], exclude=True, description="(start, end) of its sentences in `text`")

    def spans(self) -> list[tuple[int, int]]:
        """Its sentences as ingest cut them (`chunking`); a passage made by hand is cut the same way now."""
        return self.sentences or sentence_spans(self.text)


class Citation(Span):
    """A passage that supports the answer, numbered as in the answer text `[n]`."""

    n: int = Field(ge=1)
    score: float = Field(description="how strongly the cited text supports the answer")

    @classmethod
    def of(cls, passage: Passage, n: int, score: float) -> Citation:
        """Cite a retrieved passage: the same span of the same file."""
        return cls(n=n, score=score, **passage.model_dump(include=set(Span.model_fields)))


CLOSEST = 3  # retrieved passages the CLI and the page show under an abstention, labelled as not an answer


class Stage(BaseModel):
    """A step of answering as it begins: `Assistant.stream` yields them before the `Answer`, so that a
    page can say what is being done meanwhile. Nothing of the model's draft is in it."""

    step: Literal["searching", "reading", "checking"]
    elapsed: float = Field(description="seconds since the question was asked")


class Answer(BaseModel):
    question: str
    text: str
    citations: list[Citation] = []
    abstained: bool = Field(False, description="true when the documents do not answer the question")
    passages: list[Passage] = Field([], description="everything retrieved, cited or not")
    timings: dict[str, float] = Field({}, description="seconds per stage")
    model: str = ""
    verdict: str = Field("", description="why the check showed this answer or abstained")
    confidence: float | None = Field(
        None,
        description="calibrated probability that the answer is right, from `signals` (None when the model gave no answer); "
        "shown only at or above the min_confidence setting",
    )
    signals: dict[str, float] = Field({}, description="what the confidence is computed from (see checking.py), per answer")
    candidate: str = Field(
        "", description="the reader's answer when the check refused it: never shown, kept so that evals can score refusals"
    )


class IngestReport(BaseModel):
    added: int = 0
    updated: int = 0
    removed: int = 0
    unchanged: int = 0
    chunks_embedded: int = 0
    skipped: list[str] = Field(
        [],
        description="files not ingested, as 'name: reason' (every one: unreadable, "
        "unsupported, links outside the folder, FIFOs, bad names...)",
    )

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.removed)

    def reason(self, source: str) -> str | None:
        """Why the file `source` (relative to the folder) was not ingested, or None if it was."""
        return next((line[len(source) + 2 :] for line in self.skipped if line.startswith(source + ": ")), None)

    def summary(self) -> str:
        line = (
            f"{self.added} added, {self.updated} updated, {self.removed} removed, "
            f"{self.unchanged} unchanged ({self.chunks_embedded} chunks embedded)"
        )
        return line + (f", {len(self.skipped)} skipped" if self.skipped else "")
