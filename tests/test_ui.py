"""The chat page. Unit tests call the handlers directly with the fake model and fake embedder;
the `slow` tests run the real app (real model) on a free port and query it with gradio_client."""

from __future__ import annotations

import html
import re
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import gradio as gr
import pytest

from assistant import ui
from assistant.cli import build_parser, cmd_chat
from assistant.extraction import extract
from assistant.models import Citation
from conftest import SEEDS, make_docx, make_folder, make_html, make_pdf, served

FORUM_Q = "Who led the North Korean delegation to the For the Freedom of Nations forum?"
FORUM_A = "Kim Su-gil led the delegation to the forum."


def last(updates):
    """The last of a handler's updates: what the page shows once it is done."""
    return list(updates)[-1]


def ready_status(app: ui.ChatUI) -> str:
    """The status line once the page's load is done."""
    return last(app.prepare())[0]


def answer(app: ui.ChatUI, question: str, turns=()):
    """Run `respond` to the end: (chat, turns, citations panel) of the last update."""
    updates = list(app.respond(question, list(turns)))
    chat, turns, panel, button, announced, box = updates[-1]
    assert button["interactive"] and "Answer: " in announced and box == gr.skip()
    return chat, turns, panel


def cited(path: Path, start: int, end: int, text: str, **page) -> Citation:
    """Citation [1] of the file at `path`, characters start to end."""
    return Citation(n=1, source=path.name, file_path=str(path), title="Doc", start=start, end=end, text=text, score=1, **page)


def test_the_reply_says_what_is_done_then_shows_the_checked_answer_and_its_sources_fake_model(fake_assistant):
    app = ui.ChatUI(fake_assistant(FORUM_A))
    updates = list(app.respond(FORUM_Q, []))
    working = [u[0][-1]["content"] for u in updates[:-1]]  # never the model's draft, which the check may replace
    steps = [re.fullmatch(r'<span class="note">(.*) <span class="elapsed">\d+ s</span></span>', w)[1] for w in working]
    assert list(dict.fromkeys(steps)) == [ui.WORKING["searching"], ui.WORKING["reading"]]  # a base model: no check
    assert all(u[3]["interactive"] is False for u in updates[:-1])  # Ask is disabled while it answers
    chat, turns, panel = updates[-1][:3]
    assert chat[0] == {"role": "user", "content": FORUM_Q}
    reply = chat[1]["content"]
    assert "Kim Su-gil" in reply and '<a href="#citation-0-1" class="cite">[1]</a>' in reply
    assert '<details class="sources"><summary>Sources (1)</summary>' in reply  # kept under this answer
    assert "North Korean Delegation Heads to Russia for International Forum" in reply
    assert [t.question for t in turns] == [FORUM_Q] and "Kim Su-gil" in turns[0].answer.text
    assert "North Korean Delegation Heads to Russia for International Forum" in panel
    assert "003_fb9d92a72d6051b6.txt" in panel and 'id="citation-0-1"' in panel
    assert "<mark>" not in panel  # a quote is the cited sentence itself: only that is marked
    assert "Show in context" in panel and '<mark class="cited">' in panel


def test_a_follow_up_question_gets_the_earlier_turns_fake_model(fake_assistant, monkeypatch):
    a = fake_assistant(FORUM_A, "It left Pyongyang on Monday.")
    histories, stream = [], a.stream
    monkeypatch.setattr(a, "stream", lambda q, history=(): histories.append(list(history)) or stream(q, history))
    app = ui.ChatUI(a)
    chat, turns, _ = answer(app, FORUM_Q)
    chat, turns, _ = answer(app, "When did it leave?", turns)
    assert len(chat) == 4 and len(turns) == 2
    assert histories == [[], [(FORUM_Q, turns[0].answer.text)]]


