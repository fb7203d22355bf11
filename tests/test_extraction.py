"""Text extraction from PDF, Word and HTML files, with real files and the real libraries (no model):
generated from seed text, plus a real PDF no one here wrote (Debian's shared-mime-info spec)."""

import shutil
import struct
import zipfile
from functools import partial

import pytest

from assistant import extract_text
from assistant.extraction import Unreadable, extract, page_at
from assistant.ingest import ingest
from assistant.store import Store
from conftest import SPEC_PDF, FakeEmbedder, make_docx, make_folder, make_html, make_pdf

PAGES = [
    "The first page is about the weather in Oslo.",
    "The treaty was signed in Vilnius in 1999.",
    "The third page lists the members of the committee.",
]


def test_pdf_text_is_deterministic_and_knows_its_pages(tmp_path):
    path = make_pdf(tmp_path / "three.pdf", PAGES)
    got = extract(path)
    assert got.text == extract_text(path) == extract_text(str(path))
    assert len(got.pages) == 3 and got.pages[0] == 0
    for n, page_text in enumerate(PAGES, start=1):
        at = got.text.index(page_text)
        assert page_at(got.pages, at) == n
        assert got.text[got.pages[n - 1] :].startswith(page_text)


def test_docx_paragraphs_headings_and_tables_are_lines(tmp_path):
    path = make_docx(
        tmp_path / "memo.docx",
        "Quarterly memo",
        ["Sales rose in March.", "Costs fell."],
        table=[["Region", "Sales"], ["North", "42"]],
    )
    text = extract_text(path)
    assert text.splitlines() == ["Quarterly memo", "Sales rose in March.", "Costs fell.", "Region: Sales", "North: 42"]
    assert extract(path).pages == ()


def test_html_keeps_the_article_and_drops_scripts_styles_navigation_and_footer(tmp_path):
    path = make_html(
        tmp_path / "page.html",
        "Treaty news",
        "The Vilnius treaty",
        ["The treaty was\n   signed in <b>Vilnius</b> in 1999.", "It has <i>twelve</i> articles."],
    )
    got = extract(path)
    assert got.text.splitlines() == ["The Vilnius treaty", "The treaty was signed in Vilnius in 1999.", "It has twelve articles."]
    assert got.title == "Treaty news"
    for junk in ("Zanzibar", "color", "Subscribe", "Copyright"):
        assert junk not in got.text


def test_a_table_row_is_one_line_that_can_be_cited_alone(tmp_path):
    page = tmp_path / "prices.html"
    page.write_text(
        "<html><body><h1>Prices</h1><table><thead><tr><th>Ticket</th><th>Weekday</th><th>Weekend</th></tr></thead>"
        "<tbody><tr><td>Adult</td><td>120 SEK</td><td>140 SEK</td></tr><tr><td>Child <b>(under 12)</b></td>"
        "<td colspan=2>free</td></tr><tr><td>Notes</td><td><table><tr><td>Cash</td><td>no</td></tr></table></td></tr>"
        "</tbody></table><p>Open daily.</p></body></html>",
        encoding="utf-8",
    )
    assert [line for line in extract_text(page).splitlines() if line] == [
        "Prices", "Ticket: Weekday; Weekend", "Adult: 120 SEK; 140 SEK", "Child (under 12): free", "Notes: Cash: no",
        "Open daily.",
    ]  # fmt: skip
    memo = make_docx(tmp_path / "memo.docx", "Memo", [], table=[["Ticket", "Price"], ["Adult", "120 SEK"], ["", ""]])
    assert extract_text(memo).splitlines() == ["Memo", "Ticket: Price", "Adult: 120 SEK"]


def test_a_pdf_page_number_is_never_glued_into_a_sentence():
    from assistant.extraction import _reflow

    page = "The application must run the update program after it changes\n5\nany of its files."
    assert _reflow(page).splitlines() == [
        "The application must run the update program after it changes",
        "5",
        "any of its files.",
    ]  # noqa: E501
    assert _reflow("iv\nthe preface goes on.\nPage 3 of 9") == "iv\nthe preface goes on.\nPage 3 of 9"
    assert _reflow("A line that fills the width of this page and goes\non below.") == (
        "A line that fills the width of this page and goes on below."
    )


def test_a_real_pdf_no_one_here_wrote():
    got = extract(SPEC_PDF)
    assert len(got.pages) == 17
    assert got.text.startswith("Shared MIME-info Database")
    at = got.text.index("MUST run the update-mime-database command")
    assert page_at(got.pages, at) == 3
    assert extract_text(SPEC_PDF) == got.text


