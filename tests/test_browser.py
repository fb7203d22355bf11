"""The chat page in a real browser: Debian's headless Chromium driven by Playwright, against the app
served on a free port of 127.0.0.1. Every request the page makes must stay on 127.0.0.1."""

from __future__ import annotations

import re
import shutil
from contextlib import ExitStack
from pathlib import Path
from urllib.parse import urljoin, urlparse

import pytest
from playwright.sync_api import expect, sync_playwright

from assistant import Assistant, Settings, extract_text, ui
from conftest import ROOT, SPEC_PDF, make_folder, served

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync"]
WAIT_MS = 120_000  # the longest wait for anything (first ingest, model load, an answer on 2 busy cores)
# Installed before asking: records every text the replies showed, to prove none changed its meaning.
WATCH_REPLIES = """() => {
    window.__shown = new Set();
    window.__announced = new Set();  // what the live regions read out
    new MutationObserver(() => {
        document.querySelectorAll('#chat [data-testid="bot"]').forEach(m => window.__shown.add(m.innerText.trim()));
        document.querySelectorAll('[aria-live]').forEach(m => window.__announced.add(m.innerText.trim()));
    }).observe(document.body, {subtree: true, childList: true, characterData: true});
}"""
WORKING = tuple(ui.WORKING.values())

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"no browser at {CHROMIUM}: apt-get install -y chromium"),
]


@pytest.fixture
def browse():
    """browse(assistant) -> (page, requested URLs): the app served and a fresh page opened on it."""
    expect.set_options(timeout=WAIT_MS)
    urls: list[str] = []
    with sync_playwright() as p, ExitStack() as apps:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)

        def open_page(assistant):
            url = apps.enter_context(served(assistant))
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.set_default_timeout(WAIT_MS)
            page.on("request", lambda r: urls.append(r.url))
            page.on("websocket", lambda ws: urls.append(ws.url))
            page.goto(url, wait_until="load")  # not "networkidle": the page keeps a connection open
            return page, urls

        try:
            yield open_page
        finally:
            browser.close()


def ready(page):
    expect(page.locator("#status")).to_contain_text("Model:")  # ingested and the model loaded
    page.evaluate(WATCH_REPLIES)


def wait_for_reply(page, n: int):
    """The n-th reply (1-based), once the checked answer is in."""
    reply = page.locator('#chat [data-testid="bot"]').nth(n - 1)
    expect(reply).to_be_visible()
    for note in WORKING:
        expect(reply).not_to_contain_text(note)
    expect(page.locator("#ask")).to_be_enabled()
    return reply


def ask(page, question: str):
    """Type the question, press Ask, return its reply once answered."""
    n = page.locator('#chat [data-testid="bot"]').count()
    page.locator("#question textarea").fill(question)
    page.locator("#ask").click()
    return wait_for_reply(page, n + 1)


def assert_local_only(urls: list[str]):
    outside = [u for u in urls if urlparse(u).scheme not in ("data", "blob") and urlparse(u).hostname != "127.0.0.1"]
    assert urls and not outside, f"requests outside 127.0.0.1: {outside}"


def test_a_seed_question_gets_its_checked_answer_with_its_cited_passage(browse, real_assistant):
    page, urls = browse(real_assistant)
    expect(page.locator("#status")).to_contain_text(f"Model: {real_assistant.model_name}")
    expect(page.locator("#status")).to_contain_text("5 documents (")  # by title
    ready(page)
    answer = ask(page, "Who led the WPK delegation to Moscow?")
    shown = {s for s in page.evaluate("[...window.__shown]") if s and not s.startswith(WORKING)}
    assert shown == {answer.inner_text().strip()}, f"the reply showed other text before its answer: {shown}"
    expect(answer).to_contain_text("Ri Hi-Yong")  # a sentence, cited (the README shows this page)
    expect(answer).to_contain_text("[1]")
    first = page.locator("#citations .citation").first
    expect(first.locator("mark").first).to_be_visible()  # words shared with the answer
    assert first.locator(".file").inner_text().endswith(".txt")
    first.locator("summary").click()
    expect(first.locator(".context mark.cited")).to_be_visible()  # the passage in its file

    shot(page, "chat.png", docs="screenshot.png")  # the README shows it
    assert_local_only(urls)


