"""The chat page in a real browser: Debian's headless Chromium driven by Playwright, against the app
served on a free port of 127.0.0.1. Every request the page makes must stay on 127.0.0.1."""

from __future__ import annotations

import shutil
from pathlib import Path
from urllib.parse import urlparse

import pytest

from assistant import ui
from conftest import ROOT, SPEC_PDF, FakeEmbedder, FakeGenerator, free_port

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync"]
WAIT_MS = 120_000  # the longest wait for anything (first ingest, model load, an answer on 2 busy cores)
# Installed before asking: records whether the answer was seen while still being written (its cursor).
WATCH_STREAMING = """() => {
    window.__streamed = false;
    new MutationObserver(() => {
        if ((document.querySelector('#chat')?.innerText || '').includes('▌')) window.__streamed = true;
    }).observe(document.body, {subtree: true, childList: true, characterData: true});
}"""

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"no browser at {CHROMIUM}: apt-get install -y chromium"),
]


@pytest.fixture
def browse():
    """browse(assistant) -> (page, requested URLs): the app served and a fresh page opened on it."""
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=WAIT_MS)
    demos, urls = [], []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)

        def open_page(assistant):
            demo = ui.launch(assistant, "127.0.0.1", free_port(), prevent_thread_lock=True, quiet=True)
            demos.append(demo)
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.set_default_timeout(WAIT_MS)
            page.on("request", lambda r: urls.append(r.url))
            page.on("websocket", lambda ws: urls.append(ws.url))
            page.goto(demo.local_url, wait_until="load")  # not "networkidle": the page keeps a connection open
            return page, urls

        try:
            yield open_page
        finally:
            browser.close()
            for demo in demos:
                demo.close()


def ask(page, question: str):
    from playwright.sync_api import expect

    expect(page.locator("#status")).to_contain_text("Model:")  # ingested and the model loaded
    page.evaluate(WATCH_STREAMING)
    page.locator("#question textarea").fill(question)
    page.locator("#ask").click()
    expect(page.locator("#citations .citation").first).to_be_visible()
    expect(page.locator("#chat")).not_to_contain_text("▌")  # finished
    return page.locator('#chat [data-testid="bot"]').last


def assert_local_only(urls: list[str]):
    outside = [u for u in urls if urlparse(u).scheme not in ("data", "blob") and urlparse(u).hostname != "127.0.0.1"]
    assert urls and not outside, f"requests outside 127.0.0.1: {outside}"


def test_a_seed_question_gets_a_streamed_answer_with_its_cited_passage(browse, real_assistant):
    from playwright.sync_api import expect

    page, urls = browse(real_assistant)
    expect(page.locator("#status")).to_contain_text(f"Model: {real_assistant.model_name}")
    answer = ask(page, "When did Choe Son-hui visit Moscow?")
    assert page.evaluate("window.__streamed"), "the answer was not streamed"
    expect(answer).to_contain_text("January")  # she visited on January 14-18, 2024 (the README shows this page)
    expect(answer).to_contain_text("[1]")
    first = page.locator("#citations .citation").first
    expect(first.locator("mark").first).to_be_visible()  # words shared with the answer
    assert first.locator(".file").inner_text().endswith(".txt")
    first.locator("summary").click()
    expect(first.locator(".context mark.cited")).to_be_visible()  # the passage in its file

    shot = ROOT / "test-artifacts" / "chat.png"
    shot.parent.mkdir(exist_ok=True)
    page.screenshot(path=str(shot), full_page=True)
    assert_local_only(urls)
    (ROOT / "docs").mkdir(exist_ok=True)
    shutil.copyfile(shot, ROOT / "docs" / "screenshot.png")  # the README shows it


def test_html_in_a_document_is_shown_never_run_fake_model(browse, tmp_path, docs):
    from playwright.sync_api import expect

    (docs / "evil.md").write_text(
        "# Zorblax\n\nThe Zorblax treaty was signed by Marshal Quintero <script>window.__xss = 1</script>"
        '<img src="x" onerror="window.__xss = 2"> in Vilnius.\n', encoding="utf-8")
    from assistant import Assistant, Settings

    assistant = Assistant(Settings(store=tmp_path / "store", source=docs), embedder=FakeEmbedder(),
                          generator=FakeGenerator("Marshal Quintero <script>window.__xss = 3</script> signed it."))
    page, urls = browse(assistant)
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    answer = ask(page, "Who signed the Zorblax treaty?")
    expect(answer).to_contain_text("<script>window.__xss = ")  # the model's reply, or the quoted document
    expect(page.locator("#citations")).to_contain_text('<script>window.__xss = 1</script><img src="x" onerror="window.__xss = 2">')
    assert page.evaluate("window.__xss") is None and not dialogs
    assert page.locator("#citations script, #citations img, #chat script").count() == 0
    assert_local_only(urls)


def test_a_pdf_uploaded_through_the_page_is_answered_with_its_page(browse, tmp_path):
    from playwright.sync_api import expect

    from assistant import Assistant, Settings, extract_text

    source = tmp_path / "docs"
    source.mkdir()
    shutil.copy(ROOT / "seeds" / "000_d60495a78590dd9c.txt", source)
    assistant = Assistant(Settings(store=tmp_path / "store", source=source))
    page, urls = browse(assistant)
    expect(page.locator("#status")).to_contain_text("Model:")
    page.get_by_text("Add documents").click()
    page.locator("#upload input[type=file]").set_input_files(str(SPEC_PDF))
    page.locator("#add").click()
    expect(page.locator("#added")).to_contain_text("Added 1 document(s)")
    answer = ask(page, "What must an application run after installing, uninstalling or modifying its XML file?")
    expect(answer).to_contain_text("update-mime-database")
    first = page.locator("#citations .citation").first
    expect(first.locator(".file")).to_contain_text("shared-mime-info-spec.pdf, p. 3")
    cited = assistant.ask("What must an application run after installing, uninstalling or modifying its XML file?")
    c = cited.citations[0]
    assert c.page == 3 and extract_text(c.file_path)[c.start:c.end] == c.text
    assert_local_only(urls)
