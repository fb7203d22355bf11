"""The text of a document file, exactly as it is chunked and cited: `.txt`/`.md`, `.pdf` (its text
layer), `.docx` and `.html`/`.htm`.

`extract_text(path)` is deterministic (the same text on every run), so every citation can be
checked against it: `extract_text(c.file_path)[c.start:c.end] == c.text`. Paged formats (PDF) also
say where each page starts in that text. A file that cannot be read raises `Unreadable` (a ValueError) with a
reason that says what to do; nothing here needs a system service or a download.
"""

from __future__ import annotations

import bisect
import codecs
import contextlib
import ctypes
import functools
import hashlib
import html
import io
import itertools
import re
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

MAX_BYTES = 20_000_000  # bigger files are refused: they would not fit a laptop's memory budget for embedding
# Limits checked from a file's own structure before it is parsed (README, "bad files"):
MAX_DOCX_XML = 50_000_000  # unpacked size of a .docx's XML parts, each and together (zip members' own sizes)
MAX_HTML_DEPTH = 2_000  # open elements nested deeper are refused: parsing is quadratic in depth (50k: 4-50 s)
PDF_READ = 16_384  # characters of a page's text layer read per call
PDF_STRING_CAP = 32_767  # PDFium keeps this many bytes of one string in a page's content, drops the rest
# raised whenever a format's text changes, so stores make their chunks again (2: table rows as lines; 3: PDF page numbers apart)
TEXT_VERSION = 3
FORMATS = {".txt": "text", ".md": "text", ".markdown": "text", ".pdf": "pdf", ".docx": "docx", ".html": "html", ".htm": "html"}
SUFFIXES = set(FORMATS)
KINDS = ", ".join(sorted(SUFFIXES))
# Parts of a web page that are not its content.
HTML_DROP = ["script", "style", "noscript", "template", "nav", "header", "footer", "aside", "form", "svg", "iframe"]
HTML_BLOCKS = set(
    "p div section article main li ul ol tr table br blockquote pre h1 h2 h3 h4 h5 h6 dt dd figcaption caption hr td th".split()
)


class Unreadable(ValueError):
    """A file that cannot be read as a document; the message says why and what to do."""


@dataclass(frozen=True)
class Extracted:
    text: str
    pages: tuple[int, ...] = ()  # where each page starts in `text` (paged formats only)
    labels: tuple[str, ...] = ()  # each page's printed label ("x", "10"), where the PDF's labels differ from 1, 2, 3...
    title: str | None = None  # the file's own title (PDF/DOCX metadata, HTML <title>), if any
    # sha256 of the very bytes the text came from (a hashlib object, so a title can be added to it):
    # the stored hash and the stored text always describe the same version of the file
    digest: Any = field(default=None, compare=False, repr=False)


def page_at(pages: tuple[int, ...], offset: int) -> int | None:
    """The 1-based page that holds character `offset`, given where each page starts (None if unpaged)."""
    return (bisect.bisect_right(pages, offset) or 1) if pages else None


def extract_text(path: str | Path) -> str:
    """The text of the file that was chunked for it (see the module docstring)."""
    return extract(Path(path)).text


def extract(path: Path) -> Extracted:
    """Read one file; Unreadable with the reason (and what to do) when it cannot be read."""
    path = Path(path)
    kind = FORMATS.get(path.suffix.lower())
    if kind is None:
        raise Unreadable(f"not a supported file type (supported: {KINDS})")
    stat = path.stat()
    _check_size(stat.st_size)
    return _cached(str(path.resolve()), stat.st_mtime_ns, stat.st_size, kind)


def _check_size(size: int) -> None:
    if size > MAX_BYTES:
        raise Unreadable(f"too large ({size / 1e6:.0f} MB, limit {MAX_BYTES / 1e6:.0f} MB): split it into smaller files")


@functools.lru_cache(maxsize=16)
def _cached(path: str, mtime_ns: int, size: int, kind: str) -> Extracted:
    """Keyed by modification time and size, so a changed file is read again; a PDF is parsed once
    however many of its citations are checked or shown."""
    with open(path, "rb") as f:
        data = f.read(MAX_BYTES + 1)  # a file that grew since it was looked at is still bounded
    _check_size(len(data))
    if not data.strip():
        raise Unreadable("empty file")
    real = sniff(data)
    if real != kind and (real in ("pdf", "docx", "zip") or kind in ("pdf", "docx")):
        what, rename = {
            "pdf": ("a PDF", ".pdf"),
            "docx": ("a Word document", ".docx"),
            "zip": ("a zip archive", ".zip"),
            "text": ("plain text", ".txt"),
            "binary": ("binary data", "its real type"),
        }[real]
        raise Unreadable(f"the file holds {what}, not what its extension {Path(path).suffix} says: rename it to {rename}")
    out = {"text": _text, "pdf": _pdf, "docx": _docx, "html": _html}[kind](data)
    if not out.text.strip():
        raise Unreadable("empty file (no text in it)")
    return Extracted(out.text, out.pages, out.labels, out.title, hashlib.sha256(data))