def test_html_in_a_document_is_shown_never_run_fake_model(browse, docs, fake_assistant):
    (docs / "evil.md").write_text(
        "# Zorblax\n\nThe Zorblax treaty was signed by Marshal Quintero <script>window.__xss = 1</script>"
        '<img src="x" onerror="window.__xss = 2"> in Vilnius.\n',
        encoding="utf-8",
    )
    page, urls = browse(fake_assistant("Marshal Quintero <script>window.__xss = 3</script> signed it."))
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    ready(page)
    answer = ask(page, "Who signed the Zorblax treaty?")
    expect(answer).to_contain_text("<script>window.__xss = ")  # the model's reply, or the quoted document
    script = '<script>window.__xss = 1</script><img src="x" onerror="window.__xss = 2">'
    expect(page.locator("#citations")).to_contain_text(script)
    assert page.evaluate("window.__xss") is None and not dialogs
    assert page.locator("#citations script, #citations img, #chat script").count() == 0
    assert_local_only(urls)


def test_a_conversation_survives_a_reload_and_is_listed_fake_model(browse, fake_assistant):
    page, urls = browse(fake_assistant("Kim Su-gil led the delegation to the forum.", "Ri Hi-Yong led it."))
    ready(page)
    ask(page, "Who led the North Korean delegation to the For the Freedom of Nations forum?")
    ask(page, "Who led the WPK delegation to Moscow?")
    page.reload(wait_until="load")
    ready(page)
    users = page.locator('#chat [data-testid="user"]')
    expect(users).to_have_count(2)  # the same conversation, read back from this computer
    expect(users.nth(1)).to_contain_text("Who led the WPK delegation to Moscow?")
    expect(page.locator("#citations")).to_contain_text("Answer 2")
    page.locator("#clear").click()
    expect(users).to_have_count(0)
    page.get_by_text("Past conversations").click()
    page.locator("#past input").click()
    expect(page.get_by_role("option").first).to_contain_text("Who led the North Korean delegation")
    shot(page, "conversations.png", docs="conversations.png")
    page.keyboard.press("Escape")
    page.locator("#undo").click()  # Clear is undone
    expect(users).to_have_count(2)
    page.locator("#past input").click()  # the list opened and left without a pick changes nothing
    page.keyboard.press("Escape")
    page.get_by_text("Cited passages").click()
    page.wait_for_timeout(1500)  # what leaving the list sends is answered in milliseconds
    expect(users).to_have_count(2)
    page.locator("#clear").click()
    expect(users).to_have_count(0)
    page.locator("#past input").click()
    page.get_by_role("option").first.click()  # a past conversation picked from the list
    expect(users).to_have_count(2)
    assert_local_only(urls)


def test_a_new_answer_is_scrolled_into_view_after_a_sources_fold_was_opened_fake_model(browse, fake_assistant):
    page, urls = browse(fake_assistant(*["Kim Su-gil led the delegation to the forum."] * 5))
    ready(page)
    for n in range(4):
        ask(page, f"Who led the North Korean delegation to the For the Freedom of Nations forum ({n})?")
    for fold in page.locator("#chat details.sources summary").all():
        fold.click()  # the sources of the answers above opened: the chat grew under the reader's eyes
    reply = ask(page, "Who led the North Korean delegation to the For the Freedom of Nations forum (again)?")
    expect(reply).to_be_in_viewport()  # inside the chat's own scrolled view, which clips what is below it
    box, chat = page.locator("#question").bounding_box(), page.locator("#chat").bounding_box()
    assert box["width"] >= 0.7 * chat["width"], (box, chat)  # Stop and Clear do not squeeze the question box
    page.locator("#chat .bubble-wrap").evaluate("e => e.scrollTo(0, 0)")  # scrolled up: the arrow down shows ...
    arrow = page.locator("#chat .scroll-down-button-container button")
    expect(arrow).to_be_visible()
    a = arrow.bounding_box()
    for message in page.locator('#chat [data-testid="bot"], #chat [data-testid="user"]').all():
        m = message.bounding_box()  # ... over no message
        assert a["x"] >= m["x"] + m["width"] or a["y"] >= m["y"] + m["height"] or a["y"] + a["height"] <= m["y"], (a, m)
    expect(page.locator('#chat [data-testid="block-label"]')).to_have_count(0)  # no badge over the first line
    page.get_by_text("Add documents").click()
    label = page.locator('#upload [data-testid="block-label"]')
    expect(label).to_have_text("PDF, Word, web pages, text")
    assert label.evaluate("e => e.scrollWidth <= e.clientWidth")  # shown whole, not "text (.txt, .m"
    page.set_viewport_size({"width": 420, "height": 860})
    expect(page.locator("footer .show-api")).to_be_hidden()
    assert page.locator("footer").inner_text().split() == ["Settings"]  # not "· Settings"
    assert_local_only(urls)