def test_each_answer_keeps_its_own_sources_and_a_click_shows_them_fake_model(fake_assistant):
    app = ui.ChatUI(fake_assistant(FORUM_A, "Choe Son-hui visited Moscow in January 2024."))
    chat, turns, _ = answer(app, FORUM_Q)
    chat, turns, panel = answer(app, "When did Choe Son-hui visit Moscow?", turns)
    assert 'id="citation-1-1"' in panel and "Answer 2:" in panel
    assert '<a href="#citation-0-1"' in chat[1]["content"] and '<a href="#citation-1-1"' in chat[3]["content"]
    for index in (0, 1):  # the first answer's question or reply
        earlier = app.pick(turns, gr.SelectData(None, {"index": index, "value": chat[index]["content"]}))
        assert "Answer 1:" in earlier and 'id="citation-0-1"' in earlier and "003_fb9d92a72d6051b6.txt" in earlier


def test_markdown_in_a_question_or_answer_is_shown_as_typed_fake_model(fake_assistant):
    app = ui.ChatUI(fake_assistant("I could not find this in the documents."))
    chat, _, _ = answer(app, "Is *this* a __bold__ [link](x) question #1?")
    assert chat[0]["content"] == "Is &#42;this&#42; a &#95;&#95;bold&#95;&#95; &#91;link&#93;(x) question &#35;1?"


def test_document_html_is_shown_as_text_never_rendered_fake_model(fake_assistant, docs):
    (docs / "evil.md").write_text(
        "# Zorblax <b>treaty</b>\n\nThe Zorblax treaty was signed by Marshal Quintero "
        "<script>alert('x')</script><img src=x onerror=alert(1)> in Vilnius.\n",
        encoding="utf-8",
    )
    app = ui.ChatUI(fake_assistant("Marshal Quintero <script>alert('x')</script> signed the Zorblax treaty."))
    chat, _, panel = answer(app, "Who signed the Zorblax treaty <script>?")
    assert "evil.md" in panel
    for shown in (panel, chat[0]["content"], chat[1]["content"]):
        assert "<script" not in shown and "<img" not in shown and "<b>treaty" not in shown
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;" in panel
    assert "Zorblax &lt;b&gt;treaty&lt;/b&gt;" in panel  # the title too


def test_when_the_documents_do_not_answer_the_reply_says_so_without_citations_fake_model(fake_assistant):
    app = ui.ChatUI(fake_assistant("Something invented."))
    chat, turns, panel = answer(app, "What is the recipe for Neapolitan pizza dough with sourdough starter?")
    assert chat[-1]["content"].startswith('<div class="abstained">I could not find this in the documents.</div>')
    assert "No citations" in panel and "citation-" not in panel and "citation-" not in chat[-1]["content"]


def test_an_abstention_shows_the_closest_passages_labelled_as_not_an_answer_fake_model(fake_reader):
    app = ui.ChatUI(fake_reader("not stated"))
    chat, turns, _ = answer(app, "Who led the WPK delegation to Moscow in February 2025?")
    reply = chat[-1]["content"]
    assert turns[-1].answer.abstained and turns[-1].answer.passages
    assert reply.startswith('<div class="abstained">I could not find this in the documents.</div>')
    assert "<summary>Closest passages (not an answer)</summary>" in reply and 'class="cite"' not in reply


def test_an_empty_question_is_a_warning_not_a_chat_turn_fake_model(fake_assistant):
    app = ui.ChatUI(fake_assistant())
    with pytest.warns(UserWarning, match="The question is empty"):
        updates = list(app.respond("  \n ", []))
    assert updates == [(*(gr.skip(),) * 5, "  \n ")]  # no chat turn; the box keeps what was typed


def test_a_missing_model_is_a_readable_message_in_the_page(fake_assistant, tmp_path):
    a = fake_assistant(model=tmp_path / "missing.gguf")
    a._generator = None  # the real loader, pointed at a file that does not exist
    app = ui.ChatUI(a)
    assert "⚠️ Model file not found" in ready_status(app)
    chat, _, panel = answer(app, FORUM_Q)
    assert chat[-1]["content"].startswith("⚠️ Model file not found") and "Traceback" not in chat[-1]["content"]
    with pytest.raises(gr.Error, match="Model file not found"):
        app.ask(FORUM_Q)