def sniff(data: bytes) -> str:
    """What the bytes are, whatever the file is called: 'pdf', 'docx', 'zip', 'text' or 'binary'.

    A PDF starts with its header; readers also accept one within the first 1024 bytes, which
    only counts here when the file is not text (a note that mentions "%PDF-1.7" is text)."""
    if data.lstrip()[:5] == b"%PDF-" or (b"%PDF-" in data[:1024] and not _is_text(data)):
        return "pdf"
    if data[:4] == b"PK\x03\x04":
        try:
            names = zipfile.ZipFile(io.BytesIO(data)).namelist()
        except zipfile.BadZipFile:
            return "docx"  # a damaged archive: let the Word reader say what is wrong with it
        return "docx" if "word/document.xml" in names else "zip"
    return "binary" if b"\x00" in data[:8192] else "text"


def _is_text(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return b"\x00" not in data


def _decode(data: bytes, encoding: str, problem: str, fix: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as e:
        raise Unreadable(f"{problem} ({e.reason} at byte {e.start}): {fix}") from None


def _text(data: bytes) -> Extracted:
    if b"\x00" in data:
        raise Unreadable("binary file, not text")
    return Extracted(_decode(data, "utf-8", "not UTF-8", "convert it to UTF-8"))


def _pdf(data: bytes) -> Extracted:
    """The text layer (PDFium), page by page, pages separated by a blank line."""
    import pypdfium2 as pdfium

    if b"%%EOF" not in data:  # bytes after the marker are allowed, as every reader does
        raise Unreadable("truncated PDF (it has no end marker): download or export it again")
    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as e:
        if "password" in str(e).lower():
            raise Unreadable("encrypted PDF: save a copy without the password and add that") from None
        raise Unreadable(f"corrupt PDF ({e}): open it in a PDF viewer and save or export it again") from None
    try:
        texts = [_reflow(_clean(_page_text(page, n))) for n, page in enumerate(pdf, 1)]
        title = pdf.get_metadata_dict().get("Title")
        labels = tuple(pdf.get_page_label(i) or "" for i in range(len(pdf)))
    finally:
        pdf.close()
    if not any(t.strip() for t in texts):
        raise Unreadable("no text layer: run OCR on it first (a scanned PDF?), for example `ocrmypdf in.pdf out.pdf`")
    pages = tuple(itertools.accumulate((len(t) + 2 for t in texts[:-1]), initial=0))  # each page's start
    if not any(labels) or labels == tuple(str(n) for n in range(1, len(labels) + 1)):
        labels = ()  # no labels, or the page numbers themselves: nothing to add
    return Extracted("\n\n".join(texts), pages, labels, _title(title))


def _page_text(page, number: int) -> str:
    """All of a page's text layer. PDFium keeps only the first 32,767 bytes of any one string in a page's
    content (a whole line written as one string can be longer): such a page is refused rather than read in part."""
    import pypdfium2.raw as pdfium_c

    textpage = page.get_textpage()
    try:
        n = textpage.count_chars()
        if n >= PDF_STRING_CAP and _cut_string(pdfium_c, textpage, n):
            raise Unreadable(
                f"page {number} holds a run of text longer than the PDF reader keeps "
                f"({PDF_STRING_CAP:,} characters in one piece): print it to a new PDF, or save its "
                "text as a .txt file"
            )
        return "".join(textpage.get_text_range(index=i, count=min(PDF_READ, n - i)) for i in range(0, n, PDF_READ))
    finally:
        textpage.close()


def _cut_string(pdfium_c, textpage, n: int, step: int = 1024) -> bool:
    """Whether one text object holds a full PDFium string's worth of characters (so it was cut): the
    same object at characters i and i + (cap - step), for i every `step` characters (objects are
    runs of consecutive characters; each lookup is cheap, unlike reading an object's text)."""

    def obj(i: int):
        return ctypes.cast(pdfium_c.FPDFText_GetTextObject(textpage, i), ctypes.c_void_p).value

    span = PDF_STRING_CAP - step
    return any((o := obj(i)) and o == obj(i + span) for i in range(0, n - span, step))


def _docx_text_parts(data: bytes) -> bytes:
    """The .docx with only its XML parts unpacked (their sizes checked first, from the zip's own
    member sizes); images and other binary parts are kept as empty parts, never decompressed."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, ValueError) as e:
        raise _not_word(e) from None
    text = [m for m in members if m.filename.lower().endswith((".xml", ".rels")) and not m.is_dir()]
    total = sum(m.file_size for m in text)
    if total > MAX_DOCX_XML:  # as it is whenever one part is: that part is named
        what = next((f"{m.filename} unpacks to" for m in text if m.file_size > MAX_DOCX_XML), "its text parts unpack to")
        raise Unreadable(
            f"too large inside ({what} {total / 1e6:.0f} MB, limit {MAX_DOCX_XML / 1e6:.0f} MB): split it into smaller documents"
        )
    out = io.BytesIO()
    try:
        with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as kept:
            for m in members:
                if not m.is_dir():
                    # zipfile stops at the member's stated size (and checks its CRC): a header that lies fails here
                    kept.writestr(m.filename, archive.read(m) if m in text else b"")
    except (zipfile.BadZipFile, zlib.error, EOFError) as e:  # a damaged part: a bad CRC, a broken deflate stream
        raise _not_word(e) from None
    return out.getvalue()


def _not_word(e: Exception) -> Unreadable:
    return Unreadable(
        f"not a readable Word file ({type(e).__name__}: {e}): open it in Word or LibreOffice and save it again as .docx"
    )


def _docx(data: bytes) -> Extracted:
    """Paragraphs and table rows in document order, one per line (headings are paragraphs too)."""
    import docx
    from docx.table import Table

    data = _docx_text_parts(data)
    try:
        document = docx.Document(io.BytesIO(data))
        lines = []
        for block in document.iter_inner_content():
            if isinstance(block, Table):
                lines += table_lines([[cell.text for cell in row.cells] for row in block.rows])
            else:  # a paragraph
                lines.append(block.text)
        title = document.core_properties.title
    except Exception as e:  # zipfile, lxml and python-docx errors
        raise _not_word(e) from None
    return Extracted(_clean("\n".join(lines)), title=_title(title))


def table_lines(rows: list[list[str]]) -> list[str]:
    """A table as lines that can be cited alone: each row one line, its first cell then the others
    ("Adult: 120 SEK; 100 SEK"), the heading row too ("Ticket: Weekday; Weekend"). A merged cell, which
    the libraries give once per column it spans, counts once."""
    lines = []
    for row in rows:
        cells = [" ".join(c.split()) for i, c in enumerate(row) if c.strip() and (i == 0 or c != row[i - 1])]
        if cells:
            lines.append(f"{cells[0]}: {'; '.join(cells[1:])}" if len(cells) > 1 else cells[0])
    return lines


def _html(data: bytes) -> Extracted:
    """The page's content, a line per block (heading, paragraph, list item, table row), without what is not
    content (HTML_DROP) or not shown: hidden text is where injected instructions hide."""
    from selectolax.lexbor import LexborHTMLParser

    text = decode_html(data)
    _check_depth(text)
    tree = LexborHTMLParser(text)
    heading = tree.css_first("title")
    title = heading.text(strip=True) if heading else None
    for node in reversed(tree.css("[hidden], [aria-hidden], [style]")):  # innermost first: each is removed once
        if _hidden(node.attributes):
            node.decompose()
    tree.strip_tags(HTML_DROP)
    for table in reversed(tree.css("table")):  # a nested table before the one that holds it
        rows = [[cell.text(separator=" ", strip=True) for cell in row.css("th, td")] for row in table.css("tr")]
        lines = "".join(f"<p>{html.escape(line)}</p>" for line in table_lines(rows))
        if rows_block := LexborHTMLParser(f"<div>{lines}</div>").css_first("div"):
            table.replace_with(rows_block)
    root = tree.body or tree.root
    parts: list[str] = []
    for node in root.traverse(include_text=True) if root else []:
        if node.tag == "-text":
            parts.append(re.sub(r"\s+", " ", node.text_content or ""))  # HTML's line breaks are spaces
        elif node.tag in HTML_BLOCKS:
            parts.append("\n")
    return Extracted(_clean("".join(parts)), title=_title(title))


HIDDEN_STYLE = re.compile(r"(?:^|;)\s*(?:display\s*:\s*none|visibility\s*:\s*hidden)\s*(?:!important\s*)?(?:;|$)", re.I)


def _hidden(attributes: dict) -> bool:
    """Not shown by a browser: the `hidden` attribute, aria-hidden="true", or an inline style that hides it."""
    return (
        "hidden" in attributes
        or (attributes.get("aria-hidden") or "").strip().lower() == "true"
        or bool(HIDDEN_STYLE.search(attributes.get("style") or ""))
    )


TAG = re.compile(r"<(script|style)\b.*?</\1\s*>|<!--.*?-->|<(/?)([a-zA-Z][^\s/>]*)[^>]*?(/?)>", re.S | re.I)
VOID = set(  # void, or closed implicitly by what follows
    "area base br col embed hr img input link meta param source track wbr p li td th tr dt dd option optgroup "
    "tbody thead tfoot colgroup rb rt rp html head body".split()
)


def _check_depth(text: str) -> None:
    """Refuse a page nested deeper than any real page, from a linear scan of its tags before parsing
    (Lexbor's parse cannot be stopped once started; a real page nests a few dozen deep)."""
    depth = 0
    for m in TAG.finditer(text):
        if not m[3] or m[4] or m[3].lower() in VOID:
            continue
        depth += -1 if m[2] else 1
        if depth > MAX_HTML_DEPTH:
            raise Unreadable(
                f"nested too deeply (over {MAX_HTML_DEPTH} elements inside each other): save it again "
                "from a browser, or as plain text"
            )
        depth = max(depth, 0)


BOMS = [
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
]
META_CHARSET = re.compile(rb"<meta[^>]+?charset\s*=\s*[\"']?\s*([a-zA-Z0-9._:-]+)", re.I)


def decode_html(data: bytes) -> str:
    """A page's text in its real encoding: its byte-order mark, else its <meta> charset, else UTF-8
    if it is valid UTF-8, else what charset-normalizer detects; Unreadable when none fits."""
    for bom, marked in BOMS:
        if data.startswith(bom):
            return _decode(data[len(bom) :], marked, f"not valid {marked} although it says so", "save it again as UTF-8")
    meta = META_CHARSET.search(data[:4096])
    name = meta[1].decode("ascii").lower() if meta else ""
    declared: str | None = None
    with contextlib.suppress(LookupError):
        declared = codecs.lookup({"iso-8859-1": "cp1252", "latin1": "cp1252", "ascii": "cp1252"}.get(name, name)).name
    for encoding in (declared, "utf-8"):  # a wrong declaration: UTF-8, then detect it
        if encoding and not encoding.startswith(("utf-16", "utf-32")):  # as browsers do
            with contextlib.suppress(UnicodeDecodeError):
                return data.decode(encoding)
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None:
        raise Unreadable("its character encoding cannot be told: save it again as UTF-8")
    return str(best)


def _clean(text: str) -> str:
    """Spaces collapsed within lines, blank runs to one blank line: stable text to chunk and cite."""
    lines = [re.sub(r"[ \t\u00a0\r\f\v]+", " ", line).strip() for line in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


FOLIO = re.compile(r"(?:[Pp]age |p\. ?)?\d{1,4}(?: (?:of|/) \d{1,4})?|[ivxlc]{1,5}")  # a page number alone


def _reflow(page: str) -> str:
    """A PDF's lines end where the page's width did, not where sentences do: a long line, or one followed
    by a lower-case word, is joined to the next. Short lines (headings, list items) and page numbers stay lines."""
    lines = page.split("\n")
    width = max(map(len, lines), default=0)
    out = lines[:1]
    for line in lines[1:]:
        prev = out[-1]
        soft = (
            prev
            and line
            and not prev.endswith((".", "!", "?", ":"))
            and (len(prev) >= 0.6 * width or line[0].islower())
            and not FOLIO.fullmatch(prev.strip())
            and not FOLIO.fullmatch(line.strip())
        )
        if soft:
            out[-1] = prev + ("" if prev.endswith("-") and line[0].islower() else " ") + line
        else:
            out.append(line)
    return "\n".join(out)


def _title(title) -> str | None:
    title = re.sub(r"\s+", " ", str(title or "")).strip()
    return title if 3 <= len(title) <= 200 else None
