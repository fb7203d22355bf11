"""Reading the source folder: which files are documents, their titles and content hashes."""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from pathlib import Path

from .errors import SourceError
from .extraction import KINDS, SUFFIXES, extract

log = logging.getLogger(__name__)

TITLES_FILE = "titles.json"  # optional {file name: title} beside the documents


@dataclass(frozen=True)
class Document:
    root: str  # the absolute source folder it was read from
    source: str  # path relative to that folder, POSIX style
    title: str
    text: str  # exactly `extraction.extract_text` of the file: what is chunked and cited
    sha256: str
    pages: tuple[int, ...] = ()  # where each page starts in `text` (PDF), empty for unpaged formats

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


def read_document(path: Path, root: Path, title: str | None = None) -> Document:
    """Read one file; raises ValueError with the reason (and what to do) when it cannot be read."""
    got = extract(path)
    title = title or got.title or guess_title(got.text, path.stem)
    digest = hashlib.sha256(path.read_bytes() + b"\x00" + title.encode()).hexdigest()
    return Document(root=str(root), source=path.relative_to(root).as_posix(), title=title, text=got.text,
                    sha256=digest, pages=got.pages)


def load_documents(folder: Path) -> tuple[list[Document], list[str]]:
    """All readable documents under `folder`, and a list of 'file: reason' for those skipped."""
    folder = Path(folder).expanduser().resolve()
    if not folder.is_dir():
        raise SourceError(f"Documents folder not found: {folder}. Set ASSISTANT_SOURCE or --source to a folder of documents ({KINDS}).")
    titles = _read_titles(folder / TITLES_FILE)
    docs, skipped = [], []
    for path in sorted(p for p in folder.rglob("*") if p.is_file() and not p.name.startswith(".")):
        rel = path.relative_to(folder).as_posix()
        if path.suffix.lower() not in SUFFIXES:
            if path.name != TITLES_FILE:
                skipped.append(f"{rel}: not a supported file type (supported: {KINDS})")
            continue
        try:
            docs.append(read_document(path, folder, titles.get(rel)))
        except (ValueError, OSError) as e:
            skipped.append(f"{rel}: {e}")
    for line in skipped:
        log.warning("skipped %s", line)
    if not docs:
        raise SourceError(
            f"No readable documents in {folder}"
            + (f" ({len(skipped)} skipped: {'; '.join(skipped[:3])})" if skipped else "")
            + f". Add documents ({KINDS}), or point ASSISTANT_SOURCE / --source elsewhere."
        )
    return docs, skipped


def _read_titles(path: Path) -> dict[str, str]:
    if not path.exists():
        return {}
    try:
        titles = json.loads(path.read_text(encoding="utf-8"))
        return {str(k): str(v) for k, v in titles.items()}
    except (ValueError, AttributeError, OSError) as e:
        log.warning("ignoring %s: %s", path, e)
        return {}