def test_a_bug_is_reported_without_a_traceback_fake_model(fake_assistant, monkeypatch):
    a = fake_assistant()
    monkeypatch.setattr(a, "stream", lambda q, h: (_ for _ in ()).throw(KeyError("boom")))
    chat, _, _ = answer(ui.ChatUI(a), FORUM_Q)
    assert chat[-1]["content"].startswith("⚠️ Something went wrong while answering (KeyError)")


def test_the_ask_endpoint_returns_the_answer_as_json_fake_model(fake_assistant):
    got = ui.ChatUI(fake_assistant(FORUM_A)).ask(FORUM_Q)
    assert "Kim Su-gil" in got["text"] and got["citations"][0]["source"] == "003_fb9d92a72d6051b6.txt"
    with pytest.raises(gr.Error, match="The question is empty"):
        ui.ChatUI(fake_assistant()).ask("")


def test_questions_from_many_server_threads_are_answered_one_at_a_time_on_one_thread_fake_model(fake_assistant, monkeypatch):
    """llama.cpp is not thread-safe, and native buffers kept per thread made memory creep under load."""
    a = fake_assistant(FORUM_A)
    app, seen, busy = ui.ChatUI(a), [], []
    stream = a.stream

    def watched(q, history=()):
        busy.append(1)
        assert len(busy) == 1, "two answers at once"
        seen.append(threading.current_thread().name)
        try:
            yield from stream(q, history)
        finally:
            busy.pop()

    monkeypatch.setattr(a, "stream", watched)
    with ThreadPoolExecutor(6) as pool:  # as the server's threads would call the handlers
        asked = [pool.submit(app.ask, FORUM_Q) for _ in range(6)]
        chats = [pool.submit(answer, app, FORUM_Q) for _ in range(6)]
        assert all("Kim Su-gil" in f.result()["text"] for f in asked)
        assert all("Kim Su-gil" in f.result()[0][-1]["content"] for f in chats)
    assert len(seen) == 12 and len(set(seen)) == 1 and seen[0] != threading.main_thread().name


def test_the_status_names_the_model_and_the_collection_fake_model(fake_assistant):
    app = ui.ChatUI(fake_assistant())
    ready = ready_status(app)
    assert "**Model:** fake-model" in ready and str(SEEDS.parent) not in ready  # a copy of the seeds
    assert '**Documents:** 5 documents <span class="titles">(' in ready and "chunks" not in ready and "5 new" in ready
    assert "North Korean Delegation Heads to Russia for International Forum" in ready  # by title
    assert "Read the documents" not in ready_status(app)  # only once


def test_uploads_are_added_and_bad_files_and_duplicates_refused_fake_model(fake_assistant, docs, tmp_path):
    a = fake_assistant("The Zorblax treaty was signed in Vilnius.")
    app = ui.ChatUI(a)
    ready_status(app)
    before = a.store.count()
    files = {
        "new.md": "# Zorblax\n\nThe Zorblax treaty was signed in Vilnius in 1999.\n",
        "blob.txt": b"\x89PNG\x00\x01binary",
        "latin1.txt": "caf\xe9".encode("latin-1"),
        "report.xls": b"\xd0\xcf\x11\xe0",
        "copy.txt": (docs / "000_d60495a78590dd9c.txt").read_bytes(),
    }
    up = make_folder(tmp_path / "incoming", files)

    message, status = last(app.add_documents([str(up / name) for name in files]))
    message = html.unescape(message)  # the message is Markdown with its special characters escaped
    assert message.startswith("Added 1 document(s)")
    assert "blob.txt: binary file, not text" in message
    assert "latin1.txt: not UTF-8" in message
    assert "report.xls: not a supported file type" in message
    assert "copy.txt: already in the collection (same content as 000_d60495a78590dd9c.txt)" in message
    assert sorted(p.name for p in app.uploads.iterdir()) == ["new.md"]
    assert a.store.count() > before and "6 documents <span" in status
    assert a.ask("Where was the Zorblax treaty signed?").citations[0].source == "new.md"

    again, _ = last(app.add_documents([str(up / "new.md")]))  # same file again: ignored, nothing lost
    assert again == "Not added:\n- new.md: already in the collection (same content as new.md)"
    assert a.store.count() > before
    assert last(app.add_documents([]))[0].startswith("Choose")


