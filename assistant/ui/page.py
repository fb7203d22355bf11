"""The chat page's layout and handlers: `create_app` builds it, `launch` serves it.

The page loads nothing from outside this machine (system fonts only), and one worker thread plus a
queue of concurrency 1 keep the single llama.cpp model to one request at a time. The handlers live on
`ChatUI` as plain methods so tests can call them without a browser; their HTML is `rendering`'s.
"""

from __future__ import annotations

import contextvars
import ctypes
import ctypes.util
import html
import itertools
import logging
import queue
import shutil
import threading
import time
import uuid
from collections.abc import Callable, Generator, Iterator
from concurrent.futures import Future, ThreadPoolExecutor, TimeoutError
from pathlib import Path
from typing import Any

import gradio as gr

from ..documents import file_sha256, read_document
from ..errors import AssistantError
from ..extraction import KINDS, SUFFIXES
from ..models import Answer, Stage
from ..pipeline import Assistant
from ..settings import Settings
from .access import access, guarded
from .conversations import ID, Conversations
from .rendering import Turn, announcement, chat_messages, citations_html, escaped, plain_report

log = logging.getLogger(__name__)

EXAMPLES = [  # questions about the seeds whose checked answers are shown and right (2026-12-06)
    "Who led the WPK delegation to Moscow?",
    "When was the Comprehensive Strategic Partnership Treaty signed?",
    "Which Russian defence minister said the treaty aims to reduce the risk of a new war in Northeast Asia?",
]
TITLES_SHOWN = 5  # documents named on the first screen; the rest are counted
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
#citations .back { display: none; }
#tools { justify-content: flex-end; }
/* the chat's "scroll to the latest" arrow sits in the gutter beside the replies, not over one */
#chat .scroll-down-button-container { left: auto; right: 12px; transform: none; }
/* Gradio hides "Use via API" on narrow screens but leaves its dot ("· Settings"): the dot goes with the link.
   A top-level rule: Gradio scopes rules inside @media to the app's body, which the footer is not in. */
footer .show-api ~ .divider { display: none; }
footer .show-api::after { content: "·"; margin: 0 var(--size-2); }
#chat .message-wrap { padding-right: 40px; }  /* a gutter for the chat's own icons (clear, scroll down) */
/* visible focus on every control: the theme's own ring is faint, and the box has none */
#question textarea:focus, button:focus-visible, a:focus-visible, summary:focus-visible, input:focus-visible {
  outline: 3px solid #1d4ed8 !important; outline-offset: 1px; }
