"""Reading the source folder: which files are documents, their titles and content hashes.

Only regular files inside the folder are read: a link to a file elsewhere is skipped unless the
user allows it (`allow_outside_links`), links to folders are not followed, and FIFOs, sockets,
devices, hidden files and names that are not UTF-8 are named as skipped with the reason.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path

from .errors import SourceError
from .extraction import KINDS, extract

log = logging.getLogger(__name__)

TITLES_FILE = "titles.json"  # optional {file name: title} beside the documents
SPECIAL = {stat.S_IFIFO: "a FIFO", stat.S_IFSOCK: "a socket", stat.S_IFCHR: "a device", stat.S_IFBLK: "a device"}


@dataclass(frozen=True)
class Document:
    root: str  # the absolute source folder it was read from
    source: str  # path relative to that folder, POSIX style
    title: str
    text: str  # exactly `extraction.extract_text` of the file: what is chunked and cited
    sha256: str
    pages: tuple[int, ...] = ()  # where each page starts in `text` (PDF), empty for unpaged formats
    labels: tuple[str, ...] = ()  # each page's printed label, where the PDF has labels other than 1, 2, 3...
    stamp: str = ""  # the file's size and modification time when it was read (`stamp`)
    file_sha256: str = ""  # of the file's bytes alone (`sha256` also covers the title)
    given_title: str = ""  # the title titles.json gave it, if any

    def label(self, page: int | None) -> str | None:
        return (self.labels[page - 1] or None) if page and page <= len(self.labels) else None

    @property
    def id(self) -> str:
        """Unique across folders: a short hash of the folder, then the relative path."""
        return hashlib.sha1(self.root.encode()).hexdigest()[:8] + "/" + self.source


def guess_title(text: str, fallback: str) -> str:
    """A markdown heading or the first non-empty line, shortened to 80 characters."""
    for line in text.splitlines():
        line = line.strip().lstrip("#").strip()
        if line:
            return line if len(line) <= 80 else line[:77].rsplit(" ", 1)[0] + "..."
    return fallback


def stamp(path: Path) -> str:
    """Size and modification time: what says, without reading the file, that it has not changed."""
    st = path.stat()
    return f"{st.st_size}:{st.st_mtime_ns}"


def file_sha256(path: Path) -> str:
    with open(path, "rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def unchanged(path: Path, given_title: str, stored: dict) -> bool:
    """Whether the file is the one `stored` (its first chunk's metadata) was read from, with the same
    given title: by size and time, else by the hash of its bytes. No text is extracted."""
    if not stored.get("stamp") or stored.get("given_title") != given_title:
        return False  # stored before stamps were kept, or titled otherwise now
    return stored["stamp"] == stamp(path) or stored.get("file_sha256") == file_sha256(path)


def read_document(path: Path, root: Path, title: str | None = None) -> Document:
    """Read one file; raises ValueError with the reason (and what to do) when it cannot be read."""
    before = stamp(path)  # taken first: a change while it is read shows as a change next time
    got = extract(path)
    given = title if title and _utf8(title) else ""
    title = given or got.title or guess_title(got.text, path.stem)
    digest = got.digest.copy()  # the hash of the bytes the text was read from, not of a second read
    digest.update(b"\x00" + title.encode())
    return Document(
        root=str(root),
        source=path.relative_to(root).as_posix(),
        title=title,
        text=got.text,
        sha256=digest.hexdigest(),
        pages=got.pages,
        labels=got.labels,
        stamp=before,
        file_sha256=got.digest.hexdigest(),
        given_title=given,
    )


SURROGATES = re.compile("[\ud800-\udfff]")
CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def printable(text: str) -> str:
    """`text` safe to print on a terminal: control characters (escape sequences, bidi overrides) and
    bytes that are not UTF-8 shown escaped, as \\x1b; newlines and tabs kept."""
    text = text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    return CONTROLS.sub(lambda m: m[0].encode("unicode_escape").decode("ascii"), text)


def _utf8(text: str) -> bool:
    return not SURROGATES.search(text)  # bytes that are not UTF-8 reach Python as lone surrogates


def _not_a_document(path: Path, rel: str, folder: Path, allow_outside_links: bool) -> str | None:
    """Why `path` is not read, or None when it is a regular file inside the folder (or an allowed link)."""
    if not _utf8(rel):
        return "its name is not valid UTF-8: rename it"
    if path.name.startswith("."):
        return "a hidden file (its name starts with a dot): rename it to include it"
    try:
        info = path.stat()  # follows a link to its target
    except OSError as e:
        return f"a broken link (to {os.readlink(path)})" if path.is_symlink() else f"cannot be read ({e.strerror})"
    if path.is_symlink() and not allow_outside_links:
        target = Path(os.path.realpath(path))
        if not target.is_relative_to(folder):
            return (
                f"a link to {target}, outside the folder: copy the file into the folder, or set "
                "ASSISTANT_ALLOW_OUTSIDE_LINKS=true (--allow-outside-links) to read it"
            )
    if not stat.S_ISREG(info.st_mode):
        kind = SPECIAL.get(stat.S_IFMT(info.st_mode), "not a file")
        return f"{kind}, not a regular file: only files are read"
    return None  # a file of another type is refused by `extract`, with the reason


def _walk(folder: Path, skipped: list[str]) -> list[Path]:
    """Every file under `folder` (links to folders and hidden folders are named in `skipped`, not entered)."""
    files = []

    def unreadable(e: OSError) -> None:
        skipped.append(f"{printable(Path(e.filename).relative_to(folder).as_posix())}/: cannot be read ({e.strerror})")

    for top, dirs, names in os.walk(folder, onerror=unreadable):
        here = Path(top)
        for d in sorted(dirs):
            rel = printable((here / d).relative_to(folder).as_posix())
            if (here / d).is_symlink():
                skipped.append(f"{rel}/: a link to a folder, not followed: move or copy the folder here instead")
            elif d.startswith("."):
                skipped.append(f"{rel}/: a hidden folder (its name starts with a dot), not read")
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and not (here / d).is_symlink())
        files += [here / n for n in names]
    return sorted(files)


def load_documents(
    folder: Path, allow_outside_links: bool = False, stored: dict[str, dict] | None = None
) -> tuple[list[Document], list[str], list[str]]:
    """The readable documents under `folder`, a list of 'file: reason' for those skipped (file names
    shown printable), and the files left unread because they are unchanged since `stored` ({file: its
    first chunk's metadata}). No file can fail the whole run."""
    folder = Path(folder).expanduser().resolve()
    if not folder.is_dir():
        raise SourceError(
            f"Documents folder not found: {printable(str(folder))}. Set ASSISTANT_SOURCE or --source to a "
            f"folder of documents ({KINDS})."
        )
    if not _utf8(str(folder)):
        raise SourceError(f"The documents folder's name {printable(str(folder))} is not valid UTF-8: rename it.")
    titles = _read_titles(folder / TITLES_FILE)
    known = stored or {}
    docs: list[Document] = []
    skipped: list[str] = []
    same: list[str] = []
    for path in _walk(folder, skipped):
        rel = path.relative_to(folder).as_posix()
        if rel == TITLES_FILE:
            continue
        try:
            reason = _not_a_document(path, rel, folder, allow_outside_links)
            if reason is None and rel in known and unchanged(path, titles.get(rel, ""), known[rel]):
                same.append(rel)
            elif reason is None:
                docs.append(read_document(path, folder, titles.get(rel)))
        except (ValueError, OSError) as e:
            reason = str(e) if isinstance(e, ValueError) else f"cannot be read ({e.strerror or e}): check its permissions"
        if reason is not None:
            skipped.append(f"{printable(rel)}: {printable(reason)}")
    skipped.sort()
    for line in skipped:
        log.warning("skipped %s", line)
    if not docs and not same:
        raise SourceError(
            f"No readable documents in {folder}"
            + (f" ({len(skipped)} skipped: {'; '.join(skipped[:3])})" if skipped else "")
            + f". Add documents ({KINDS}), or point ASSISTANT_SOURCE / --source elsewhere."
        )
    return docs, skipped, same


def _read_titles(path: Path) -> dict[str, str]:
    if not path.exists():
        return {}
    try:
        titles = json.loads(path.read_text(encoding="utf-8"))
        return {str(k): str(v) for k, v in titles.items()}
    except (ValueError, AttributeError, OSError) as e:
        log.warning("ignoring %s: %s", path, e)
        return {}