def test_uploads_belong_to_their_collection_fake_model(fake_assistant, tmp_path):
    """Two stores in one folder (and two collections in one store) share no upload."""
    up = make_folder(tmp_path / "incoming", {"a.md": "# A\n\nThe Zorblax treaty was signed in Vilnius.\n"})
    first = ui.ChatUI(fake_assistant(store=tmp_path / "one"))
    ready_status(first)
    assert html.unescape(last(first.add_documents([str(up / "a.md")]))[0]) == "Added 1 document(s)."
    for other in (fake_assistant(store=tmp_path / "two"), fake_assistant(store=tmp_path / "one", collection="other")):
        app = ui.ChatUI(other)
        ready_status(app)
        up_b = make_folder(
            tmp_path / f"incoming-{other.settings.collection}-{other.settings.store.name}", {"b.md": "# B\n\nA second note.\n"}
        )
        message, status = last(app.add_documents([str(up_b / "b.md")]))
        assert html.unescape(message) == "Added 1 document(s)." and "6 documents <span" in status  # the 5 seeds and b.md
        assert [p.name for p in app.uploads.iterdir()] == ["b.md"] and app.uploads != first.uploads


def test_a_closest_passage_is_listed_once_however_many_chunks_begin_with_it():
    from assistant.models import Answer, Passage
    from assistant.ui.rendering import reply_html

    text = "The talks were held in Moscow. " * 20  # more than the snippet's 40 words
    same = [
        Passage(id=f"a#{i}", source="a.txt", file_path="/a.txt", title="A", start=i, end=i + 9, text=text, score=1)
        for i in (0, 1)
    ]
    other = same[0].model_copy(update={"id": "b#0", "source": "b.txt", "title": "B"})
    reply = reply_html(Answer(question="Q?", text="I could not find this.", abstained=True, passages=[*same, other]), 0)
    assert reply.count("<p><b>") == 2 and "<b>A</b>" in reply and "<b>B</b>" in reply


def test_the_context_of_a_citation_comes_from_its_file(tmp_path):
    path = tmp_path / "doc.txt"
    path.write_text("word " * 200 + "THE PASSAGE" + " more" * 200, encoding="utf-8")
    c = cited(path, 1000, 1011, "THE PASSAGE")
    shown = ui.context_html(c)
    assert '<mark class="cited">THE PASSAGE</mark>' in shown and shown.count("word") > 50 and shown.endswith("…</div>")
    path.write_text("rewritten", encoding="utf-8")
    assert "changed since it was ingested" in ui.context_html(c)
    path.unlink()
    assert "cannot be read" in ui.context_html(c)


def test_the_app_builds_with_an_ask_endpoint_and_a_single_queue_slot_fake_model(fake_assistant):
    demo = ui.create_app(fake_assistant())
    assert "ask" in [fn.api_name for fn in demo.fns.values()]
    assert demo._queue.default_concurrency_limit == 1


def test_the_chat_command_launches_the_page(monkeypatch):
    args = build_parser().parse_args(["chat", "--host", "127.0.0.1", "--port", "7999"])
    assert args.run is cmd_chat
    seen = {}
    monkeypatch.setattr(ui, "launch", lambda assistant: seen.setdefault("settings", assistant.settings))
    assert cmd_chat(args) == 0
    assert (seen["settings"].host, seen["settings"].port) == ("127.0.0.1", 7999)