@media (max-width: 480px) {
  #input-row { flex-direction: column; }
  #input-row > * { width: 100%; min-width: 100% !important; }
  #chat { height: 46vh !important; }
  #intro p, #status .titles { display: none; }
  #citations .back { display: inline; }
}
"""
# One queue for every way a question enters (Enter, Ask, an example button), kept by the page: a
# question is sent only when no answer is being written, so no two answers run over one conversation.
# The page keeps its own busy flag (set as a question is sent, cleared when its answer is in): Ask's
# disabled state arrives from the server a moment later. An example is asked without touching the box.
QUEUE = """
window.__queue = window.__queue || [];
const box = document.querySelector('#question textarea');
const fill = text => { box.value = text; box.dispatchEvent(new Event('input', {bubbles: true})); };
const note = () => {
  const n = document.getElementById('queued-note'), asked = window.__queue.map(q => q === null ? box.value.trim() : q);
  if (n) n.textContent = asked.length ? 'Will ask next, once this answer is in: ' + asked.join(' · ') : '';
};
"""


def queued(js: str) -> str:
    """A page function with `QUEUE` at the top of its body."""
    return js.replace("{", "{" + QUEUE, 1)


# As a question is sent: the queued example, or the box's question, the box emptied in the page itself so
# that nothing typed after it can be erased by an update from the server.
TAKE_QUESTION = queued("""(question, turns) => {
  window.__busy = true;
  if (window.__example != null) { const q = window.__example; window.__example = null; window.__asked = q; return [q, turns]; }
  window.__asked = question;
  if (box) fill('');
  return [question, turns];
}""")
# Enter while an answer is being written: the question stays in the box and is asked in its turn.
QUEUE_IF_BUSY = queued("""() => {
  if (window.__busy && box && box.value.trim() && !window.__queue.includes(null)) { window.__queue.push(null); note(); }
}""")
ASK_EXAMPLE = queued("""(text) => {
  if (window.__busy) { window.__queue.push(text); note(); return; }
  window.__example = text;
  document.querySelector('#ask').click();
}""")
ASK_QUEUED = queued("""() => {
  window.__busy = false;
  const replies = document.querySelectorAll('#chat [data-testid="bot"]');  // the new answer in view, even
  if (replies.length) replies[replies.length - 1].scrollIntoView({block: 'nearest'});  // when a fold above grew
  let next;
  do { next = window.__queue.shift(); } while (next === null && !(box && box.value.trim()));  // a box emptied since
  note();
  if (next === undefined) return;
  if (next !== null) window.__example = next;
  setTimeout(() => document.querySelector('#ask').click(), 0);
}""")
# Stop: the page stops waiting; the question goes back into the box (unless something new was typed
# there), and nothing queued is asked.
STOPPED = queued("""() => {
  window.__busy = false;
  window.__queue = [];
  note();
  if (box && !box.value.trim() && window.__asked) fill(window.__asked);
}""")
ON_LOAD = """() => {
  document.addEventListener('keydown', e => {
    if (e.key === 'Escape' && window.__busy) document.querySelector('#stop').click();
  });
}"""
# After a reply is picked: bring the passage its clicked [n] marker names into view, marked.
SHOW_PICKED = """() => {
  const el = location.hash && document.getElementById(location.hash.slice(1));
  document.querySelectorAll('#citations .citation.picked').forEach(e => e.classList.remove('picked'));
  if (el) { el.classList.add('picked'); el.scrollIntoView({block: 'nearest'}); }
}"""
NOTHING_YET = '<p class="note">The passages an answer cites appear here. Click an earlier answer to see its own.</p>'
WORKING = {  # what the reply says while a step of answering runs (`Stage`), with the seconds since asked
    "searching": "Searching the documents…",
    "reading": "Reading the passages…",
    "checking": "Checking the answer against the sentences it cites…",
}


def working(step: str, seconds: float) -> str:
    """What the reply says while a step runs: the step in words and the seconds since the question."""
    return f'{WORKING[step]} <span class="elapsed">{int(seconds)} s</span>'


def session(request: gr.Request | None) -> str:
    """The browser session a request comes from ("" when a test calls a handler directly)."""
    return (request.session_hash if request else None) or ""


def beside_store(s: Settings, what: str) -> Path:
    """The collection's own folder of uploaded documents ("uploads") or saved conversations ("conversations"),
    `<store>-<what>/<collection>`: it survives restarts, never touches the source folder, and never reaches
    another collection."""
    return s.store.with_name(f"{s.store.name}-{what}") / s.collection


def collection_folders(assistant: Assistant) -> list[str]:
    """The collection's own folders, the only ones whose files the page serves ("Open"): the source
    folder, the uploads and any other folder ingested into the store."""
    s = assistant.settings
    try:
        ingested = assistant.store.roots()
    except AssistantError:  # a store that cannot be read: the page says so; its own folders stay
        ingested = set()
    return sorted({str(s.source.resolve()), str(beside_store(s, "uploads").resolve()), *ingested})


try:
    _malloc_trim: Callable | None = ctypes.CDLL(ctypes.util.find_library("c")).malloc_trim  # glibc only
except (AttributeError, OSError):
    _malloc_trim = None


class ChatUI:
    """The page's handlers around one `Assistant`, whose work all runs on one worker thread."""

    def __init__(self, assistant: Assistant):
        self.assistant = assistant
        # llama.cpp and the store writer are not thread-safe, so one thread does all their work in turn.
        # One thread rather than whichever of the server's threads took the request also stops memory
        # creeping up under load: native libraries keep buffers per thread (README, Reliability).
        self.worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="assistant")
        self.conversations = Conversations(beside_store(assistant.settings, "conversations"))
        self.uploads = beside_store(assistant.settings, "uploads")
        self._stops: dict[str, threading.Event] = {}  # per browser session: its answer's Stop

    def _submit(self, fn, *args, **kwargs) -> Future:
        """Queue `fn` for the worker thread, in a copy of the caller's context (where Gradio keeps the
        request's progress bar); afterwards glibc's malloc_trim hands what Python and the native libraries freed
        back to the system (well under a millisecond), so a long-running server's resident size follows the
        memory in use rather than the allocator's high-water mark."""

        def job():
            try:
                return fn(*args, **kwargs)
            finally:
                if _malloc_trim is not None:
                    _malloc_trim(0)

        return self.worker.submit(contextvars.copy_context().run, job)

    # -- page load and status ----------------------------------------------------------------
    def status(self, note: str = "") -> str:
        """Which documents (by title) and which model answer, in words (markdown, escaped)."""
        try:
            titles = self.assistant.store.titles()
            more = len(titles) - TITLES_SHOWN
            shown = "; ".join(titles[:TITLES_SHOWN]) + (f"; and {more} more" if more > 0 else "")
            documents = f"{len(titles)} document{'s' * (len(titles) != 1)}" + (
                f' <span class="titles">({escaped(shown)})</span>' if titles else ": none yet, add some below"
            )
        except AssistantError as e:
            documents, note = "the collection cannot be read", note or str(e)
        model = escaped(self.assistant.model_name or "none found")
        return f"**Documents:** {documents} · **Model:** {model}" + (f" · {escaped(note)}" if note else "")

    def prepare(self) -> Iterator[tuple]:
        """On page load: ingest the source folder if it changed and load the model, saying so in the
        status line; then show the examples the documents can answer. Yields (status, *example buttons)."""
        hidden = [gr.update(visible=False)] * len(EXAMPLES)
        yield ("Checking the documents…", *hidden)

        def ready(step) -> str:
            report = self.assistant.ensure_ingested(progress=step)
            step(-1, 0)  # the model's turn
            self.assistant.generator  # noqa: B018 (loads it) now, not on the first question
            return self.status(f"Read the documents: {plain_report(report)}" if report else "")

        try:
            line = yield from self._progress(
                ready,
                lambda percent: ("Loading the model…" if percent < 0 else f"Reading the documents: {percent}%…", *hidden),
            )
        except AssistantError as e:
            log.error("not ready: %s", e)
            yield (self.status(f"⚠️ {e}"), *hidden)
            return
        yield (line, *[gr.update(visible=self._submit(self.assistant.could_answer, q).result()) for q in EXAMPLES])

    def _progress(self, fn, shown) -> Generator[Any, None, Any]:
        """Run `fn(step)` on the worker thread, yielding `shown(percent)` for its latest `step(done, total)`
        every half second (negative for step(-1, 0)); returns what `fn` returns (raises what it raises)."""
        latest: list[int] = []
        future = self._submit(fn, lambda done, total: latest.append(done * 100 // max(total, 1)))
        while True:
            try:
                return future.result(timeout=0.5)
            except TimeoutError:
                if latest:
                    yield shown(latest[-1])

    # -- questions -----------------------------------------------------------------------------
    def respond(self, question: str, turns: list[Turn], request: gr.Request | None = None) -> Iterator[tuple]:
        """Answer one question. Yields (chat, turns, citations panel, Ask button, announcement, question box).

        The chat is drawn from `turns` (kept on the server) at every update, so a question sent meanwhile
        waits for this one and overwrites nothing. The server never writes the question box (the page empties
        it as it sends, `TAKE_QUESTION`), so what the user types meanwhile stays, however late the first update
        arrives; a question refused before it is asked (empty, too long) goes back into the box. The model's
        draft is never shown, as the check may replace it: the reply says what is being done meanwhile."""
        try:
            question = self.assistant.check_question(question)
        except AssistantError as e:
            gr.Warning(html.escape(str(e)))
            yield (*(gr.skip(),) * 5, question)
            return
        busy = gr.update(interactive=False, value="Answering…")
        asking = [*turns, Turn(question=question)]
        step, since = "searching", time.monotonic()
        stop = self._stops[session(request)] = threading.Event()
        yield chat_messages(asking, working(step, 0)), turns, gr.skip(), busy, "", gr.skip()
        done: Turn | None = None
        try:
            for part in self._stream(question, [(t.question, t.answer.text) for t in turns if t.answer], stop):
                if stop.is_set():  # Stop: the page is told at the next step or tick (a second at most)
                    done = None
                    break
                if isinstance(part, Answer):
                    done = Turn(question=question, answer=part)
                    continue
                step = part.step if isinstance(part, Stage) else step  # else a tick: the seconds move on
                yield chat_messages(asking, working(step, time.monotonic() - since)), turns, gr.skip(), busy, "", gr.skip()
        except AssistantError as e:
            done = Turn(question=question, error=f"⚠️ {e}")
        except Exception as e:  # a bug: say so in the page, keep the traceback in the log
            log.exception("answering %r failed", question)
            done = Turn(
                question=question,
                error=f"⚠️ Something went wrong while answering ({type(e).__name__}). The server log has the details.",
            )
        if done is None:  # stopped: the conversation as it was (the page puts the question back in the box)
            panel, said = gr.skip(), "Stopped."
        else:
            turns = [*turns, done]
            panel, said = citations_html(turns, len(turns) - 1), announcement(done)
        yield chat_messages(turns), turns, panel, gr.update(interactive=True, value="Ask"), said, gr.skip()

    # -- conversations, kept on this computer (`conversations`) -----------------------------
    def restore(self, id: str) -> tuple:
        """On page load: the conversation the browser had open, if it is still saved. Returns (chat,
        turns, panel, list of conversations)."""
        chat, turns, panel = self._opened(id)
        return chat, turns, panel, self._past(id if turns else None)

    def save(self, turns: list[Turn], id: str) -> tuple:
        """After each answer: the conversation saved (a new one gets its id). Returns (id, list)."""
        if not turns:
            return id, gr.skip()
        id = id if ID.fullmatch(id or "") else uuid.uuid4().hex
        self.conversations.save(id, turns)
        return id, self._past(id)

    def reopen(self, id: str | None) -> tuple:
        """A conversation picked from the list (or brought back by Undo). Returns (chat, turns, panel, id, Undo)."""
        chat, turns, panel = self._opened(id or "")
        return chat, turns, panel, id if turns else "", gr.update(visible=False)

    def clear(self, id: str) -> tuple:
        """A new, empty conversation; the one cleared stays saved and Undo brings it back. Returns (chat,
        turns, panel, id, cleared id, Undo, list)."""
        return [], [], NOTHING_YET, "", id, gr.update(visible=bool(self.conversations.load(id))), self._past(None)

    def delete(self, picked: str | None, id: str) -> tuple:
        """Delete the conversation picked in the list (the open one is then cleared). Returns (chat, turns,
        panel, id, list)."""
        self.conversations.delete(picked or "")
        if picked and picked == id:
            return [], [], NOTHING_YET, "", self._past(None)
        return *(gr.skip(),) * 4, self._past(id)

    def _opened(self, id: str) -> tuple:
        """(chat, turns, panel) of a saved conversation, with its last answer's passages; empty when it is gone."""
        turns = self.conversations.load(id)
        return chat_messages(turns), turns, citations_html(turns, len(turns) - 1) if turns else NOTHING_YET

    def _past(self, id: str | None):
        return gr.update(choices=self.conversations.choices(), value=id)

    def stop(self, request: gr.Request | None = None) -> None:
        """Stop (or Escape): the answer being written is dropped; the answering handler returns within a second,
        showing the conversation as it was. On the worker, the current step finishes and nothing after it runs."""
        if stop := self._stops.get(session(request)):
            stop.set()

    def pick(self, turns: list[Turn], evt: gr.SelectData) -> str:
        """A click on a message (or on its [n] marker) shows the passages of that answer."""
        index = evt.index[0] if isinstance(evt.index, (list, tuple)) else evt.index
        return citations_html(turns, index // 2) if 0 <= index // 2 < len(turns) else gr.skip()

    def _stream(self, question: str, history: list[tuple[str, str]], stop: threading.Event) -> Iterator[Stage | Answer | None]:
        """`Assistant.stream` run on the worker thread, which writes the whole answer before its next job
        unless `stop` is set (then no step after the current one runs). The parts come over a queue, so
        the worker finishes even when the tab that asked is closed mid-answer; None is a tick."""
        parts: queue.Queue = queue.Queue()

        def work() -> None:
            for part in itertools.takewhile(lambda _: not stop.is_set(), self.assistant.stream(question, history)):
                parts.put(part)

        future = self._submit(work)
        future.add_done_callback(parts.put)  # the future itself ends the parts, after its last or its exception
        while True:
            try:
                part = parts.get(timeout=1.0)  # how often the seconds shown while answering move on
            except queue.Empty:
                part = None  # nothing new for a while: a tick, the page's seconds move on
            if part is future:
                future.result()  # raises what the worker raised
                return
            yield part

    def ask(self, question: str) -> dict:
        """Answer one question and return the whole Answer as JSON: the `/ask` endpoint for scripts,
        `Client(url).predict(question, api_name="/ask")`."""
        try:
            return self._submit(self.assistant.ask, question).result().model_dump(mode="json")
        except AssistantError as e:
            raise gr.Error(html.escape(str(e))) from e

    # -- documents ---------------------------------------------------------------------------
    def add_documents(self, files: list[str] | None) -> Iterator[tuple[str, str]]:
        """Copy the acceptable uploads (each checked before anything is written; none already present) into
        the collection's `uploads` folder and ingest that folder, which never removes another folder's
        documents. Yields (message, status), the message saying how far the reading is meanwhile."""
        if not files:
            yield f"Choose one or more documents ({KINDS}) first.", self.status()
            return
        known = {file_sha256(p): p.name for p in _documents_in(self.uploads) + _documents_in(self.assistant.settings.source)}
        accepted, refused = [], []
        for file in files:
            path = Path(file)
            name = path.name.lstrip(".")  # a hidden name would not be read
            suffix = path.suffix.lower()
            if suffix not in SUFFIXES:
                refused.append(f"{path.name}: not a supported file type (supported: {KINDS})")
                continue
            if Path(name).suffix.lower() not in SUFFIXES:
                refused.append(f"{path.name}: the name is only an extension: rename it, for example document{suffix}")
                continue
            try:
                read_document(path, path.parent)
            except (ValueError, OSError) as e:
                refused.append(f"{name}: {e}")
                continue
            digest = file_sha256(path)
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
                    lambda percent: (f"Reading {len(copied)} document(s): {percent}%…", gr.skip()),
                )
                failed = {target: reason for target in copied if (reason := report.reason(target.name)) is not None}
                for target, reason in failed.items():  # count only what reached the store
                    refused.append(f"{target.name}: {reason}")
                    target.unlink(missing_ok=True)
                if len(copied) > len(failed):
                    lines.append(f"Added {len(copied) - len(failed)} document(s).")
            except AssistantError as e:
                for target in copied:  # leave the folder as the store knows it
                    target.unlink(missing_ok=True)
                lines.append(f"⚠️ Nothing was added: {e}")
        if refused:
            lines.append("Not added:\n" + "\n".join(f"- {r}" for r in refused))
        yield "\n\n".join(escaped(line) for line in lines), self._submit(self.status).result()


# -- files -------------------------------------------------------------------------------------
def _documents_in(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() in SUFFIXES] if folder.is_dir() else []


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
    private: dict[str, Any] = {"api_visibility": "private"}  # the page's own events; scripts use /ask
    with gr.Blocks(title="Ask your documents") as demo:
        gr.Markdown(
            "# Ask your documents\nAnswers come only from the documents, with the passages they rely on. "
            "Everything runs on this computer.",
            elem_id="intro",
        )
        status = gr.Markdown("Checking the documents…", elem_id="status")
        with gr.Row():
            with gr.Column(scale=3, min_width=300):
                chat = gr.Chatbot(
                    label="Conversation",
                    show_label=False,  # its badge covered the first line; the log keeps its accessible name
                    height="48vh",
                    min_height=260,
                    buttons=["copy"],
                    elem_id="chat",
                    placeholder="Ask a question about the documents.",
                )
                with gr.Row(elem_id="input-row"):
                    question = gr.Textbox(
                        label="Your question about the documents",
                        show_label=False,
                        scale=1,
                        placeholder="Your question",
                        elem_id="question",
                        max_lines=4,
                    )
                    ask = gr.Button("Ask", variant="primary", scale=0, min_width=90, elem_id="ask")
                    stop = gr.Button("Stop", scale=0, min_width=70, elem_id="stop")  # or Escape
                with gr.Row(elem_id="tools"):  # under the box, so that the box keeps the row's width
                    clear = gr.Button("Clear conversation", scale=0, min_width=170, size="sm", elem_id="clear")
                    undo = gr.Button("Undo clear", scale=0, min_width=110, size="sm", visible=False, elem_id="undo")
                with gr.Row(elem_id="examples"):
                    examples = [gr.Button(q, size="sm", variant="secondary", visible=False) for q in EXAMPLES]
                gr.HTML('<span id="queued-note" role="status"></span>', elem_id="queued")  # "Will ask next", by the page
            with gr.Column(scale=2, min_width=300):
                gr.Markdown("### Cited passages")
                panel = gr.HTML(NOTHING_YET, css_template=PANEL_CSS, elem_id="citations")
                with gr.Accordion("Past conversations", open=False, elem_id="conversations"):
                    past = gr.Dropdown(label="Kept on this computer, beside the collection", elem_id="past")
                    delete = gr.Button("Delete this conversation", size="sm", elem_id="delete")
                with gr.Accordion("Add documents", open=False):
                    files = gr.File(
                        label="PDF, Word, web pages, text",
                        file_count="multiple",
                        file_types=sorted(SUFFIXES),  # the picker offers only what can be read
                        elem_id="upload",
                    )
                    add = gr.Button("Add to the collection", elem_id="add")
                    added = gr.Markdown(elem_id="added")
        announce = gr.HTML("", elem_id="announce")  # read out by screen readers, not shown
        turns = gr.State([])  # [Turn]: the conversation, on the server
        conversation = gr.BrowserState("", storage_key="assistant-conversation")  # the id of the one open
        cleared = gr.State("")  # the id of the conversation Clear put away, for Undo

        # the page says what is being done itself: Gradio's own tracker would also read out a raw
        # "common.complete" key to screen readers when a slow step ends
        quiet: dict[str, Any] = {**private, "show_progress": "hidden"}
        demo.load(ui.prepare, outputs=[status, *examples], **quiet)
        demo.load(ui.restore, conversation, [chat, turns, panel, past], **quiet)
        outputs = [chat, turns, panel, ask, announce, question]
        # one listener for Enter and Ask; Enter while it answers queues the text in the box: asked next
        answering = gr.on(
            [question.submit, ask.click], ui.respond, [question, turns], outputs, trigger_mode="once", js=TAKE_QUESTION, **quiet
        )
        answering.then(ui.save, [turns, conversation], [conversation, past], **quiet).then(None, js=ASK_QUEUED, **quiet)
        stop.click(ui.stop, None, None, js=STOPPED, queue=False, **private)
        question.submit(None, js=QUEUE_IF_BUSY, queue=False, **private)
        for example in examples:  # a click asks it in its turn, through Ask; the box keeps what the user was typing
            example.click(None, inputs=example, js=ASK_EXAMPLE, queue=False, **private)
        chat.select(ui.pick, turns, panel, **quiet).then(None, js=SHOW_PICKED, **quiet)
        cleared_outputs = [chat, turns, panel, conversation, cleared, undo, past]
        gr.on([clear.click, chat.clear], ui.clear, conversation, cleared_outputs, **quiet)  # the button or the chat's trash icon
        undo.click(ui.reopen, cleared, [chat, turns, panel, conversation, undo], **quiet)
        # a pick, not .input: the list sends input on every blur too, with no pick (a cleared chat's None)
        past.select(ui.reopen, past, [chat, turns, panel, conversation, undo], **quiet)
        delete.click(ui.delete, [past, conversation], [chat, turns, panel, conversation, past], **quiet)
        add.click(ui.add_documents, inputs=files, outputs=[added, status], **quiet).then(
            lambda: None, outputs=files, queue=False, **private
        )
        gr.api(ui.ask, api_name="ask")
    return demo.queue(default_concurrency_limit=1)


def launch(assistant: Assistant, host: str | None = None, port: int | None = None, **kwargs) -> gr.Blocks:
    """Serve the page on host:port (default: the settings, 127.0.0.1:7860); never shared publicly. `access`
    is checked before anything is built or loaded; `prevent_thread_lock=True` returns at once, serving (tests)."""
    s = assistant.settings
    host = host or s.host
    auth = access(s, host)
    demo = create_app(assistant)
    demo.launch(
        allowed_paths=collection_folders(assistant),  # a cited document opens from there, and nothing else
        server_name=host,
        server_port=port or s.port,
        share=False,
        theme=THEME,
        css=PAGE_CSS,
        js=ON_LOAD,
        footer_links=["api", "settings"],
        auth=auth,
        app_kwargs={"lifespan": guarded(s, host)},
        **kwargs,
    )
    return demo
