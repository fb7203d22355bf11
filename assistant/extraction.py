"""The text of a document file, exactly as it is chunked and cited: `.txt`/`.md`, `.pdf` (its text
layer), `.docx` and `.html`/`.htm`.

`extract_text(path)` is deterministic (the same text on every run), so every citation can be
checked against it: `extract_text(c.file_path)[c.start:c.end] == c.text`. Paged formats (PDF) also
say where each page starts in that text. A file that cannot be read raises `Unreadable` (a ValueError) with a
reason that says what to do; nothing here needs a system service or a download.
"""

from __future__ import annotations

import bisect
import functools
import io
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

MAX_BYTES = 20_000_000  # bigger files are refused: they would not fit a laptop's memory budget for embedding
FORMATS = {".txt": "text", ".md": "text", ".markdown": "text", ".pdf": "pdf", ".docx": "docx",
           ".html": "html", ".htm": "html"}
SUFFIXES = set(FORMATS)
KINDS = ", ".join(sorted(SUFFIXES))
# Parts of a web page that are not its content.
HTML_DROP = ["script", "style", "noscript", "template", "nav", "header", "footer", "aside", "form", "svg", "iframe"]
HTML_BLOCKS = {"p", "div", "section", "article", "main", "li", "ul", "ol", "tr", "table", "br", "blockquote", "pre",
               "h1", "h2", "h3", "h4", "h5", "h6", "dt", "dd", "figcaption", "caption", "hr", "td", "th"}


class Unreadable(ValueError):
    """A file that cannot be read as a document; the message says why and what to do."""


@dataclass(frozen=True)
class Extracted:
    text: str
    pages: tuple[int, ...] = ()  # where each page starts in `text` (paged formats only)
    title: str | None = None  # the file's own title (PDF/DOCX metadata, HTML <title>), if any

    def page(self, offset: int) -> int | None:
        return page_at(self.pages, offset)


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
    size = path.stat().st_size
    if size > MAX_BYTES:
        raise Unreadable(f"too large ({size / 1e6:.0f} MB, limit {MAX_BYTES / 1e6:.0f} MB): split it into smaller files")
    return _cached(str(path.resolve()), path.stat().st_mtime_ns, size, kind)


@functools.lru_cache(maxsize=16)
def _cached(path: str, mtime_ns: int, size: int, kind: str) -> Extracted:
    """Keyed by modification time and size, so a changed file is read again; a PDF is parsed once
    however many of its citations are checked or shown."""
    data = Path(path).read_bytes()
    if not data.strip():
        raise Unreadable("empty file")
    real = sniff(data)
    if real != kind and (real in ("pdf", "docx", "zip") or kind in ("pdf", "docx")):
        what, rename = {"pdf": ("a PDF", ".pdf"), "docx": ("a Word document", ".docx"), "zip": ("a zip archive", ".zip"),
                        "text": ("plain text", ".txt"), "binary": ("binary data", "its real type")}[real]
        raise Unreadable(f"the file holds {what}, not what its extension {Path(path).suffix} says: rename it to {rename}")
    out = {"text": _text, "pdf": _pdf, "docx": _docx, "html": _html}[kind](data)
    if not out.text.strip():
        raise Unreadable("empty file (no text in it)")
    return out


def sniff(data: bytes) -> str:
    """What the bytes are, whatever the file is called: 'pdf', 'docx', 'zip', 'text' or 'binary'."""
    if b"%PDF-" in data[:1024]:
        return "pdf"
    if data[:4] == b"PK\x03\x04":
        try:
            names = zipfile.ZipFile(io.BytesIO(data)).namelist()
        except zipfile.BadZipFile:
            return "docx"  # a damaged archive: let the Word reader say what is wrong with it
        return "docx" if "word/document.xml" in names else "zip"
    return "binary" if b"\x00" in data[:8192] else "text"


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise Unreadable(f"not UTF-8 ({e.reason} at byte {e.start}): convert it to UTF-8") from None