# -- the real app --------------------------------------------------------------------------------
@pytest.mark.slow
def test_three_concurrent_questions_all_get_complete_answers_with_checkable_citations(real_assistant):
    """The real app (real model, real store) on a free port, asked by plain gradio_clients, as scripts would."""
    from gradio_client import Client

    questions = [
        "When did Choe Son-hui visit Moscow?",
        "Who led the WPK delegation to Moscow in February 2025?",
        "Who led the WPK delegation to Moscow?",
    ]
    with served(real_assistant) as url, ThreadPoolExecutor(3) as pool:
        answers = list(pool.map(lambda q: Client(url, verbose=False).predict(q, api_name="/ask"), questions))
    for q, got in zip(questions, answers):
        assert got["question"] == q and got["text"] and "total" in got["timings"]  # its own answer, complete
        assert got["model"] == real_assistant.model_name
        for c in got["citations"]:
            assert Path(c["file_path"]).parent == SEEDS
            assert Path(c["file_path"]).read_text(encoding="utf-8")[c["start"] : c["end"]] == c["text"]
    assert not answers[2]["abstained"] and answers[2]["citations"]  # the delegation, cited


def test_pdf_word_and_html_uploads_are_checked_and_added_fake_model(fake_assistant, tmp_path):
    a = fake_assistant("Vilnius")
    app = ui.ChatUI(a)
    ready_status(app)
    up = make_folder(tmp_path / "incoming", {"fake.docx": "not really Word"})
    make_pdf(up / "treaty.pdf", ["A first page.", "The Zorblax treaty was signed in Vilnius in 1999."])
    make_docx(up / "memo.docx", "Memo", ["The Quorvex memo was written in Riga."])
    make_html(up / "page.html", "News", "Headline", ["The Plimbo festival is held in Tartu."])
    make_pdf(up / "scanned.pdf", ["x"], image_only=True)
    message, _ = last(app.add_documents([str(p) for p in sorted(up.iterdir())]))
    assert message.startswith("Added 3 document(s)")
    assert "scanned.pdf: no text layer: run OCR on it first" in message
    assert "fake.docx: the file holds plain text" in message
    answer = a.ask("Where was the Zorblax treaty signed?")
    assert answer.citations[0].source == "treaty.pdf" and answer.citations[0].page == 2
    assert "p. 2" in ui.citations_html([ui.Turn(question=answer.question, answer=answer)], 0)


def test_show_in_context_stays_on_the_cited_page(tmp_path):
    pages = ["Page one talks about Oslo.", "Page two: the treaty was signed in Vilnius.", "Page three is about Riga."]
    path = make_pdf(tmp_path / "three.pdf", pages)
    text = extract(path).text
    start = text.index("the treaty")
    end = start + len("the treaty was signed in Vilnius.")
    shown = ui.context_html(cited(path, start, end, text[start:end], page=2), chars=1000)
    assert "Vilnius" in shown and "Page two" in shown
    assert "Oslo" not in shown and "Riga" not in shown


def test_a_too_long_question_is_a_warning_and_goes_back_into_the_box_fake_model(fake_assistant):
    app = ui.ChatUI(fake_assistant(n_ctx=512))
    long = "Why " * 400
    with pytest.warns(UserWarning, match=r"The question is too long: 1,599 characters, at most 1,024. Shorten it."):
        updates = list(app.respond(long, []))
    assert updates == [(*(gr.skip(),) * 5, long)]  # no chat turn repeats it; the box holds it again


def test_examples_are_offered_only_where_the_documents_hold_their_evidence_fake_model(fake_assistant, tmp_path):
    on_seeds = last(ui.ChatUI(fake_assistant()).prepare())
    assert [u["visible"] for u in on_seeds[1:]] == [True] * len(ui.EXAMPLES)
    manuals = make_folder(tmp_path / "manuals", {"mime.md": "# MIME\n\nThe shared MIME database is stored in /usr/share/mime.\n"})
    other = fake_assistant(source=manuals, store=tmp_path / "other")
    shown = last(ui.ChatUI(other).prepare())
    assert "1 document" in shown[0] and [u["visible"] for u in shown[1:]] == [False] * len(ui.EXAMPLES)