def test_the_step_under_way_is_shown_and_stop_gives_the_question_back(browse, real_assistant):
    page, urls = browse(real_assistant)
    ready(page)
    box = page.locator("#question textarea")
    box.fill("Who led the WPK delegation to Moscow?")
    page.locator("#ask").click()
    reply = page.locator('#chat [data-testid="bot"]').first
    expect(reply).to_contain_text(re.compile(r"(Searching the documents|Reading the passages|Checking the answer).* \d+ s"))
    shot(page, "stage.png", docs="stage.png")
    page.keyboard.press("Escape")  # as Stop does
    expect(page.locator('#chat [data-testid="bot"]')).to_have_count(0)
    expect(box).to_have_value("Who led the WPK delegation to Moscow?")
    expect(page.locator("#ask")).to_be_enabled()
    answer = ask(page, "When was the Comprehensive Strategic Partnership Treaty signed?")  # the next one as usual
    expect(answer).to_contain_text("2024")
    expect(page.locator('#chat [data-testid="user"]')).to_have_count(1)
    assert_local_only(urls)


def test_a_pdf_uploaded_through_the_page_is_answered_with_its_page(browse, tmp_path):
    seed = ROOT / "seeds" / "000_d60495a78590dd9c.txt"
    source = make_folder(tmp_path / "docs", {seed.name: seed.read_bytes()})
    assistant = Assistant(Settings(store=tmp_path / "store", source=source))
    page, urls = browse(assistant)
    expect(page.locator("#status")).to_contain_text("Model:")
    museum = tmp_path / "museum.html"
    museum.write_text(
        "<html><head><title>Visiting the museum</title></head><body><h1>Tickets</h1><table><tr><th>Ticket</th>"
        "<th>Price</th></tr><tr><td>Adult</td><td>120 SEK</td></tr><tr><td>Student</td><td>90 SEK</td></tr></table>",
        encoding="utf-8",
    )
    page.get_by_text("Add documents").click()
    page.locator("#upload input[type=file]").set_input_files([str(SPEC_PDF), str(museum)])
    page.locator("#add").click()
    expect(page.locator("#added")).to_contain_text("Added 2 document(s)")
    ready(page)
    expect(ask(page, "What does a student ticket to the museum cost?")).to_contain_text("90 SEK")  # a table row
    answer = ask(page, "What must an application run after installing, uninstalling or modifying its XML file?")
    expect(answer).to_contain_text("update-mime-database")
    first = page.locator("#citations .citation").first
    expect(first.locator(".file")).to_contain_text("shared-mime-info-spec.pdf, p. 3")
    href = first.locator("a.open").get_attribute("href")  # "Open": the PDF itself, at the cited page
    assert href.endswith("#page=3"), href
    opened = page.request.get(urljoin(page.url, href.split("#")[0]))
    assert opened.ok and opened.body()[:5] == b"%PDF-"
    pdf = href.split("#")[0]  # the same link pointed out of the collection is refused
    for outside in (pdf.replace("shared-mime-info-spec.pdf", "../../../../../../etc/passwd"), "gradio_api/file=/etc/passwd"):
        assert page.request.get(urljoin(page.url, outside)).status in (403, 404), outside
    cited = assistant.ask("What must an application run after installing, uninstalling or modifying its XML file?")
    c = cited.citations[0]
    assert c.page == 3 and extract_text(c.file_path)[c.start : c.end] == c.text
    expect(page.locator("#status")).to_contain_text("3 documents")
    other, _ = browse(Assistant(Settings(store=tmp_path / "other", source=source)))  # a second store, same folder
    expect(other.locator("#status")).to_contain_text("Model:")
    expect(other.locator("#status")).to_contain_text("1 document ")  # the uploads belong to the first store only
    assert_local_only(urls)


def shot(page, name: str, docs: str | None = None) -> None:
    """A screenshot of the whole page in test-artifacts/, and with `docs` a copy of it in docs/ (for the README)."""
    path = ROOT / "test-artifacts" / name
    path.parent.mkdir(exist_ok=True)
    page.screenshot(path=str(path), full_page=True)
    if docs:
        (ROOT / "docs").mkdir(exist_ok=True)
        shutil.copyfile(path, ROOT / "docs" / docs)


