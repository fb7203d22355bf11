"""The chat page: `assistant chat` serves it on 127.0.0.1 with Gradio; `create_app` builds it, `launch` runs it.

`launch` refuses a non-loopback address unless a password is configured (`auth`, `auth_file`) or
the user said the server may be open (`allow_open`), and refuses requests not addressed to this
server (Host and Origin headers); see `access`.

Everything a document or a user typed is escaped before it is rendered (documents may hold HTML
or `<script>`), the page loads nothing from outside this machine (system fonts only), and one
worker thread plus a queue of concurrency 1 keep the single llama.cpp model to one request at a time.
The handlers live on `ChatUI` as plain methods so tests can call them without a browser.
"""

from __future__ import annotations

import contextvars
import ctypes
import ctypes.util
import functools
import hashlib
import html
import logging
import queue
import re
import shutil
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor, TimeoutError
from pathlib import Path

import gradio as gr
from pydantic import BaseModel

from .access import Credentials, _credential, access, credentials, guarded, is_loopback  # noqa: F401
from .documents import read_document
from .extraction import KINDS, SUFFIXES, extract
from .errors import AssistantError
from .models import CLOSEST, Answer, Citation, Passage
from .pipeline import Assistant
from .reading import strip_markers
from .text import terms

log = logging.getLogger(__name__)

EXAMPLES = [
    "Who led the WPK delegation to Moscow in February 2025?",
    "When did Choe Son-hui visit Moscow?",
    "Which forum did Kim Su-gil's delegation attend?",
]
TITLES_SHOWN = 5  # documents named on the first screen; the rest are counted
PASSAGE_CHARS = 150  # of the source file shown on each side of a cited sentence
CONTEXT_CHARS = 600  # ... and when the user asks to see it in context
THEME = gr.themes.Base(  # system fonts only: the built-in fonts would be fetched from the internet
    primary_hue="blue",
    font=["system-ui", "-apple-system", "Segoe UI", "Roboto", "Helvetica Neue", "Arial", "sans-serif"],
    font_mono=["ui-monospace", "SFMono-Regular", "Menlo", "Consolas", "monospace"],
)
PANEL_CSS = """
.citation { border: 1px solid var(--border-color-primary); border-radius: 8px; padding: 8px 10px; margin-bottom: 10px; }
.citation .head { margin-bottom: 4px; }
.citation .file { font-family: var(--font-mono); font-size: 0.85em; opacity: 0.8; }
.citation .passage, .citation .context { white-space: pre-wrap; font-size: 0.92em; line-height: 1.45; }
.citation mark { background: #fde68a; color: #111; padding: 0 1px; border-radius: 2px; }
.citation mark.cited { background: #dbeafe; }
.citation summary { cursor: pointer; margin-top: 6px; font-size: 0.9em; }
.citation .context { margin-top: 4px; padding: 6px; background: var(--background-fill-secondary); border-radius: 6px; }
.note { opacity: 0.8; font-style: italic; }
.citation.picked { outline: 2px solid var(--color-accent); }
"""
PAGE_CSS = """
#announce { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); }
#chat details.sources { margin-top: 6px; font-size: 0.9em; }
#chat .abstained { font-weight: 600; border-left: 4px solid #b45309; padding-left: 8px; }
#chat details.sources p { margin: 4px 0; }
#queued { font-size: 0.9em; opacity: 0.85; }
/* visible focus on every control: the theme's own ring is faint, and the box has none */
#question textarea:focus, button:focus-visible, a:focus-visible, summary:focus-visible, input:focus-visible {
  outline: 3px solid #1d4ed8 !important; outline-offset: 1px; }
@media (max-width: 480px) {
  #input-row { flex-direction: column; }
  #input-row > * { width: 100%; min-width: 100% !important; }
  #chat { height: 46vh !important; }
  #intro p, #status .titles { display: none; }
}
"""
# As a question is sent: empty the box in the page itself, so that nothing typed after it can be
# erased by an update from the server (returns the inputs unchanged).
TAKE_QUESTION = """(question, turns) => {
  window.__busy = true;
  const box = document.querySelector('#question textarea');
  if (box) { box.value = ''; box.dispatchEvent(new Event('input', {bubbles: true})); }
  return [question, turns];
}"""
# Enter while an answer is being written: the question stays in the box and is asked next. The page
# keeps its own busy flag (set as a question is sent, cleared when its answer is in): Ask's disabled
# state arrives from the server a moment later.
QUEUE_IF_BUSY = """() => {
  const box = document.querySelector('#question textarea');
  if (window.__busy && box && box.value.trim()) {
    window.__askNext = true;
    document.getElementById('queued-note').textContent = 'Will ask next, once this answer is in: ' + box.value.trim();
  }
}"""
ASK_QUEUED = """() => {
  window.__busy = false;
  if (!window.__askNext) return;
  window.__askNext = false;
  document.getElementById('queued-note').textContent = '';
  setTimeout(() => document.querySelector('#ask').click(), 0);
}"""
# After a reply is picked: bring the passage its clicked [n] marker names into view, marked.
SHOW_PICKED = """() => {
  const el = location.hash && document.getElementById(location.hash.slice(1));
  document.querySelectorAll('#citations .citation.picked').forEach(e => e.classList.remove('picked'));
  if (el) { el.classList.add('picked'); el.scrollIntoView({block: 'nearest'}); }
}"""
NOTHING_YET = '<p class="note">The passages an answer cites appear here. Click an earlier answer to see its own.</p>'
WORKING = {"search": "Searching the documents…", "read": "Reading the passages and checking the answer…"}
_END = object()  # marks the end of a streamed answer on the hand-over queue


