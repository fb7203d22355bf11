"""Bring the store in line with the source folder: incremental, idempotent, and safe to interrupt.

A document is identified by its path in the folder and versioned by a content hash: unchanged ones
are not read or embedded again (`documents.unchanged`), changed ones are replaced, deleted ones removed.
Each document also records its recipe (chunk settings, embedder): a document made with another is made
again. Everything is read, chunked and embedded *before* the store is touched, so a bad file or a crash
while embedding leaves the store as it was; the store keeps a document whole or not at all, and swaps a
`rebuild` in only when the run succeeded (see `store`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from filelock import FileLock, Timeout

from .chunking import CHUNK_VERSION, Chunk, chunk_text
from .documents import Document, load_documents
from .embedding import Embedder
from .errors import StoreBusy
from .extraction import TEXT_VERSION
from .models import IngestReport
from .store import Store

log = logging.getLogger(__name__)

Progress = Callable[[int, int], None]  # (chunks done, chunks total)


def recipe(chunk_chars: int, chunk_overlap: int, embedder: str) -> str:
    """How a document's chunks were made: stored with them, compared on every ingest (a new extraction
    or chunk version, chunk settings or embedder makes every document again)."""
    chunks = f"chunks v{CHUNK_VERSION} of {chunk_chars} characters, {chunk_overlap} sentence(s) overlap"
    return f"text v{TEXT_VERSION}; {chunks}; {embedder}"


def plan(source: Path, store: Store, made_with: str, allow_outside_links: bool = False):
    """What ingest would do: (folder, documents to embed, sources to delete, report). A stored document
    made with another `recipe` counts as changed."""
    root = str(Path(source).expanduser().resolve())
    stored = store.documents(root)
    current = {k: m for k, m in stored.items() if m.get("recipe") == made_with}
    docs, skipped, same = load_documents(source, allow_outside_links, current)  # `same`: unchanged, not read
    todo = [d for d in docs if current.get(d.source, {}).get("sha256") != d.sha256]
    removed = sorted((set(stored) | store.partial(root)) - {d.source for d in docs} - set(same))
    report = IngestReport(
        added=sum(d.source not in stored for d in todo),
        updated=sum(d.source in stored for d in todo),
        removed=len(removed),
        unchanged=len(docs) - len(todo) + len(same),
        skipped=skipped,
    )
    return root, todo, removed, report


def ingest(
    source: Path,
    store: Store,
    embedder: Embedder,
    *,
    chunk_chars: int,
    chunk_overlap: int,
    rebuild: bool = False,
    progress: Progress | None = None,
    chunker: Callable[[Document], list[Chunk]] | None = None,
    allow_outside_links: bool = False,
) -> IngestReport:
    """Sync the store with the folder `source`; `chunker(document)` defaults to sentence-aware chunks."""
    chunker = chunker or (lambda d: chunk_text(d.text, d.id, chunk_chars, chunk_overlap, d.pages))
    made_with = recipe(chunk_chars, chunk_overlap, embedder.name)

    def sync(target: Store) -> IngestReport:
        root, todo, removed, report = plan(source, target, made_with, allow_outside_links)
        chunked = [(d, chunker(d)) for d in todo]
        texts = [c.text for _, cs in chunked for c in cs]
        done = 0

        def step(n: int) -> None:
            nonlocal done
            done += n
            if progress:
                progress(done, len(texts))

        step(0)
        vectors = embedder.embed(texts, progress=step)
        target.delete(root, removed + [d.source for d in todo])  # a changed document may now have fewer chunks
        offset = 0
        for doc, chunks in chunked:
            target.add(doc, chunks, vectors[offset : offset + len(chunks)], made_with)
            offset += len(chunks)
        report.chunks_embedded = len(texts)
        return report

    store.path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with FileLock(str(store.path) + ".lock", timeout=5):  # one writer at a time per store folder
            if not rebuild:
                report = sync(store)
            else:
                store.check_replaceable()  # refuse before any work
                staged = store.staging()
                try:
                    report = sync(staged)
                except BaseException:
                    staged.destroy()  # the old store stays as it was
                    raise
                store.replace_with(staged)
    except Timeout:
        raise StoreBusy(
            f"Another process is writing to the store at {store.path} (lock {store.path}.lock is held). "
            "Wait for it to finish; if no other assistant is running, delete the lock file."
        ) from None
    log.info("ingest: %s", report.summary())
    return report