def test_each_question_is_answered_as_if_asked_alone_and_keeps_its_sources(browse, real_assistant):
    """The contamination scenarios of issue 19: a self-contained question after an unrelated one."""
    corruption = "Why is Russia interested in North Korea's anti-corruption experience?"
    population = "What is the population of Pyongyang?"
    treaty = "When was the Comprehensive Strategic Partnership Treaty signed?"  # answered and cited
    alone = {q: real_assistant.ask(q).text for q in (corruption, population, treaty)}
    page, urls = browse(real_assistant)
    ready(page)
    for question in [corruption, population, treaty, corruption]:
        reply = ask(page, question)
        expect(reply).to_contain_text(alone[question].split("[")[0].strip(" “”")[:60])
        assert re.split("Sources|Closest passages", reply.inner_text())[0].strip() == alone[question], question
        if question == population:  # an abstention, shown as such: the closest passages folded, labelled
            expect(reply.locator(".abstained")).to_have_text("I could not find this in the documents.")
            expect(reply.locator("details.closest summary")).to_have_text("Closest passages (not an answer)")
            reply.locator("details.closest summary").click()
            shot(page, "abstention.png", docs="abstention.png")
            reply.locator("details.closest summary").click()
        expect(page.locator("#announce")).to_contain_text("Answer: " + alone[question][:40])
    cited = [n for n, q in enumerate([corruption, population, treaty, corruption]) if "[1]" in alone[q]]
    assert cited, "no answer cited anything: nothing to scroll back to"
    first = cited[0]
    replies = page.locator('#chat [data-testid="bot"]')
    replies.nth(first).locator("summary").click()  # its own list of sources, under it
    expect(replies.nth(first).locator("details.sources p").first).to_be_visible()
    replies.nth(first).locator("a.cite").first.click()  # its [1] marker: the panel follows that answer
    expect(page.locator("#citations")).to_contain_text(f"Answer {first + 1}:")
    expect(page.locator(f"#citation-{first}-1")).to_have_class("citation picked")
    # the page as a screen reader meets it: a labelled input, no raw translation keys
    expect(page.get_by_label("Your question about the documents")).to_be_visible()
    announced = page.evaluate("[...window.__announced]")
    keys = [a for a in announced if re.fullmatch(r"[a-z_]+\.[a-z_.]+", a)]
    assert not keys and "common." not in page.locator("body").inner_text(), keys  # raw translation keys
    assert any(a.startswith("Answer: ") for a in announced)
    assert page.locator("#clear").bounding_box()["y"] + page.locator("#clear").bounding_box()["height"] <= 800
    shot(page, "conversation-1280.png")
    assert_local_only(urls)


def test_a_follow_up_and_a_question_typed_while_one_is_answered(browse, real_assistant):
    page, urls = browse(real_assistant)
    ready(page)
    first = ask(page, "When did Choe Son-hui visit Moscow?")
    follow = ask(page, "Who did she meet there?")
    assert follow.inner_text().split("Sources")[0] != first.inner_text().split("Sources")[0]  # not the same quote
    page.locator("#question textarea").fill("Which forum did Kim Su-gil's delegation attend?")
    page.locator("#ask").click()
    page.locator("#question textarea").fill("Who led the WPK delegation to Moscow in February 2025?")  # meanwhile
    page.locator("#question textarea").press("Enter")  # while the third is answered: asked next
    expect(page.locator("#queued-note")).to_contain_text("Will ask next")
    wait_for_reply(page, 3)
    expect(page.locator('#chat [data-testid="user"]').nth(3)).to_contain_text("Who led the WPK delegation")
    wait_for_reply(page, 4)
    expect(page.locator("#question textarea")).to_have_value("")
    expect(page.locator("#queued-note")).to_have_text("")
    assert page.locator('#chat [data-testid="bot"]').count() == 4  # asked once, nothing lost
    for fold in page.locator("#chat details.sources summary").all():
        fold.click()  # sources opened above: the chat grows, and the next answers must still come into view
    page.get_by_role("button", name=ui.EXAMPLES[0]).click()  # an example is asked at once
    expect(page.locator('#chat [data-testid="user"]').nth(4)).to_contain_text(ui.EXAMPLES[0])
    typed = "Who led the North Korean delegation to the For the Freedom of Nations forum?"
    page.locator("#question textarea").fill(typed)
    page.locator("#question textarea").press("Enter")  # while the example is answered: one queue, asked next
    expect(page.locator("#queued-note")).to_contain_text("Will ask next")
    page.get_by_role("button", name=ui.EXAMPLES[1]).click()  # and another example after it
    expect(page.locator("#queued-note")).to_contain_text(ui.EXAMPLES[1])
    for n in (5, 6, 7):
        wait_for_reply(page, n)
    expect(page.locator('#chat [data-testid="bot"]').nth(6)).to_be_in_viewport()
    users = page.locator('#chat [data-testid="user"]')
    expect(users).to_have_count(7)  # nothing lost, in the order asked
    assert [users.nth(i).inner_text().strip() for i in (4, 5, 6)] == [ui.EXAMPLES[0], typed, ui.EXAMPLES[1]]
    expect(page.locator("#queued-note")).to_have_text("")
    page.reload(wait_until="load")  # the conversation is kept on this computer: all of it comes back
    ready(page)
    expect(users).to_have_count(7)
    expect(users.nth(6)).to_contain_text(ui.EXAMPLES[1])
    assert_local_only(urls)