class Turn(BaseModel):
    """One question of the conversation and what came of it: an answer, or an error message."""

    question: str
    answer: Answer | None = None
    error: str = ""


class ChatUI:
    """The page's handlers around one `Assistant`, whose work all runs on one worker thread."""

    def __init__(self, assistant: Assistant):
        self.assistant = assistant
        # llama.cpp and the store writer are not thread-safe, so one thread does all their work in turn.
        # One thread rather than whichever of the server's threads took the request also stops memory
        # creeping up under load: native libraries keep buffers per thread (README, Reliability).
        self.worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="assistant")

    def _submit(self, fn, *args, **kwargs) -> Future:
        """Queue `fn` for the worker thread, in a copy of the caller's context (where Gradio keeps the
        request's progress bar); afterwards the memory it freed goes back to the system."""
        def job():
            try:
                return fn(*args, **kwargs)
            finally:
                release_freed_memory()

        return self.worker.submit(contextvars.copy_context().run, job)

    def _run(self, fn, *args, **kwargs):
        """Run `fn` on the worker thread and return its result (or raise its exception)."""
        return self._submit(fn, *args, **kwargs).result()

    @property
    def uploads(self) -> Path:
        """Uploaded documents live beside the store, so they survive restarts and never touch the source folder."""
        return self.assistant.settings.store.parent / "uploads"

    # -- page load and status ----------------------------------------------------------------
    def status(self, note: str = "") -> str:
        """Which documents (by title) and which model answer, in words (markdown, escaped)."""
        try:
            titles = self.assistant.store.titles()
            shown = "; ".join(titles[:TITLES_SHOWN]) + (f"; and {len(titles) - TITLES_SHOWN} more"
                                                       if len(titles) > TITLES_SHOWN else "")
            documents = f"{len(titles)} document{'s' * (len(titles) != 1)}" + (
                f' <span class="titles">({_text(shown)})</span>' if titles else ": none yet, add some below")
        except AssistantError as e:
            documents, note = _text("the collection cannot be read"), note or str(e)
        line = (f"**Documents:** {documents} · "  # titles are document text: Markdown escaped too
                f"**Model:** {_text(self.assistant.model_name or 'none found')}")
        return line + (f" · {_text(note)}" if note else "")

    def prepare(self) -> Iterator[tuple]:
        """On page load: ingest the source folder if it changed and load the model, saying so in the
        status line; then show the examples the documents can answer. Yields (status, *example buttons)."""
        hidden = [gr.update(visible=False)] * len(EXAMPLES)
        yield ("Checking the documents…", *hidden)

        def ready(step) -> str:
            report = self.assistant.ensure_ingested(progress=step)
            step(-1, 0)  # the model's turn
            self.assistant.generator  # load it now, not on the first question
            return self.status(f"Read the documents: {plain_report(report)}{skipped_list(report.skipped)}"
                               if report else "")

        try:
            line = yield from self._progress(ready, lambda done, total: (
                "Loading the model…" if done < 0 else f"Reading the documents: {done * 100 // max(total, 1)}%…",
                *hidden))
        except AssistantError as e:
            log.error("not ready: %s", e)
            yield (self.status(f"⚠️ {e}"), *hidden)
            return
        yield (line, *[gr.update(visible=self._run(self.assistant.could_answer, q)) for q in EXAMPLES])

    def _progress(self, fn, shown) -> Iterator:
        """Run `fn(step)` on the worker thread, yielding `shown(done, total)` for its latest step every
        half second; returns what `fn` returns (raises what it raises)."""
        latest: list = []
        future = self._submit(fn, lambda done, total: latest.append((done, total)))
        while True:
            try:
                return future.result(timeout=0.5)
            except TimeoutError:
                if latest:
                    yield shown(*latest[-1])

    # -- questions -----------------------------------------------------------------------------
    def respond(self, question: str, turns: list[Turn]) -> Iterator[tuple]:
        """Answer one question. Yields (chat, turns, citations panel, Ask button, announcement, question box).

        The chat is drawn from `turns` (state kept on the server) at every update, so a question
        sent while another is being answered waits for it and overwrites nothing. The server never
        writes the question box (the page empties it as it sends, `TAKE_QUESTION`), so what the user
        types meanwhile stays, however late the first update arrives; a question refused before it is
        asked (empty, too long) goes back into the box. The model's draft is never shown, as the check
        may replace it: the reply says what is being done until the checked answer takes its place.
        """
        asked = question
        try:
            question = self.assistant.check_question(question)
        except AssistantError as e:
            gr.Warning(html.escape(str(e)))
            yield (*(gr.skip(),) * 5, asked)
            return
        busy = gr.update(interactive=False, value="Answering…")
        asking = [*turns, Turn(question=question)]
        yield chat_messages(asking, WORKING["search"]), turns, gr.skip(), busy, "", gr.skip()
        try:
            reading = False
            for part in self._stream(question, [(t.question, t.answer.text) for t in turns if t.answer]):
                if isinstance(part, Answer):
                    done = Turn(question=question, answer=part)
                elif not reading:
                    reading = True
                    yield chat_messages(asking, WORKING["read"]), turns, gr.skip(), busy, "", gr.skip()
        except AssistantError as e:
            done = Turn(question=question, error=f"⚠️ {e}")
        except Exception as e:  # a bug: say so in the page, keep the traceback in the log
            log.exception("answering %r failed", question)
            done = Turn(question=question, error=f"⚠️ Something went wrong while answering ({type(e).__name__}). "
                                                  "The server log has the details.")
        turns = [*turns, done]
        yield (chat_messages(turns), turns, citations_html(turns, len(turns) - 1),
               gr.update(interactive=True, value="Ask"), announcement(done), gr.skip())

    def pick(self, turns: list[Turn], evt: gr.SelectData) -> str:
        """A click on a message (or on its [n] marker) shows the passages of that answer."""
        index = evt.index[0] if isinstance(evt.index, (list, tuple)) else evt.index
        return citations_html(turns, index // 2) if 0 <= index // 2 < len(turns) else gr.skip()

    def _stream(self, question: str, history: list[tuple[str, str]]) -> Iterator[str | Answer]:
        """`Assistant.stream` run on the worker thread, which writes the whole answer before it takes
        the next job.

        Handing the pieces over a queue means the worker always finishes, even when the tab
        that asked is closed mid-answer and nobody reads the rest.
        """
        parts: queue.Queue = queue.Queue()

        def work() -> None:
            try:
                for part in self.assistant.stream(question, history):
                    parts.put(part)
            except Exception as e:
                parts.put(e)
            finally:
                parts.put(_END)

        self._submit(work)
        while (part := parts.get()) is not _END:
            if isinstance(part, Exception):
                raise part
            yield part

    def ask(self, question: str) -> dict:
        """Answer one question and return the whole Answer as JSON: the `/ask` endpoint for scripts,
        `Client(url).predict(question, api_name="/ask")`."""
        try:
            return self._run(self.assistant.ask, question).model_dump(mode="json")
        except AssistantError as e:
            raise gr.Error(html.escape(str(e))) from e

    # -- documents ---------------------------------------------------------------------------
    def add_documents(self, files: list[str] | None) -> Iterator[tuple[str, str]]:
        """Copy the acceptable uploads into `uploads/` and ingest that folder. Yields (message, status),
        the message saying how far the reading is meanwhile.

        Each file is checked before anything is written; files already present (same bytes) are
        skipped; ingesting a folder never removes documents of another folder from the store.
        """
        if not files:
            yield f"Choose one or more documents ({KINDS}) first.", self.status()
            return
        known = {_sha256(p): p.name for p in _documents_in(self.uploads) + _documents_in(self.assistant.settings.source)}
        accepted, refused = [], []
        for file in files:
            path = Path(file)
            name = path.name.lstrip(".")  # a hidden name would not be read
            if path.suffix.lower() not in SUFFIXES:
                refused.append(f"{path.name}: not a supported file type (supported: {KINDS})")
                continue
            if Path(name).suffix.lower() not in SUFFIXES or not Path(name).stem:
                refused.append(f"{path.name}: the name is only an extension: rename it, for example "
                               f"document{path.suffix.lower()}")
                continue
            try:
                read_document(path, path.parent)
            except (ValueError, OSError) as e:
                refused.append(f"{name}: {e}")
                continue
            digest = _sha256(path)
            if digest in known:
                refused.append(f"{name}: already in the collection (same content as {known[digest]})")
                continue
            known[digest] = name
            accepted.append((path, name))

        lines = []
        if accepted:
            self.uploads.mkdir(parents=True, exist_ok=True)
            copied = [shutil.copyfile(path, _free_name(self.uploads, name)) for path, name in accepted]
            try:
                report = yield from self._progress(
                    lambda step: self.assistant.ingest(self.uploads, progress=step),
                    lambda done, total: (f"Reading {len(copied)} document(s): {done * 100 // max(total, 1)}%…", gr.skip()))
                stored = []
                for target in map(Path, copied):  # count only what reached the store
                    if (reason := report.reason(target.name)) is None:
                        stored.append(target)
                    else:
                        refused.append(f"{target.name}: {reason}")
                        target.unlink(missing_ok=True)
                if stored:
                    lines.append(f"Added {len(stored)} document(s).")
            except AssistantError as e:
                for target in copied:  # leave the folder as the store knows it
                    Path(target).unlink(missing_ok=True)
                lines.append(f"⚠️ Nothing was added: {e}")
        if refused:
            lines.append("Not added:\n" + "\n".join(f"- {r}" for r in refused))
        yield "\n\n".join(_text(line) for line in lines), self._run(self.status)


try:
    _malloc_trim = ctypes.CDLL(ctypes.util.find_library("c")).malloc_trim  # glibc only
except (AttributeError, OSError):
    _malloc_trim = None


def release_freed_memory() -> None:
    """Hand memory that Python and the native libraries freed back to the system (glibc's
    malloc_trim), so the resident size of a long-running server follows the memory in use rather
    than the allocator's high-water mark. Well under a millisecond when little was freed."""
    if _malloc_trim is not None:
        _malloc_trim(0)


# -- rendering (all text escaped) ------------------------------------------------------------
def plain_report(report) -> str:
    """An ingest report in a reader's words: documents, not chunks."""
    parts = [f"{n} {what}" for n, what in ((report.added, "new"), (report.updated, "changed"), (report.removed, "removed"),
                                          (report.unchanged, "unchanged")) if n]
    return ", ".join(parts) or "none"


def skipped_list(skipped: list[str]) -> str:
    """The files not ingested, each with its reason, as a Markdown list (escaped when rendered)."""
    return "".join(f"\n- skipped {line}" for line in skipped)


def chat_messages(turns: list[Turn], working: str = "") -> list[dict]:
    """The chat as Gradio draws it: each question, then its reply (or what is being done, `working`)."""
    messages = []
    for t, turn in enumerate(turns):
        reply = reply_html(turn.answer, t) if turn.answer else _text(turn.error) or f'<span class="note">{working}</span>'
        messages += [{"role": "user", "content": _text(turn.question)}, {"role": "assistant", "content": reply}]
    return messages


def reply_html(answer: Answer, t: int) -> str:
    """The answer with [n] markers that link to its passages, and under it the list of its sources.
    An abstention says so plainly; the closest passages may follow, folded and labelled as not an answer."""
    if answer.abstained:
        closest = "".join(f"<p><b>{_text(p.title)}</b> ({_text(p.where())}): {_text(_snippet(p.text))}</p>"
                          for p in answer.passages[:CLOSEST])
        more = (f'<details class="sources closest"><summary>Closest passages (not an answer)</summary>{closest}</details>'
                if closest else "")
        return f'<div class="abstained">{_text(answer.text)}</div>{more}'
    text = MARKER.sub(lambda m: f'<a href="#citation-{t}-{m[1]}" class="cite">[{m[1]}]</a>', _text(answer.text))
    if not answer.citations:
        return text
    sources = "".join(f"<p>[{c.n}] <b>{_text(c.title)}</b> ({_text(c.where())}): “{_text(c.text)}”</p>"
                      for c in answer.citations)
    return f'{text}<details class="sources"><summary>Sources ({len(answer.citations)})</summary>{sources}</details>'


def announcement(turn: Turn) -> str:
    """What the page's live region reads out when an answer is in."""
    said = turn.answer.text if turn.answer else turn.error
    return f'<p role="status" aria-live="polite">Answer: {html.escape(said)}</p>'


def citations_html(turns: list[Turn], t: int) -> str:
    """The passages answer `t` cites, each inside the text around it with the answer's words
    highlighted, expandable to more context."""
    turn = turns[t]
    head = f'<p class="note">Answer {t + 1}: {html.escape(turn.question)}</p>'
    if turn.answer is None:
        return head + '<p class="note">No passages: this question was not answered.</p>'
    answer = turn.answer
    if answer.abstained or not answer.citations:
        return head + '<p class="note">No citations: the documents do not answer this question.</p>'
    # the answer's words, marked in the cited text; a quote is the cited sentence itself: nothing to mark
    words = set() if answer.text.startswith("“") else set(terms(strip_markers(answer.text)))
    return head + "".join(
        f'<div class="citation" id="citation-{t}-{c.n}"><div class="head"><b>[{c.n}] {html.escape(c.title)}</b> '
        f'<span class="file">{html.escape(c.where())}</span></div>'
        f'<div class="passage">{context_html(c, PASSAGE_CHARS, words, css="around")}</div>'
        f"<details><summary>Show in context</summary>{context_html(c)}</details></div>"
        for c in answer.citations
    )


def _snippet(text: str, words: int = 40) -> str:
    """The start of a passage, whole words, with an ellipsis where it was cut."""
    cut = text.split()
    return " ".join(cut[:words]) + (" …" if len(cut) > words else "")


def _text(text: str) -> str:
    """Text for the chat, which renders markdown: HTML's and markdown's own characters escaped (in one pass)."""
    return text.translate(_ESCAPES)


_ESCAPES = {ord(c): f"&#{ord(c)};" for c in "&<>\"'\\`*_{}[]#+|~"}
MARKER = re.compile(r"&#91;(\d+)&#93;")  # an escaped [n] marker


def highlight(text: str, words: set[str]) -> str:
    """Escape `text`, marking the words whose stemmed key terms are in `words` (the answer's)."""
    pieces = re.split(r"(\w+(?:[-'’]\w+)*)", text)  # odd indices hold the words ("Su-gil" is one)
    return "".join(
        f"<mark>{html.escape(p)}</mark>" if i % 2 and _word_terms(p) & words else html.escape(p)
        for i, p in enumerate(pieces)
    )


@functools.lru_cache(maxsize=8192)
def _word_terms(word: str) -> frozenset[str]:
    return frozenset(terms(word))


def context_html(c: Citation, chars: int = CONTEXT_CHARS, words: frozenset[str] | set[str] = frozenset(),
                 css: str = "context") -> str:
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
    return (
        f'<div class="{css}">{"…" if a > lo else ""}{html.escape(text[a:c.start])}'
        f'<mark class="cited">{highlight(c.text, words)}</mark>{html.escape(text[c.end:b])}{"…" if b < hi else ""}</div>'
    )


# -- files -------------------------------------------------------------------------------------
def _documents_in(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() in SUFFIXES] if folder.is_dir() else []


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _free_name(folder: Path, name: str) -> Path:
    """`name` in `folder`, or `stem-2.suffix`, `stem-3.suffix`... when taken by another document."""
    target, n = folder / name, 1
    while target.exists():
        n += 1
        target = folder / f"{Path(name).stem}-{n}{Path(name).suffix}"
    return target


# -- the app -----------------------------------------------------------------------------------
def create_app(assistant: Assistant) -> gr.Blocks:
    """Build the page (not started). Events share one queue slot: one answer or ingest at a time."""
    ui = ChatUI(assistant)
    private = {"api_visibility": "private"}  # the page's own events; scripts use /ask
    with gr.Blocks(title="Ask your documents") as demo:
        gr.Markdown("# Ask your documents\nAnswers come only from the documents, with the passages they rely on. "
                    "Everything runs on this computer.", elem_id="intro")
        status = gr.Markdown("Checking the documents…", elem_id="status")
        with gr.Row():
            with gr.Column(scale=3, min_width=300):
                chat = gr.Chatbot(label="Conversation", height="48vh", min_height=260, buttons=["copy"], elem_id="chat",
                                  placeholder="Ask a question about the documents.")
                with gr.Row(elem_id="input-row"):
                    question = gr.Textbox(label="Your question about the documents", show_label=False, scale=5,
                                          placeholder="Your question", elem_id="question", max_lines=4)
                    ask = gr.Button("Ask", variant="primary", scale=1, min_width=90, elem_id="ask")
                    clear = gr.Button("Clear conversation", scale=1, min_width=90, size="sm", elem_id="clear")
                with gr.Row(elem_id="examples"):
                    examples = [gr.Button(q, size="sm", variant="secondary", visible=False) for q in EXAMPLES]
                gr.HTML('<span id="queued-note" role="status"></span>', elem_id="queued")  # "Will ask next", by the page
            with gr.Column(scale=2, min_width=300):
                gr.Markdown("### Cited passages")
                panel = gr.HTML(NOTHING_YET, css_template=PANEL_CSS, elem_id="citations")
                with gr.Accordion("Add documents", open=False):
                    files = gr.File(label="Documents: PDF, Word (.docx), web pages (.html), text (.txt, .md)",
                                    file_count="multiple", type="filepath", elem_id="upload")
                    add = gr.Button("Add to the collection", elem_id="add")
                    added = gr.Markdown(elem_id="added")
        announce = gr.HTML("", elem_id="announce")  # read out by screen readers, not shown
        turns = gr.State([])  # [Turn]: the conversation, on the server

        # the page says what is being done itself: Gradio's own tracker would also read out a raw
        # "common.complete" key to screen readers when a slow step ends
        quiet = {**private, "show_progress": "hidden"}
        demo.load(ui.prepare, outputs=[status, *examples], **quiet)
        outputs = [chat, turns, panel, ask, announce, question]
        # one listener for Enter and Ask; Enter while it answers queues the text in the box: asked next
        gr.on([question.submit, ask.click], ui.respond, [question, turns], outputs, trigger_mode="once",
              js=TAKE_QUESTION, **quiet).then(None, js=ASK_QUEUED, **quiet)
        question.submit(None, js=QUEUE_IF_BUSY, queue=False, **private)
        for example in examples:  # a click asks it; the box keeps what the user was typing
            example.click(ui.respond, [example, turns], outputs, **quiet)
        chat.select(ui.pick, turns, panel, **quiet).then(None, js=SHOW_PICKED, **quiet)
        clear.click(lambda: ([], [], NOTHING_YET), outputs=[chat, turns, panel], queue=False, **private)
        chat.clear(lambda: ([], NOTHING_YET), outputs=[turns, panel], queue=False, **private)  # its trash icon
        add.click(ui.add_documents, inputs=files, outputs=[added, status], **quiet).then(
            lambda: None, outputs=files, queue=False, **private)
        gr.api(ui.ask, api_name="ask")
    return demo.queue(default_concurrency_limit=1)


def launch(assistant: Assistant, host: str | None = None, port: int | None = None, **kwargs) -> gr.Blocks:
    """Serve the page on host:port (default: the settings, 127.0.0.1:7860); never shared publicly.

    A non-loopback host needs credentials or `allow_open` (see `access`), checked before anything
    is built or loaded. Pass `prevent_thread_lock=True` to return at once with the app running (tests).
    """
    s = assistant.settings
    host = host or s.host
    auth = access(s, host)
    demo = create_app(assistant)
    demo.launch(server_name=host, server_port=port or s.port, share=False, theme=THEME, css=PAGE_CSS,
                footer_links=["api", "settings"], auth=auth, app_kwargs={"lifespan": guarded(s, host)}, **kwargs)
    return demo
