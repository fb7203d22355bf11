"""The chat page's HTML: replies with their [n] markers and sources, the cited passages in their
context. Everything a document or a user typed is escaped (documents may hold HTML or `<script>`)."""

from __future__ import annotations

import functools
import html
import re
import urllib.parse
from pathlib import Path

from pydantic import BaseModel

from ..extraction import extract
from ..models import CLOSEST, Answer, Citation, Passage
from ..reading import strip_markers
from ..text import WORD, terms

PASSAGE_CHARS = 150  # of the source file shown on each side of a cited sentence
CONTEXT_CHARS = 600  # ... and when the user asks to see it in context


class Turn(BaseModel):
    """One question of the conversation and what came of it: an answer, or an error message."""

    question: str
    answer: Answer | None = None
    error: str = ""


def plain_report(report) -> str:
    """An ingest report in a reader's words: documents, not chunks; then the files not ingested, each with
    its reason, as a Markdown list (escaped when rendered)."""
    counts = {"new": report.added, "changed": report.updated, "removed": report.removed, "unchanged": report.unchanged}
    done = ", ".join(f"{n} {what}" for what, n in counts.items() if n) or "none"
    return done + "".join(f"\n- skipped {line}" for line in report.skipped)


def chat_messages(turns: list[Turn], working: str = "") -> list[dict]:
    """The chat as Gradio draws it: each question, then its reply (or what is being done, `working`)."""
    messages = []
    for t, turn in enumerate(turns):
        reply = reply_html(turn.answer, t) if turn.answer else escaped(turn.error) or f'<span class="note">{working}</span>'
        messages += [{"role": "user", "content": escaped(turn.question)}, {"role": "assistant", "content": reply}]
    return messages


def reply_html(answer: Answer, t: int) -> str:
    """The answer with [n] markers that link to its passages, and under it the list of its sources.
    An abstention says so plainly; the closest passages may follow, folded and labelled as not an answer."""
    if answer.abstained:
        shown: dict[tuple[str, str], Passage] = {}
        for p in answer.passages:  # overlapping chunks can begin alike: each snippet (its first 40 words) once
            words = p.text.split()
            shown.setdefault((p.source, " ".join(words[:40]) + (" …" if len(words) > 40 else "")), p)
        text = f'<div class="abstained">{escaped(answer.text)}</div>'
        css, summary = "sources closest", "Closest passages (not an answer)"
        items = [
            f"<p><b>{escaped(p.title)}</b> ({escaped(p.where())}): {escaped(snippet)}</p>"
            for (_, snippet), p in list(shown.items())[:CLOSEST]
        ]
    else:
        text = MARKER.sub(lambda m: f'<a href="#citation-{t}-{m[1]}" class="cite">[{m[1]}]</a>', escaped(answer.text))
        css, summary = "sources", f"Sources ({len(answer.citations)})"
        items = [
            f"<p>[{c.n}] <b>{escaped(c.title)}</b> ({escaped(c.where())}): “{escaped(c.text)}”</p>" for c in answer.citations
        ]
    return text + (f'<details class="{css}"><summary>{summary}</summary>{"".join(items)}</details>' if items else "")


def announcement(turn: Turn) -> str:
    """What the page's live region reads out when an answer is in."""
    said = turn.answer.text if turn.answer else turn.error
    return f'<p role="status" aria-live="polite">Answer: {html.escape(said)}</p>'


def citations_html(turns: list[Turn], t: int) -> str:
    """The passages answer `t` cites, each inside the text around it with the answer's words
    highlighted, expandable to more context."""
    turn = turns[t]
    back = '<a class="back" href="#chat">Back to the conversation</a>'  # on a phone the panel is far below the chat
    head = f'<p class="note">Answer {t + 1}: {html.escape(turn.question)} {back}</p>'
    if (answer := turn.answer) is None:
        return head + '<p class="note">No passages: this question was not answered.</p>'
    if answer.abstained or not answer.citations:
        return head + '<p class="note">No citations: no answer from the documents was shown for this question.</p>'
    # the answer's words, marked in the cited text; a quote is the cited sentence itself: nothing to mark
    words = set() if answer.text.startswith("“") else set(terms(strip_markers(answer.text)))
    return head + "".join(
        f'<div class="citation" id="citation-{t}-{c.n}"><div class="head"><b>[{c.n}] {html.escape(c.title)}</b> '
        f'<span class="file">{html.escape(c.where())}</span> {open_link(c)}</div>'
        f'<div class="passage">{context_html(c, PASSAGE_CHARS, words, css="around")}</div>'
        f"<details><summary>Show in context</summary>{context_html(c)}</details></div>"
        for c in answer.citations
    )


def open_link(c: Citation) -> str:
    """A link that opens the cited document itself in a new tab (a PDF at the cited page), served by the
    page from the collection's own folders only (`page.collection_folders`)."""
    page = f"#page={c.page}" if c.page else ""
    href = html.escape(f"gradio_api/file={urllib.parse.quote(c.file_path)}{page}")
    return f'<a class="open" href="{href}" target="_blank" rel="noopener noreferrer">Open</a>'


def escaped(text: str) -> str:
    """Text for the chat, which renders markdown: HTML's and markdown's own characters escaped (in one pass)."""
    return text.translate(_ESCAPES)


_ESCAPES = {ord(c): f"&#{ord(c)};" for c in "&<>\"'\\`*_{}[]#+|~"}
MARKER = re.compile(r"&#91;(\d+)&#93;")  # an escaped [n] marker


@functools.lru_cache(maxsize=8192)
def _word_terms(word: str) -> frozenset[str]:
    return frozenset(terms(word))


def context_html(
    c: Citation, chars: int = CONTEXT_CHARS, words: frozenset[str] | set[str] = frozenset(), css: str = "context"
) -> str:
    """The cited text inside the text around it, read from the source file (which may have changed since),
    with `words` (the answer's terms) highlighted in it."""
    try:
        got = extract(Path(c.file_path))
    except (OSError, ValueError) as e:
        return f'<p class="note">The source file cannot be read: {html.escape(str(e))}</p>'
    text = got.text
    if text[c.start : c.end] != c.text:
        return '<p class="note">The source file changed since it was ingested: add it again to refresh.</p>'
    lo, hi = 0, len(text)  # on a paged document, the cited page only
    if c.page and got.pages:
        lo, hi = got.pages[c.page - 1], got.pages[c.page] if c.page < len(got.pages) else len(text)
    a, b = max(lo, c.start - chars), min(hi, c.end + chars)
    if a > lo and (space := text.find(" ", a, c.start)) >= 0:  # start and stop on word boundaries
        a = space + 1
    if b < hi and (space := text.rfind(" ", c.end, b)) >= 0:
        b = space
    # the cited words whose stemmed key terms are in `words` marked; odd indices hold the words ("Su-gil" is one)
    pieces = re.split(f"({WORD.pattern})", c.text)
    cited = "".join(
        f"<mark>{html.escape(p)}</mark>" if i % 2 and _word_terms(p) & words else html.escape(p) for i, p in enumerate(pieces)
    )
    return (
        f'<div class="{css}">{"…" if a > lo else ""}{html.escape(text[a : c.start])}'
        f'<mark class="cited">{cited}</mark>{html.escape(text[c.end : b])}{"…" if b < hi else ""}</div>'
    )