def damage_docx_text(path):
    """Overwrite the middle of word/document.xml's compressed bytes: the zip's directory stays whole."""
    data = bytearray(path.read_bytes())
    member = zipfile.ZipFile(path).getinfo("word/document.xml")
    name, extra = struct.unpack_from("<HH", data, member.header_offset + 26)  # the local header's two lengths
    start = member.header_offset + 30 + name + extra + member.compress_size // 2
    data[start : start + 16] = b"\xff" * 16
    path.write_bytes(bytes(data))


@pytest.mark.parametrize(
    "name, make, reason",
    [
        ("scanned.pdf", lambda p: make_pdf(p, PAGES, image_only=True), "no text layer: run OCR on it first"),
        ("locked.pdf", lambda p: make_pdf(p, PAGES, password="secret"), "encrypted PDF: save a copy without the password"),
        ("cut.pdf", lambda p: p.write_bytes(make_pdf(p, PAGES).read_bytes()[:600]), "truncated PDF"),
        ("garbled.pdf", lambda p: p.write_bytes(b"%PDF-1.7\n" + bytes(range(256)) * 20 + b"\n%%EOF\n"), "corrupt PDF"),
        ("cut.docx", lambda p: p.write_bytes(make_docx(p, "T", ["x"]).read_bytes()[:900]), "not a readable Word file"),
        ("damaged.docx", lambda p: damage_docx_text(make_docx(p, "T", ["x " * 500])), "not a readable Word file"),
        (
            "notes.pdf",
            lambda p: p.write_text("Just some notes.", encoding="utf-8"),
            "holds plain text, not what its extension .pdf says: rename it to .txt",
        ),
        (
            "report.docx",
            lambda p: p.write_bytes(make_pdf(p, PAGES).read_bytes()),
            "holds a PDF, not what its extension .docx says: rename it to .pdf",
        ),
        (
            "archive.docx",
            lambda p: shutil.make_archive(str(p.with_suffix("")), "zip", p.parent) and p.with_suffix(".zip").rename(p),
            "holds a zip archive",
        ),
    ],
)
def test_bad_files_say_what_is_wrong_and_what_to_do(tmp_path, name, make, reason):
    path = make_folder(tmp_path / "in", {"filler.txt": "filler"}) / name
    make(path)
    with pytest.raises(Unreadable) as e:
        extract(path)
    assert reason in str(e.value)


def test_a_folder_of_every_format_ingests_incrementally_and_skips_bad_files(tmp_path):
    folder = make_folder(tmp_path / "docs", {"notes.txt": "Plain notes about Tromso."})
    make_pdf(folder / "treaty.pdf", PAGES)
    make_docx(folder / "memo.docx", "Memo", ["Sales rose in March."])
    make_html(folder / "page.html", "News", "Headline", ["Rain is expected in Bergen."])
    make_pdf(folder / "scanned.pdf", PAGES, image_only=True)
    make_pdf(folder / "locked.pdf", PAGES, password="secret")
    store = Store(tmp_path / "store")
    run = partial(ingest, folder, store, FakeEmbedder(), chunk_chars=400, chunk_overlap=1)
    first = run()
    assert (first.added, first.unchanged) == (4, 0)
    assert sorted(first.skipped) == [
        "locked.pdf: encrypted PDF: save a copy without the password and add that",
        "scanned.pdf: no text layer: run OCR on it first (a scanned PDF?), for example `ocrmypdf in.pdf out.pdf`",
    ]
    chunks = store.chunks()
    for c in chunks:  # the citation contract, for every format
        assert extract_text(c["file_path"])[c["start"] : c["end"]] == c["text"]
    pdf_chunks = sorted((c["page"], c["text"]) for c in chunks if c["source"] == "treaty.pdf")
    assert pdf_chunks == [(1, PAGES[0]), (2, PAGES[1]), (3, PAGES[2])]  # a chunk never crosses a page
    assert {c["page"] for c in chunks if c["source"] != "treaty.pdf"} == {None}

    again = run()
    assert (again.unchanged, again.chunks_embedded) == (4, 0)
    make_pdf(folder / "treaty.pdf", ["A new first page.", "A new second page."])
    (folder / "memo.docx").unlink()
    changed = run()
    assert (changed.added, changed.updated, changed.removed, changed.unchanged) == (0, 1, 1, 2)
    assert sorted((c["page"], c["text"]) for c in store.chunks() if c["source"] == "treaty.pdf") == [
        (1, "A new first page."),
        (2, "A new second page."),
    ]