def _text(data: bytes) -> Extracted:
    if b"\x00" in data:
        raise Unreadable("binary file, not text")
    return Extracted(_decode(data))


def _pdf(data: bytes) -> Extracted:
    """The text layer (PDFium), page by page, pages separated by a blank line."""
    import pypdfium2 as pdfium

    if b"%%EOF" not in data[-2048:]:
        raise Unreadable("truncated PDF (it has no end marker): download or export it again")
    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as e:
        if "password" in str(e).lower():
            raise Unreadable("encrypted PDF: save a copy without the password and add that") from None
        raise Unreadable(f"corrupt PDF ({e}): open it in a PDF viewer and save or export it again") from None
    try:
        texts = [_reflow(_clean(page.get_textpage().get_text_range())) for page in pdf]
        title = pdf.get_metadata_dict().get("Title")
    finally:
        pdf.close()
    if not any(t.strip() for t in texts):
        raise Unreadable("no text layer: run OCR on it first (a scanned PDF?), for example `ocrmypdf in.pdf out.pdf`")
    pages, at = [], 0
    for t in texts:
        pages.append(at)
        at += len(t) + 2
    return Extracted("\n\n".join(texts), tuple(pages), _title(title))


def _docx(data: bytes) -> Extracted:
    """Paragraphs and table rows in document order, one per line (headings are paragraphs too)."""
    import docx
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    try:
        document = docx.Document(io.BytesIO(data))
        lines = []
        for block in document.iter_inner_content():
            if isinstance(block, Paragraph):
                lines.append(block.text)
            elif isinstance(block, Table):
                lines += [" | ".join(cell.text for cell in row.cells) for row in block.rows]
        title = document.core_properties.title
    except Exception as e:  # zipfile, lxml and python-docx errors
        raise Unreadable(f"not a readable Word file ({type(e).__name__}: {e}): open it in Word or LibreOffice and "
                         "save it again as .docx") from None
    return Extracted(_clean("\n".join(lines)), title=_title(title))


def _html(data: bytes) -> Extracted:
    """The page's content as lines: scripts, styles, navigation, headers and footers dropped; each
    heading, paragraph, list item and table row on a line of its own."""
    from selectolax.lexbor import LexborHTMLParser

    tree = LexborHTMLParser(data)
    title = tree.css_first("title")
    title = title.text(strip=True) if title else None
    tree.strip_tags(HTML_DROP)
    root = tree.body or tree.root
    parts: list[str] = []
    for node in root.traverse(include_text=True) if root else []:
        if node.tag == "-text":
            parts.append(re.sub(r"\s+", " ", node.text_content or ""))  # HTML's line breaks are spaces
        elif node.tag in HTML_BLOCKS:
            parts.append("\n")
    return Extracted(_clean("".join(parts)), title=_title(title))


def _clean(text: str) -> str:
    """Spaces collapsed within lines, blank runs to one blank line: stable text to chunk and cite."""
    lines = [re.sub(r"[ \t\u00a0\r\f\v]+", " ", line).strip() for line in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def _reflow(page: str) -> str:
    """A PDF's lines end where the page's width did, not where sentences do: a line that fills most
    of the width, or that is followed by a lower-case word, is joined to the next unless it ends a
    sentence. Short lines (headings, list items) stay lines."""
    lines = page.split("\n")
    width = max(map(len, lines), default=0)
    out = lines[:1]
    for line in lines[1:]:
        prev = out[-1]
        soft = prev and line and not prev.endswith((".", "!", "?", ":")) and (
            len(prev) >= 0.6 * width or line[0].islower())
        if soft:
            out[-1] = prev + ("" if prev.endswith("-") and line[0].islower() else " ") + line
        else:
            out.append(line)
    return "\n".join(out)


def _title(title) -> str | None:
    title = re.sub(r"\s+", " ", str(title or "")).strip()
    return title if 3 <= len(title) <= 200 else None