def outline(page, selector: str) -> tuple[str, float]:
    """The focused element's outline style and width in pixels."""
    style = page.locator(selector).evaluate("e => { const s = getComputedStyle(e); return [s.outlineStyle, s.outlineWidth]; }")
    return style[0], float(style[1].rstrip("px") or 0)


def test_a_folder_of_pdfs_first_screen_its_own_examples_focus_and_a_too_long_question(browse, tmp_path):
    folder = make_folder(tmp_path / "manuals", {SPEC_PDF.name: SPEC_PDF.read_bytes()})
    page, urls = browse(Assistant(Settings(store=tmp_path / "store", source=folder)))
    page.set_viewport_size({"width": 1280, "height": 800})
    expect(page.locator("#status")).to_contain_text("1 document (")
    ready(page)
    for example in ui.EXAMPLES:  # questions about the seeds are not offered on someone else's documents
        expect(page.get_by_role("button", name=example)).to_be_hidden()
    assert page.evaluate("document.scrollingElement.scrollHeight") <= 800  # the first screen fits
    shot(page, "first-screen-pdf.png", docs="first-screen-pdf.png")

    page.locator("#question textarea").focus()  # visible focus on the box, then on Ask
    assert outline(page, "#question textarea")[0] != "none" and outline(page, "#question textarea")[1] >= 2
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.id")
    assert focused == "ask" and outline(page, "#ask")[0] != "none" and outline(page, "#ask")[1] >= 2

    long = "Why does the specification say so? " * 150
    page.locator("#question textarea").fill(long)
    page.locator("#ask").click()
    expect(page.get_by_text("The question is too long")).to_be_visible()
    expect(page.locator("#question textarea")).to_have_value(long)  # kept, to shorten
    assert page.locator('#chat [data-testid="user"]').count() == 0  # and not repeated in the chat
    assert_local_only(urls)


def test_on_a_phone_the_input_takes_the_width_and_sources_sit_under_the_answer(browse, real_assistant):
    page, urls = browse(real_assistant)
    page.set_viewport_size({"width": 420, "height": 860})
    ready(page)
    reply = ask(page, "Who led the WPK delegation to Moscow?")
    box, chat = page.locator("#question").bounding_box(), page.locator("#chat").bounding_box()
    assert box["width"] >= 0.95 * chat["width"] and chat["width"] >= 0.8 * 420, (box, chat)
    button = page.locator("#ask").bounding_box()  # the box and Ask stay on screen after an answer
    assert box["y"] >= 0 and box["y"] + box["height"] <= 860 and button["y"] + button["height"] <= 860, (box, button)
    reply.locator("summary").click()
    sources = reply.locator("details.sources p").first
    expect(sources).to_be_visible()
    assert sources.bounding_box()["x"] >= 0 and sources.bounding_box()["x"] + sources.bounding_box()["width"] <= 420
    reply.locator("a.cite").first.click()  # [1]: the panel, far below on a phone ...
    expect(page.locator("#citations .citation.picked")).to_be_in_viewport()
    page.locator("#citations a.back").click()  # ... and the way back up
    expect(reply).to_be_in_viewport()
    korean = ask(page, "누가 2025년 2월 모스크바 대표단을 이끌었습니까?")
    expect(korean).to_contain_text("Hangul")
    expect(page.locator("#citations")).to_contain_text("no answer from the documents was shown")  # it was not searched:
    expect(page.locator("#citations")).not_to_contain_text("do not answer")  # nothing is said of what they hold
    shot(page, "conversation-420.png")
    assert_local_only(urls)
