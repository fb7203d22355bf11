"""The persistent Chroma collection of chunks and their vectors.

Chroma only stores and searches vectors we computed (`embedding_function=None`): it never embeds
or downloads anything. Each chunk's metadata carries its document's hash, so ingest can tell what
changed without a separate manifest.

A document is written in batches with its first chunk last, and only a document with a first
chunk counts as stored: one cut off between batches is redone by the next ingest, never kept half.
A rebuild fills a new store beside this one (`staging`) and swaps it in only when whole (`replace_with`).
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import shutil
from pathlib import Path

import numpy as np
from tenacity import Retrying, stop_after_attempt, wait_exponential

from .chunking import Chunk
from .documents import Document
from .errors import REBUILD_HINT, StoreError

os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
log = logging.getLogger(__name__)
PAGE = 5000  # chunks read per query


class Store:
    """The collection in a local folder (`path`) or, with `server="host:port"`, on a Chroma server."""

    def __init__(self, path: Path, collection: str = "documents", server: str | None = None):
        self.path = Path(path)
        self.name = collection
        self.server = server
        self._coll = None
        self._batch = 0  # the client's largest write, known once the collection is open

    @contextlib.contextmanager
    def _guard(self):
        """Turn any failure of the underlying database into a StoreError that says how to recover."""
        try:
            yield
        except StoreError:
            raise
        except Exception as e:  # chromadb raises many types (sqlite, rust bindings, ValueError)
            locked = "locked" in str(e).lower()
            what = "is locked by another process (close it, or wait)" if locked else "is unreadable or corrupted"
            if self.server:
                what = "failed (is the server still running?)"
            raise StoreError(f"The store at {self.where} {what}: {type(e).__name__}: {e}. {REBUILD_HINT}") from e

    @property
    def where(self) -> str:
        return f"Chroma server {self.server}" if self.server else str(self.path)

    def _client(self):
        import chromadb

        settings = chromadb.Settings(anonymized_telemetry=False, allow_reset=True)
        if not self.server:
            return chromadb.PersistentClient(path=str(self.path), settings=settings)
        host, port = self.server.split("://")[-1].rstrip("/").rsplit(":", 1)
        for attempt in Retrying(stop=stop_after_attempt(3), wait=wait_exponential(0.5, max=2), reraise=True):
            with attempt:
                try:
                    client = chromadb.HttpClient(host=host, port=int(port), settings=settings)
                    client.heartbeat()
                    return client
                except Exception as e:
                    raise StoreError(
                        f"Cannot reach the Chroma server at {self.server} ({type(e).__name__}: {e}). Start it with "
                        f"`chroma run --path DIR --host {host} --port {port}`, or unset ASSISTANT_CHROMA_SERVER "
                        "to use the local store folder."
                    ) from e

    @property
    def collection(self):
        if self._coll is None:
            old = self._old()
            if not self.server and not self.path.exists() and old.is_dir():
                old.rename(self.path)  # a swap cut off between its two renames: keep the store as it was
            if not self.server and self.path.exists() and not self.path.is_dir():
                raise StoreError(
                    f"The store path {self.path} is a file, not a folder. Set ASSISTANT_STORE / --store to a folder."
                )
            with self._guard():
                client = self._client()
                self._coll = client.get_or_create_collection(
                    self.name, embedding_function=None, metadata={"hnsw:space": "cosine"}
                )
                self._batch = client.get_max_batch_size()  # records per write (public ClientAPI)
        return self._coll

    def count(self) -> int:
        with self._guard():
            return self.collection.count()

    def _metadatas(self, index: int, root: str | None = None) -> list[dict]:
        """The metadata of every stored chunk number `index` (0: one per stored document), from `root` if given."""
        where = {"$and": [{"index": index}, {"root": root}]} if root is not None else {"index": index}
        with self._guard():
            return self.collection.get(where=where, include=["metadatas"])["metadatas"]

    def documents(self, root: str) -> dict[str, dict]:
        """{source: its first chunk's metadata (sha256, stamp, recipe...)} of the stored documents from folder `root`."""
        return {m["source"]: dict(m) for m in self._metadatas(0, root)}

    def partial(self, root: str) -> set[str]:
        """Sources from `root` with chunks but no first chunk: written in part when a run was cut off."""
        return {m["source"] for m in self._metadatas(1, root)} - set(self.documents(root))

    def roots(self) -> set[str]:
        return {m["root"] for m in self._metadatas(0)}

    def titles(self) -> list[str]:
        """The stored documents' titles (their file names where they have none), sorted."""
        return sorted(m.get("title") or m["source"] for m in self._metadatas(0))

    def chunks(self) -> list[dict]:
        """Every stored chunk as {id, text, source, title, start, end, sentences...}: the corpus is built from these."""
        records: list[dict] = []
        with self._guard():
            while True:  # in pages: one query for everything hits SQLite's variable limit past ~30k chunks
                got = self.collection.get(include=["documents", "metadatas"], limit=PAGE, offset=len(records))
                records += [_record(i, d, m) for i, d, m in zip(got["ids"], got["documents"], got["metadatas"])]
                if len(got["ids"]) < PAGE:
                    return records

    def add(self, doc: Document, chunks: list[Chunk], vectors: np.ndarray, recipe: str = "") -> None:
        """Store a document's chunks; `recipe` names how they were made (chunking, embedder), so that a
        change of either re-ingests the document."""
        fields = {k: getattr(doc, k) for k in ("root", "source", "title", "sha256", "stamp", "file_sha256", "given_title")}
        metas = [
            {
                **fields,
                "recipe": recipe,
                "index": c.index,
                "start": c.start,
                "end": c.end,
                "page": c.page or 0,
                "page_label": doc.label(c.page) or "",
                "sentences": json.dumps(c.sentences),  # Chroma keeps scalars only
            }
            for c in chunks
        ]
        order = list(range(1, len(chunks))) + [0]  # the first chunk, which marks the document stored, last
        with self._guard():
            coll, batch = self.collection, self._batch
            for b in range(0, len(order), batch):
                part = order[b : b + batch]
                coll.upsert(
                    ids=[chunks[i].id for i in part],
                    documents=[chunks[i].text for i in part],
                    embeddings=vectors[part],
                    metadatas=[metas[i] for i in part],
                )

    def delete(self, root: str, sources: list[str]) -> None:
        if sources:
            with self._guard():
                self.collection.delete(where={"$and": [{"root": root}, {"source": {"$in": list(sources)}}]})

    def query(self, vector: np.ndarray, n: int) -> list[tuple[dict, float]]:
        """The n nearest chunks with their cosine similarity."""
        with self._guard():
            n = min(n, self.collection.count())
            if n == 0:
                return []
            got = self.collection.query(query_embeddings=[vector], n_results=n, include=["documents", "metadatas", "distances"])
        return [
            (_record(i, d, m), 1.0 - dist)
            for i, d, m, dist in zip(got["ids"][0], got["documents"][0], got["metadatas"][0], got["distances"][0])
        ]

    def destroy(self) -> None:
        """Delete the collection (on a server) or the store folder (only if it looks like a Chroma store)."""
        self._coll = None
        if self.server:
            with self._guard():
                client = self._client()
                if self.name in [c.name for c in client.list_collections()]:
                    client.delete_collection(self.name)
        else:
            _forget_clients()
            self.check_replaceable()
            if self.path.exists():
                shutil.rmtree(self.path)

    def check_replaceable(self) -> None:
        """StoreError unless the store folder is absent, empty or a Chroma store: never delete anything else."""
        if not self.server and self.path.is_dir() and any(self.path.iterdir()) and not (self.path / "chroma.sqlite3").exists():
            raise StoreError(f"Refusing to delete {self.path}: it does not look like a Chroma store. Choose another --store.")

    def staging(self) -> Store:
        """An empty store beside this one (`<folder>.rebuild`, or collection `<name>.rebuild` on a server)."""
        staged = (
            Store(self.path, self.name + ".rebuild", self.server)
            if self.server
            else Store(self.path.with_name(self.path.name + ".rebuild"), self.name)
        )
        staged.destroy()  # what a cut-off rebuild left
        return staged

    def replace_with(self, staged: Store) -> None:
        """Make the whole `staged` store this one; the old one is deleted only after the new one is in place."""
        if self.server:
            self.destroy()
            with self._guard():
                staged.collection.modify(name=self.name)
            staged._coll = None
            return
        self._coll = None
        self.check_replaceable()
        staged._coll = None
        _forget_clients()
        old = self._old()
        if old.exists():
            shutil.rmtree(old)
        if self.path.exists():
            self.path.rename(old)
        staged.path.rename(self.path)
        if old.exists():
            shutil.rmtree(old)

    def _old(self) -> Path:
        return self.path.with_name(self.path.name + ".old")


def _forget_clients() -> None:
    """Drop Chroma's cached clients, so the next use opens the folder as it is on disk now
    (`clear_system_cache` is public on ClientAPI, which declares it abstract: the class that implements it)."""
    from chromadb.api.client import SharedSystemClient

    SharedSystemClient.clear_system_cache()


def _record(id: str, text: str, meta: dict) -> dict:
    return {
        "id": id,
        "text": text,
        "file_path": str(Path(meta["root"]) / meta["source"]),
        "page": meta.get("page") or None,
        "page_label": meta.get("page_label") or None,
        "sentences": json.loads(meta.get("sentences") or "[]"),
        **{k: meta[k] for k in ("source", "title", "start", "end")},
    }