def test_progress_is_said_in_the_status_line_in_words_fake_model(fake_assistant):
    lines = [u[0] for u in ui.ChatUI(fake_assistant()).prepare()]
    assert lines[0] == "Checking the documents…" and "Read the documents: 5 new" in lines[-1]
    assert all("chunk" not in line and "⏳" not in line for line in lines)


def test_a_pdf_page_is_named_with_its_printed_number_where_that_differs_fake_model(fake_assistant, tmp_path):
    folder = make_folder(tmp_path / "manual", {})
    pages = ["Preface of the manual.", "Contents of the manual.", "The Zorblax treaty was signed in Vilnius."]
    make_pdf(
        folder / "manual.pdf", pages, labels=[{"label_style": "r", "label_start": 1}, {}, {"label_style": "D", "label_start": 1}]
    )
    a = fake_assistant("Vilnius", source=folder, store=tmp_path / "store")
    answer = a.ask("Where was the Zorblax treaty signed?")
    c = answer.citations[0]
    assert (c.page, c.page_label) == (3, "1") and c.where() == "manual.pdf, p. 3, printed 1"
    assert "manual.pdf, p. 3, printed 1" in ui.citations_html([ui.Turn(question=answer.question, answer=answer)], 0)
    unlabelled = make_pdf(tmp_path / "plain.pdf", ["One.", "Two."])
    assert extract(unlabelled).labels == ()  # printed numbers equal to the page numbers add nothing


def test_the_panel_marks_the_answers_words_not_the_questions_fake_model(fake_reader):
    chat, turns, panel = answer(ui.ChatUI(fake_reader("Kim Su-gil [1]")), FORUM_Q)
    assert "<mark>Kim</mark> <mark>Su-gil</mark>" in panel and '<mark class="cited">' in panel
    assert "<mark>delegation</mark>" not in panel and "<mark>forum</mark>" not in panel


def test_a_cited_document_opens_from_the_collection_and_nothing_else_does_fake_model(fake_reader, docs, tmp_path):
    """ "Open" serves the collection's own files (a PDF at the cited page; a web page in a sandbox, where
    its scripts cannot run); a path out of the collection, by ../ or absolute, is refused."""
    import httpx

    from assistant.models import Answer
    from assistant.ui.rendering import citations_html, open_link

    (docs / "page.html").write_text("<html><body><p>Saved page.</p><script>alert(1)</script></body></html>", "utf-8")
    secret = tmp_path / "secret.txt"
    secret.write_text("not in the collection", encoding="utf-8")
    a = fake_reader()
    a.ensure_ingested()
    seed = docs / "000_d60495a78590dd9c.txt"
    link = open_link(cited(seed, 0, 5, seed.read_text(encoding="utf-8")[:5]))
    assert link.startswith('<a class="open" href="gradio_api/file=') and 'target="_blank"' in link
    assert "#page=3" in open_link(cited(seed, 0, 5, "x", page=3))
    turn = ui.Turn(question="Q?", answer=Answer(question="Q?", text="A [1].", citations=[cited(seed, 0, 5, "x")]))
    assert link in citations_html([turn], 0)
    with served(a) as url:
        get = lambda path: httpx.get(url + "gradio_api/file=" + path, timeout=30)  # noqa: E731
        got = get(str(seed))
        assert got.status_code == 200 and got.text == seed.read_text(encoding="utf-8")
        page = get(str(docs / "page.html"))
        assert page.status_code == 200 and page.headers["content-security-policy"] == "sandbox"
        for outside in (f"{docs}/../secret.txt", str(secret), "/etc/passwd", f"{docs}/../../../../etc/passwd"):
            assert get(outside).status_code in (403, 404), outside


def test_conversations_are_saved_reopened_cleared_with_undo_and_deleted_fake_model(fake_assistant, tmp_path):
    app = ui.ChatUI(fake_assistant(FORUM_A))
    ready_status(app)
    _, turns, _ = answer(app, FORUM_Q)
    id, listed = app.save(turns, "")  # a new conversation gets its id
    assert re.fullmatch(r"[0-9a-f]{32}", id) and listed["value"] == id
    assert [label.split(" · ")[0] for label, _ in listed["choices"]] == [FORUM_Q[:59] + "…"]
    chat, restored, panel, _ = app.restore(id)  # a reload, or a restart of the app
    assert [t.question for t in restored] == [FORUM_Q] and "Kim Su-gil" in chat[1]["content"] and "Kim Su-gil" in panel

    chat, cleared_turns, _, open_id, cleared, undo, _ = app.clear(id)
    assert (chat, cleared_turns, open_id, cleared, undo["visible"]) == ([], [], "", id, True)
    chat, back, _, open_id, undo = app.reopen(cleared)  # Undo
    assert [t.question for t in back] == [FORUM_Q] and open_id == id and undo["visible"] is False

    other = ui.ChatUI(fake_assistant(store=tmp_path / "other-store"))  # another collection sees none of it
    assert other.conversations.choices() == [] and other.restore(id)[1] == []
    assert app.save(turns, "../../../etc/passwd")[0] != "../../../etc/passwd"  # the browser's id names no file

    (app.conversations.folder / f"{'0' * 32}.json").write_text("{not json", encoding="utf-8")  # a damaged file
    assert app.restore("0" * 32)[1] == [] and len(app.conversations.choices()) == 2
    chat, gone, _, open_id, listed = app.delete(id, id)
    assert (chat, gone, open_id) == ([], [], "") and id not in [i for _, i in listed["choices"]]


def test_the_list_of_conversations_reads_only_the_files_that_changed(tmp_path, monkeypatch):
    from assistant.ui.conversations import Conversation, Conversations

    kept = Conversations(tmp_path / "conversations")
    ids = [uuid.uuid4().hex for _ in range(30)]
    for n, id in enumerate(ids):
        kept.save(id, [ui.Turn(question=f"Question {n}?")])
    read = []
    parse = Conversation.model_validate_json
    monkeypatch.setattr(Conversation, "model_validate_json", lambda data: read.append(1) or parse(data))
    assert len(kept.choices()) == 30 and len(read) == 30
    kept.save(ids[3], [ui.Turn(question="Question 3 again?")])  # one conversation grows
    listed = kept.choices()
    assert len(read) == 31 and listed[0] == (listed[0][0], ids[3]) and listed[0][0].startswith("Question 3 again?")
    kept.delete(ids[0])
    assert len(kept.choices()) == 29 and len(read) == 31


def test_stop_drops_the_answer_being_written_and_gives_the_question_back_fake_model(fake_assistant, monkeypatch):
    a = fake_assistant(FORUM_A)
    app = ui.ChatUI(a)
    ready_status(app)
    go, asked_model = threading.Event(), []
    real_stream = a.stream

    def slow(question, history=()):  # searching, then (once let go) the model's steps
        from assistant import Stage

        yield Stage(step="searching", elapsed=0.0)
        go.wait(10)
        asked_model.append(question)
        yield from real_stream(question, history)

    monkeypatch.setattr(a, "stream", slow)
    updates = app.respond(FORUM_Q, [])
    next(updates), next(updates)  # the question shown; the worker's first step under way
    app.stop()  # Stop (or Escape)
    go.set()
    chat, turns, _, button, said, box = list(updates)[-1]
    assert (chat, turns, said, box) == ([], [], "Stopped.", gr.skip()) and button["interactive"]
    assert asked_model == [FORUM_Q]  # the step under way finished on the worker; nothing after it ran
    monkeypatch.setattr(a, "stream", real_stream)
    assert "Kim Su-gil" in answer(app, FORUM_Q)[1][0].answer.text  # the next question is answered as usual
